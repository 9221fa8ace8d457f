"""smsgate's Twilio HTTP client against Twilio's own (the reference): every request it builds
must reach the wire exactly as twilio's TwilioHttpClient would send it, and every answer must
reach the SDK the same way."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import responses
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from smsgate.messaging.provider import TwilioProvider

ACCOUNT_SID = "AC" + "d1" * 16
AUTH_TOKEN = "differential-token"
MESSAGES = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
MESSAGE = {"sid": "SM" + "0" * 32, "status": "queued", "account_sid": ACCOUNT_SID,
           "to": "+12125550123", "from": "+14155550100", "body": "Acme: hi ü"}


def ours() -> Client:
    return TwilioProvider(ACCOUNT_SID, AUTH_TOKEN, pool_size=4).client


def reference() -> Client:
    return Client(ACCOUNT_SID, AUTH_TOKEN, http_client=TwilioHttpClient(timeout=10.0))


def wire(calls) -> list[tuple]:
    """What reached the wire: method, URL, headers, body (as text)."""
    seen = []
    for call in calls:
        body = call.request.body
        seen.append((call.request.method, call.request.url, dict(call.request.headers),
                     body.decode() if isinstance(body, bytes) else body))
    return seen


def both(action, answer) -> list[list[tuple]]:
    """Run `action(client)` with our client and with twilio's; the requests each sent."""
    sent = []
    for make in (ours, reference):
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            answer(mock)
            action(make())
            sent.append(wire(mock.calls))
    return sent


def test_a_create_reaches_the_wire_as_twilio_sends_it():
    def answer(mock):
        mock.add(responses.POST, MESSAGES, json=MESSAGE, status=201)

    def create(client):
        message = client.messages.create(
            to="+12125550123", from_="+14155550100", body="Acme: 50% off & more ü? STOP=stop",
            validity_period=3600, status_callback="https://gw.example/status?a=1&b=2",
            media_url=["https://img.example/a.png", "https://img.example/b b.png"])
        assert message.sid == MESSAGE["sid"] and message.body == MESSAGE["body"]

    ours_sent, reference_sent = both(create, answer)
    assert ours_sent == reference_sent and len(ours_sent) == 1


def test_a_list_with_filters_and_pages_reaches_the_wire_as_twilio_sends_it():
    page_two = MESSAGES + "?To=%2B12125550123&PageSize=1&Page=1&PageToken=PA1"

    def answer(mock):
        mock.add(responses.GET, page_two, json={
            "messages": [dict(MESSAGE, sid="SM" + "2" * 32)], "next_page_uri": None})
        mock.add(responses.GET, MESSAGES, json={
            "messages": [MESSAGE], "next_page_uri": page_two.split("api.twilio.com", 1)[1]})

    def listing(client):
        listed = client.messages.list(to="+12125550123", limit=2, page_size=1,
                                      date_sent_after=datetime(2026, 12, 1, 8, 30, tzinfo=UTC))
        assert [m.sid for m in listed] == [MESSAGE["sid"], "SM" + "2" * 32]

    ours_sent, reference_sent = both(listing, answer)
    assert ours_sent == reference_sent and len(ours_sent) == 2


def test_an_error_answer_reaches_the_sdk_as_with_twilio():
    def answer(mock):
        mock.add(responses.POST, MESSAGES, status=400, json={
            "code": 21211, "message": "The 'To' number is not valid.", "status": 400})

    def create(client):
        with pytest.raises(TwilioRestException) as raised:
            client.messages.create(to="+1", from_="+14155550100", body="x")
        assert (raised.value.status, raised.value.code) == (400, 21211)

    ours_sent, reference_sent = both(create, answer)
    assert ours_sent == reference_sent


def test_a_json_body_reaches_the_wire_as_twilio_sends_it():
    def answer(mock):
        mock.add(responses.POST, "https://api.twilio.com/v1/Things", json={"ok": True})

    def post(client):
        response = client.http_client.request(
            "post", "https://api.twilio.com/v1/Things", data={"a": [1, "ü"], "b": None},
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            auth=(ACCOUNT_SID, AUTH_TOKEN))
        assert json.loads(response.text) == {"ok": True}

    ours_sent, reference_sent = both(post, answer)
    assert ours_sent == reference_sent


def test_the_environments_proxy_is_used_as_by_twilios_client(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "")
    http = TwilioProvider(ACCOUNT_SID, AUTH_TOKEN).client.http_client
    session = TwilioHttpClient().session
    expected = session.merge_environment_settings(MESSAGES, {}, None, None, None)
    assert http._settings["proxies"] == expected["proxies"]
    assert http._settings["proxies"]["https"] == "http://proxy.internal:3128"
