"""Benchmark: the audit page's overview on a large ledger (PostgreSQL).

Not a test. It wipes the database at `--database-url` (the schema `public`), migrates it,
fills the ledger with `--entries` rows spread over 120 days in one INSERT ... SELECT
generate_series (hashes are stand-ins linked to each other, since the overview reads none of
them; `ledger verify` would reject them), writes a signed checkpoint `--since-checkpoint`
entries behind the head, then times, `--rounds` times each (median):

* the 90-day counts (`smsgate.audit.overview.daily_counts`, one GROUP BY);
* the recent opt-outs;
* the checkpoint's extension check (the entries since the checkpoint);
* the whole page, `GET /audit` for a signed-in auditor, through Flask's test client.

    python bench/overview.py --database-url postgresql+psycopg://postgres@127.0.0.1/smsgate_x
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import flask_migrate  # noqa: E402
from sqlalchemy import text  # noqa: E402

from smsgate import create_app  # noqa: E402
from smsgate.accounts.apikeys import issue_key  # noqa: E402
from smsgate.accounts.brands import create_brand  # noqa: E402
from smsgate.audit import overview  # noqa: E402
from smsgate.config import Settings  # noqa: E402
from smsgate.consent import checkpoint_note, checkpoints  # noqa: E402
from smsgate.extensions import db  # noqa: E402
from smsgate.models import utcnow  # noqa: E402

# Stand-in hashes: entry n's is md5(n) twice (64 hex digits); entry 1 links to the genesis.
FILL = """
INSERT INTO ledger_entries (id, recorded_at, number, brand_id, scope, action, source,
                            keyword, raw_text, message_sid, evidence, api_key_id, prev_hash,
                            entry_hash)
SELECT n, :start + (n::bigint * :span / :count) * interval '1 second',
       '+1415' || lpad((n % 9000000)::text, 7, '0'), (ARRAY[:b1, :b2, :b3])[1 + n % 3],
       CASE WHEN n % 97 = 0 THEN 'all' ELSE 'brand' END,
       CASE WHEN n % 4 = 0 THEN 'opt_out' ELSE 'opt_in' END,
       (ARRAY['sms', 'api', 'provider', 'import'])[1 + (n / 7) % 4],
       NULL, NULL, NULL, '{}', NULL,
       CASE WHEN n = 1 THEN repeat('0', 64) ELSE md5((n - 1)::text) || md5((n - 1)::text) END,
       md5(n::text) || md5(n::text)
FROM generate_series(1, :count) AS n
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def timed(rounds: int, work: Callable[[], object]) -> float:
    """The median wall time of `work`, in milliseconds."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a database this may wipe")
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--since-checkpoint", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    instance = tempfile.mkdtemp(prefix="smsgate-bench-overview-")
    settings = Settings(database_url=args.database_url, redis_url=None,
                        embedded_redis_path=os.path.join(instance, "redis.db"),
                        twilio_account_sid="AC" + "0" * 32, twilio_auth_token="bench",
                        secret_key="bench-secret-key-" + "0" * 32)
    app = create_app(settings, instance_path=instance)
    app.config["TESTING"] = True
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        flask_migrate.upgrade()
        brands = [create_brand(db.session, name, [number]).id for name, number in (
            ("Acme", "+14155550100"), ("Bolt", "+14155550101"), ("Cove", "+14155550102"))]
        secret = issue_key(db.session, "auditor", None).secret
        db.session.commit()

        log(f"filling {args.entries:,} entries ...")
        started = time.perf_counter()
        span = int(timedelta(days=120).total_seconds())
        db.session.execute(text(FILL), {
            "start": utcnow() - timedelta(days=120), "span": span, "count": args.entries,
            "b1": brands[0], "b2": brands[1], "b3": brands[2]})
        head = hashlib.md5(str(args.entries).encode()).hexdigest() * 2
        db.session.execute(text("UPDATE ledger_head SET last_id = :n, last_hash = :h"),
                           {"n": args.entries, "h": head})
        db.session.commit()
        db.session.execute(text("ANALYZE ledger_entries"))
        db.session.commit()
        log(f"  filled in {time.perf_counter() - started:.1f} s")

        size = args.entries - args.since_checkpoint
        hashed = hashlib.md5(str(size).encode()).hexdigest() * 2
        store = checkpoints.CheckpointStore.of(settings, instance)
        point = checkpoint_note.Checkpoint(size, hashed, utcnow().replace(microsecond=0))
        store.write(point, checkpoint_note.sign(point, store.private_key()))

        today = utcnow().date()
        results = {
            "90-day counts (GROUP BY)": timed(args.rounds, lambda: overview.daily_counts(
                db.session, None, today)),
            "90-day counts, one brand": timed(args.rounds, lambda: overview.daily_counts(
                db.session, brands[0], today)),
            "recent opt-outs": timed(args.rounds, lambda: overview.recent_opt_outs(
                db.session, None)),
            f"checkpoint extension ({args.since_checkpoint:,} entries)": timed(
                args.rounds, lambda: checkpoints.extends(db.session, point)),
        }
        assert checkpoints.extends(db.session, point) is None
        db.session.rollback()
        client = app.test_client()
        client.post("/audit/session", data={"key": secret})
        page = client.get("/audit")
        assert page.status_code == 200 and b'<rect class="bar' in page.data
        results["GET /audit (whole page)"] = timed(args.rounds, lambda: client.get("/audit"))
        rows = len(overview.daily_counts(db.session, None, today))
    print(f"{args.entries:,} entries over 120 days; the counts return {rows} grouped rows")
    for name, ms in results.items():
        print(f"{name:45s} {ms:9.1f} ms (median of {args.rounds})")


if __name__ == "__main__":
    main()
