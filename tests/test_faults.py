"""Faults: the database failing mid-webhook loses nothing and half-writes nothing.

The failure is real, not mocked: another connection holds the lock the webhook needs and a
short lock timeout makes the database itself abort the webhook's transaction.
"""

from __future__ import annotations

import pytest
from factories import INBOUND_PATH, database_blocked, inbound
from sqlalchemy import func, select

from smsgate.accounts.apikeys import issue_key
from smsgate.extensions import db
from smsgate.models import ConsentState, InboundMessage, LedgerEntry, OutboxMessage


def counts() -> tuple[int, int, int, int]:
    db.session.expire_all()
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (InboundMessage, LedgerEntry, OutboxMessage, ConsentState))


def test_database_failure_mid_webhook_answers_503_and_writes_nothing(app, brand, post_signed):
    with database_blocked(db.engine):
        response = post_signed(INBOUND_PATH, inbound("STOP"))
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "database_unavailable"
    assert counts() == (0, 0, 0, 0)


def test_the_stop_twilio_retries_after_the_outage_is_recorded_once(app, brand, post_signed):
    with database_blocked(db.engine):
        assert post_signed(INBOUND_PATH, inbound("STOP")).status_code == 503
    # Twilio retries the same MessageSid; it must not be mistaken for a duplicate.
    assert post_signed(INBOUND_PATH, inbound("STOP")).status_code == 200
    assert post_signed(INBOUND_PATH, inbound("STOP")).status_code == 200
    assert counts() == (1, 1, 1, 1)
    assert db.session.scalars(select(LedgerEntry.action)).one() == "opt_out"


@pytest.mark.slow
def test_every_pool_connection_busy_answers_503_not_500(app, brand, client, post_signed):
    """Under gevent a worker serves more requests at once than its pool has connections;
    one that waits past the pool's timeout must get a retryable 503."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's pool waits 30 s; the handler is the same on both")
    key = issue_key(db.session, "marketer", "Acme")
    db.session.commit()
    db.session.close()  # return the session's connection: the pool must be full of ours
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    held = [db.engine.connect() for _ in range(options["pool_size"] + options["max_overflow"])]
    try:
        webhook = post_signed(INBOUND_PATH, inbound("STOP"))
        lookup = client.get("/api/v1/consents/+14155552000",
                            headers={"Authorization": f"Bearer {key.secret}"})
    finally:
        for connection in held:
            connection.close()
    for response in (webhook, lookup):
        assert response.status_code == 503
        assert response.get_json()["error"]["code"] == "database_unavailable"
    assert counts() == (0, 0, 0, 0)
    assert post_signed(INBOUND_PATH, inbound("STOP")).status_code == 200  # Twilio's retry
    assert counts() == (1, 1, 1, 1)
