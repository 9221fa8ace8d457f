"""Create a campaign: compose its text once, split the recipients, write the eligible ones.

Contract of `create_campaign`:
* The text sent is `compose.compose_text(brand, body)`: the brand's name first and the STOP
  line unless the body already says how to stop; what was added is reported. It must fit
  Twilio's 1,600 characters.
* Every recipient is normalised to E.164 (default region US) and either accepted (one
  `queued` campaign_recipients row) or refused with one reason, reported with the number as
  the caller wrote it: `invalid_number`, `duplicate` (the same E.164 number earlier in the
  list), `opted_out` or `no_consent` (the number's latest consent for the brand), or
  `pending_confirmation` (not opted in, and a double opt-in request awaits its YES).
* A campaign whose every recipient is refused is not written: InvalidInput (422,
  `all_recipients_refused`) carries the refusals instead.
* The consent look-up is a handful of chunked IN queries against consent_state, not one per
  number. Refusing here only saves work: the worker checks consent again before each text.
* Each accepted recipient stores its area code's zones and state; one outside its send window
  (smsgate.sendtime) at the time the campaign starts (`send_at`, or now) is deferred to when
  its window opens, and reported so in `schedule` (by zone, with when the next text is due).
  The campaign expires `valid_for` seconds after it starts (default 10 hours, like Twilio's
  queue): no text goes after that.
* Flushes, never commits; the caller commits, then queues the returned recipient ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from smsgate.campaigns.timing import Timing, schedule_report
from smsgate.consent import confirmations
from smsgate.consent.policy import refusal_reason
from smsgate.errors import Forbidden, InvalidInput, NotFound
from smsgate.messaging import compose
from smsgate.messaging.numbers import InvalidNumberError, normalize_number
from smsgate.models import Brand, Campaign, CampaignRecipient, ConsentState, utcnow
from smsgate.privacy.pseudonym import erased_among
from smsgate.sendtime.gate import BrandLimits, Gate, zones_text

MAX_BODY_CHARS = 1600  # Twilio refuses longer bodies (error 21617)
# How each recipient status is reported: in flight is still queued, undelivered is failed.
REPORTED_AS = {"queued": "queued", "sending": "queued", "sent": "sent", "delivered": "delivered",
               "undelivered": "failed", "failed": "failed", "refused": "refused",
               "expired": "expired", "cancelled": "cancelled"}
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
    composed: compose.Composed
    refused: list[Refusal] = field(default_factory=list)
    deferred: list[tuple[int, datetime]] = field(default_factory=list)  # (id, due)
    schedule: dict[str, object] = field(default_factory=dict)  # see timing.schedule_report


def compose_body(brand: Brand, body: str) -> compose.Composed:
    """The text every recipient gets; InvalidInput when it is empty or too long to send."""
    if not body.strip():
        raise InvalidInput("the campaign body is empty", code="invalid_body", field="body")
    composed = compose.compose_text(brand.name, body)
    text = composed.text
    if len(text) > MAX_BODY_CHARS:
        raise InvalidInput(
            f"the text would be {len(text)} characters with the brand name and STOP line; "
            f"at most {MAX_BODY_CHARS} can be sent", code="body_too_long", field="body")
    return composed


def split_recipients(session: Session, brand_id: int, raw_numbers: Sequence[str],
                     pseudonym_key: str, double_opt_in: bool = False
                     ) -> tuple[list[str], list[Refusal]]:
    """Split `raw_numbers` into E.164 numbers that may be texted and refusals, both in list
    order. `pseudonym_key` finds erased numbers among those without consent state.
    `double_opt_in`: the brand asks for confirmations, so a number not opted in is looked up
    among them (`pending_confirmation` rather than `no_consent`/`opted_out`)."""
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
    unconsented = [number for _, _, number in candidates if actions.get(number) != "opt_in"]
    pending = {number for number, brand in confirmations.live_requests(
        session, unconsented, utcnow()) if brand == brand_id} \
        if double_opt_in and unconsented else set()
    accepted: list[str] = []
    for position, raw, number in candidates:
        reason = refusal_reason(actions.get(number), number in pending,
                                erased=number in erased)
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
                    pseudonym_key: str, api_key_id: int | None = None,
                    timing: Timing | None = None) -> CampaignCreated:
    """Write the campaign and one `queued` row per accepted recipient, those outside their
    window deferred; flush, no commit.

    Raises InvalidInput (`all_recipients_refused`, with `refused`) and writes nothing when
    no recipient may be texted."""
    composed = compose_body(brand, body)
    cost = compose.segment_cost(composed.text)
    accepted, refused = split_recipients(session, brand.id, recipients, pseudonym_key,
                                         brand.double_opt_in)
    if not accepted:
        raise InvalidInput(
            f"all {len(refused)} recipients were refused; nothing was queued",
            code="all_recipients_refused",
            refused=[{"number": r.number, "reason": r.reason} for r in refused])
    now = utcnow()
    timing = timing or Timing()
    starts = max(now, timing.send_at) if timing.send_at else now
    campaign = Campaign(brand_id=brand.id, api_key_id=api_key_id, requested_body=body,
                        body=composed.text, encoding=cost.encoding, segments=cost.segments,
                        refused_at_request=len(refused), created_at=now,
                        send_at=timing.send_at,
                        expires_at=starts + timedelta(seconds=timing.valid_for))
    session.add(campaign)
    session.flush()
    gate = Gate(BrandLimits.of(brand))
    rows = []
    for number in accepted:
        zones, state = zones_text(number)
        decision = gate.decide(zones, state, starts)
        # Closed for days (no shared window): the worker expires it when it gets to it.
        due = (decision.until if not decision.open and decision.until is not None
               else starts if starts > now else None)
        rows.append({"campaign_id": campaign.id, "number": number, "status": "queued",
                     "attempts": 0, "time_zones": zones, "state": state, "not_before": due})
    session.execute(insert(CampaignRecipient), rows)
    written = session.execute(
        select(CampaignRecipient.id, CampaignRecipient.not_before)
        .where(CampaignRecipient.campaign_id == campaign.id)
        .order_by(CampaignRecipient.id)).all()
    deferred = [(rid, due) for rid, due in written if due is not None]
    return CampaignCreated(campaign, [rid for rid, _ in written], composed, refused, deferred,
                           schedule_report(session, campaign, now, gate))


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
    """`{"id", "status", "counts", "schedule", "send_at", "expires_at"}` from a GROUP BY
    over the campaign's recipients.

    `refused` adds the recipients refused when the campaign was created to those refused at
    the moment of sending; `deferred` are the queued ones that may not go yet (outside their
    window, over a cap, before `send_at`), `queued` the others. Status: `cancelled` once
    cancelled, else `queued` while no recipient has been touched, `sending` while some are
    queued or in flight, `done` when none is. `schedule`: see timing.schedule_report.
    """
    now = utcnow()
    raw = dict(session.execute(
        select(CampaignRecipient.status, func.count())
        .where(CampaignRecipient.campaign_id == campaign.id)
        .group_by(CampaignRecipient.status)).all())
    counts = dict.fromkeys(("queued", "deferred", "sent", "delivered", "failed", "refused",
                            "expired", "cancelled"), 0)
    for status, count in raw.items():
        counts[REPORTED_AS[status]] += count
    counts["refused"] += campaign.refused_at_request
    schedule = schedule_report(session, campaign, now)
    deferred = schedule["deferred"]
    assert isinstance(deferred, int)
    counts["deferred"] = deferred
    counts["queued"] -= deferred
    accepted = sum(raw.values())
    if campaign.cancelled_at is not None:
        status = "cancelled"
    elif not raw.get("queued") and not raw.get("sending"):
        status = "done"
    elif raw.get("queued") == accepted:
        status = "queued"
    else:
        status = "sending"
    return {"id": campaign.id, "status": status, "counts": counts, "schedule": schedule,
            "send_at": _iso(campaign.send_at), "expires_at": _iso(campaign.expires_at)}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def cancel_campaign(session: Session, campaign: Campaign) -> None:
    """Cancel `campaign`: every recipient still queued becomes `cancelled` now, so none is
    texted once this commits (a claim needs `queued`; texts already claimed finish, and a
    retry of one re-reads the campaign and stops). Cancelling twice changes nothing more."""
    now = utcnow()
    if campaign.cancelled_at is None:
        campaign.cancelled_at = now
    session.execute(update(CampaignRecipient)
                    .where(CampaignRecipient.campaign_id == campaign.id,
                           CampaignRecipient.status == "queued")
                    .values(status="cancelled", updated_at=now)
                    .execution_options(synchronize_session=False))
    session.flush()
