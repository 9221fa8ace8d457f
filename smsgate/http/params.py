"""Reading JSON request bodies: every malformed body becomes a 4xx JSON error, never a 500.

The API accepts only `application/json` (or a `+json` type) whose top level is an object.
Field helpers check types and sizes here, at the edge, so services receive plain values of
the types they expect and only decide what those values mean.
"""

from __future__ import annotations

import json
from typing import Any

from flask import request

from smsgate.errors import BadRequest, InvalidInput, PayloadTooLarge, SmsgateError


class UnsupportedMediaType(SmsgateError):
    """The body is not declared as JSON."""

    code, status = "unsupported_media_type", 415


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity, which are not JSON and no client should send.
    raise ValueError(f"{name} is not valid JSON")


def json_object() -> dict[str, Any]:
    """The request body as a JSON object.

    415 unless the Content-Type is JSON; 400 when the body is not valid UTF-8 JSON (or nests
    too deeply to parse); 422 when it is valid JSON but not an object. Flask's
    MAX_CONTENT_LENGTH has already refused an oversized body with 413.
    """
    mimetype = request.mimetype or ""
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType("send the body as JSON with Content-Type: application/json")
    raw = request.get_data(cache=True)
    try:
        payload = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError too
        raise BadRequest(f"the body is not valid JSON: {str(exc)[:200]}",
                         code="invalid_json") from None
    if not isinstance(payload, dict):
        raise InvalidInput("the JSON body must be an object", code="invalid_body")
    return payload


def string(payload: dict[str, Any], name: str, *, required: bool = True,
           max_length: int = 256, default: str | None = None) -> str | None:
    """`payload[name]` as a non-blank string of at most `max_length` characters.

    A missing or null field is `default` when not required; anything else not a string is 422.
    """
    value = payload.get(name)
    if value is None:
        if required:
            raise InvalidInput(f"field {name!r} is required", code="missing_field", field=name)
        return default
    if not isinstance(value, str):
        raise InvalidInput(f"field {name!r} must be a string", code="invalid_field", field=name)
    if not value.strip():
        raise InvalidInput(f"field {name!r} must not be empty", code="invalid_field", field=name)
    if len(value) > max_length:
        raise InvalidInput(f"field {name!r} is longer than {max_length} characters",
                           code="invalid_field", field=name)
    return value


def array(payload: dict[str, Any], name: str) -> list[Any]:
    """`payload[name]`, which must be present and a JSON array (its items are not checked)."""
    value = payload.get(name)
    if value is None:
        raise InvalidInput(f"field {name!r} is required", code="missing_field", field=name)
    if not isinstance(value, list):
        raise InvalidInput(f"field {name!r} must be an array", code="invalid_field", field=name)
    return value


def string_array(payload: dict[str, Any], name: str, *, max_items: int) -> list[str]:
    """`payload[name]` as a list of strings, checked for length before its items.

    More than `max_items` items is 413 (the caller should split the request), an item that is
    not a string 422 naming its index.
    """
    items = array(payload, name)
    if len(items) > max_items:
        raise PayloadTooLarge(f"field {name!r} has {len(items)} items; at most {max_items} "
                              "are accepted per request", code=f"too_many_{name}",
                              limit=max_items)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise InvalidInput(f"{name}[{index}] must be a string", code="invalid_field",
                               field=name, index=index)
    return items
