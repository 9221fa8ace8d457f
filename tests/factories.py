"""Test data for the consent and campaign APIs: keys, consents, settings, Twilio's list API."""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import responses
from rq import SimpleWorker
from sqlalchemy import event, text

from smsgate.accounts.apikeys import issue_key
from smsgate.consent import ledger
from smsgate.extensions import db, queue
from smsgate.models import utcnow

SENDER = "+14155550100"
INBOUND_PATH = "/webhooks/twilio/inbound"
STATUS_PATH = "/webhooks/twilio/status"
TWILIO_LIST = re.compile(r"https://api\.twilio\.com/2010-04-01/Accounts/AC\w+/Messages\.json")
OPT_IN_EVIDENCE = {"consent_text": "Yes, text me Acme deals. Msg & data rates may apply.",
                   "url": "https://acme.example/join", "ip": "203.0.113.7",
                   "user_agent": "Mozilla/5.0", "time": "2024-05-01T12:00:00Z"}


def inbound(body: str, sid: str = "SM" + "a" * 32, sender: str = "+14155550123",
            to: str = SENDER, **extra) -> dict:
    """The form Twilio posts to the inbound webhook for one text."""
    params = {"MessageSid": sid, "AccountSid": "AC" + "1" * 32, "From": sender, "To": to,
              "Body": body, "NumMedia": "0"}
    params.update(extra)
    return params


def status_callback(sid: str, status: str, error: str | None = None, **extra) -> dict:
    """The form Twilio posts to the status webhook for one message."""
    params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "1" * 32,
              "To": "+14155550123", "From": SENDER}
    if error:
        params["ErrorCode"] = error
    params.update(extra)
    return params


def new_writer(**options):
    """An inbound writer of its own (not the app's), on the app's database and queue."""
    from smsgate.consent.inbound_writer import InboundWriter

    return InboundWriter(db.engine, lambda: queue("replies"), **options)


def numbers(count: int, start: int = 0) -> list[str]:
    """`count` distinct valid US numbers in E.164 (the 555-01xx fictional range and beyond)."""
    return [f"+1415555{2000 + start + i:04d}" for i in range(count)]


def key_header(role: str = "marketer", brand: str | None = None) -> dict[str, str]:
    """Issue a key (committed) and return the Authorization header that carries it."""
    issued = issue_key(db.session, role, brand)
    db.session.commit()
    return {"Authorization": f"Bearer {issued.secret}"}


def consent(brand_id: int, numbers_: list[str], action: str = "opt_in") -> list[int]:
    """Record `action` for each number (source api) and commit."""
    ids = ledger.append_many(db.session, [
        ledger.ConsentRecord(number=n, brand_id=brand_id, action=action, source="api",
                             evidence=OPT_IN_EVIDENCE if action == "opt_in" else {})
        for n in numbers_])
    db.session.commit()
    return ids


@contextmanager
def settings_changed(app, **changes):
    """Run with some settings replaced (the app's Settings are frozen)."""
    original = app.config["SMSGATE"]
    app.config["SMSGATE"] = replace(original, **changes)
    try:
        yield app.config["SMSGATE"]
    finally:
        app.config["SMSGATE"] = original


def run_jobs(app, count: int) -> None:
    """Run exactly `count` jobs of the campaigns queue with a real RQ worker."""
    with app.app_context():
        campaigns = queue("campaigns")
        SimpleWorker([campaigns], connection=campaigns.connection).work(burst=True,
                                                                         max_jobs=count)


def post_json(client, path: str, payload, headers: dict[str, str]):
    return client.post(path, data=json.dumps(payload), headers=headers,
                       content_type="application/json")


class MessageList:
    """Twilio's Messages list (GET), answering from what the mock accepted plus `extra`.

    `fail` makes each list call answer 503 (Twilio unreachable).
    """

    def __init__(self, twilio) -> None:
        self.twilio = twilio
        self.extra: list[dict[str, str]] = []
        self.calls = 0
        self.fail = False
        twilio.mock.add_callback(responses.GET, TWILIO_LIST, callback=self._list)

    def add(self, to: str, body: str, sid: str, from_: str = SENDER) -> None:
        """A message Twilio has although our records do not say so."""
        self.extra.append({"To": to, "Body": body, "From": from_, "_sid": sid})

    def _list(self, request):
        self.calls += 1
        if self.fail:
            return 503, {"Content-Type": "application/json"}, json.dumps(
                {"code": 20500, "message": "unavailable", "status": 503})
        query = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
        sent = [dict(m, _sid=f"SM{i + 1:032x}") for i, m in enumerate(self.twilio.sent)]
        rows = [m for m in sent + self.extra
                if m.get("To") == query.get("To")
                and (not query.get("From") or m.get("From") == query.get("From"))]
        date = (utcnow() - timedelta(seconds=1)).strftime("%a, %d %b %Y %H:%M:%S +0000")
        return 200, {"Content-Type": "application/json"}, json.dumps({
            "messages": [{"sid": m["_sid"], "to": m["To"], "from": m.get("From"),
                          "body": m["Body"], "status": "sent", "date_sent": date}
                         for m in rows],
            "next_page_uri": None, "page": 0, "page_size": 50})


def long_ago(minutes: int = 30) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes)


def assert_provider_opt_out(entry, number: str, brand_id: int, message_sid: str | None,
                            **text) -> None:
    """`entry` is a carrier's 21610 opt-out in the one shape both of its writers produce;
    `text` names what was texted (`campaign_id=` or `reply_id=`), when it is known."""
    assert (entry.number, entry.brand_id, entry.action, entry.source, entry.keyword,
            entry.message_sid) == (number, brand_id, "opt_out", "provider", "error:21610",
                                   message_sid)
    assert json.loads(entry.evidence) == {"error_code": 21610, "campaign_id": None,
                                          "reply_id": None, **text}


@contextmanager
def database_blocked(engine):
    """Hold the ledger head (PostgreSQL) or the write lock (SQLite) from another connection,
    and make the app's connections give up waiting after 200 ms."""
    postgres = engine.dialect.name == "postgresql"

    def short_wait(dbapi_connection, _record, _proxy):
        cursor = dbapi_connection.cursor()
        cursor.execute("SET lock_timeout = '200ms'" if postgres else "PRAGMA busy_timeout = 200")
        cursor.close()

    def normal_wait(dbapi_connection, _record, _proxy):
        cursor = dbapi_connection.cursor()
        cursor.execute("SET lock_timeout = 0" if postgres else "PRAGMA busy_timeout = 30000")
        cursor.close()

    blocker = engine.connect()
    blocker_tx = blocker.begin()
    if postgres:
        blocker.execute(text("SELECT * FROM ledger_head WHERE id = 1 FOR UPDATE"))
    else:
        blocker.exec_driver_sql("UPDATE ledger_head SET last_id = last_id WHERE id = 1")
    event.listen(engine, "checkout", short_wait)
    try:
        yield
    finally:
        event.remove(engine, "checkout", short_wait)
        event.listen(engine, "checkout", normal_wait)
        blocker_tx.rollback()
        blocker.close()
