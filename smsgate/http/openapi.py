"""`GET /api/v1/openapi.json`: the OpenAPI 3 description of the HTTP API.

Kept in code beside the routes it describes; tests/test_openapi.py fails when a route is
missing here and runs schemathesis against it, so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

bp = Blueprint("openapi", __name__)

E164 = {"type": "string", "pattern": r"^\+[1-9]\d{1,14}$", "example": "+14155550123"}
TIME = {"type": "string", "format": "date-time"}
OBJECT = {"type": "object", "additionalProperties": True}
# What a consent state or ledger entry can say: review = a possible revocation awaiting a
# person; none = a review settled as no opt-out where nothing had been decided before.
LEDGER_ACTIONS = ["opt_in", "opt_out", "review", "none"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    reasons = {400: "Malformed request (also: a NUL or lone surrogate in the query or a cookie)",
               401: "No valid API key", 403: "Wrong role or brand", 404: "Not found",
               413: "Too large (body, recipients or consents)", 415: "Body not JSON",
               422: "Invalid input (also: a NUL or lone surrogate in any JSON string)",
               503: "Database down"}
    return {str(s): _json(_ref("Error"), reasons[s]) for s in statuses}


SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {
            "type": "object", "required": ["code", "message"], "additionalProperties": True,
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}},
    },
    "Evidence": {
        "type": "object", "additionalProperties": True,
        "description": "What proves the consent: consent_text (what the person saw), url or "
                       "form_id, ip, user_agent, time (ISO 8601), and anything else.",
        "properties": {"consent_text": {"type": "string"}, "url": {"type": "string"},
                       "form_id": {"type": "string"}, "ip": {"type": "string"},
                       "user_agent": {"type": "string"}, "time": {"type": "string"}},
    },
    "ConsentIn": {
        "type": "object", "required": ["number", "action"],
        "properties": {"number": {"type": "string", "description": "Any form phonenumbers "
                                  "parses (default region US)"},
                       "action": {"type": "string", "enum": ["opt_in", "opt_out"]},
                       "evidence": _ref("Evidence")},
    },
    "Entry": {
        "type": "object",
        "required": ["id", "recorded_at", "brand", "scope", "action", "source"],
        "properties": {
            "id": {"type": "integer"}, "recorded_at": TIME, "brand": {"type": "string"},
            "scope": {"type": "string", "enum": ["brand", "all"]},
            "action": {"type": "string", "enum": LEDGER_ACTIONS},
            "source": {"type": "string",
                       "enum": ["sms", "api", "provider", "import", "review"]},
            "keyword": {"type": ["string", "null"]}, "raw_text": {"type": ["string", "null"]},
            "message_sid": {"type": ["string", "null"]}, "evidence": OBJECT,
            "api_key_id": {"type": ["integer", "null"]}},
    },
    "Counts": {
        "type": "object", "required": ["queued", "sent", "delivered", "failed", "refused"],
        "description": "deferred: queued but not allowed yet (outside the recipient's window, "
                       "over a cap, before send_at); expired: not sent within valid_for; "
                       "cancelled: unsent when the campaign was cancelled",
        "properties": {name: {"type": "integer", "minimum": 0}
                       for name in ("queued", "deferred", "sent", "delivered", "failed",
                                    "refused", "expired", "cancelled")},
    },
    "Schedule": {
        "type": "object", "required": ["in_window", "deferred", "next_due", "by_zone"],
        "description": "The queued recipients now: in their send window (local time, every "
                       "candidate zone of the area code) or deferred, per zone, and when the "
                       "next deferred text is due",
        "properties": {
            "in_window": {"type": "integer", "minimum": 0},
            "deferred": {"type": "integer", "minimum": 0},
            "next_due": {"type": ["string", "null"], "format": "date-time"},
            "by_zone": {"type": "object", "additionalProperties": {
                "type": "object", "required": ["in_window", "deferred"],
                "properties": {"in_window": {"type": "integer", "minimum": 0},
                               "deferred": {"type": "integer", "minimum": 0}}}}},
    },
}

_CAMPAIGN_IN = {
    "type": "object", "required": ["brand", "body", "recipients"],
    "properties": {"brand": {"type": "string"},
                   "body": {"type": "string", "maxLength": 1600},
                   "recipients": {"type": "array", "maxItems": 100_000,
                                  "items": {"type": "string"}},
                   "send_at": {"type": "string", "format": "date-time",
                               "description": "Send no text before this (ISO 8601 with a "
                                              "zone)"},
                   "valid_for": {"type": "integer", "minimum": 60, "maximum": 604_800,
                                 "description": "Seconds after the start (send_at or now) "
                                                "after which unsent texts expire; default "
                                                "36000 (10 hours), passed to Twilio as "
                                                "ValidityPeriod"}},
}
_CAMPAIGN_OUT = {
    "type": "object",
    "required": ["id", "brand", "accepted", "refused", "body", "segments", "encoding"],
    "properties": {
        "id": {"type": "integer"}, "brand": {"type": "string"},
        "accepted": {"type": "integer", "minimum": 0},
        "refused": {"type": "array", "items": {
            "type": "object", "required": ["number", "reason"],
            "properties": {"number": {"type": "string"}, "reason": {
                "type": "string",
                "enum": ["invalid_number", "opted_out", "no_consent", "pending_review",
                         "pending_confirmation", "duplicate", "frequency_cap"]}}}},
        "body": {"type": "string", "description": "As sent: brand first, STOP line added"},
        "segments": {"type": "integer", "minimum": 1},
        "encoding": {"type": "string", "enum": ["GSM-7", "UCS-2"]},
        "schedule": _ref("Schedule"),
        "expires_at": {"type": ["string", "null"], "format": "date-time"},
        "added": {"type": "object", "required": ["brand_prefix", "stop_line"],
                  "description": "What composing the text added to the body sent",
                  "properties": {"brand_prefix": {"type": "boolean"},
                                 "stop_line": {"type": "boolean"}}}},
}
_CAMPAIGN_VIEW = {
    "type": "object", "required": ["id", "status", "counts"],
    "properties": {"id": {"type": "integer"},
                   "status": {"type": "string",
                              "enum": ["queued", "sending", "done", "cancelled"]},
                   "counts": _ref("Counts"), "schedule": _ref("Schedule"),
                   "send_at": {"type": ["string", "null"], "format": "date-time"},
                   "expires_at": {"type": ["string", "null"], "format": "date-time"}},
}
_CAMPAIGN_ID = [{"name": "campaign_id", "in": "path", "required": True,
                 "schema": {"type": "integer", "minimum": 0}}]
_CONSENTS_IN = {"oneOf": [
    {"type": "object", "required": ["brand", "number", "action"], "properties": {
        "brand": {"type": "string"}, "source": {"type": "string", "enum": ["api", "import"]},
        **SCHEMAS["ConsentIn"]["properties"]}},
    {"type": "object", "required": ["brand", "consents"], "properties": {
        "brand": {"type": "string"}, "source": {"type": "string", "enum": ["api", "import"]},
        "consents": {"type": "array", "minItems": 1, "maxItems": 10_000,
                     "items": _ref("ConsentIn")}}},
]}
_PENDING = {"type": "object", "required": ["index", "pending_id", "expires_at"],
            "properties": {"index": {"type": "integer"}, "pending_id": {"type": "integer"},
                           "expires_at": TIME}}
_CONSENTS_OUT = {"oneOf": [
    {"type": "object", "required": ["id", "brand"],
     "properties": {"id": {"type": "integer"}, "brand": {"type": "string"}}},
    {"type": "object", "required": ["brand", "state", "pending_id", "expires_at"],
     "description": "A double-opt-in brand's opt-in: a confirmation request was sent (or one "
                    "already awaits the number's YES); no ledger entry until it is confirmed",
     "properties": {"brand": {"type": "string"}, "state": {"const": "pending"},
                    "pending_id": {"type": "integer"}, "expires_at": TIME}},
    {"type": "object", "required": ["brand", "count", "ids"],
     "properties": {"brand": {"type": "string"}, "count": {"type": "integer"},
                    "ids": {"type": "array", "items": {"type": "integer"}},
                    "pending": {"type": "array", "items": _PENDING,
                                "description": "Double opt-in: the opt-ins (by index) "
                                               "awaiting their YES; `ids` are the rest"}}},
]}
_REPORT = {
    "type": "object", "required": ["number", "brands", "entries", "truncated"],
    "properties": {
        "number": E164, "truncated": {"type": "boolean"},
        "brands": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["action", "entry_id", "updated_at"],
            "properties": {"action": {"type": "string", "enum": [*LEDGER_ACTIONS, "pending"]},
                           "entry_id": {"type": ["integer", "null"]}, "updated_at": TIME,
                           "expires_at": TIME, "pending_id": {"type": "integer"}}}},
        "entries": {"type": "array", "items": _ref("Entry")}},
}
_REVIEW = {
    "type": "object",
    "required": ["id", "number", "brand", "received_at", "text", "reason", "score", "language"],
    "properties": {
        "id": {"type": "integer", "description": "The review's ledger entry"},
        "number": E164, "brand": {"type": "string"}, "received_at": TIME,
        "text": {"type": ["string", "null"]}, "message_sid": {"type": ["string", "null"]},
        "reason": {"type": ["string", "null"],
                   "description": "The rule or model that flagged the text"},
        "score": {"type": ["number", "null"]}, "language": {"type": "string",
                                                            "enum": ["en", "es"]}},
}
_DECISION = {
    "type": "object", "required": ["id", "decision", "entry_id", "action", "confirmation"],
    "properties": {"id": {"type": "integer"},
                   "decision": {"type": "string", "enum": ["opt_out", "not_opt_out"]},
                   "entry_id": {"type": "integer"},
                   "action": {"type": "string", "enum": ["opt_in", "opt_out", "none"],
                              "description": "What the decision wrote: an opt-out, or the "
                                             "state before the review restored"},
                   "confirmation": {"type": "boolean"}},
}
_VERIFY = {
    "type": "object", "required": ["ok", "entries", "first_bad"],
    "properties": {"ok": {"type": "boolean"}, "entries": {"type": "integer", "minimum": 0},
                   "first_bad": {"type": ["integer", "null"]},
                   "reason": {"type": ["string", "null"]}, "head_hash": {"type": "string"}},
}
_ROWS = {"type": "array", "items": {"type": "object"}}
_SUBJECT = {
    "type": "object",
    "required": ["number", "erased_before", "ledger_entries", "consent_state",
                 "inbound_messages", "replies", "campaign_recipients", "status_events"],
    "properties": {
        "number": E164,
        "erased_before": {"type": ["object", "null"], "description":
                          "An earlier erasure of this number: its ledger entry and time"},
        **{name: _ROWS for name in ("ledger_entries", "consent_state", "inbound_messages",
                                    "replies", "campaign_recipients", "status_events")}},
}
_ERASED = {
    "type": "object", "required": ["erased", "erasure_entry_id"],
    "properties": {"erased": {"type": "boolean"}, "erasure_entry_id": {"type": "integer"},
                   **{name: {"type": "integer", "minimum": 0} for name in (
                       "ledger_entries", "consent_state", "inbound_messages", "replies",
                       "campaign_recipients", "status_events")}},
}
_NUMBER_PATH = [{"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}]
_LEDGER_FILTERS = [
    {"name": "brand", "in": "query", "schema": {"type": "string"}},
    {"name": "number", "in": "query", "schema": {"type": "string"}},
    {"name": "since", "in": "query", "schema": {"type": "string"},
     "description": "ISO 8601 date or time (naive = UTC)"},
    {"name": "until", "in": "query", "schema": {"type": "string"}},
    {"name": "as_of", "in": "query", "schema": {"type": "string"},
     "description": "Consent as it stood at this moment: the latest entry per number and "
                    "brand recorded at or before it"},
]
_BEARER: list[dict[str, list[str]]] = [{"apiKey": []}]

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "smsgate", "version": "1",
             "description": "SMS 10DLC opt-in/opt-out gateway: consents, campaigns and the "
                            "consent ledger. Errors are {\"error\": {\"code\", \"message\"}}."},
    "components": {"schemas": SCHEMAS, "securitySchemes": {
        "apiKey": {"type": "http", "scheme": "bearer",
                   "description": "A key from `smsgate key create`"}}},
    "paths": {
        "/api/v1/consents": {"post": {
            "summary": "Record consent gathered elsewhere (one, or up to 10,000 at once)",
            "security": _BEARER,
            "requestBody": {"required": True,
                            "content": {"application/json": {"schema": _CONSENTS_IN}}},
            "responses": {"201": _json(_CONSENTS_OUT, "Recorded in the ledger"),
                          **_errors(400, 401, 403, 404, 413, 415, 422, 503)}}},
        "/api/v1/consents/{number}": {"get": {
            "summary": "A number's consent per brand and its ledger entries",
            "security": _BEARER,
            "parameters": [{"name": "number", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": _json(_REPORT, "Current state and history"),
                          **_errors(400, 401, 403, 422, 503)}}},
        "/api/v1/campaigns": {"post": {
            "summary": "Enqueue a campaign; refused numbers are listed with their reason "
                       "(every recipient refused: 422 all_recipients_refused with `refused`)",
            "security": _BEARER,
            "requestBody": {"required": True,
                            "content": {"application/json": {"schema": _CAMPAIGN_IN}}},
            "responses": {"202": _json(_CAMPAIGN_OUT, "Accepted and queued"),
                          **_errors(400, 401, 403, 404, 413, 415, 422, 503)}}},
        "/api/v1/campaigns/{campaign_id}": {"get": {
            "summary": "A campaign's status and counts", "security": _BEARER,
            "parameters": _CAMPAIGN_ID,
            "responses": {"200": _json(_CAMPAIGN_VIEW, "Progress"),
                          **_errors(400, 401, 403, 404, 503)}}},
        "/api/v1/campaigns/{campaign_id}/cancel": {"post": {
            "summary": "Cancel a campaign: no unsent recipient is texted once this answers "
                       "(texts already handed to the provider finish)", "security": _BEARER,
            "parameters": _CAMPAIGN_ID,
            "responses": {"200": _json(_CAMPAIGN_VIEW, "Cancelled: the campaign's view"),
                          **_errors(400, 401, 403, 404, 503)}}},
        "/api/v1/reviews": {"get": {
            "summary": "Possible opt-outs awaiting a person's decision (sending is paused)",
            "security": _BEARER,
            "responses": {"200": _json({"type": "object", "required": ["reviews"],
                                        "properties": {"reviews": {"type": "array",
                                                                   "items": _REVIEW}}},
                                       "The open reviews, oldest first"),
                          **_errors(400, 401, 403, 503)}}},
        "/api/v1/reviews/{review_id}": {"post": {
            "summary": "Settle a review: the decision and its reviewer go into the ledger",
            "security": _BEARER,
            "parameters": [{"name": "review_id", "in": "path", "required": True,
                            "schema": {"type": "integer", "minimum": 0}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["decision"],
                "properties": {"decision": {"type": "string",
                                            "enum": ["opt_out", "not_opt_out"]}}}}}},
            "responses": {"200": _json(_DECISION, "Settled"),
                          "409": _json(_ref("Error"), "No longer open"),
                          **_errors(400, 401, 403, 404, 415, 422, 503)}}},
        "/api/v1/ledger.csv": {"get": {
            "summary": "The consent ledger as streamed, spreadsheet-safe CSV",
            "security": _BEARER, "parameters": _LEDGER_FILTERS,
            "responses": {"200": {"description": "RFC 4180 CSV, UTF-8, with a header row",
                                  "content": {"text/csv": {"schema": {"type": "string"}}}},
                          **_errors(400, 401, 403, 404, 422, 503)}}},
        "/api/v1/suppressions": {"get": {
            "summary": "The numbers currently opted out of a brand (a STOPALL counts), as "
                       "streamed CSV for other tools", "security": _BEARER,
            "parameters": [{"name": "brand", "in": "query", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": {"description": "CSV number,since,source (source: sms, api, "
                                                 "provider, import or stopall), by number",
                                  "content": {"text/csv": {"schema": {"type": "string"}}}},
                          **_errors(400, 401, 403, 404, 422, 503)}}},
        "/api/v1/ledger/verify": {"get": {
            "summary": "Walk the hash chain: is the ledger intact?", "security": _BEARER,
            "responses": {"200": _json(_VERIFY, "The verification"),
                          **_errors(400, 401, 403, 503)}}},
        "/api/v1/ledger/checkpoint": {"get": {
            "summary": "The latest signed checkpoint of the ledger's size and head hash",
            "description": "A C2SP signed note (docs/checkpoints.md): origin, size, base64 "
                           "head hash, time, a blank line, an Ed25519 signature line. Check "
                           "it with the public key (`smsgate ledger public-key`).",
            "security": _BEARER,
            "responses": {"200": {"description": "The checkpoint, exactly as written",
                                  "content": {"text/plain": {"schema": {"type": "string"}}}},
                          **_errors(400, 401, 403, 404)}}},
        "/api/v1/subjects/{number}": {"get": {
            "summary": "Everything held about a number (auditor or admin key for every brand)",
            "security": _BEARER, "parameters": _NUMBER_PATH,
            "responses": {"200": _json(_SUBJECT, "One JSON document"),
                          **_errors(400, 401, 403, 422, 503)}}},
        "/api/v1/subjects/{number}/erase": {"post": {
            "summary": "Erase a number from every table; the ledger records the erasure "
                       "(admin key)",
            "security": _BEARER, "parameters": _NUMBER_PATH,
            "responses": {"200": _json(_ERASED, "Erased: rows blanked per table"),
                          **_errors(400, 401, 403, 422, 503)}}},
        "/healthz": {"get": {
            "summary": "200 when the database answers (Redis reported), 503 when it does not",
            "responses": {**{code: _json({
                "type": "object", "required": ["ok", "database", "redis"],
                "properties": {"ok": {"type": "boolean"}, "database": {"type": "string"},
                               "redis": {"type": "string"}}}, text)
                for code, text in (("200", "Can record texts"), ("503", "The database is down"))},
                **_errors(400)}}},
    },
}


@bp.get("/api/v1/openapi.json")
def openapi_json() -> Response:
    """The OpenAPI description, for clients and for contract tests."""
    return jsonify(SPEC)
