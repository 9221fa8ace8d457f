"""Benchmark: the streamed ledger CSV export, and `smsgate ledger verify`, on a big ledger.

Not a test. It:

1. creates a fresh PostgreSQL database (default `smsgate_bench_export`), migrates it with
   `flask --app wsgi db upgrade`, adds brands and an auditor key;
2. fills the ledger with `--entries` (default 1,000,000) entries whose chain hashes are
   computed in Python with `smsgate.consent.ledger.compute_hash` and streamed in with
   PostgreSQL COPY, then points the ledger head at the last one (so `verify` passes). The
   entries mix SMS keywords, STOPALLs, web-form consents with evidence, and formula-like
   texts that the export must neutralise. (consent_state is not filled: neither the export
   nor verify reads it);
3. starts gunicorn (`wsgi:app`, one sync worker, 127.0.0.1 only) and times
   `GET /api/v1/ledger.csv` to its last byte with curl, `--rounds` times, sampling the worker's
   RSS (psutil) to report its peak growth over the RSS it had before the request;
4. times `psql -c "\\copy (select <the same rows>) to stdout csv"` the same number of times:
   the floor a database can stream those rows at; reports the ratio export / psql;
5. times `smsgate ledger verify` (a subprocess, peak RSS sampled too) and
   `GET /api/v1/ledger/verify`.

Everything targets 127.0.0.1; each request has a timeout; every process started is stopped
by its PID (also on Ctrl-C), and the database is dropped at the end unless `--keep`.

    python bench/export.py                      # 1,000,000 entries, 3 rounds
    python bench/export.py --entries 100000 --rounds 1
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Self

import psutil
import psycopg

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

# smsgate is imported from this checkout, so only after ROOT is on the path.
from smsgate.consent import personal  # noqa: E402
from smsgate.consent.ledger import canonical_json, compute_hash  # noqa: E402
from smsgate.models import GENESIS_HASH  # noqa: E402

BIN = os.path.dirname(sys.executable)
COPY_COLUMNS = ("id", "recorded_at", "number", "brand_id", "scope", "action", "source",
                "keyword", "raw_text", "message_sid", "evidence", "api_key_id", "salt",
                "digests", "prev_hash", "entry_hash")
PSQL_SELECT = (
    "select e.id, e.recorded_at, e.number, b.name, e.brand_id, e.scope, e.action, e.source, "
    "e.keyword, e.raw_text, e.message_sid, e.evidence, e.api_key_id, e.entry_hash, "
    "e.prev_hash from ledger_entries e join brands b on b.id = e.brand_id order by e.id")
BRANDS = (("Acme", "+14155550100"), ("Bolt", "+14155550101"), ("Corvid", "+14155550102"),
          ("Delta Dental", "+14155550103"), ("Ember", "+14155550104"))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def admin_url(args) -> str:
    return f"postgresql://{args.pg_user}@{args.pg_host}/postgres"


def recreate_database(args) -> None:
    with psycopg.connect(admin_url(args), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.database}"')


def drop_database(args) -> None:
    with psycopg.connect(admin_url(args), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')


def app_env(args) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("SMSGATE_DEV", None)
    env.update(DATABASE_URL=f"postgresql+psycopg://{args.pg_user}@{args.pg_host}/{args.database}",
               REDIS_URL=args.redis_url, SMSGATE_LOG_PLAIN="1",
               # SMSGATE_DEV refuses PostgreSQL; nothing here reaches Twilio.
               TWILIO_ACCOUNT_SID="AC" + "0" * 32, TWILIO_AUTH_TOKEN="bench-export",
               SMSGATE_SECRET_KEY="bench-export-secret-key-0123456789abcdef",
               SMSGATE_PSEUDONYM_KEY="bench-export-pseudonym-key-0123456789abcdef",
               PATH=BIN + os.pathsep + env.get("PATH", ""))
    return env


def setup_schema_and_key(args, env, revision: str = "head") -> str:
    """Migrate (to `revision`), add the brands, and return a new auditor key."""
    subprocess.run([f"{BIN}/flask", "--app", "wsgi", "db", "upgrade", revision], cwd=ROOT,
                   env=env, check=True, capture_output=True, timeout=300)
    for name, number in BRANDS:
        subprocess.run([f"{BIN}/flask", "--app", "wsgi", "smsgate", "brand", "create",
                        "--name", name, "--number", number], cwd=ROOT, env=env, check=True,
                       capture_output=True, timeout=120)
    done = subprocess.run([f"{BIN}/flask", "--app", "wsgi", "smsgate", "key", "create",
                           "--role", "auditor", "--label", "bench"], cwd=ROOT, env=env,
                          check=True, capture_output=True, text=True, timeout=120)
    return done.stdout.strip().splitlines()[-1]


def entries(count: int, brand_ids: list[int], key_id: int, seal=None, columns=COPY_COLUMNS):
    """Yield `count` chained rows (in `columns` order) and finally their last hash.

    `seal(row)` gives a row its hash; by default the current format (salted digests of its
    personal values, `smsgate.consent.personal`). bench/migrate_ledger.py passes the old one.
    """
    prev, start = GENESIS_HASH, datetime(2025, 1, 1, tzinfo=UTC)
    for i in range(1, count + 1):
        brand_id = brand_ids[i % len(brand_ids)]
        row = {"id": i, "recorded_at": start + timedelta(seconds=30 * i),
               "number": f"+1628{i % 250_000:07d}", "brand_id": brand_id, "scope": "brand",
               "keyword": None, "raw_text": None, "message_sid": None, "api_key_id": None,
               "prev_hash": prev}
        if i % 97 == 0:
            row.update(scope="all", action="opt_out", source="sms", keyword="STOPALL",
                       raw_text="STOP ALL", message_sid=f"SM{i:032x}",
                       evidence=canonical_json({"to": BRANDS[0][1]}))
        elif i % 10 == 0:
            row.update(action="opt_in", source="api", api_key_id=key_id,
                       evidence=canonical_json({
                           "consent_text": "Yes, send me offers. Msg & data rates may apply. "
                                           "Reply STOP to cancel.",
                           "url": f"https://brand{brand_id}.example/join?ref={i}",
                           "ip": f"198.51.100.{i % 250}",
                           "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac "
                                         "OS X) AppleWebKit/605.1.15 Mobile/15E148"}))
        else:
            stop = i % 2 == 0
            text = "=HYPERLINK(\"http://x\")" if i % 1000 == 1 else (
                "Stop texting me please" if stop else "START")
            row.update(action="opt_out" if stop else "opt_in", source="sms",
                       keyword="STOP" if stop else "START", raw_text=text,
                       message_sid=f"SM{i:032x}",
                       evidence=canonical_json({"to": BRANDS[0][1]}))
        prev = row["entry_hash"] = (seal or _seal)(row)
        yield tuple(row[name] for name in columns)
    yield prev


def _seal(row: dict) -> str:
    """The current format: salt and digests set on `row`, its hash returned."""
    row["salt"] = personal.new_salts(1)[0]
    evidence, row["digests"] = personal.commit(row["salt"], row["number"], row["raw_text"],
                                               json.loads(row["evidence"]))
    return compute_hash(row, evidence)


def fill_ledger(args, seal=None, columns=COPY_COLUMNS) -> None:
    """COPY `args.entries` chained entries in and point the head at the last (see
    `entries` for `seal` and `columns`)."""
    url = f"postgresql://{args.pg_user}@{args.pg_host}/{args.database}"
    with psycopg.connect(url) as conn:
        brand_ids = [row[0] for row in conn.execute("select id from brands order by id")]
        key_id = conn.execute("select max(id) from api_keys").fetchone()[0]
        last = GENESIS_HASH
        copy_sql = f"COPY ledger_entries ({', '.join(columns)}) FROM STDIN"
        with conn.cursor() as cursor, cursor.copy(copy_sql) as copy:
            for item in entries(args.entries, brand_ids, key_id, seal, columns):
                if isinstance(item, str):
                    last = item
                else:
                    copy.write_row(item)
        conn.execute("update ledger_head set last_id = %s, last_hash = %s where id = 1",
                     (args.entries, last))
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE ledger_entries")


class RssSampler:
    """Sample a process's resident set size every few milliseconds in a thread."""

    def __init__(self, pid: int, every: float = 0.02) -> None:
        self.process, self.every = psutil.Process(pid), every
        self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(self.every)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def http_get(port: int, path: str, key: str, timeout: float) -> tuple[int, int, float]:
    """GET `path` with curl, discarding the body; (status, bytes, seconds). curl, not
    http.client: decoding a chunked body in Python would take a core from the server."""
    with tempfile.NamedTemporaryFile("w", suffix=".hdr") as header:
        header.write(f"Authorization: Bearer {key}\n")  # a file: keys stay out of `ps`
        header.flush()
        done = subprocess.run(
            ["curl", "-sS", "-o", "/dev/null", "--max-time", str(int(timeout)),
             "-H", f"@{header.name}", "-w", "%{http_code} %{size_download} %{time_total}",
             f"http://127.0.0.1:{port}{path}"],
            capture_output=True, text=True, timeout=timeout + 10, check=True)
    status, size, seconds = done.stdout.split()
    return int(status), int(float(size)), float(seconds)


def start_gunicorn(env, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [f"{BIN}/gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--worker-class", "sync", "--timeout", "900"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            pass
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited")
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def time_psql(args) -> tuple[int, float]:
    started = time.perf_counter()
    process = subprocess.Popen(
        ["psql", "-h", args.pg_host, "-U", args.pg_user, "-d", args.database, "-X", "-q",
         "-c", f"\\copy ({PSQL_SELECT}) to stdout csv header"], stdout=subprocess.PIPE)
    size = 0
    try:
        while chunk := process.stdout.read(1 << 20):
            size += len(chunk)
        process.wait(timeout=args.timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return size, time.perf_counter() - started


def time_cli_verify(env, timeout: float) -> tuple[str, float, int]:
    started = time.perf_counter()
    process = subprocess.Popen([f"{BIN}/flask", "--app", "wsgi", "smsgate", "ledger", "verify"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        with RssSampler(process.pid, every=0.05) as sampler:
            out, _ = process.communicate(timeout=timeout)
    finally:
        stop(process)
    return out.strip(), time.perf_counter() - started, sampler.peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", default="smsgate_bench_export")
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--timeout", type=float, default=900, help="per request, seconds")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    env = app_env(args)
    gunicorn = None
    mb = 1024 * 1024
    try:
        log(f"creating {args.database} and {args.entries:,} entries ...")
        recreate_database(args)
        key = setup_schema_and_key(args, env)
        started = time.perf_counter()
        fill_ledger(args)
        log(f"  filled in {time.perf_counter() - started:.1f} s")

        port = free_port()
        gunicorn = start_gunicorn(env, port)
        worker = psutil.Process(gunicorn.pid).children()[0]
        # Warm the worker (imports, pools, first query plans) before the baseline RSS.
        http_get(port, "/api/v1/ledger.csv?number=%2B16280000001", key, args.timeout)

        exports, growths, psqls = [], [], []
        for round_no in range(1, args.rounds + 1):
            before = worker.memory_info().rss
            with RssSampler(worker.pid) as sampler:
                status, size, seconds = http_get(port, "/api/v1/ledger.csv", key, args.timeout)
            if status != 200:
                raise RuntimeError(f"export answered {status}")
            exports.append(seconds)
            growths.append((sampler.peak - before) / mb)
            psql_size, psql_seconds = time_psql(args)
            psqls.append(psql_seconds)
            log(f"round {round_no}: export {seconds:.2f} s ({size / mb:.0f} MiB, "
                f"RSS +{growths[-1]:.1f} MiB), psql \\copy {psql_seconds:.2f} s "
                f"({psql_size / mb:.0f} MiB), ratio {seconds / psql_seconds:.2f}")

        status, _, http_verify = http_get(port, "/api/v1/ledger/verify", key, args.timeout)
        stop(gunicorn)
        gunicorn = None
        verdict, cli_verify, verify_peak = time_cli_verify(env, args.timeout)

        export, psql = statistics.median(exports), statistics.median(psqls)
        ratios = [e / p for e, p in zip(exports, psqls, strict=True)]
        print(f"entries: {args.entries:,}; rounds: {args.rounds} (medians)")
        print(f"export over HTTP (gunicorn, 1 sync worker): {export:.2f} s "
              f"= {args.entries / export:,.0f} rows/s")
        print(f"psql \\copy of the same rows:                {psql:.2f} s")
        print(f"ratio export / psql (per round, median):    {statistics.median(ratios):.2f} "
              f"(min {min(ratios):.2f}, max {max(ratios):.2f}; target <= 3)")
        print(f"worker peak RSS growth during the export:   {max(growths):.1f} MiB "
              f"(target < 50)")
        print(f"smsgate ledger verify:                      {cli_verify:.2f} s, peak RSS "
              f"{verify_peak / mb:.0f} MiB -> {verdict}")
        print(f"GET /api/v1/ledger/verify:                  {http_verify:.2f} s "
              f"(status {status})")
    finally:
        stop(gunicorn)
        if not args.keep:
            drop_database(args)


if __name__ == "__main__":
    main()
