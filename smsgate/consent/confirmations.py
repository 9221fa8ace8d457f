"""Double opt-in: web-form consent waits for the number's YES before it becomes an opt-in.

For a brand with `double_opt_in`, an API opt-in writes no ledger entry. It writes a
`PendingConfirmation` (its web-form evidence, and the ledger's head id at that moment) and
one confirmation request in the reply outbox, in the caller's transaction. Then:

* A YES (any opt-in keyword) from the number to the brand while the request is live is
  recorded by the inbound path as usual, its evidence linking the web form and the pending
  request (`linked_evidence`): the opt-in now rests on both.
* A STOP, or any other consent change for the number and brand, settles it too: a pending
  request is live only while no consent entry for the pair is newer than the head it saw.
* No answer within the brand's window: it expires. Nothing is written, then or ever; the
  number keeps whatever consent it had.

A second API opt-in for a number with a live request gets that request back, and no second
text. A double-opt-in brand's campaigns refuse a number whose only standing is a live
request with `pending_confirmation` (were the setting turned off, `no_consent` as before:
refused either way), and the consent view shows it as `pending`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, and_, bindparam, func, insert, select
from sqlalchemy.orm import Session

from smsgate.consent import ledger
from smsgate.messaging import compose
from smsgate.models import Brand, ConsentState, OutboxMessage, PendingConfirmation

_LOOKUP_CHUNK = 500
REQUEST_KIND = "confirm"  # the outbox kind of a confirmation request


@dataclass(frozen=True)
class Pending:
    """A live confirmation request: `new` when this call made it (and queued its text)."""

    id: int
    number: str
    brand_id: int
    evidence: str
    requested_at: datetime
    expires_at: datetime
    outbox_id: int | None
    new: bool = False


_PENDING = cast(Table, PendingConfirmation.__table__)
_STATE = cast(Table, ConsentState.__table__)
_PENDING_COLUMNS = ("id", "number", "brand_id", "evidence", "requested_at", "expires_at",
                    "outbox_id")
# Built once (the webhook runs it for every batch holding an opt-in): the live requests of
# the numbers given, oldest first. Live: not expired at `now`, and no consent entry for the
# pair newer than the ledger head the request saw.
_LIVE = (select(*(_PENDING.c[name] for name in _PENDING_COLUMNS))
         .select_from(_PENDING.outerjoin(_STATE, and_(_STATE.c.number == _PENDING.c.number,
                                                      _STATE.c.brand_id == _PENDING.c.brand_id)))
         .where(_PENDING.c.number.in_(bindparam("numbers", expanding=True)),
                _PENDING.c.expires_at > bindparam("now", type_=_PENDING.c.expires_at.type),
                func.coalesce(_STATE.c.entry_id, 0) <= _PENDING.c.after_entry_id)
         .order_by(_PENDING.c.id))
_LIVE_FOR_TEXT = _LIVE.where(_PENDING.c.outbox_id == bindparam("outbox_id")).limit(1)


def live_requests(bind: Session | Connection, numbers: Iterable[str],
                  now: datetime) -> dict[tuple[str, int], Pending]:
    """(number, brand id) -> the newest live request, for each of `numbers` that has one."""
    wanted = sorted(set(numbers))
    found: dict[tuple[str, int], Pending] = {}
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        rows = bind.execute(_LIVE, {"numbers": wanted[start:start + _LOOKUP_CHUNK],
                                    "now": now})
        for row in rows:
            found[(row.number, row.brand_id)] = Pending(*row)
    return found


def request_confirmations(session: Session, brand: Brand,
                          records: Sequence[ledger.ConsentRecord],
                          now: datetime) -> list[Pending]:
    """For each opt-in in `records` (all for `brand`): its live request, or a new one with its
    confirmation text in the outbox; in order. Flushes, never commits; the caller queues
    the `outbox_id`s of the new ones after its commit."""
    live = live_requests(session, (record.number for record in records
                                   if record.number is not None), now)
    head = ledger.head_id(session)
    body = compose.confirmation_request(brand.name, brand.program_name,
                                        brand.frequency_text)
    sender = brand.numbers[0].number if brand.numbers else None
    expires_at = now + timedelta(hours=brand.confirm_within_hours)
    made: list[Pending] = []
    for record in records:
        number = record.number
        if number is None:  # only an erasure entry has no number, never an opt-in
            raise ValueError("an opt-in without a number")
        existing = live.get((number, brand.id))
        if existing is not None:
            made.append(existing)
            continue
        outbox_id = session.execute(insert(OutboxMessage).returning(OutboxMessage.id), {
            "brand_id": brand.id, "kind": REQUEST_KIND, "to_number": number,
            "from_number": sender,
            "messaging_service_sid": None if sender else brand.messaging_service_sid,
            "body": body, "status": "pending", "attempts": 0, "created_at": now}).scalar_one()
        evidence = ledger.canonical_json(dict(record.evidence))
        pending_id = session.execute(
            insert(PendingConfirmation).returning(PendingConfirmation.id), {
                "number": number, "brand_id": brand.id, "source": record.source,
                "evidence": evidence, "api_key_id": record.api_key_id,
                "after_entry_id": head, "requested_at": now, "expires_at": expires_at,
                "outbox_id": outbox_id}).scalar_one()
        pending = Pending(pending_id, number, brand.id, evidence, now, expires_at,
                          outbox_id, new=True)
        live[(number, brand.id)] = pending
        made.append(pending)
    return made


def request_still_live(session: Session, outbox_id: int, number: str, now: datetime) -> bool:
    """Whether the request that outbox row `outbox_id` (to `number`) asks is still live: a
    STOP or an expiry before the worker reached it means the text must not go."""
    return session.execute(_LIVE_FOR_TEXT, {"numbers": [number], "now": now,
                                            "outbox_id": outbox_id}).first() is not None


def linked_evidence(evidence: dict[str, Any], pending: Pending,
                    message_sid: str) -> dict[str, Any]:
    """An SMS opt-in's evidence when it confirms `pending`: the web form it confirms, the
    request it answers and the MessageSid that answered, beside its own fields."""
    return {**evidence, "double_opt_in": {
        "pending_id": pending.id, "web_form": json.loads(pending.evidence),
        "requested_at": ledger.format_time(pending.requested_at),
        "confirmed_by": message_sid}}
