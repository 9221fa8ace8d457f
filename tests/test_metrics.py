"""`/metrics`: counters shared through Redis, queue depth and outbox age, in Prometheus text."""

from __future__ import annotations

from conftest import run_worker
from factories import INBOUND_PATH, inbound, settings_changed


def sample(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.split(" ")[0] == name:
            return float(line.rsplit(" ", 1)[1])
    return None


def test_inbound_intents_queue_depth_and_replies_are_counted(app, brand, client, post_signed,
                                                             twilio):
    post_signed(INBOUND_PATH, inbound("STOP", sid="SM1"))
    post_signed(INBOUND_PATH, inbound("STOP", sid="SM1"))  # a retry is not counted twice
    post_signed(INBOUND_PATH, inbound("hello", sid="SM2"))
    before = client.get("/metrics")
    assert before.status_code == 200
    assert before.mimetype == "text/plain"
    text = before.get_data(as_text=True)
    assert sample(text, 'smsgate_inbound_texts_total{intent="opt_out"}') == 1
    assert sample(text, 'smsgate_inbound_texts_total{intent="none"}') == 1
    assert sample(text, 'smsgate_queue_depth{queue="replies"}') == 1
    assert sample(text, "smsgate_ledger_entries") == 1
    assert "# TYPE smsgate_inbound_texts_total counter" in text
    assert "+14155550123" not in text
    run_worker(app, "replies")
    after = client.get("/metrics").get_data(as_text=True)
    assert sample(after, 'smsgate_texts_sent_total{kind="reply"}') == 1
    assert sample(after, 'smsgate_queue_depth{queue="replies"}') == 0
    assert sample(after, "smsgate_outbox_oldest_pending_seconds") == 0


def test_metrics_answer_503_when_redis_is_down(app, client):
    from smsgate.extensions import open_redis

    healthy = app.extensions.get("smsgate_redis")
    app.extensions["smsgate_redis"] = open_redis("redis://127.0.0.1:1/0", "")
    try:
        assert client.get("/metrics").status_code == 503
    finally:
        app.extensions["smsgate_redis"] = healthy


def test_campaign_texts_are_counted_sent_refused_by_reason_and_failed_by_code(
        app, brand, client, post_signed, twilio):
    from factories import consent, key_header, numbers, post_json

    from smsgate.extensions import db

    failing, fan, stopped_later, stopped_in_flight, unknown = numbers(5)
    consent(brand.id, [failing, fan, stopped_later, stopped_in_flight])
    created = post_json(client, "/api/v1/campaigns", {
        "brand": "Acme", "body": "Autumn sale",
        "recipients": [failing, fan, stopped_in_flight, stopped_later, unknown, "555",
                       fan.replace("+1", "")]}, key_header())
    assert created.status_code == 202
    assert [r["reason"] for r in created.get_json()["refused"]] == [
        "no_consent", "invalid_number", "duplicate"]
    post_signed(INBOUND_PATH, inbound("STOP", sid="SM" + "5" * 32, sender=stopped_later))
    real = app.extensions["smsgate_provider"]

    class StopWhileSending:
        """The real provider; while the fan's text is at Twilio, another recipient texts STOP."""

        def send(self, to, body, **kwargs):
            sid = real.send(to, body, **kwargs)
            if to == fan:
                post_signed(INBOUND_PATH, inbound("STOP", sid="SM" + "6" * 32,
                                                  sender=stopped_in_flight))
            return sid

        def find_sent(self, *args):
            return real.find_sent(*args)

    twilio.fail_next(400, code=21211, message="Invalid 'To' Phone Number")
    app.extensions["smsgate_provider"] = StopWhileSending()
    try:
        with settings_changed(app, send_threads=1):
            run_worker(app, "campaigns")
    finally:
        app.extensions["smsgate_provider"] = real
    text = client.get("/metrics").get_data(as_text=True)
    assert sample(text, 'smsgate_texts_sent_total{kind="campaign"}') == 1
    assert sample(text, 'smsgate_texts_failed_total{error_code="21211"}') == 1
    refused = {reason: sample(text, f'smsgate_texts_refused_total{{reason="{reason}"}}')
               for reason in ("no_consent", "invalid_number", "duplicate", "opted_out")}
    # opted_out: one refused before its batch was claimed, one at the moment of sending.
    assert refused == {"no_consent": 1, "invalid_number": 1, "duplicate": 1, "opted_out": 2}
    progress = client.get(f"/api/v1/campaigns/{created.get_json()['id']}",
                          headers=key_header()).get_json()["counts"]
    db.session.remove()
    assert (progress["sent"], progress["failed"], progress["refused"]) == (1, 1, 5)


def test_counting_never_fails_the_work_when_redis_is_down():
    from smsgate.extensions import open_redis
    from smsgate.infra import counters

    down = open_redis("redis://127.0.0.1:1/0", "")
    counters.count(down, "texts_sent_total", "reply")
    counters.count_each(down, "texts_refused_total", {"opted_out": 2, "duplicate": 0})
