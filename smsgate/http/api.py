"""The marketers' JSON API under /api/v1: consents gathered elsewhere, and campaigns.

Each route is an edge: it authenticates, reads the body (smsgate.http.params), calls one
service, commits once, and only then queues jobs. A database failure answers 503 with
nothing half-written (the app's handler rolls back); bad input answers 4xx JSON; neither is
ever a 500.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from smsgate.campaigns import queueing
from smsgate.campaigns import service as campaigns
from smsgate.campaigns.timing import DEFAULT_VALID_FOR, Timing
from smsgate.consent import service as consents
from smsgate.consent.ledger import format_time
from smsgate.errors import InvalidInput, PayloadTooLarge
from smsgate.extensions import db, queue, redis_connection
from smsgate.http import params
from smsgate.http.auth import brand_for_key, require_key
from smsgate.infra import counters
from smsgate.messaging import outbox
from smsgate.messaging.numbers import number_from_input
from smsgate.models import ApiKey, Brand

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _brand(key: ApiKey, payload: dict[str, Any]) -> Brand:
    """The brand the body names: 403 when the key serves another (decided before any look-up,
    so a scoped key cannot probe which brands exist), else 404 when unknown."""
    return brand_for_key(key, params.required_string(payload, "brand", max_length=64))


@bp.post("/consents")
def record_consents() -> ResponseReturnValue:
    """Record one consent (`number`, `action`, `evidence`) or a batch (`consents`): 201."""
    key = require_key("marketer")
    payload = params.json_object()
    brand = _brand(key, payload)
    source = params.string(payload, "source", required=False, default="api", max_length=16)
    if source not in consents.API_SOURCES:
        raise InvalidInput(f"source must be one of {', '.join(consents.API_SOURCES)}",
                           code="invalid_field", field="source")
    bulk = "consents" in payload
    if bulk:
        entries = params.array(payload, "consents")
        limit = current_app.config["SMSGATE"].max_bulk_consents
        if len(entries) > limit:
            raise PayloadTooLarge(f"at most {limit} consents per request",
                                  code="too_many_consents", limit=limit)
        if not entries:
            raise InvalidInput("consents must not be empty", code="invalid_field",
                               field="consents")
    else:
        entries = [{name: payload.get(name) for name in ("number", "action", "evidence")}]
    pseudonym_key = current_app.config["SMSGATE"].require_pseudonym_key()
    recorded = consents.record_consents(db.session(), brand, entries, pseudonym_key=pseudonym_key,
                                        default_source=source, api_key_id=key.id)
    db.session.commit()
    outbox.enqueue_replies(queue("replies"), recorded.texts_to_queue())
    pending = [{"index": index, "pending_id": p.id, "expires_at": format_time(p.expires_at)}
               for index, p in recorded.pending]
    if bulk:
        answer: dict[str, Any] = {"brand": brand.name, "count": len(recorded.entry_ids),
                                  "ids": recorded.entry_ids}
        if brand.double_opt_in:
            answer["pending"] = pending
        return jsonify(answer), 201
    if pending:
        return jsonify({"brand": brand.name, "state": "pending",
                        "pending_id": pending[0]["pending_id"],
                        "expires_at": pending[0]["expires_at"]}), 201
    return jsonify({"id": recorded.entry_ids[0], "brand": brand.name}), 201


@bp.get("/consents/<number>")
def consent_report(number: str) -> ResponseReturnValue:
    """A number's consent per brand and its ledger entries (a scoped key: its brand only)."""
    key = require_key("marketer", "auditor")
    e164 = number_from_input(number)
    return jsonify(consents.consent_report(db.session(), e164, key.brand_id))


@bp.post("/campaigns")
def create_campaign() -> ResponseReturnValue:
    """Compose and store a campaign, refuse who may not be texted, queue the rest: 202."""
    key = require_key("marketer")
    settings = current_app.config["SMSGATE"]
    payload = params.json_object()
    body = params.required_string(payload, "body", max_length=campaigns.MAX_BODY_CHARS)
    recipients = params.string_array(payload, "recipients",
                                     max_items=settings.max_campaign_recipients)
    if not recipients:
        raise InvalidInput("recipients must not be empty", code="invalid_field",
                           field="recipients")
    timing = Timing(send_at=params.moment(payload, "send_at"),
                    valid_for=params.integer(payload, "valid_for", default=DEFAULT_VALID_FOR))
    brand = _brand(key, payload)
    created = campaigns.create_campaign(db.session(), brand, body, recipients,
                                        pseudonym_key=settings.require_pseudonym_key(),
                                        api_key_id=key.id, timing=timing)
    db.session.commit()
    counters.count_each(redis_connection(), "texts_refused_total",
                        Counter(refusal.reason for refusal in created.refused))
    campaign = created.campaign
    queueing.enqueue_campaign(queue("campaigns"), campaign.id, created.recipient_ids,
                              settings.recipients_per_job, created.deferred)
    return jsonify({
        "id": campaign.id, "brand": brand.name, "accepted": len(created.recipient_ids),
        "refused": [{"number": r.number, "reason": r.reason} for r in created.refused],
        "body": campaign.body, "segments": campaign.segments, "encoding": campaign.encoding,
        "schedule": created.schedule, "expires_at": campaign.expires_at.isoformat()
        if campaign.expires_at else None,
        "added": {"brand_prefix": created.composed.prefix_added,
                  "stop_line": created.composed.stop_line_added},
    }), 202


@bp.get("/campaigns/<int:campaign_id>")
def campaign_status(campaign_id: int) -> ResponseReturnValue:
    """The campaign's progress: status and counts per outcome."""
    key = require_key("marketer")
    campaign = campaigns.get_campaign(db.session(), campaign_id, key.brand_id)
    return jsonify(campaigns.campaign_progress(db.session(), campaign))


@bp.post("/campaigns/<int:campaign_id>/cancel")
def cancel_campaign(campaign_id: int) -> ResponseReturnValue:
    """Cancel a campaign: no recipient still queued is texted once this answers; texts already
    claimed finish. Answers the campaign's view (status `cancelled`)."""
    key = require_key("marketer")
    campaign = campaigns.get_campaign(db.session(), campaign_id, key.brand_id)
    campaigns.cancel_campaign(db.session(), campaign)
    db.session.commit()
    return jsonify(campaigns.campaign_progress(db.session(), campaign))
