"""Possible revocations a person must settle: the review queue.

A text the recogniser reads as *maybe* "stop texting me" (`Intent.POSSIBLE_OPT_OUT`) is
appended to the ledger as a `review` entry: it sends no confirmation, and because the
brand's consent state for the number is then `review`, not `opt_in`, the send-time check
refuses every campaign text to it with reason `pending_review`. Nothing expires: the pause
lasts until a person decides, or until the number itself opts in or out again.

A review is open while it is the latest consent decision for its (number, brand): its id is
its ledger entry's id. Deciding appends one more entry, with the reviewer's key:

* `opt_out`: an opt-out (source `review`), confirmed by the usual single reply, in the
  language of the text under review;
* `not_opt_out`: the decision that stood before the review (usually the opt-in) is written
  again, naming the entry it restores; `none` when there was no earlier decision, which
  leaves the number without consent, as it was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from smsgate.accounts.brands import brand_for_reply
from smsgate.consent import ledger
from smsgate.errors import Conflict, InvalidInput, NotFound
from smsgate.messaging.numbers import InvalidNumberError, normalize_number
from smsgate.models import Brand, ConsentState, LedgerEntry, OutboxMessage, utcnow

REVIEW = "review"  # the ledger action (and consent state) of a possible revocation
NO_DECISION = "none"  # what "not an opt-out" restores when nothing was decided before
DECISIONS = ("opt_out", "not_opt_out")
MAX_LISTED = 500


@dataclass(frozen=True)
class Decided:
    """A settled review: the entry written and the confirmation owed (outbox id or None)."""

    entry_id: int
    action: str
    outbox_id: int | None


def open_reviews(session: Session, brand_id: int | None = None,
                 limit: int = MAX_LISTED) -> list[dict[str, Any]]:
    """The open reviews, oldest first (at most `limit`); with `brand_id`, that brand's."""
    query = (select(LedgerEntry, Brand.name)
             .join(ConsentState, (ConsentState.entry_id == LedgerEntry.id)
                   & (ConsentState.brand_id == LedgerEntry.brand_id))
             .join(Brand, Brand.id == LedgerEntry.brand_id)
             .where(ConsentState.action == REVIEW)
             .order_by(LedgerEntry.id).limit(limit))
    if brand_id is not None:
        query = query.where(LedgerEntry.brand_id == brand_id)
    return [review_dict(entry, name) for entry, name in session.execute(query)]


def review_dict(entry: LedgerEntry, brand_name: str) -> dict[str, Any]:
    """How a review is shown: the text, why it was flagged (rule or model and score), when."""
    evidence = json.loads(entry.evidence or "{}")
    return {"id": entry.id, "number": entry.number, "brand": brand_name,
            "received_at": ledger.format_time(entry.recorded_at), "text": entry.raw_text,
            "message_sid": entry.message_sid, "reason": entry.keyword,
            "score": evidence.get("score"), "language": evidence.get("language", "en")}


def decide(session: Session, review_id: int, decision: Any, *, api_key_id: int,
           brand_id: int | None = None) -> Decided:
    """Settle review `review_id` with `decision` ("opt_out" | "not_opt_out"); flush only.

    With `brand_id` (a key scoped to a brand), another brand's review is NotFound. A review
    that is no longer open (decided already, or the number texted again since) is a
    Conflict: the check runs with the chain head locked, so two reviewers cannot both
    settle it.
    """
    if decision not in DECISIONS:
        raise InvalidInput(f"decision must be one of {', '.join(DECISIONS)}",
                           code="invalid_field", field="decision")
    # ledger_entries.id is a 64-bit integer: a larger id names no review, and passing it to
    # the driver would fail with an overflow instead of a 404.
    review = session.get(LedgerEntry, review_id) if 0 < review_id < 2**63 else None
    if review is None or review.action != REVIEW or review.number is None \
            or review.brand_id is None or (brand_id is not None and review.brand_id != brand_id):
        raise NotFound(f"no review {review_id}", code="unknown_review")  # (erased: none)
    review_brand = review.brand_id

    def still_open(locked: Session) -> None:
        current = locked.scalar(select(ConsentState.entry_id).where(
            ConsentState.number == review.number, ConsentState.brand_id == review.brand_id))
        if current != review.id:
            raise Conflict(f"review {review_id} is no longer open", code="review_closed")

    evidence: dict[str, Any] = {"review_of": review.id, "decision": decision}
    if decision == "opt_out":
        action = "opt_out"
    else:
        restored = _decision_before(session, review)
        action = restored.action if restored is not None else NO_DECISION
        evidence["restores"] = restored.id if restored is not None else None
    record = ledger.ConsentRecord(
        number=review.number, brand_id=review_brand, action=action, source="review",
        keyword=f"review:{decision}", evidence=evidence, api_key_id=api_key_id)
    entry_id = ledger.append_many(session, [record], check=still_open)[0]
    outbox_id = None
    if action == "opt_out":
        outbox_id = _confirm(session, review, review_brand)
    return Decided(entry_id, action, outbox_id)


def _decision_before(session: Session, review: LedgerEntry) -> LedgerEntry | None:
    """The latest opt-in, opt-out (a STOPALL included) or restoration for the review's
    number and brand before it: what was in force when the text arrived."""
    return session.scalar(
        select(LedgerEntry)
        .where(LedgerEntry.number == review.number, LedgerEntry.id < review.id,
               LedgerEntry.action != REVIEW,
               or_(LedgerEntry.brand_id == review.brand_id, LedgerEntry.scope == "all"))
        .order_by(LedgerEntry.id.desc()).limit(1))


def _confirm(session: Session, review: LedgerEntry, brand_id: int) -> int:
    """Owe the opt-out confirmation, from the number the text reached, in its language."""
    brand = brand_for_reply(session.connection(), brand_id)
    evidence = json.loads(review.evidence or "{}")
    try:
        reached: str | None = normalize_number(str(evidence.get("to") or ""))
    except InvalidNumberError:
        reached = None  # the text came through a Messaging Service: answer through it
    outbox = OutboxMessage(
        brand_id=brand_id, kind="opt_out", to_number=review.number,
        from_number=reached, messaging_service_sid=None if reached else evidence.get("service"),
        body=brand.reply("opt_out", evidence.get("language", "en")),
        status="pending", attempts=0, created_at=utcnow())
    session.add(outbox)
    session.flush()
    return outbox.id
