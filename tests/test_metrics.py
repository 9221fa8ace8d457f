"""`/metrics`: counters shared through Redis, queue depth and outbox age, in Prometheus text."""

from __future__ import annotations

from conftest import run_worker
from factories import INBOUND_PATH, inbound


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
