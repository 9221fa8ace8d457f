"""The webhook signature check accepts exactly what twilio's `RequestValidator.validate`
accepts, whatever the URL's scheme, port (explicit, default, absent, bogus) and query."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from conftest import AUTH_TOKEN
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from smsgate.http.signature import _valid, url_with_port, url_without_port

PARAMS = {"MessageSid": "SM1", "Body": "STOP", "From": "+14155550123"}


@pytest.mark.parametrize(("url", "with_port", "without_port"), [
    ("https://sms.example.com/in", "https://sms.example.com:443/in", "https://sms.example.com/in"),
    ("http://sms.example.com/in?a=1", "http://sms.example.com:80/in?a=1",
     "http://sms.example.com/in?a=1"),
    ("https://sms.example.com:443/in", "https://sms.example.com:443/in",
     "https://sms.example.com/in"),
    ("http://127.0.0.1:5077/in?x=1&y=2", "http://127.0.0.1:5077/in?x=1&y=2",
     "http://127.0.0.1/in?x=1&y=2"),
    ("https://sms.example.com:80/in", "https://sms.example.com:80/in",
     "https://sms.example.com/in"),
])
def test_port_forms_of_a_url_are_those_twilio_signs(url, with_port, without_port):
    parsed = urlparse(url)
    assert (url_with_port(parsed), url_without_port(parsed)) == (with_port, without_port)


def _validate(url: str, signature: str) -> bool:
    """twilio's answer; it raises on a port urllib cannot read, which we count as a refusal."""
    try:
        return RequestValidator(AUTH_TOKEN).validate(url, PARAMS, signature)
    except ValueError:
        return False


SCHEMES = st.sampled_from(["http", "https", "HTTPS"])
HOSTS = st.sampled_from(["sms.example.com", "127.0.0.1", "user:pw@sms.example.com", "[::1]",
                         "Sms.Example.COM"])
PORTS = st.sampled_from(["", ":80", ":443", ":5077", ":0", ":", ":http", ":99999"])
PATHS = st.sampled_from(["/webhooks/twilio/inbound", "/", "", "/a:b/c"])
QUERIES = st.sampled_from(["", "?x=1", "?x=1&y=a%20b", "?port=:80", "?", "#frag"])


@settings(max_examples=400, deadline=None)
@given(scheme=SCHEMES, host=HOSTS, port=PORTS, signed_port=PORTS, path=PATHS, query=QUERIES)
def test_signature_check_accepts_exactly_what_twilio_validate_accepts(
        scheme, host, port, signed_port, path, query):
    url = f"{scheme}://{host}{port}{path}{query}"
    signed = f"{scheme}://{host}{signed_port}{path}{query}"
    for signature in (RequestValidator(AUTH_TOKEN).compute_signature(signed, PARAMS),
                      RequestValidator(AUTH_TOKEN).compute_signature(url, PARAMS), "nonsense"):
        assert _valid(AUTH_TOKEN, url, PARAMS, signature) == _validate(url, signature), \
            (url, signed)


def test_a_url_signed_with_its_default_port_is_accepted_without_it_and_back():
    for bare, ported in (("https://sms.example.com/in", "https://sms.example.com:443/in"),
                         ("http://sms.example.com/in?a=1", "http://sms.example.com:80/in?a=1")):
        validator = RequestValidator(AUTH_TOKEN)
        assert _valid(AUTH_TOKEN, bare, PARAMS, validator.compute_signature(ported, PARAMS))
        assert _valid(AUTH_TOKEN, ported, PARAMS, validator.compute_signature(bare, PARAMS))
        other = validator.compute_signature(bare.replace("sms.", "other."), PARAMS)
        assert not _valid(AUTH_TOKEN, bare, PARAMS, other)
