"""Benchmark: how fast one campaign worker texts, against what the Twilio SDK alone can do.

Not a test. It:

1. starts `bench/fake_twilio.py` in its own process (loopback, any free port), a temporary
   SQLite database (or `--database-url`) and an embedded Redis (or `--redis-url`), creates a
   brand whose rate cap is out of the way (10,000 texts/s) and records an opt-in for
   `--recipients` (5,000) numbers with `ledger.append_many`;
2. (a) at 0 ms fake latency: times a plain loop of `client.messages.create` in this process
   (the SDK's own ceiling, no database, no Redis), then one RQ worker (SimpleWorker, burst,
   in this process, exactly as `smsgate worker` runs it) sending a campaign to every
   recipient; prints texts/s of each and the ratio worker / loop (target >= 0.70);
3. (b) at `--latency-ms` (200) fake latency: one worker sends a campaign to
   `--slow-recipients` (2,000) numbers; prints texts/s (target >= 50);
4. checks that every recipient is `sent` exactly once (the fake's count agrees) and stops
   everything it started, by PID, also on error or Ctrl-C.

Send-time rules stay on: the run's clock is moved (time-machine, ticking) to 19:00 UTC
today, when every recipient's area code is inside its window, so the worker pays for the
checks without deferring anyone. The numbers avoid area codes of states with a 24-hour cap
(Florida, Oklahoma, Maryland): the rounds text the same people several times a day.

    python bench/dispatch.py
    python bench/dispatch.py --threads 16 --rounds 3
    python bench/dispatch.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench \\
        --redis-url redis://127.0.0.1:6379/12      # the database is emptied first
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

ACCOUNT_SID = "AC" + "be" * 16
AUTH_TOKEN = "bench-auth-token-0123456789abcdef"
SENDER = "+14155550100"


class Fake:
    """bench/fake_twilio.py in a child process."""

    def __init__(self, latency_ms: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(REPO / "bench" / "fake_twilio.py"), "--port", "0",
             "--latency-ms", str(latency_ms)], stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline().strip()
        if not line.startswith("listening "):
            self.stop()
            raise SystemExit(f"fake Twilio did not start: {line!r}")
        self.url = line.split(" ", 1)[1]

    def _call(self, method: str, path: str) -> dict:
        request = urllib.request.Request(self.url + path, method=method, data=b"" if
                                         method == "POST" else None)
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.load(response)

    def created(self) -> int:
        return self._call("GET", "/_stats")["created"]

    def set_latency(self, ms: float) -> None:
        self._call("POST", f"/_config?latency_ms={ms}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def numbers(count: int) -> list[str]:
    """`count` distinct valid US numbers in E.164, deterministic."""
    from smsgate.messaging.numbers import InvalidNumberError, normalize_number

    # No Florida, Oklahoma or Maryland code: their 3-per-24-hours cap would defer round 2.
    areas = ("212", "404", "312", "415", "512", "617", "646", "702", "206", "303")
    found: list[str] = []
    i = 0
    while len(found) < count:
        candidate = f"+1{areas[i % 10]}{201 + i // 100_000}{(i // 10) % 10_000:04d}"
        i += 1
        try:
            found.append(normalize_number(candidate))
        except InvalidNumberError:
            continue
    return found


def build_app(tmp: str, fake_url: str, args):
    from smsgate import create_app
    from smsgate.config import Settings

    database_url = args.database_url or f"sqlite:///{tmp}/bench.db"
    if args.database_url:
        from sqlalchemy import create_engine, text

        engine = create_engine(database_url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    settings = Settings(database_url=database_url, redis_url=args.redis_url,
                        embedded_redis_path=f"{tmp}/redis.db", twilio_account_sid=ACCOUNT_SID,
                        twilio_auth_token=AUTH_TOKEN, secret_key="bench-" + "0" * 32,
                        pseudonym_key="bench-pseudonym-" + "0" * 32,
                        twilio_api_base_url=fake_url,
                        send_threads=args.threads, recipients_per_job=args.per_job)
    return create_app(settings, instance_path=f"{tmp}/instance")


def prepare(app, people: list[str]) -> int:
    """Schema, a brand with its cap out of the way, and an opt-in for every number."""
    import flask_migrate

    from smsgate.accounts.brands import create_brand
    from smsgate.consent import ledger
    from smsgate.extensions import db, redis_connection

    with app.app_context():
        logging.getLogger("alembic").setLevel(logging.WARNING)
        flask_migrate.upgrade()
        redis_connection().flushdb()
        brand = create_brand(db.session, "Acme", [SENDER], messages_per_second=10_000)
        ledger.append_many(db.session, [ledger.ConsentRecord(
            number=n, brand_id=brand.id, action="opt_in", source="import",
            evidence={"form_id": "bench"}) for n in people])
        db.session.commit()
        return brand.id


def stock_http_client(fake_url: str, pool_size: int):
    """Twilio's own HTTP client, unchanged but for the host (the fake's): the SDK's ceiling is
    measured with what the SDK ships, not with smsgate's cheaper client."""
    from requests.adapters import HTTPAdapter
    from twilio.http.http_client import TwilioHttpClient

    class Rebased(TwilioHttpClient):
        def request(self, method, url, *args, **kwargs):
            return super().request(method, url.replace("https://api.twilio.com", fake_url),
                                   *args, **kwargs)

    http = Rebased(timeout=10.0)
    http.session.mount("http://", HTTPAdapter(pool_connections=1, pool_maxsize=pool_size,
                                              max_retries=0))
    return http


def sdk_loop(fake_url: str, people: list[str], threads: int) -> tuple[float, float]:
    """(texts/s, CPU ms per text) of a bare `client.messages.create` loop (the SDK's
    ceiling)."""
    from twilio.rest import Client

    client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=stock_http_client(fake_url, threads))
    client.messages.create(to=people[0], from_=SENDER, body="warm-up")
    started, cpu = time.perf_counter(), time.process_time()
    for number in people:
        client.messages.create(to=number, from_=SENDER, body="Acme: Bench sale today! "
                                                              "Reply STOP to opt out.")
    return (len(people) / (time.perf_counter() - started),
            (time.process_time() - cpu) * 1000 / len(people))


def campaign(app, fake: Fake, people: list[str]) -> tuple[float, float]:
    """Create and queue a campaign to `people`, drain it with one worker; (texts/s, CPU ms
    per text of the worker's process)."""
    from rq import SimpleWorker
    from sqlalchemy import func, select

    from smsgate.accounts.brands import get_brand
    from smsgate.campaigns import queueing, service
    from smsgate.extensions import db, queue
    from smsgate.models import CampaignRecipient

    with app.app_context():
        brand = get_brand(db.session, "Acme")
        created = service.create_campaign(db.session, brand, "Bench sale today!", people,
                                         pseudonym_key=app.config["SMSGATE"]
                                         .require_pseudonym_key())
        db.session.commit()
        campaign_id = created.campaign.id
        campaigns = queue("campaigns")
        queueing.enqueue_campaign(campaigns, campaign_id, created.recipient_ids,
                                  app.config["SMSGATE"].recipients_per_job)
        before = fake.created()
        started, cpu = time.perf_counter(), time.process_time()
        SimpleWorker([campaigns], connection=campaigns.connection).work(
            burst=True, logging_level="WARNING")
        elapsed = time.perf_counter() - started
        cpu_ms = (time.process_time() - cpu) * 1000 / len(people)
        statuses = dict(db.session.execute(
            select(CampaignRecipient.status, func.count())
            .where(CampaignRecipient.campaign_id == campaign_id)
            .group_by(CampaignRecipient.status)).all())
        db.session.remove()
    sent_by_fake = fake.created() - before
    if statuses != {"sent": len(people)} or sent_by_fake != len(people):
        raise SystemExit(f"campaign {campaign_id}: statuses {statuses}, fake received "
                         f"{sent_by_fake} for {len(people)} recipients")
    return len(people) / elapsed, cpu_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--loop-texts", type=int, default=2000)
    parser.add_argument("--slow-recipients", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--threads", type=int, default=32, help="SMSGATE_SEND_THREADS")
    parser.add_argument("--per-job", type=int, default=250, help="SMSGATE_RECIPIENTS_PER_JOB")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    os.environ.setdefault("SMSGATE_LOG_PLAIN", "1")
    logging.getLogger("smsgate").setLevel(logging.WARNING)

    import time_machine  # a development dependency (requirements-dev.txt)

    # Daytime in every recipient's zone: the rules run, nobody is deferred (see above).
    daytime = time_machine.travel(
        datetime.now(UTC).replace(hour=19, minute=0, second=0, microsecond=0), tick=True)
    daytime.start()
    people = numbers(args.recipients)
    assert len(set(people)) == len(people)
    fake = Fake(0)
    ratios, loops, workers, slows, cpus = [], [], [], [], []
    try:
        with tempfile.TemporaryDirectory(prefix="smsgate-bench-") as tmp:
            app = build_app(tmp, fake.url, args)
            prepare(app, people)
            for round_no in range(1, args.rounds + 1):
                fake.set_latency(0)
                # The loop runs before and after the worker, so that load from elsewhere
                # on the machine weighs on both sides of the ratio alike.
                before, loop_cpu = sdk_loop(fake.url, people[:args.loop_texts // 2],
                                            args.threads)
                worker, worker_cpu = campaign(app, fake, people)
                after, _ = sdk_loop(fake.url, people[:args.loop_texts // 2], args.threads)
                loop = (before + after) / 2
                fake.set_latency(args.latency_ms)
                slow, _ = campaign(app, fake, people[:args.slow_recipients])
                loops.append(loop)
                workers.append(worker)
                ratios.append(worker / loop)
                slows.append(slow)
                cpus.append((loop_cpu, worker_cpu))
                print(f"round {round_no}: SDK loop {loop:.0f} texts/s ({loop_cpu:.2f} ms CPU "
                      f"each); worker {worker:.0f} texts/s ({worker_cpu:.2f} ms CPU each); "
                      f"ratio {worker / loop:.2f}; at {args.latency_ms:.0f} ms latency "
                      f"{slow:.0f} texts/s", flush=True)
    finally:
        fake.stop()
    print(f"threads={args.threads} recipients_per_job={args.per_job} "
          f"database={'sqlite (temp)' if not args.database_url else 'given'} "
          f"redis={'embedded' if not args.redis_url else 'given'}")
    print(f"median ratio worker/loop at 0 ms: {statistics.median(ratios):.2f} (target >= 0.70)")
    print(f"median worker rate at {args.latency_ms:.0f} ms: {statistics.median(slows):.0f} "
          "texts/s (target >= 50)")


if __name__ == "__main__":
    main()
