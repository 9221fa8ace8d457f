"""Benchmark: signed inbound STOP/START webhooks per second that smsgate *records*.

Not a test. Each round:

1. creates a fresh PostgreSQL database (default `smsgate_bench_webhook`), migrates it with
   `flask --app wsgi db upgrade`, creates one brand, and flushes a Redis db of its own
   (default 11);
2. starts gunicorn serving smsgate with the Procfile's `web:` settings (bound to
   127.0.0.1 instead), warms it for a few seconds, then lets `wrk` post pre-generated,
   correctly signed inbound texts for `--duration` seconds: STOP and START alternating, each
   from a distinct number with a distinct MessageSid;
3. stops gunicorn, counts what was committed (an inbound row with its outbox row and its
   ledger entry: "recorded"), and runs `smsgate ledger verify`;
4. serves `bench/bare_app.py` (a Flask app that only answers `<Response/>`) with the same
   gunicorn settings and the same wrk load, for the ratio smsgate / bare.

It prints each round and the median, min and max over rounds. The load generator is wrk
(Debian package `wrk`) with `bench/webhook.lua`; it only ever targets 127.0.0.1 and stops by
itself after the warm-up and the measured run. Every process the script starts is stopped
by the PID it recorded, also on Ctrl-C.

    python bench/webhook.py                     # 5 rounds, Procfile settings, 32 connections
    python bench/webhook.py --rounds 5 --connections 16     # fewer in flight: smaller batches
    python bench/webhook.py --gunicorn-args "--worker-class gthread --workers 4 --threads 4"
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import phonenumbers
import psycopg
from twilio.request_validator import RequestValidator

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
LUA = BENCH / "webhook.lua"
PATH = "/webhooks/twilio/inbound"
ACCOUNT_SID = "AC" + "be" * 16
AUTH_TOKEN = "bench-auth-token-0123456789abcdef"
SECRET_KEY = "bench-secret-key-0123456789abcdef0123456789"
BRAND_NUMBER = "+14155550100"
AREA_CODES = ("212", "213", "305", "312", "404", "415", "512", "617", "646", "702")
MAIN_TAG, WARM_TAG = "00", "ee"  # the first two hex digits of a MessageSid after "SM"


def procfile_gunicorn_args() -> list[str]:
    """The gunicorn options of the Procfile's `web:` line, without `--bind`."""
    for line in (REPO / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            tail = line.split("gunicorn wsgi:app", 1)[1]
            words, args, skip = shlex.split(tail), [], False
            for word in words:
                if skip:
                    skip = False
                elif word == "--bind":
                    skip = True
                elif not word.startswith("--bind="):
                    args.append(word)
            return args
    raise SystemExit("Procfile has no web: line")


def numbers(count: int, start: int = 0) -> list[str]:
    """`count` distinct valid US numbers (E.164), deterministic, none the brand's own."""
    found, i = [], start
    while len(found) < count:
        area = AREA_CODES[i % len(AREA_CODES)]
        rest = i // len(AREA_CODES)
        candidate = f"+1{area}{200 + rest // 10000:03d}{rest % 10000:04d}"
        i += 1
        parsed = phonenumbers.parse(candidate, "US")
        if candidate != BRAND_NUMBER and phonenumbers.is_valid_number(parsed):
            found.append(candidate)
    return found


def write_requests(path: Path, url: str, tag: str, senders: list[str]) -> None:
    """One signed webhook per line, "signature<TAB>body": what Twilio posts for a text."""
    validator = RequestValidator(AUTH_TOKEN)
    with path.open("w") as out:
        for i, sender in enumerate(senders):
            sid = f"SM{tag}{i:030x}"
            params = {
                "ToCountry": "US", "ToState": "CA", "SmsMessageSid": sid, "NumMedia": "0",
                "ToCity": "SAN FRANCISCO", "FromZip": "94105", "SmsSid": sid,
                "FromState": "CA", "SmsStatus": "received", "FromCity": "SAN FRANCISCO",
                "Body": "STOP" if i % 2 == 0 else "START", "FromCountry": "US",
                "To": BRAND_NUMBER, "ToZip": "94105", "NumSegments": "1",
                "MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": sender,
                "ApiVersion": "2010-04-01",
            }
            signature = validator.compute_signature(url, params)
            out.write(f"{signature}\t{urlencode(params)}\n")


class Server:
    """A gunicorn process group this script started, stopped by its recorded PID."""

    def __init__(self, target: str, port: int, gunicorn_args: list[str], env: dict[str, str],
                 log: Path, cwd: Path) -> None:
        command = [str(Path(sys.executable).with_name("gunicorn")), target,
                   "--bind", f"127.0.0.1:{port}", *gunicorn_args]
        self.log = log.open("ab")
        self.process = subprocess.Popen(command, cwd=cwd, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self.port = port

    def wait_ready(self, path: str, timeout: float = 30) -> None:
        """Poll until `path` answers (any HTTP status), or fail."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}; "
                                 f"see {self.log.name}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=2)
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer on port {self.port}; see {self.log.name}")

    def stop(self) -> None:
        """SIGTERM the group (graceful: in-flight requests finish), SIGKILL after 20 s."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def run_wrk(port: int, requests_file: Path, seconds: float, threads: int,
            connections: int) -> dict:
    """Run wrk against 127.0.0.1:`port`; return the figures webhook.lua prints, and how its
    connections were split between gunicorn's workers a second in."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "5s",
               "-s", str(LUA), f"http://127.0.0.1:{port}{PATH}", "--",
               str(requests_file), str(threads)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as wrk:
        time.sleep(min(1.0, seconds / 2))
        split = connections_per_process(port)
        out, err = wrk.communicate(timeout=seconds + 60)
    if wrk.returncode != 0:
        raise SystemExit(f"wrk failed ({wrk.returncode}):\n{out}{err}")
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    figures = json.loads(line[len("WRKJSON "):])
    figures["rate"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["split"] = split
    return figures


def connections_per_process(port: int) -> list[int]:
    """Established connections to `port` held by each process (most first), from `ss`;
    empty where there is no `ss`. Each gevent worker keeps the keep-alive connections it
    accepted for the whole run, so an uneven split makes one worker's batches small."""
    try:
        listing = subprocess.run(["ss", "-Htnp", "state", "established", "sport", "=",
                                  f":{port}"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return []
    held = Counter(match.group(1) for match in re.finditer(r"pid=(\d+)", listing.stdout))
    return sorted(held.values(), reverse=True)


def cpu_seconds(group: int) -> dict[str, float]:
    """CPU seconds (user + system) used so far by gunicorn's process group, by PostgreSQL
    and by Redis: read from /proc, so only on Linux (empty elsewhere)."""
    totals = {"gunicorn": 0.0, "postgres": 0.0, "redis": 0.0}
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            comm, _, rest = stat.read_text().rpartition(")")
        except OSError:  # exited meanwhile
            continue
        fields = rest.split()
        used = (int(fields[11]) + int(fields[12])) / tick
        name = comm.partition("(")[2]
        if int(fields[2]) == group:
            totals["gunicorn"] += used
        elif name == "postgres":
            totals["postgres"] += used
        elif name.startswith("redis-server"):
            totals["redis"] += used
    return totals


def batch_counts(env: dict[str, str]) -> int:
    """How many group commits smsgate has counted so far (`smsgate_inbound_batches_total`)."""
    counts = subprocess.run(["redis-cli", "-u", env["REDIS_URL"], "hvals",
                             "smsgate:metrics:inbound_batches_total"],
                            capture_output=True, text=True, check=True)
    return sum(int(value) for value in counts.stdout.split())


def pg_admin(admin_url: str, *statements: str) -> None:
    """Run statements outside a transaction (CREATE/DROP DATABASE)."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def flask(args: list[str], env: dict[str, str]) -> str:
    """Run `flask --app wsgi ...` in the repository; return its stdout."""
    flask_bin = str(Path(sys.executable).with_name("flask"))
    result = subprocess.run([flask_bin, "--app", "wsgi", *args], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=600, check=False)
    if result.returncode not in (0, 1):
        raise SystemExit(f"flask {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout.strip() or result.stderr.strip()


def recorded(db_url: str, tag: str) -> dict:
    """What the measured run committed: rows of each kind, and complete webhooks."""
    like = f"SM{tag}%"
    with psycopg.connect(db_url) as conn:
        one = conn.execute
        return {
            "inbound": one("SELECT count(*) FROM inbound_messages WHERE message_sid LIKE %s",
                           (like,)).fetchone()[0],
            "ledger": one("SELECT count(*) FROM ledger_entries WHERE message_sid LIKE %s",
                          (like,)).fetchone()[0],
            "outbox": one("SELECT count(*) FROM outbox o JOIN inbound_messages m "
                          "ON m.id = o.inbound_id WHERE m.message_sid LIKE %s",
                          (like,)).fetchone()[0],
            "complete": one("SELECT count(*) FROM inbound_messages m "
                            "JOIN outbox o ON o.inbound_id = m.id "
                            "JOIN ledger_entries l ON l.message_sid = m.message_sid "
                            "WHERE m.message_sid LIKE %s", (like,)).fetchone()[0],
        }


def one_round(number: int, opts: argparse.Namespace, files: dict[str, Path], env: dict,
              gunicorn_args: list[str], workdir: Path) -> dict:
    """Benchmark smsgate, then the bare app, under the same settings and load."""
    db_url = f"postgresql://{opts.pg}/{opts.database}"
    pg_admin(f"postgresql://{opts.pg}/postgres",
             f"DROP DATABASE IF EXISTS {opts.database} WITH (FORCE)",
             f"CREATE DATABASE {opts.database}",
             *(f"ALTER DATABASE {opts.database} SET {setting}" for setting in opts.pg_setting))
    flask(["db", "upgrade"], env)
    flask(["smsgate", "brand", "create", "--name", "Bench", "--number", BRAND_NUMBER], env)
    subprocess.run(["redis-cli", "-u", env["REDIS_URL"], "flushdb"], check=True,
                   capture_output=True)
    result: dict = {"round": number}
    for name, target, cwd, ready in (("smsgate", "wsgi:app", REPO, "/healthz"),
                                      ("bare", "bare_app:app", BENCH, None)):
        server = Server(target, opts.port, gunicorn_args, env, workdir / f"{name}.log", cwd)
        try:
            server.wait_ready(ready or PATH)
            run_wrk(opts.port, files["warm"], opts.warmup, opts.threads, opts.connections)
            before, batches_before = cpu_seconds(server.process.pid), batch_counts(env)
            result[name] = run_wrk(opts.port, files["main"], opts.duration, opts.threads,
                                   opts.connections)
            after, batches_after = cpu_seconds(server.process.pid), batch_counts(env)
            result[name]["cpu_s"] = {part: after[part] - before[part] for part in after}
            result[name]["batches"] = batches_after - batches_before
        finally:
            server.stop()
        if name == "smsgate":
            counts = recorded(db_url, MAIN_TAG)
            seconds = result[name]["duration_us"] / 1e6
            result["recorded"] = counts
            result["recorded_rate"] = counts["complete"] / seconds
            queued = subprocess.run(["redis-cli", "-u", env["REDIS_URL"], "llen",
                                     "rq:queue:replies"], capture_output=True, text=True,
                                    check=True)
            result["replies_queued"] = int(queued.stdout.strip() or 0)
            verify = flask(["smsgate", "ledger", "verify"], env)
            result["verify"] = verify.splitlines()[-1] if verify else ""
            result["verify_ok"] = result["verify"].startswith("ok:")
    result["ratio"] = result["recorded_rate"] / result["bare"]["rate"]
    texts = result["recorded"]["complete"] or 1
    result["cpu_ms_per_text"] = {part: 1000 * seconds / texts
                                 for part, seconds in result["smsgate"]["cpu_s"].items()}
    result["texts_per_batch"] = \
        result["smsgate"]["requests"] / (result["smsgate"]["batches"] or 1)
    result["bare_cpu_ms_per_request"] = \
        1000 * result["bare"]["cpu_s"]["gunicorn"] / (result["bare"]["requests"] or 1)
    return result


def describe(r: dict) -> str:
    """One round as one line."""
    s = r["smsgate"]
    return (f"round {r['round']}: recorded {r['recorded_rate']:7.0f}/s "
            f"(200s {s['rate']:7.0f}/s, p50 {s['p50_us'] / 1000:5.1f} ms, "
            f"p99 {s['p99_us'] / 1000:5.1f} ms, non-200 {s['non200']}, wrapped {s['wrapped']}, "
            f"errors {s['connect_errors'] + s['read_errors'] + s['write_errors'] + s['timeouts']})"
            f" | bare {r['bare']['rate']:7.0f}/s (p99 {r['bare']['p99_us'] / 1000:.1f} ms)"
            f" | ratio {r['ratio']:.1%} | texts/batch {r['texts_per_batch']:.1f}"
            f" | connections per worker {'/'.join(map(str, s['split'])) or '?'}"
            f" | CPU ms per text: gunicorn "
            f"{r['cpu_ms_per_text']['gunicorn']:.2f}, "
            f"PostgreSQL {r['cpu_ms_per_text']['postgres']:.2f}, "
            f"Redis {r['cpu_ms_per_text']['redis']:.2f}; bare {r['bare_cpu_ms_per_request']:.2f}"
            f" | verify: {r['verify']}")


def summary(rounds: list[dict]) -> str:
    """Median, min and max of the figures that matter, over rounds."""
    def stat(label: str, values: list[float], fmt: str) -> str:
        return (f"{label:<22} median {format(statistics.median(values), fmt):>8}  "
                f"min {format(min(values), fmt):>8}  max {format(max(values), fmt):>8}")
    return "\n".join([
        stat("recorded webhooks/s", [r["recorded_rate"] for r in rounds], ".0f"),
        stat("smsgate p50 ms", [r["smsgate"]["p50_us"] / 1000 for r in rounds], ".1f"),
        stat("smsgate p99 ms", [r["smsgate"]["p99_us"] / 1000 for r in rounds], ".1f"),
        stat("non-200 responses", [r["smsgate"]["non200"] for r in rounds], ".0f"),
        stat("bare app req/s", [r["bare"]["rate"] for r in rounds], ".0f"),
        stat("ratio smsgate/bare %", [100 * r["ratio"] for r in rounds], ".1f"),
        stat("texts per batch", [r["texts_per_batch"] for r in rounds], ".1f"),
        stat("gunicorn CPU ms/text", [r["cpu_ms_per_text"]["gunicorn"] for r in rounds], ".2f"),
        stat("PostgreSQL CPU ms/text", [r["cpu_ms_per_text"]["postgres"] for r in rounds],
             ".2f"),
        stat("bare CPU ms/request", [r["bare_cpu_ms_per_request"] for r in rounds], ".2f"),
        "ledger verify: " + ("ok in every round" if all(r["verify_ok"] for r in rounds)
                             else "FAILED in some round"),
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=10, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3, help="warm-up seconds")
    parser.add_argument("--connections", type=int, default=32,
                        help="wrk connections (the Procfile's workers x threads: every request "
                             "thread busy, so texts arrive while a batch is written)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--port", type=int, default=5077)
    parser.add_argument("--pool", type=int, default=60000,
                        help="distinct signed requests for the measured run")
    parser.add_argument("--pg", default="postgres@127.0.0.1:5432", help="user@host:port")
    parser.add_argument("--database", default="smsgate_bench_webhook")
    parser.add_argument("--redis-db", type=int, default=11)
    parser.add_argument("--pg-setting", action="append", default=[],
                        help="e.g. 'commit_delay = 20' (ALTER DATABASE ... SET, bench db only)")
    parser.add_argument("--gunicorn-args", help="instead of the Procfile's web: options")
    parser.add_argument("--json", help="also write every figure to this file")
    opts = parser.parse_args()
    if opts.database in ("postgres", "template0", "template1") or \
            not opts.database.startswith("smsgate_bench"):
        raise SystemExit("--database must be a smsgate_bench* database this script may drop")
    gunicorn_args = shlex.split(opts.gunicorn_args) if opts.gunicorn_args \
        else procfile_gunicorn_args()
    base_url = f"http://127.0.0.1:{opts.port}"
    env = {**os.environ, "DATABASE_URL": f"postgresql+psycopg://{opts.pg}/{opts.database}",
           "REDIS_URL": f"redis://127.0.0.1:6379/{opts.redis_db}",
           "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
           "SMSGATE_SECRET_KEY": SECRET_KEY,
           "SMSGATE_PSEUDONYM_KEY": "bench-webhook-pseudonym-key-0123456789abcdef",
           "TWILIO_API_BASE_URL": "http://127.0.0.1:9",  # never called: no worker runs
           "PUBLIC_BASE_URL": base_url, "PYTHONPATH": str(REPO)}
    env.pop("SMSGATE_DEV", None)
    print(f"gunicorn {' '.join(gunicorn_args)}; wrk -t{opts.threads} -c{opts.connections} "
          f"-d{opts.duration:g}s (after a {opts.warmup:g} s warm-up); "
          f"PostgreSQL settings: {opts.pg_setting or 'server defaults'}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-webhook-") as tmp:
        workdir = Path(tmp)
        senders = numbers(opts.pool + 20000)
        files = {"main": workdir / "main.txt", "warm": workdir / "warm.txt"}
        write_requests(files["main"], base_url + PATH, MAIN_TAG, senders[:opts.pool])
        write_requests(files["warm"], base_url + PATH, WARM_TAG, senders[opts.pool:])
        rounds = []
        for number in range(1, opts.rounds + 1):
            rounds.append(one_round(number, opts, files, env, gunicorn_args, workdir))
            print(describe(rounds[-1]), flush=True)
        print(summary(rounds))
        if opts.json:
            Path(opts.json).write_text(json.dumps(
                {"gunicorn_args": gunicorn_args, "connections": opts.connections,
                 "threads": opts.threads, "pg_settings": opts.pg_setting, "rounds": rounds},
                indent=2))
        if not all(r["verify_ok"] for r in rounds):
            sys.exit(1)


if __name__ == "__main__":
    main()
