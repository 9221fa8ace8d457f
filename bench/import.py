"""Benchmark: `smsgate consents import` of a big CSV list on PostgreSQL (target >= 2,000 rows/s).

Not a test. It:

1. empties the PostgreSQL database given (`--database`, default `smsgate_bench_import`; its
   `public` schema is dropped and made again, nothing else on the server is touched),
   migrates it with `flask --app wsgi db upgrade` and adds brand Acme;
2. writes a CSV of `--rows` (default 1,000,000) rows: 90 % opt-ins with full evidence
   (time, consent text, URL, IP, user agent), 9 % opt-outs, 1 % rows the importer must
   refuse (invalid numbers), every number distinct;
3. times `smsgate consents import FILE --brand Acme` (a subprocess, as an operator runs it)
   from start to exit, and reports rows/s over all rows read, and the entries written.

    python bench/import.py --database smsgate_bench_import
    python bench/import.py --rows 100000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import psycopg

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
TARGET_ROWS_PER_SECOND = 2000
EVIDENCE = ("2024-05-01T12:00:00Z,\"Yes, send me Acme offers. Msg & data rates may apply. "
            "Reply STOP to cancel.\",https://acme.example/join,198.51.100.7,"
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def write_list(path: str, rows: int) -> None:
    """The CSV: number,action and the evidence columns; distinct valid US numbers."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("number,action,time,consent_text,url,ip,user_agent\r\n")
        for i in range(rows):
            number = f"+1{628 + i // 8_000_000}{2 + (i // 1_000_000) % 8}{i % 1_000_000:06d}"
            if i % 100 == 99:
                out.write(f"555-01{i % 10},opt_in,{EVIDENCE}\r\n")  # too short: refused
            elif i % 10 == 9:
                out.write(f"{number},opt_out,,,,,\r\n")
            else:
                out.write(f"{number},opt_in,{EVIDENCE}\r\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", default="smsgate_bench_import")
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    args = parser.parse_args()
    url = f"postgresql://{args.pg_user}@{args.pg_host}/{args.database}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    env = dict(os.environ)
    env.pop("SMSGATE_DEV", None)
    env.update(DATABASE_URL=url.replace("postgresql://", "postgresql+psycopg://"),
               REDIS_URL=args.redis_url, SMSGATE_LOG_PLAIN="1",
               PATH=BIN + os.pathsep + env.get("PATH", ""))
    flask = [f"{BIN}/flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=300)
    subprocess.run([*flask, "smsgate", "brand", "create", "--name", "Acme", "--number",
                    "+14155550100"], cwd=ROOT, env=env, check=True, capture_output=True,
                   timeout=120)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "list.csv")
        log(f"writing {args.rows:,} rows ...")
        write_list(path, args.rows)
        log(f"importing ({os.path.getsize(path) / 1e6:.0f} MB) ...")
        started = time.perf_counter()
        done = subprocess.run([*flask, "smsgate", "consents", "import", path, "--brand", "Acme"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=7200)
        elapsed = time.perf_counter() - started
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-500:]
    with psycopg.connect(url) as conn:
        entries = conn.execute("select count(*) from ledger_entries").fetchone()[0]
    if done.returncode not in (0, 1):  # 1: some rows refused, as the file intends
        sys.exit(f"the import failed (exit {done.returncode}): {done.stderr[-2000:]}")
    rate = args.rows / elapsed
    verdict = "met" if rate >= TARGET_ROWS_PER_SECOND else "MISSED"
    print(f"rows={args.rows} seconds={elapsed:.1f} rows_per_second={rate:.0f} "
          f"entries={entries} exit={done.returncode} ({summary}) "
          f"target>={TARGET_ROWS_PER_SECOND}: {verdict}")


if __name__ == "__main__":
    main()
