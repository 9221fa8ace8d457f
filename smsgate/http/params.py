"""Reading JSON request bodies: every malformed body becomes a 4xx JSON error, never a 500.

The API accepts only `application/json` (or a `+json` type) whose top level is an object.
Field helpers check types and sizes here, at the edge, so services receive plain values of
the types they expect and only decide what those values mean. Every string that reaches a
service, from JSON at any depth, the query, cookies or a form, is storable text: no NUL and
no lone surrogate (either would make the database fail, and the request a 500).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import request

from smsgate.errors import BadRequest, InvalidInput, PayloadTooLarge, SmsgateError


class UnsupportedMediaType(SmsgateError):
    """The body is not declared as JSON."""

    code, status = "unsupported_media_type", 415


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity, which are not JSON and no client should send.
    raise ValueError(f"{name} is not valid JSON")


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text, or None: a NUL character (no database text
    column holds one) or a lone surrogate (UTF-8 cannot encode one; JSON's "\\ud800" makes one)."""
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate, which is not text"
    return None


def require_text(value: str, name: str) -> str:
    """`value`, or 400 `invalid_text` naming `name` when it cannot be stored as text."""
    problem = text_problem(value)
    if problem is not None:
        raise BadRequest(f"{name} {problem}", code="invalid_text", field=name)
    return value


def _check_json_text(value: Any, path: str) -> None:
    """Every string of a parsed JSON value, keys included, must be storable text (422)."""
    if isinstance(value, str):
        problem = text_problem(value)
        if problem is not None:
            raise InvalidInput(f"{path or 'the body'} {problem}", code="invalid_text",
                               field=path)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_json_text(key, f"{path}.{key}" if path else "a key")
            _check_json_text(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json_text(item, f"{path}[{index}]")


def check_query_and_cookies() -> None:
    """Before every request: query parameters and cookies must be storable text (400)."""
    environ = request.environ
    if not environ.get("QUERY_STRING") and not environ.get("HTTP_COOKIE"):
        return  # neither to parse (every webhook): the check costs a dict look-up
    for source, values in (("query parameter", request.args), ("cookie", request.cookies)):
        for name, value in values.items(multi=True):
            require_text(name, f"{source} name")
            require_text(value, f"{source} {name!r}")


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
    _check_json_text(payload, "")
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


def required_string(payload: dict[str, Any], name: str, *, max_length: int = 256) -> str:
    """`payload[name]`, which must be present: see `string`."""
    value = string(payload, name, max_length=max_length)
    assert value is not None  # required: `string` raised instead of returning None
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


def moment(payload: dict[str, Any], name: str) -> datetime | None:
    """`payload[name]` as an aware datetime (ISO 8601 with a zone), or None when absent."""
    value = string(payload, name, required=False, max_length=64)
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"field {name!r} must be ISO 8601, e.g. 2026-12-06T09:00:00-05:00",
                           code="invalid_field", field=name) from None
    if when.tzinfo is None:
        raise InvalidInput(f"field {name!r} must include a time zone (Z or +hh:mm)",
                           code="invalid_field", field=name)
    return when


def integer(payload: dict[str, Any], name: str, *, default: int) -> int:
    """`payload[name]` as an integer (true and false are not), `default` when absent."""
    value = payload.get(name)
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(f"field {name!r} must be an integer", code="invalid_field",
                           field=name)
    return value
