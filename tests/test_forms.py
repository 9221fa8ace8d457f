"""The one-pass urlencoded parser gives werkzeug's (parse_qsl's) result, and `read_form` gives
what werkzeug's `request.form` gives for any body: short reads, cached bodies, chunked bodies,
multipart, invalid UTF-8, size limits, bodies shorter than declared; within the caps a
webhook passes, the same."""

from __future__ import annotations

import io
from urllib.parse import parse_qsl, urlencode

import pytest
import werkzeug.urls  # noqa: F401 - registers the error handler parse_qsl is given below
from conftest import sign
from flask import Request, request
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import RequestEntityTooLarge

from smsgate.http.forms import URLENCODED, parse_urlencoded, read_form

INBOUND = "/webhooks/twilio/inbound"

# Heavy in what the parser treats specially: separators, "+", "%" and hex digits (valid and
# broken escapes, escaped UTF-8 split or not), beside any unicode at all.
awkward = st.text(st.sampled_from("&=+%2BbCcEeFf09 ~é€\U0001f600") | st.characters(),
                  max_size=80)


@settings(max_examples=500, deadline=None)
@given(body=awkward)
def test_parse_urlencoded_is_parse_qsl(body):
    expected = parse_qsl(body, keep_blank_values=True, errors="werkzeug.url_quote")
    assert parse_urlencoded(body) == expected


@settings(max_examples=200, deadline=None)
@given(pairs=st.lists(st.tuples(st.text(max_size=20), st.text(max_size=40)), max_size=8))
def test_parse_urlencoded_reads_back_what_urlencode_wrote(pairs):
    assert parse_urlencoded(urlencode(pairs)) == pairs


def _werkzeug_form(app, environ: dict) -> list[tuple[str, str]]:
    """What werkzeug's own `request.form` holds for a request built from `environ`."""
    with app.test_request_context(environ_overrides=environ):
        return list(request.form.items(multi=True))


def _environ(body: bytes, content_type: str = URLENCODED) -> dict:
    return {"REQUEST_METHOD": "POST", "wsgi.input": io.BytesIO(body),
            "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body))}


def _chunked(body: bytes, content_type: str = URLENCODED) -> dict:
    """A body without a Content-Length, from a server that ends the stream (as gunicorn)."""
    return {"REQUEST_METHOD": "POST", "wsgi.input": io.BytesIO(body),
            "wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked",
            "CONTENT_TYPE": content_type}


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=awkward.map(lambda text: text.encode("utf-8", "surrogatepass"))
       | st.binary(max_size=40),
       content_type=st.sampled_from([URLENCODED, URLENCODED + "; charset=utf-8",
                                     "Application/X-WWW-Form-Urlencoded", "text/plain", ""]),
       make_environ=st.sampled_from([_environ, _chunked]),
       caps=st.sampled_from([{}, {"max_bytes": 64 * 1024, "max_fields": 256}]))
def test_read_form_gives_what_werkzeugs_request_form_gives(app, body, content_type,
                                                           make_environ, caps):
    with app.test_request_context(environ_overrides=make_environ(body, content_type)):
        fields = list(read_form(request, **caps).items(multi=True))
    assert fields == _werkzeug_form(app, make_environ(body, content_type))


def test_the_app_uses_flasks_own_request_class(app):
    assert app.request_class is Request  # forms are read through public APIs only


class _Trickle(io.RawIOBase):
    """A request body that arrives 7 bytes per read: a short read must not cut the form."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._data.read(min(7, len(buffer)))
        buffer[:len(chunk)] = chunk
        return len(chunk)


def test_a_body_read_in_short_pieces_is_parsed_whole(app):
    body = urlencode({"MessageSid": "SM" + "a" * 32, "Body": "STOP", "From": "+14155550123"})
    environ = {"wsgi.input": _Trickle(body.encode()), "CONTENT_LENGTH": str(len(body)),
               "CONTENT_TYPE": URLENCODED, "REQUEST_METHOD": "POST"}
    with app.test_request_context(environ_overrides=environ):
        assert read_form(request).to_dict() == dict(parse_qsl(body))


def test_invalid_utf8_is_an_empty_form_as_werkzeug_gives(app):
    with app.test_request_context(method="POST", data=b"Body=\xff\xfe&From=x",
                                  content_type=URLENCODED):
        assert read_form(request).to_dict() == {}


def test_multipart_forms_are_werkzeugs(app):
    with app.test_request_context(method="POST", data={"Body": "STOP", "To": "+14155550100"},
                                  content_type="multipart/form-data"):
        assert request.mimetype == "multipart/form-data"
        assert read_form(request) is request.form
        assert request.form.to_dict() == {"Body": "STOP", "To": "+14155550100"}


def test_a_body_read_before_the_form_is_parsed_the_same(app):
    body = b"Body=STOP&To=%2B14155550100"
    with app.test_request_context(method="POST", data=body, content_type=URLENCODED):
        assert request.get_data() == body
        assert read_form(request).to_dict() == {"Body": "STOP", "To": "+14155550100"}


def test_a_chunked_body_without_a_length_is_read_to_its_end(app):
    with app.test_request_context(
            environ_overrides=_chunked(b"Body=START&From=%2B14155550123")):
        assert request.content_length is None
        assert read_form(request).to_dict() == {"Body": "START", "From": "+14155550123"}


def test_after_read_form_the_body_and_werkzeugs_form_are_still_there(app):
    with app.test_request_context(method="POST", data=b"Body=STOP", content_type=URLENCODED):
        assert read_form(request)["Body"] == "STOP"
        assert request.form.to_dict() == {"Body": "STOP"}
        assert request.get_data() == b"Body=STOP" and request.files.to_dict() == {}


def test_a_body_over_the_size_limit_is_refused(app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    with app.test_request_context(method="POST", data=b"Body=" + b"x" * limit,
                                  content_type=URLENCODED), \
            pytest.raises(RequestEntityTooLarge):
        read_form(request)


def test_a_chunked_body_over_the_size_limit_is_cut_where_werkzeug_cuts_it(app):
    body = b"Body=" + b"x" * app.config["MAX_CONTENT_LENGTH"]
    with app.test_request_context(environ_overrides=_chunked(body)):
        fields = list(read_form(request).items(multi=True))
    assert fields == _werkzeug_form(app, _chunked(body))


def test_a_webhook_body_over_the_size_limit_is_a_413(app, client):
    body = b"Body=" + b"x" * app.config["MAX_CONTENT_LENGTH"]
    response = client.post(INBOUND, data=body, content_type=URLENCODED,
                           headers={"X-Twilio-Signature": "x"})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_entity_too_large"


def test_a_webhook_body_shorter_than_declared_is_a_400_as_werkzeug_answers(app, client):
    body = b"Body=STOP&From=%2B14155550123"
    response = client.post(INBOUND, input_stream=io.BytesIO(body), content_type=URLENCODED,
                           headers={"X-Twilio-Signature": "x"},
                           environ_overrides={"CONTENT_LENGTH": str(len(body) + 10)})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_a_signed_multipart_webhook_is_accepted(brand, client):
    params = {"MessageSid": "SM" + "c" * 32, "AccountSid": "AC" + "1" * 32,
              "From": "+14155550123", "To": "+14155550100", "Body": "HELP"}
    response = client.post(INBOUND, data=params, content_type="multipart/form-data",
                           headers={"X-Twilio-Signature": sign("http://localhost" + INBOUND,
                                                               params)})
    assert response.status_code == 200
