"""Create a campaign: compose its text once, split the recipients, write the eligible ones.

Contract of `create_campaign`:
* The text sent is `compose.campaign_body(brand, body)`: the brand's name first and the STOP
  line unless the body already says how to stop. It must fit Twilio's 1,600 characters.
* Every recipient is normalised to E.164 (default region US) and either accepted (one
  `queued` campaign_recipients row) or refused with one reason, reported with the number as
  the caller wrote it: `invalid_number`, `duplicate` (the same E.164 number earlier in the
  list), `opted_out` or `no_consent` (the number's latest consent for the brand).
* The consent look-up is a handful of chunked IN queries against consent_state, not one per
  number. Refusing here only saves work: the worker checks consent again before each text.
* Flushes, never commits; the caller commits, then queues the returned recipient ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from smsgate.consent.policy import refusal_reason
from smsgate.errors import Forbidden, InvalidInput, NotFound
from smsgate.messaging import compose
from smsgate.messaging.numbers import InvalidNumberError, normalize_number
from smsgate.models import Brand, Campaign, CampaignRecipient, ConsentState, utcnow
from smsgate.privacy.pseudonym import erased_among

MAX_BODY_CHARS = 1600  # Twilio refuses longer bodies (error 21617)
# How each recipient status is reported: in flight is still queued, undelivered is failed.
REPORTED_AS = {"queued": "queued", "sending": "queued", "sent": "sent", "delivered": "delivered",
               "undelivered": "failed", "failed": "failed", "refused": "refused"}
# Well under every database's bound-parameter limit (SQLite's is 32,766 nowadays).
LOOKUP_CHUNK = 1000


@dataclass(frozen=True)
class Refusal:
    """A recipient the campaign will not text, and why."""

    number: str
    reason: str


@dataclass
class CampaignCreated:
    """What `create_campaign` wrote: the campaign and its queued recipients' ids, in order."""

    campaign: Campaign
    recipient_ids: list[int]
    refused: list[Refusal] = field(default_factory=list)


def compose_body(brand: Brand, body: str) -> str:
    """The text every recipient gets; InvalidInput when it is empty or too long to send."""
    if not body.strip():
        raise InvalidInput("the campaign body is empty", code="invalid_body", field="body")
    text = compose.campaign_body(brand.name, body)
    if len(text) > MAX_BODY_CHARS:
        raise InvalidInput(
            f"the text would be {len(text)} characters with the brand name and STOP line; "
            f"at most {MAX_BODY_CHARS} can be sent", code="body_too_long", field="body")
    return text


def split_recipients(session: Session, brand_id: int, raw_numbers: Sequence[str],
                     pseudonym_key: str) -> tuple[list[str], list[Refusal]]:
    """Split `raw_numbers` into E.164 numbers that may be texted and refusals, both in list
    order. `pseudonym_key` finds erased numbers among those without consent state."""
    seen: set[str] = set()
    candidates: list[tuple[int, str, str]] = []  # (position, as written, E.164)
    refused: list[tuple[int, Refusal]] = []
    for position, raw in enumerate(raw_numbers):
        try:
            number = normalize_number(raw)
        except InvalidNumberError:
            refused.append((position, Refusal(raw, "invalid_number")))
            continue
        if number in seen:
            refused.append((position, Refusal(raw, "duplicate")))
            continue
        seen.add(number)
        candidates.append((position, raw, number))
    actions = consent_actions(session, brand_id, [number for _, _, number in candidates])
    erased = erased_among(session, pseudonym_key,
                          [number for _, _, number in candidates if number not in actions])
    accepted: list[str] = []
    for position, raw, number in candidates:
        reason = refusal_reason(actions.get(number), erased=number in erased)
        if reason is None:
            accepted.append(number)
        else:
            refused.append((position, Refusal(raw, reason)))
    refused.sort(key=lambda item: item[0])
    return accepted, [refusal for _, refusal in refused]


def consent_actions(session: Session, brand_id: int, numbers: Sequence[str]) -> dict[str, str]:
    """The latest consent action of each of `numbers` that has one, for `brand_id`."""
    actions: dict[str, str] = {}
    for start in range(0, len(numbers), LOOKUP_CHUNK):
        chunk = numbers[start:start + LOOKUP_CHUNK]
        actions.update(session.execute(
            select(ConsentState.number, ConsentState.action)
            .where(ConsentState.brand_id == brand_id, ConsentState.number.in_(chunk))).all())
    return actions


def create_campaign(session: Session, brand: Brand, body: str, recipients: Sequence[str], *,
                    pseudonym_key: str, api_key_id: int | None = None) -> CampaignCreated:
    """Write the campaign and one `queued` row per accepted recipient; flush, no commit."""
    text = compose_body(brand, body)
    cost = compose.segment_cost(text)
    accepted, refused = split_recipients(session, brand.id, recipients, pseudonym_key)
    campaign = Campaign(brand_id=brand.id, api_key_id=api_key_id, requested_body=body,
                        body=text, encoding=cost.encoding, segments=cost.segments,
                        refused_at_request=len(refused), created_at=utcnow())
    session.add(campaign)
    session.flush()
    if accepted:
        session.execute(insert(CampaignRecipient), [
            {"campaign_id": campaign.id, "number": number, "status": "queued", "attempts": 0}
            for number in accepted])
    recipient_ids = list(session.scalars(
        select(CampaignRecipient.id).where(CampaignRecipient.campaign_id == campaign.id)
        .order_by(CampaignRecipient.id)))
    return CampaignCreated(campaign, recipient_ids, refused)


def get_campaign(session: Session, campaign_id: int, brand_id: int | None = None) -> Campaign:
    """Campaign `campaign_id`, or NotFound; with `brand_id`, only a campaign of that brand
    counts, and any other (existing or not) is Forbidden, so that a key scoped to a brand
    cannot learn which campaign ids other brands have."""
    # campaigns.id is a 32-bit integer on PostgreSQL: a larger id names no campaign, and
    # passing it to the driver would fail with an overflow instead of a 404.
    campaign = session.get(Campaign, campaign_id) if 0 < campaign_id < 2**31 else None
    if brand_id is not None and (campaign is None or campaign.brand_id != brand_id):
        raise Forbidden("this key is limited to another brand", code="wrong_brand")
    if campaign is None:
        raise NotFound(f"no campaign {campaign_id}", code="unknown_campaign")
    return campaign


def campaign_progress(session: Session, campaign: Campaign) -> dict[str, object]:
    """`{"id", "status", "counts"}` from one GROUP BY over the campaign's recipients.

    `refused` adds the recipients refused when the campaign was created to those refused at
    the moment of sending. Status: `queued` while no recipient has been touched, `sending`
    while some are queued or in flight, `done` when none is.
    """
    raw = dict(session.execute(
        select(CampaignRecipient.status, func.count())
        .where(CampaignRecipient.campaign_id == campaign.id)
        .group_by(CampaignRecipient.status)).all())
    counts = dict.fromkeys(("queued", "sent", "delivered", "failed", "refused"), 0)
    for status, count in raw.items():
        counts[REPORTED_AS[status]] += count
    counts["refused"] += campaign.refused_at_request
    accepted = sum(raw.values())
    if not raw.get("queued") and not raw.get("sending"):
        status = "done"
    elif raw.get("queued") == accepted:
        status = "queued"
    else:
        status = "sending"
    return {"id": campaign.id, "status": status, "counts": counts}
