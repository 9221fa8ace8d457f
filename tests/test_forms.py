"""The one-pass urlencoded parser gives werkzeug's (parse_qsl's) result, and the app's request
class reads forms as werkzeug does: short reads, cached bodies, no length, size limits."""

from __future__ import annotations

import io
from urllib.parse import parse_qsl, urlencode

import pytest
import werkzeug.urls  # noqa: F401 - registers the error handler parse_qsl is given below
from flask import request
from hypothesis import given, settings
from hypothesis import strategies as st

from smsgate.http.forms import GatewayRequest, parse_urlencoded

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


def test_the_app_parses_forms_with_it(app):
    assert app.request_class is GatewayRequest
    body = "Body=STOP+now%21&To=%2B14155550100&Dup=b&Dup=a&Empty=&Bare&%ZZ=%E2%82"
    with app.test_request_context(method="POST", data=body,
                                  content_type="application/x-www-form-urlencoded"):
        assert list(request.form.items(multi=True)) == parse_qsl(
            body, keep_blank_values=True, errors="werkzeug.url_quote")
        assert request.form["Body"] == "STOP now!" and request.form.getlist("Dup") == ["b", "a"]


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
               "CONTENT_TYPE": "application/x-www-form-urlencoded", "REQUEST_METHOD": "POST"}
    with app.test_request_context(environ_overrides=environ):
        assert request.form.to_dict() == dict(parse_qsl(body))


def test_invalid_utf8_is_an_empty_form_as_werkzeug_gives(app):
    with app.test_request_context(method="POST", data=b"Body=\xff\xfe&From=x",
                                  content_type="application/x-www-form-urlencoded"):
        assert request.form.to_dict() == {}


def test_multipart_forms_are_still_werkzeugs(app):
    with app.test_request_context(method="POST", data={"Body": "STOP", "To": "+14155550100"},
                                  content_type="multipart/form-data"):
        assert request.mimetype == "multipart/form-data"
        assert request.form.to_dict() == {"Body": "STOP", "To": "+14155550100"}


def test_a_body_read_before_the_form_is_parsed_the_same(app):
    body = b"Body=STOP&To=%2B14155550100"
    with app.test_request_context(method="POST", data=body,
                                  content_type="application/x-www-form-urlencoded"):
        assert request.get_data() == body  # cached: the form then comes from werkzeug's path
        assert request.form.to_dict() == {"Body": "STOP", "To": "+14155550100"}


def test_a_body_without_a_length_is_parsed_by_werkzeugs_path(app):
    body = b"Body=START&From=%2B14155550123"
    environ = {"wsgi.input": io.BytesIO(body), "wsgi.input_terminated": True,
               "CONTENT_TYPE": "application/x-www-form-urlencoded", "REQUEST_METHOD": "POST",
               "HTTP_TRANSFER_ENCODING": "chunked"}
    with app.test_request_context(environ_overrides=environ):
        assert request.content_length is None
        assert request.form.to_dict() == {"Body": "START", "From": "+14155550123"}


def test_the_form_consumes_the_body_as_werkzeug_does(app):
    with app.test_request_context(method="POST", data=b"Body=STOP",
                                  content_type="application/x-www-form-urlencoded"):
        assert request.form["Body"] == "STOP"
        assert request.get_data() == b"" and request.files.to_dict() == {}


def test_a_body_over_the_size_limit_is_still_refused(app):
    from werkzeug.exceptions import RequestEntityTooLarge

    limit = app.config["MAX_CONTENT_LENGTH"]
    with app.test_request_context(method="POST", data=b"Body=" + b"x" * limit,
                                  content_type="application/x-www-form-urlencoded"), \
            pytest.raises(RequestEntityTooLarge):
        request.form.get("Body")


def test_a_body_shorter_than_declared_is_a_400_as_werkzeug_answers(app, client):
    body = b"Body=STOP&From=%2B14155550123"
    for request_class in (GatewayRequest, app.request_class.__mro__[1]):
        app.request_class = request_class
        response = client.post("/webhooks/twilio/inbound", input_stream=io.BytesIO(body),
                               content_type="application/x-www-form-urlencoded",
                               environ_overrides={"CONTENT_LENGTH": str(len(body) + 10)})
        assert response.status_code == 400, request_class
        assert response.get_json()["error"]["code"] == "bad_request"
    app.request_class = GatewayRequest
