"""Structured logs: one JSON object per line, request ids, phone numbers never in clear."""

from __future__ import annotations

import json
import logging

import pytest

from smsgate.logs import JsonFormatter, mask_digits


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
