"""Turn inbound texts into their consent changes and the one reply each owes.

`record_inbound_batch` writes any number of texts with the same few statements whatever
the batch size (one on PostgreSQL): the webhook's group commit hands it every text that
arrived while the previous batch was being written. Each MessageSid is claimed with a unique
row (`ON CONFLICT DO NOTHING`), so a text Twilio retries, or one that appears twice in a
batch, is recorded once; the ledger entries are appended last, so the chain head is held as
briefly as possible.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from smsgate.accounts import keywords as brand_keywords
from smsgate.accounts.brands import ReplyBrand, brand_for_inbound
from smsgate.consent import confirmations, inbound_pg, ledger
from smsgate.consent.keywords import Classification, Intent, classify
from smsgate.consent.keywords_text import keyword_core
from smsgate.consent.reviews import REVIEW
from smsgate.messaging.numbers import MAX_INPUT_CHARS, InvalidNumberError, normalize_number
from smsgate.models import InboundMessage, OutboxMessage, utcnow


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
    """What an inbound text did: its intent, brand, ledger entry and owed reply.

    `duplicate`: its MessageSid was recorded before (or earlier in the same batch), so this
    text changed nothing and is owed nothing.
    """

    classification: Classification
    brand_id: int | None
    entry_id: int | None = None
    outbox_id: int | None = None
    duplicate: bool = False


@dataclass(frozen=True)
class _Plan:
    """One text's rows, worked out before anything is written (an `inbound_pg.Row`)."""

    classification: Classification
    claim: dict[str, Any]
    reply: dict[str, Any] | None
    record: ledger.ConsentRecord | None
    brand_key: tuple[str | None, str | None]
    brand: ReplyBrand | None


BrandCache = dict[tuple[str | None, str | None], ReplyBrand | None]
BRAND_CACHE_LIMIT = 1024  # (number texted, Messaging Service) pairs; a gateway has a few
PLANNING_ATTEMPTS = 5  # with fresh lookups, before StaleBrands reaches the caller


Written = dict[str, tuple[int | None, int | None]]  # MessageSid -> (outbox id, entry id)
BatchWriter = Callable[[Connection, Sequence["_Plan"], datetime], Written]


def record_inbound_batch(connection: Connection, texts: Sequence[InboundText],
                         brand_cache: BrandCache | None = None) -> list[InboundOutcome]:
    """Record `texts` in order, with their consent changes and replies; do not commit.

    Returns one outcome per text. A MessageSid stored before, or earlier in the batch, is a
    duplicate. Consent changes are appended in text order: a STOP and a START from one
    number in one batch leave it opted in, as they would one after the other.

    On PostgreSQL the whole batch is one statement (`inbound_pg`), atomic on its own: the
    caller may run the connection in autocommit mode. Its brand lookups come from
    `brand_cache` when given (a dict the caller keeps from batch to batch), which the
    statement checks against the tables. Elsewhere the brands are looked up afresh, and the
    batch is a few statements that the caller's transaction makes one (`_record_generic`).
    """
    if connection.dialect.name == "postgresql":
        brands = brand_cache if brand_cache is not None else {}
        return _record_batch(connection, texts, brands, inbound_pg.record)
    return _record_batch(connection, texts, {}, _record_generic)


def _record_batch(connection: Connection, texts: Sequence[InboundText], brands: BrandCache,
                  write: BatchWriter) -> list[InboundOutcome]:
    """Plan `texts` with the lookups in `brands` (adding the missing ones) and `write` the
    texts whose MessageSids are first in the batch; planned again on StaleBrands."""
    if len(brands) > BRAND_CACHE_LIMIT:
        brands.clear()
    for attempt in range(1, PLANNING_ATTEMPTS + 1):
        now = utcnow()
        plans = [_plan(connection, text, brands, now) for text in texts]
        plans = _confirming(connection, _with_brand_keywords(connection, texts, plans, brands,
                                                             now), now)
        first_with_sid: dict[str, int] = {}
        for index, plan in enumerate(plans):
            first_with_sid.setdefault(plan.claim["message_sid"], index)
        try:
            written = write(connection, [plans[index] for index in first_with_sid.values()],
                            now)
            break
        except inbound_pg.StaleBrands:
            brands.clear()  # a brand changed since it was cached: look them all up again
            if attempt == PLANNING_ATTEMPTS:
                raise
    outcomes = []
    for index, plan in enumerate(plans):
        sid = plan.claim["message_sid"]
        brand_id = plan.claim["brand_id"]
        if first_with_sid[sid] != index or sid not in written:
            outcomes.append(InboundOutcome(plan.classification, brand_id, duplicate=True))
            continue
        outbox_id, entry_id = written[sid]
        outcomes.append(InboundOutcome(plan.classification, brand_id, entry_id, outbox_id))
    return outcomes


BRAND_KEYWORD_PREFIX = "brand:"  # the ledger's keyword for a brand's own ("brand:DEALS")
_BRAND_INTENTS = {"join": Intent.OPT_IN, "help": Intent.HELP, "opt_out": Intent.OPT_OUT}


def _with_brand_keywords(connection: Connection, texts: Sequence[InboundText],
                         plans: list[_Plan], brands: BrandCache, now: datetime) -> list[_Plan]:
    """`plans` with each text that is no standard keyword but is its brand's own keyword
    planned again as that keyword; one look-up, only when the batch has such a candidate."""
    cores: dict[int, str] = {}
    for index, (text, plan) in enumerate(zip(texts, plans, strict=True)):
        if plan.classification.intent is Intent.NONE and plan.brand is not None \
                and plan.claim["from_number"] and text.body:
            core = keyword_core(text.body)
            if core:
                cores[index] = core
    if not cores:
        return plans
    held = brand_keywords.keywords_used(connection, cores.values())
    if not held:
        return plans
    planned = list(plans)
    for index, core in cores.items():
        brand = plans[index].brand
        kind = held.get((brand.id, core)) if brand is not None else None
        if kind is not None:
            forced = Classification(_BRAND_INTENTS[kind], BRAND_KEYWORD_PREFIX + core.upper(),
                                    False)
            planned[index] = _plan(connection, texts[index], brands, now, forced)
    return planned


def _confirming(connection: Connection, plans: list[_Plan], now: datetime) -> list[_Plan]:
    """`plans` with the SMS opt-in that answers a live double opt-in request carrying the
    evidence linking the two; one look-up, and only when the batch holds an opt-in to a
    brand that asks for confirmations (requests are made only for those; a request left
    from before its brand stopped asking is settled by the plain opt-in instead).

    In text order, as if written one by one: the first consent change for the number and
    brand (a STOPALL: every brand) settles the request, so only an opt-in that comes first
    is linked."""
    opt_ins = [plan.record.number for plan in plans
               if plan.record is not None and plan.record.number is not None
               and plan.record.action == Intent.OPT_IN.value
               and plan.brand is not None and plan.brand.double_opt_in]
    if not opt_ins:
        return plans
    live = confirmations.live_requests(connection, opt_ins, now)
    linked = []
    for plan in plans:
        record = plan.record
        if record is None or record.number is None or record.brand_id is None:
            linked.append(plan)  # (an inbound record always has both)
            continue
        pending = live.pop((record.number, record.brand_id), None)
        if record.scope == "all":
            live = {key: value for key, value in live.items() if key[0] != record.number}
        if pending is None or record.action != Intent.OPT_IN.value:
            linked.append(plan)
            continue
        evidence = confirmations.linked_evidence(dict(record.evidence), pending,
                                                 plan.claim["message_sid"])
        linked.append(replace(plan, record=replace(record, evidence=evidence)))
    return linked


def _record_generic(connection: Connection, plans: Sequence[_Plan], now: datetime) -> Written:
    """The reference path (SQLite; pinned to `inbound_pg` on PostgreSQL by a test): claims,
    replies, then `ledger.append_many`, as separate statements (MessageSids distinct)."""
    inbound_ids = _claim(connection, plans)
    claimed = [plan for plan in plans if plan.claim["message_sid"] in inbound_ids]
    outbox_ids = _add_replies(connection, [
        {**plan.reply, "inbound_id": inbound_ids[plan.claim["message_sid"]]}
        for plan in claimed if plan.reply is not None])
    changes = [(plan.claim["message_sid"], plan.record) for plan in claimed
               if plan.record is not None]
    with Session(bind=connection) as session:  # joins the caller's transaction
        appended = ledger.append_many(session, [record for _, record in changes])
    entry_ids = dict(zip((sid for sid, _ in changes), appended, strict=True))
    return {plan.claim["message_sid"]: (
        outbox_ids.get(inbound_ids[plan.claim["message_sid"]]),
        entry_ids.get(plan.claim["message_sid"])) for plan in claimed}


def _plan(connection: Connection, text: InboundText, brands: BrandCache,
          now: datetime, forced: Classification | None = None) -> _Plan:
    classification = forced or classify(text.body, text.opt_out_type)
    sender = _e164_or_none(text.from_number)
    to_number = _e164_or_none(text.to_number)
    key = (to_number, text.messaging_service_sid)
    if key not in brands:
        brands[key] = brand_for_inbound(connection, *key)
    brand = brands[key]
    claim = {"message_sid": text.message_sid, "from_number": text.from_number,
             "to_number": text.to_number, "brand_id": brand.id if brand else None,
             "body": text.body, "intent": classification.intent.value,
             "keyword": classification.keyword, "received_at": now}
    if brand is None or sender is None or classification.intent is Intent.NONE:
        # Kept in inbound_messages either way: a text to a number we cannot attribute is
        # never silently dropped, but it cannot change a brand's consent.
        return _Plan(classification, claim, None, None, key, brand)
    review = classification.intent is Intent.POSSIBLE_OPT_OUT
    reply = None if review else {
        "brand_id": brand.id, "kind": classification.intent.value, "to_number": sender,
        "from_number": to_number,
        "messaging_service_sid": text.messaging_service_sid if not to_number else None,
        "body": _reply_body(brand, classification), "status": "pending", "attempts": 0,
        "created_at": now}
    record = None
    if classification.intent in (Intent.OPT_IN, Intent.OPT_OUT) or review:
        evidence = _evidence(text, classification, to_number, review)
        if forced is not None and reply is not None and classification.intent is Intent.OPT_IN:
            # A text-to-join: the keyword texted and the disclosure it was answered with.
            evidence["join_keyword"] = classification.keyword
            evidence["disclosure"] = reply["body"]
        record = ledger.ConsentRecord(
            number=sender, brand_id=brand.id, action=REVIEW if review else
            classification.intent.value, source="sms",
            scope="all" if classification.all_brands else "brand",
            keyword=classification.keyword, raw_text=text.body, message_sid=text.message_sid,
            evidence=evidence)
    return _Plan(classification, claim, reply, record, key, brand)


_INBOUND = cast(Table, InboundMessage.__table__)
_OUTBOX = cast(Table, OutboxMessage.__table__)
# Built once. A MessageSid already stored (a retry) inserts nothing and returns no row.
_CLAIM = {name: dialect_insert(_INBOUND).on_conflict_do_nothing(
              index_elements=[_INBOUND.c.message_sid])
          .returning(_INBOUND.c.message_sid, _INBOUND.c.id)
          for name, dialect_insert in (("postgresql", postgresql.insert),
                                       ("sqlite", sqlite.insert))}
_ADD_REPLIES = _OUTBOX.insert().returning(_OUTBOX.c.inbound_id, _OUTBOX.c.id)


def _claim(connection: Connection, plans: Sequence[_Plan]) -> dict[str, int]:
    """Insert the inbound rows; return MessageSid -> id for those this call wrote."""
    # One multi-row INSERT (SQLAlchemy's insertmanyvalues) whatever the batch size.
    result = connection.execute(_CLAIM[connection.dialect.name],
                                [plan.claim for plan in plans])
    return {sid: inbound_id for sid, inbound_id in result}


def _add_replies(connection: Connection, replies: list[dict[str, Any]]) -> dict[int, int]:
    """Insert the outbox rows; return inbound id -> outbox id."""
    if not replies:
        return {}
    rows = connection.execute(_ADD_REPLIES, replies)
    return {inbound_id: outbox_id for inbound_id, outbox_id in rows}


# A North American number exactly as Twilio writes it: "+1", then the 10 digits (area code
# and exchange code each starting 2-9). That is already E.164 and nothing else could be its
# E.164 form, so it is taken as is.
_NANP_E164 = re.compile(r"\+1[2-9]\d{2}[2-9]\d{6}")


def _e164_or_none(raw: str) -> str | None:
    """The E.164 number of an inbound text's sender or recipient, or None (a short code, an
    alphanumeric sender: no consumer whose consent we keep).

    Twilio's North American numbers skip `normalize_number`'s validity check: a carrier has
    just delivered a text from that number, and refusing its STOP because the phonenumbers
    metadata does not list a newly opened area code would lose an opt-out. (It is also the
    hot path: the check costs more than the rest of planning a text.) Numbers that the API
    refuses as invalid can never be texted, so a consent recorded for one changes nothing.
    """
    if _NANP_E164.fullmatch(raw):
        return raw
    if len(raw) > MAX_INPUT_CHARS:
        return None  # what normalize_number says too; kept out of the cache below
    return _e164_cached(raw)


@lru_cache(maxsize=4096)  # pure; the brand numbers texted repeat on every request
def _e164_cached(raw: str) -> str | None:
    try:
        return normalize_number(raw)
    except InvalidNumberError:
        return None  # short codes, alphanumeric senders: not a consumer we keep consent for


def _evidence(text: InboundText, classification: Classification, to_number: str | None,
              review: bool) -> dict[str, Any]:
    """What an inbound consent decision keeps besides the text: the number texted, Twilio's
    OptOutType, the model's score; a review also how and in which language to answer it."""
    evidence: dict[str, Any] = {"to": text.to_number}
    if text.opt_out_type:
        evidence["opt_out_type"] = text.opt_out_type
    if classification.score is not None:
        evidence["score"] = classification.score
    if review:
        evidence["language"] = classification.language
        if not to_number and text.messaging_service_sid:
            evidence["service"] = text.messaging_service_sid
    return evidence


def _reply_body(brand: ReplyBrand, classification: Classification) -> str:
    """The reply owed, in the language of the keyword or rule that decided."""
    return brand.reply(classification.intent.value, classification.language,
                       classification.all_brands)
