"""Migration 0007 on a big ledger: converting 1,000,000 old-format entries on PostgreSQL.

1. creates a fresh database (default `smsgate_bench_migrate`), migrates it to revision 0002
   (the ledger format before salted digests), adds bench/export.py's brands and key;
2. fills the ledger with `--entries` entries of bench/export.py's mix, hashed as revision
   0002 did (the migration's own frozen `_old_hash`), by COPY;
3. times `flask --app wsgi db upgrade` (0006 -> 0007: verify the old chain, hash every entry
   again in the new format, entry 1 linking to the old head), then `smsgate ledger verify`.

    python bench/migrate_ledger.py [--entries 1000000]

Results: docs/benchmarks.md, "Converting the ledger (migration 0007)".
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import export  # noqa: E402  (bench/export.py: database, brands, entries)

OLD_COLUMNS = tuple(c for c in export.COPY_COLUMNS if c not in ("salt", "digests"))


def old_hash():
    """Migration 0007's frozen hash of revisions 0002 to 0006 (the migration file is not a
    package)."""
    path = os.path.join(export.ROOT, "migrations", "versions", "0007_personal_data.py")
    spec = importlib.util.spec_from_file_location("migration_0007", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._old_hash


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--database", default="smsgate_bench_migrate")
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    env = export.app_env(args)
    try:
        export.log(f"creating {args.database} at revision 0002 with {args.entries:,} entries")
        export.recreate_database(args)
        export.setup_schema_and_key(args, env, revision="0006")
        started = time.perf_counter()
        export.fill_ledger(args, seal=old_hash(), columns=OLD_COLUMNS)
        export.log(f"  filled in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        subprocess.run([f"{export.BIN}/flask", "--app", "wsgi", "db", "upgrade"],
                       cwd=export.ROOT, env=env, check=True, capture_output=True)
        upgrade = time.perf_counter() - started
        verdict, verify, peak = export.time_cli_verify(env, 3600)
        print(f"entries: {args.entries:,}")
        print(f"db upgrade 0006 -> 0007: {upgrade:.1f} s = {args.entries / upgrade:,.0f} "
              "entries/s")
        print(f"ledger verify afterwards: {verify:.1f} s, peak RSS {peak / 2**20:.0f} MiB: "
              f"{verdict}")
    finally:
        if not args.keep:
            export.drop_database(args)


if __name__ == "__main__":
    main()
