"""Turn one inbound text into its consent change and the one reply it owes.

The MessageSid is claimed first (a unique row), so a retried webhook is a no-op; the ledger
entry is appended last, so the chain head is held as briefly as possible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smsgate.brands import ReplyBrand, reply_brand_for_inbound
from smsgate.consent import ledger
from smsgate.consent.keywords import Classification, Intent, classify
from smsgate.messaging import compose
from smsgate.models import InboundMessage, OutboxMessage, utcnow
from smsgate.numbers import MAX_INPUT_CHARS, InvalidNumberError, normalize_number


class DuplicateMessage(Exception):
    """This MessageSid was processed before; nothing must change and nothing be sent."""


@dataclass(frozen=True)
class InboundText:
    """The fields of Twilio's inbound webhook that the gateway uses."""

    message_sid: str
    from_number: str
    to_number: str
    body: str
    messaging_service_sid: str | None = None
    opt_out_type: str | None = None


@dataclass(frozen=True)
class InboundOutcome:
    """What an inbound text did: its intent, brand, ledger entry and owed reply."""

    classification: Classification
    brand_id: int | None
    entry_id: int | None
    outbox_id: int | None


def record_inbound(session: Session, text: InboundText) -> InboundOutcome:
    """Record `text`, its consent change and its reply; do not commit.

    Raises DuplicateMessage when the MessageSid was seen before (the caller rolls back).

    This runs on every inbound text, so after one query for the brand it writes with
    prebuilt statements. On PostgreSQL *all* its writes are a single statement (claim the
    MessageSid, add the outbox row, append to the ledger, update the consent state), which is
    atomic on its own: the caller may run the session in autocommit mode, so the chain head
    is held only while the server executes that statement and flushes its commit. On other
    databases the writes are several statements and the caller's transaction makes them one.
    """
    classification = classify(text.body, text.opt_out_type)
    sender = _e164_or_none(text.from_number)
    to_number = _e164_or_none(text.to_number)
    brand = reply_brand_for_inbound(session, to_number, text.messaging_service_sid)
    now = utcnow()
    claim = {"message_sid": text.message_sid, "from_number": text.from_number,
             "to_number": text.to_number, "brand_id": brand.id if brand else None,
             "body": text.body, "intent": classification.intent.value,
             "keyword": classification.keyword, "received_at": now}
    if brand is None or sender is None or classification.intent is Intent.NONE:
        # Kept in inbound_messages either way: a text to a number we cannot attribute is
        # never silently dropped, but it cannot change a brand's consent.
        _claim(session, claim)
        return InboundOutcome(classification, brand.id if brand else None, None, None)
    reply = {"brand_id": brand.id, "kind": classification.intent.value,
             "to_number": sender, "from_number": to_number,
             "messaging_service_sid": text.messaging_service_sid if not to_number else None,
             "body": _reply_body(brand, classification), "status": "pending", "attempts": 0,
             "created_at": now}
    record = None
    if classification.intent in (Intent.OPT_IN, Intent.OPT_OUT):
        record = ledger.ConsentRecord(
            number=sender, brand_id=brand.id, action=classification.intent.value, source="sms",
            scope="all" if classification.all_brands else "brand",
            keyword=classification.keyword, raw_text=text.body, message_sid=text.message_sid,
            evidence={"to": text.to_number, "opt_out_type": text.opt_out_type}
            if text.opt_out_type else {"to": text.to_number})
    connection = session.connection()
    if connection.dialect.name == "postgresql" and record is not None:
        outbox_id, entry_id = _record_consent_postgresql(connection, claim, reply, record, now)
        return InboundOutcome(classification, brand.id, entry_id, outbox_id)
    outbox_id = _claim_with_reply(session, claim, reply)
    entry_id = ledger.append(session, record) if record is not None else None
    return InboundOutcome(classification, brand.id, entry_id, outbox_id)


_INBOUND = InboundMessage.__table__
_OUTBOX = OutboxMessage.__table__
_CLAIM_COLUMNS = ("message_sid", "from_number", "to_number", "brand_id", "body", "intent",
                  "keyword", "received_at")
_REPLY_COLUMNS = ("brand_id", "kind", "to_number", "from_number", "messaging_service_sid",
                  "body", "status", "attempts", "created_at")


def _bound(table: Table, names: tuple[str, ...], prefix: str = "") -> dict[str, Any]:
    return {name: bindparam(prefix + name, type_=table.c[name].type) for name in names}


# Built once. The unique MessageSid is the claim: a second insert raises IntegrityError.
_CLAIM = insert(_INBOUND).values(_bound(_INBOUND, _CLAIM_COLUMNS)).returning(_INBOUND.c.id)
_ADD_REPLY = insert(_OUTBOX).values(_bound(_OUTBOX, (*_REPLY_COLUMNS, "inbound_id"))) \
    .returning(_OUTBOX.c.id)
# PostgreSQL: both rows in one statement (an INSERT in a WITH clause).
_CLAIMED = insert(_INBOUND).values(_bound(_INBOUND, _CLAIM_COLUMNS, "in_")) \
    .returning(_INBOUND.c.id).cte("claimed")
_CLAIM_WITH_REPLY = insert(_OUTBOX).values(
    {**_bound(_OUTBOX, _REPLY_COLUMNS), "inbound_id": select(_CLAIMED.c.id).scalar_subquery()}
).returning(_OUTBOX.c.id)
# PostgreSQL, a consent change: claim, reply and ledger entry in one statement; the chain
# head is locked only after the claim and the outbox row are written.
_RECORD_CONSENT_SQL = """WITH claimed AS (
    INSERT INTO inbound_messages (message_sid, from_number, to_number, brand_id, body, intent,
                                  keyword, received_at)
    VALUES (:in_message_sid, :in_from_number, :in_to_number, :in_brand_id, :in_body,
            :in_intent, :in_keyword, :in_received_at)
    RETURNING id
), reply AS (
    INSERT INTO outbox (inbound_id, brand_id, kind, to_number, from_number,
                        messaging_service_sid, body, status, attempts, created_at)
    SELECT id, CAST(:brand_id AS INTEGER), CAST(:kind AS TEXT), CAST(:to_number AS TEXT),
           CAST(:from_number AS TEXT), CAST(:messaging_service_sid AS TEXT),
           CAST(:body AS TEXT), CAST(:status AS TEXT), CAST(:attempts AS INTEGER),
           CAST(:created_at AS TIMESTAMPTZ)
    FROM claimed
    RETURNING id
), {ledger}
SELECT (SELECT id FROM reply) AS outbox_id, (SELECT id FROM entry) AS entry_id,
       -- No entry (no chain head row) aborts the whole statement: a consent change is never
       -- committed without its ledger entry.
       1 / (SELECT count(*) FROM entry) AS entry_written"""
_RECORD_CONSENT = {all_brands: text(_RECORD_CONSENT_SQL.format(
    ledger=ledger.postgresql_append_ctes("reply", all_brands))) for all_brands in (False, True)}


def _claim(session: Session, claim: dict[str, Any]) -> int:
    try:
        return session.connection().execute(_CLAIM, claim).scalar_one()
    except IntegrityError:
        raise DuplicateMessage(claim["message_sid"]) from None


def _claim_with_reply(session: Session, claim: dict[str, Any], reply: dict[str, Any]) -> int:
    """Claim the MessageSid and add the outbox row; return the outbox id."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return connection.execute(_ADD_REPLY, {**reply, "inbound_id": _claim(session, claim)}
                                  ).scalar_one()
    try:
        return connection.execute(_CLAIM_WITH_REPLY, {
            **{f"in_{name}": value for name, value in claim.items()}, **reply}).scalar_one()
    except IntegrityError:
        raise DuplicateMessage(claim["message_sid"]) from None


def _record_consent_postgresql(connection: Connection, claim: dict[str, Any],
                               reply: dict[str, Any], record: ledger.ConsentRecord,
                               now: datetime) -> tuple[int, int]:
    """Claim, reply and ledger entry in one statement; return (outbox id, entry id)."""
    params = {**{f"in_{name}": value for name, value in claim.items()}, **reply,
              **ledger.postgresql_append_params(record, now)}
    try:
        outbox_id, entry_id, _ = connection.execute(_RECORD_CONSENT[record.scope == "all"],
                                                    params).one()
    except IntegrityError:
        raise DuplicateMessage(claim["message_sid"]) from None
    return outbox_id, entry_id


def _e164_or_none(raw: str) -> str | None:
    if len(raw) > MAX_INPUT_CHARS:
        return None  # what normalize_number says too; kept out of the cache below
    return _e164_cached(raw)


@lru_cache(maxsize=4096)  # pure; the brand numbers texted repeat on every request
def _e164_cached(raw: str) -> str | None:
    try:
        return normalize_number(raw)
    except InvalidNumberError:
        return None  # short codes, alphanumeric senders: not a consumer we keep consent for


def _reply_body(brand: ReplyBrand, classification: Classification) -> str:
    if classification.intent is Intent.OPT_OUT:
        return compose.opt_out_reply(brand.name, classification.all_brands)
    if classification.intent is Intent.OPT_IN:
        return compose.opt_in_reply(brand.name, brand.frequency_text)
    return compose.help_reply(brand.name, brand.help_text)
