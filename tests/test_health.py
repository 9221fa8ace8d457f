"""`/healthz` answers 503 only when the database is down; Redis down is reported with 200."""

from __future__ import annotations

from dataclasses import replace

from smsgate import create_app
from smsgate.extensions import open_redis


def test_healthy_when_database_and_redis_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "database": "ok", "redis": "ok"}


def test_redis_down_is_reported_but_the_node_stays_in_service(app, client):
    healthy = app.extensions.get("smsgate_redis")  # None: reopened lazily
    app.extensions["smsgate_redis"] = open_redis("redis://127.0.0.1:1/0", "")
    try:
        response = client.get("/healthz")
    finally:
        app.extensions["smsgate_redis"] = healthy
    # Webhooks still record STOPs without Redis: a load balancer must not pull the node.
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "database": "ok", "redis": "down"}


def test_503_when_the_database_is_unreachable(settings, tmp_path):
    unreachable = replace(settings, database_url="postgresql+psycopg://smsgate@127.0.0.1:1/none")
    down = create_app(unreachable, instance_path=str(tmp_path))
    response = down.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["ok"] is False and response.get_json()["database"] == "down"
