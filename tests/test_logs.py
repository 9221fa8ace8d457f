"""Structured logs: one JSON object per line, request ids, phone numbers never in clear."""

from __future__ import annotations

import json
import logging
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smsgate.logs import JsonFormatter, PlainFormatter, mask_digits


@pytest.fixture
def log_lines():
    """Every `smsgate` log record of the test, rendered as the production formatter does."""
    lines: list[dict] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(json.loads(JsonFormatter().format(record)))

    handler = Collect()
    logging.getLogger("smsgate").addHandler(handler)
    yield lines
    logging.getLogger("smsgate").removeHandler(handler)


@pytest.mark.parametrize("raw", ["+14155550123", "%2B14155550123", "415-555-0123",
                                 "4155550123", "415.555.0123"])
def test_phone_numbers_in_paths_are_masked_to_their_last_four_digits(raw):
    assert mask_digits(f"/api/v1/consents/{raw}") == "/api/v1/consents/***0123"


def test_short_ids_are_left_alone():
    assert mask_digits("/api/v1/campaigns/123456") == "/api/v1/campaigns/123456"


def test_each_request_is_logged_once_with_its_id_and_no_number(client, log_lines):
    response = client.get("/api/v1/consents/+14155550123",
                          headers={"X-Request-Id": "req-abc"})
    assert response.headers["X-Request-Id"] == "req-abc"
    [line] = [entry for entry in log_lines if entry["event"] == "request"]
    assert line["request_id"] == "req-abc"
    assert (line["method"], line["status"]) == ("GET", response.status_code)
    assert line["path"] == "/api/v1/consents/***0123"
    assert "4155550123" not in json.dumps(log_lines)


def test_inbound_webhook_logs_mask_the_sender(brand, post_signed, log_lines):
    from factories import INBOUND_PATH, inbound

    post_signed(INBOUND_PATH, inbound("STOP"))
    [line] = log_lines  # one line per webhook: what it did, and the request's own fields
    assert (line["event"], line["intent"], line["status"]) == ("inbound", "opt_out", 200)
    assert (line["method"], line["path"], line["entry_id"]) == (
        "POST", "/webhooks/twilio/inbound", 1)
    assert line["from"] == "+1415***0123" and line["request_id"]
    assert "+14155550123" not in json.dumps(log_lines)


def test_request_ids_are_unique_across_threads_and_forks():
    from concurrent.futures import ThreadPoolExecutor

    from smsgate.logs import _RequestIds

    ids = _RequestIds()
    with ThreadPoolExecutor(8) as pool:
        drawn = list(pool.map(lambda _: ids.next(), range(4000)))
    assert len(set(drawn)) == 4000 and all(len(i) == 32 for i in drawn)
    before = ids.prefix
    ids.reset()  # what a fork runs in the child
    assert ids.prefix != before and ids.next() == ids.prefix + "0" * 15 + "1"


FORMS_OF_0123 = ["(415) 555-0123", "415.555.0123", "415 555 0123", "+1 415 555 0123",
                 "14155550123", "+14155550123", "%2B14155550123", "%2B1%20415%20555%200123",
                 "415%20555%200123", "1-415-555-0123", "+1 (415) 555-0123", "(415)555-0123"]


@pytest.mark.parametrize("raw", FORMS_OF_0123)
def test_numbers_written_with_spaces_dots_dashes_brackets_or_escapes_are_masked(raw):
    assert mask_digits(f"number {raw} is not valid") == "number ***0123 is not valid"
    assert mask_digits(f"/api/v1/consents/{raw}") == "/api/v1/consents/***0123"


@pytest.mark.parametrize("text", [
    "3f2a9b1c4d5e6f700000000000000001",  # our request ids
    "12345678-1234-1234-1234-123456789012",  # a client's UUID request id
    "SM0123456789abcdef0123456789abcdef",  # a Twilio SID
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  # a hash
    "2024-05-01T12:34:56.789+00:00", "2024-05-01 12:34:56,789", "20240501T123456Z",
    "12.5 ms", "1234.567 ms", "campaign 123456", "+1415***0123"])
def test_request_ids_hashes_timestamps_and_durations_stay_readable(text):
    assert mask_digits(text) is text


def _record(message, exc_info=None, **extra):
    return logging.getLogger("smsgate.test").makeRecord(
        "smsgate.test", logging.WARNING, "", 0, message, (), exc_info, extra=extra)


@pytest.mark.parametrize("formatter", [JsonFormatter(), PlainFormatter()])
def test_every_string_of_a_line_is_masked_message_fields_nested_values_and_exception(formatter):
    try:
        raise ValueError("The 'To' number +14155550123 is not a valid phone number")
    except ValueError:
        exc_info = sys.exc_info()
    line = formatter.format(_record(
        "sent to 415 555 0123", exc_info, error="(415) 555-0123 unreachable",
        numbers=["415.555.0123", {"to": "+1 415 555 0123", "415-555-0123": 1}],
        error_object=ValueError("14155550123"), entry_id=98765432))
    for form in ["4155550123", "415 555 0123", "(415) 555-0123", "415.555.0123",
                 "415-555-0123", "+1 415 555 0123"]:
        assert form not in line
    assert line.count("***0123") == 8  # message, error, 3 nested, object, exception (2)
    assert "98765432" in line  # an integer, not a string: left alone


def test_integers_are_logged_as_integers_not_masked():
    line = json.loads(JsonFormatter().format(_record("x", entry_id=12345678, ms=1234567.5)))
    assert (line["entry_id"], line["ms"]) == (12345678, 1234567.5)


def test_database_errors_do_not_show_their_bound_parameters(ctx):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from smsgate.extensions import db

    with pytest.raises(DBAPIError) as raised:
        db.session.execute(text("INSERT INTO no_such_table (body) VALUES (:body)"),
                           {"body": "secret body text"})
    db.session.rollback()
    assert "secret body text" not in str(raised.value)
    assert "hide_parameters" in str(raised.value)


def test_the_dev_provider_logs_the_length_of_a_text_not_the_text(log_lines):
    from smsgate.messaging.provider import LoggingProvider

    LoggingProvider().send("+14155550123", "Acme: a secret offer", from_="+14155550100")
    [line] = log_lines
    assert (line["event"], line["to"], line["body_chars"]) == (
        "dev_text_not_sent", "+1415***0123", 20)
    assert "secret" not in json.dumps(line)


CONVERSATION = "Where is my order? Ring me on 415 555 0177 please"
CAMPAIGN_BODY = "Autumn sale, everything 20% off"
FORCED_BODY = "body held by a failing statement"


@pytest.fixture
def every_line():
    """Every record of every logger during the test (root at DEBUG), rendered by both of the
    project's formatters, as one text."""
    rendered: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            rendered.append(JsonFormatter().format(record))
            rendered.append(PlainFormatter().format(record))

    handler, root = Collect(), logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    for logger in (root, logging.getLogger("smsgate")):
        logger.addHandler(handler)
    yield rendered
    for logger in (root, logging.getLogger("smsgate")):
        logger.removeHandler(handler)
    root.setLevel(level)


def _written_forms(e164: str) -> list[str]:
    """A US number as people, URLs and Twilio's error texts write it."""
    area, exchange, line = e164[2:5], e164[5:8], e164[8:]
    return [e164, e164[1:], e164[2:], f"{area} {exchange} {line}", f"({area}) {exchange}-{line}",
            f"{area}-{exchange}-{line}", f"{area}.{exchange}.{line}", "%2B" + e164[1:],
            f"+1 {area} {exchange} {line}"]


def test_a_day_of_operations_logs_no_number_in_any_form_and_no_text_body(
        app, client, brand, post_signed, twilio, every_line, monkeypatch):
    from conftest import run_worker
    from factories import INBOUND_PATH, OPT_IN_EVIDENCE, inbound, key_header, post_json
    from sqlalchemy import text

    from smsgate.extensions import db
    from smsgate.messaging import outbox
    from smsgate.messaging.provider import LoggingProvider

    stopper, helper, talker, signer = ("+14155550123", "+14155550142", "+14155550177",
                                       "+14155550188")
    fan, refused, failing = "+14155550155", "+14155550166", "+14155550199"
    # Webhooks: STOP, its retry, START, HELP, a conversation text, a bad signature.
    assert post_signed(INBOUND_PATH, inbound("STOP", sid="SM" + "1" * 32)).status_code == 200
    assert post_signed(INBOUND_PATH, inbound("STOP", sid="SM" + "1" * 32)).status_code == 200
    post_signed(INBOUND_PATH, inbound("START", sid="SM" + "2" * 32))
    post_signed(INBOUND_PATH, inbound("HELP", sid="SM" + "3" * 32, sender=helper))
    post_signed(INBOUND_PATH, inbound(CONVERSATION, sid="SM" + "4" * 32, sender=talker))
    assert client.post(INBOUND_PATH, data=inbound("STOP", sender=signer),
                       headers={"X-Twilio-Signature": "bad"}).status_code == 403
    # The API: consents written in several forms, look-ups with numbers in the path.
    marketer = key_header()
    for number, action in (("(415) 555-0155", "opt_in"), ("415.555.0199", "opt_in"),
                           ("415 555 0166", "opt_out")):
        consent = {"brand": "Acme", "number": number, "action": action, "source": "api"}
        if action == "opt_in":
            consent["evidence"] = OPT_IN_EVIDENCE
        assert post_json(client, "/api/v1/consents", consent, marketer).status_code == 201
    for path in ("415 555 0123", "(415) 555-0123", "415.555.0123", "%2B14155550123",
                 "%2B1%20415%20555%200123", "415-555-01234", "+1 415 555 0177"):
        client.get(f"/api/v1/consents/{path}", headers=marketer)
    client.get("/api/v1/consents/+14155550123")  # no key: 401
    # A campaign: accepted, refused, invalid, duplicate; then an error naming the number.
    created = post_json(client, "/api/v1/campaigns", {
        "brand": "Acme", "body": CAMPAIGN_BODY,
        "recipients": [failing, fan, "415-555-0166", "415 555 01", "(415) 555-0155"]},
        marketer)
    assert created.status_code == 202
    client.get(f"/api/v1/campaigns/{created.get_json()['id']}", headers=marketer)
    post_json(client, "/api/v1/campaigns", {"brand": "Acme", "body": "", "recipients": [fan]},
              marketer)
    twilio.fail_next(400, code=21211,
                     message="The 'To' number (415) 555-0199 is not a valid phone number.")
    run_worker(app, "campaigns")
    # Replies, the first refused by Twilio with the number in its text.
    twilio.fail_next(400, code=21211, message=f"The 'To' number {stopper} is not valid.")
    run_worker(app, "replies")
    # A job that fails on a statement whose parameters hold a text body.
    real_claim = outbox.claim

    def failing_claim(session, outbox_id):
        session.execute(text("INSERT INTO no_such_table (body) VALUES (:body)"),
                        {"body": FORCED_BODY})
        return real_claim(session, outbox_id)

    monkeypatch.setattr(outbox, "claim", failing_claim)
    with app.app_context():
        outbox.enqueue_replies(__import__("smsgate.extensions").extensions.queue("replies"),
                               [1])
        db.session.remove()
    run_worker(app, "replies")
    with app.app_context():
        LoggingProvider().send(refused, f"Acme: {CONVERSATION}", from_=brand_number(app))

    logged = "\n".join(every_line)
    assert len(every_line) > 40 and "***0123" in logged and "inbound" in logged
    assert "dev_text_not_sent" in logged and "campaign_text_failed" in logged
    for number in (stopper, helper, talker, signer, fan, refused, failing):
        for form in _written_forms(number):
            assert form not in logged, form
    for body in (CONVERSATION, CAMPAIGN_BODY, FORCED_BODY, "Where is my order"):
        assert body not in logged, body


def brand_number(app) -> str:
    return "+14155550100"


@settings(max_examples=500, deadline=None)
@given(st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,40}", fullmatch=True))
def test_the_shortcut_for_sids_and_ids_masks_exactly_what_the_full_rule_masks(token):
    """A token that starts with a letter and holds only letters and digits is passed over
    without the regex: every digit in it follows a word character, so the regex could not
    match either."""
    from smsgate.messaging.numbers import _NUMBER_IN_TEXT, _last_four, mask_digits

    assert mask_digits(token) == _NUMBER_IN_TEXT.sub(_last_four, token) == token
