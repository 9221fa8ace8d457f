"""Status callbacks: recorded as received; error 21610 becomes a provider opt-out, once."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

from conftest import run_worker
from factories import INBOUND_PATH as PATH
from factories import assert_provider_opt_out, consent, inbound, key_header, post_json
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from smsgate.consent.status import StatusCallback, record_status
from smsgate.extensions import db
from smsgate.models import (
    CampaignRecipient,
    ConsentState,
    LedgerEntry,
    OutboxMessage,
    StatusEvent,
)

STATUS = "/webhooks/twilio/status"


def callback(sid: str, status: str, error: str | None = None, **extra) -> dict:
    params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "1" * 32,
              "To": "+14155550123", "From": "+14155550100"}
    if error:
        params["ErrorCode"] = error
    params.update(extra)
    return params


def test_status_callback_needs_a_valid_signature(brand, client):
    assert client.post(STATUS, data=callback("SM1", "delivered")).status_code == 403
    assert db.session.scalars(select(StatusEvent)).all() == []


def test_each_status_is_kept(brand, post_signed):
    for status in ("sent", "delivered"):
        assert post_signed(STATUS, callback("SM1", status)).status_code == 200
    assert [e.status for e in db.session.scalars(select(StatusEvent).order_by(StatusEvent.id))
            ] == ["sent", "delivered"]


def test_error_21610_records_one_provider_opt_out(brand, post_signed):
    for _ in range(2):  # Twilio may call more than once
        post_signed(STATUS, callback("SM21610", "failed", "21610"))
    entry = db.session.scalars(select(LedgerEntry)).one()
    assert (entry.number, entry.brand_id, entry.action, entry.source, entry.keyword) == (
        "+14155550123", brand.id, "opt_out", "provider", "error:21610")
    assert db.session.get(ConsentState, ("+14155550123", brand.id)).action == "opt_out"
    # The carrier already blocks us: no confirmation is owed or sent.
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_21610_on_a_reply_is_attributed_through_the_outbox(app, brand, post_signed, twilio):
    post_signed(PATH, inbound("HELP", sender="+14155550188"))
    run_worker(app, "replies")
    sid = db.session.scalars(select(OutboxMessage.provider_sid)).one()
    post_signed(STATUS, callback(sid, "undelivered", "21610", To="", From=""))
    entry = db.session.scalars(select(LedgerEntry).where(LedgerEntry.source == "provider")).one()
    reply_id = db.session.scalars(select(OutboxMessage.id)).one()
    assert_provider_opt_out(entry, "+14155550188", brand.id, sid, reply_id=reply_id)
    db.session.expire_all()
    assert db.session.scalars(select(OutboxMessage.status)).one() == "failed"


def test_21610_for_a_sent_campaign_text_keeps_its_message_sid_and_campaign(
        app, client, brand, post_signed, twilio):
    number = "+14155550177"
    consent(brand.id, [number])
    created = post_json(client, "/api/v1/campaigns", {"brand": "Acme", "body": "Sale",
                                                      "recipients": [number]}, key_header())
    run_worker(app, "campaigns")
    sid = db.session.scalars(select(CampaignRecipient.provider_sid)).one()
    assert sid is not None
    for _ in range(2):  # a repeated callback adds nothing
        post_signed(STATUS, callback(sid, "undelivered", "21610", To="", From=""))
    entry = db.session.scalars(select(LedgerEntry).where(LedgerEntry.source == "provider")).one()
    assert_provider_opt_out(entry, number, brand.id, sid,
                            campaign_id=created.get_json()["id"])
    assert db.session.get(ConsentState, (number, brand.id)).action == "opt_out"


def test_other_errors_change_no_consent(brand, post_signed):
    post_signed(STATUS, callback("SM2", "undelivered", "30003"))
    assert db.session.scalars(select(LedgerEntry)).all() == []


def test_status_callback_missing_fields_is_a_400(brand, post_signed):
    response = post_signed(STATUS, {"MessageSid": "SM3"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "missing_field"


def test_two_callbacks_for_one_sid_at_once_record_one_opt_out(brand):
    sessions = sessionmaker(bind=db.engine)
    failed = StatusCallback("SM" + "7" * 32, "failed", "21610", to_number="+14155550123",
                            from_number="+14155550100")
    outcomes = []

    def second_callback():
        with sessions() as session:
            outcomes.append(record_status(session, failed))
            session.commit()

    with sessions() as first:
        assert record_status(first, failed) is not None
        second = threading.Thread(target=second_callback)
        second.start()
        second.join(0.5)
        assert second.is_alive()  # waits for the first callback's transaction
        first.commit()
    second.join(10)
    assert outcomes == [None]
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 1


SMSGATE = Path(__file__).resolve().parent.parent / "smsgate"


def _smsgate_imports(module: str) -> set[str]:
    """The smsgate modules `module` imports (at any depth of its own source)."""
    path = SMSGATE.parent / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = path.with_suffix("") / "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("smsgate"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                is_module = (SMSGATE.parent / (candidate.replace(".", "/") + ".py")).exists()
                found.add(candidate if is_module else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("smsgate"))
    return found


def test_status_callbacks_use_no_messaging_module_that_imports_consent():
    """consent may use messaging's leaf modules (numbers, the provider's constants) only:
    no import cycle between the two packages."""
    for module in ("smsgate.consent.status", "smsgate.consent.provider_opt_out"):
        for used in _smsgate_imports(module):
            if not used.startswith("smsgate.messaging"):
                continue
            seen, todo = set(), [used]
            while todo:
                current = todo.pop()
                if current in seen:
                    continue
                seen.add(current)
                todo.extend(_smsgate_imports(current))
            assert not any(m.startswith("smsgate.consent") for m in seen), (module, used)
