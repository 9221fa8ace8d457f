"""Lost webhooks: find texts Twilio received but never delivered to us, and record them.

Twilio retries a webhook only when its connection fails (unless the URL asks for more), so a
STOP answered 503 during a database outage would be lost. `smsgate reconcile` reads Twilio's
list of texts received at each brand number, from a stored watermark minus `MARGIN`, and
hands every MessageSid not yet claimed to the webhook's own writer
(`smsgate.consent.inbound_writer`): same classification, same ledger entry, one reply. The
unique MessageSid claim makes a late webhook, or a second reconcile, a no-op.

Twilio lists newest first, so a run that reaches `TEXTS_PER_NUMBER` has read only the newest
texts of its window: the watermark stays, and the next run resumes below the oldest text read
(`ReconcileWatermark`). The watermark moves only when a pass has read its whole window.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from smsgate.consent.inbound import InboundText
from smsgate.messaging.provider import ListedInbound, ReceivedText
from smsgate.models import BrandNumber, InboundMessage, ReconcileWatermark

log = logging.getLogger(__name__)

# Texts Twilio lists late (its own lag, our clock's skew) are re-read for this long.
MARGIN = timedelta(minutes=10)
FIRST_LOOKBACK = timedelta(days=1)  # a number never reconciled: read its last day
TEXTS_PER_NUMBER = 1000  # per run: bounded work, and at most one page of Twilio's largest


@dataclass(frozen=True)
class Window:
    """What one run reads for one number: texts sent from `sent_after` to `sent_before`
    (None: up to now). `pass_until` is where the pass began, what the watermark becomes
    once the pass has read everything down to `sent_after`."""

    number: str
    brand_id: int
    sent_after: datetime
    sent_before: datetime | None
    pass_until: datetime
    explicit: bool = False


def brand_numbers(session: Session) -> list[tuple[str, int]]:
    """Every sender number with its brand id, in a stable order."""
    rows = session.execute(select(BrandNumber.number, BrandNumber.brand_id)
                           .order_by(BrandNumber.number))
    return [(number, brand_id) for number, brand_id in rows]


def window(session: Session, number: str, brand_id: int, now: datetime,
           since: datetime | None = None) -> Window:
    """The window the next run reads for `number`: from `since` when given (a fresh pass),
    else from its watermark minus `MARGIN`, resuming a pass left unfinished."""
    if since is not None:
        return Window(number, brand_id, since, None, now, explicit=True)
    mark = session.get(ReconcileWatermark, number)
    if mark is None:
        return Window(number, brand_id, now - FIRST_LOOKBACK, None, now)
    if mark.pass_until is not None:
        return Window(number, brand_id, mark.read_until - MARGIN, mark.resume_before,
                      mark.pass_until)
    return Window(number, brand_id, mark.read_until - MARGIN, None, now)


def unclaimed(session: Session, texts: Sequence[ReceivedText]) -> list[ReceivedText]:
    """The texts whose MessageSid is not stored yet, oldest first (the order they were sent,
    so a STOP then a START leave the number opted in, as the webhooks would have)."""
    sids = [text.sid for text in texts]
    claimed = set(session.scalars(select(InboundMessage.message_sid)
                                  .where(InboundMessage.message_sid.in_(sids))))
    fresh = [text for text in texts if text.sid not in claimed]
    return list(reversed(fresh))  # Twilio lists newest first


def as_inbound(text: ReceivedText) -> InboundText:
    """The webhook's view of a listed text (Twilio's list has no OptOutType: the keyword in
    the body decides, as it does for a webhook without one)."""
    return InboundText(message_sid=text.sid, from_number=text.from_number,
                       to_number=text.to_number, body=text.body,
                       messaging_service_sid=text.messaging_service_sid)


def advance(session: Session, read: Window, listed: ListedInbound) -> None:
    """Record how far `read` got, once its texts are committed; never past what was read."""
    mark = session.get(ReconcileWatermark, read.number)
    if mark is None:
        mark = ReconcileWatermark(number=read.number, read_until=read.sent_after)
        session.add(mark)
    if not listed.truncated:
        # An explicit --since later than the watermark left the texts between them unread.
        if not read.explicit or read.sent_after <= mark.read_until - MARGIN:
            mark.read_until = max(mark.read_until, read.pass_until)
        mark.pass_until = mark.resume_before = None
        session.flush()
        return
    if read.explicit:  # an explicit --since pass continues from --since, not the watermark
        mark.read_until = min(mark.read_until, read.sent_after + MARGIN)
    oldest = listed.oldest_sent or read.sent_before or read.pass_until
    if read.sent_before is not None and oldest >= read.sent_before:
        # More texts sent within one second than a run reads: step past that second
        # rather than read it forever.
        log.warning("reconcile_second_overflow", extra={"brand_id": read.brand_id,
                                                        "texts": TEXTS_PER_NUMBER})
        oldest = read.sent_before - timedelta(seconds=1)
    mark.pass_until = read.pass_until
    mark.resume_before = oldest  # Twilio's bounds are inclusive: that second is read again
    session.flush()
