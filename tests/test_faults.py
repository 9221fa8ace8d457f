"""Faults: the database failing mid-webhook loses nothing and half-writes nothing.

The failure is real, not mocked: another connection holds the lock the webhook needs and a
short lock timeout makes the database itself abort the webhook's transaction.
"""

from __future__ import annotations

import contextlib

import pytest
from factories import INBOUND_PATH, inbound
from sqlalchemy import event, func, select, text

from smsgate.accounts.apikeys import issue_key
from smsgate.extensions import db
from smsgate.models import ConsentState, InboundMessage, LedgerEntry, OutboxMessage


@contextlib.contextmanager
def database_blocked(engine):
    """Hold the ledger head (PostgreSQL) or the write lock (SQLite) from another connection,
    and make the app's connections give up waiting after 200 ms."""
    postgres = engine.dialect.name == "postgresql"

    def short_wait(dbapi_connection, _record, _proxy):
        cursor = dbapi_connection.cursor()
        cursor.execute("SET lock_timeout = '200ms'" if postgres else "PRAGMA busy_timeout = 200")
        cursor.close()

    def normal_wait(dbapi_connection, _record, _proxy):
        cursor = dbapi_connection.cursor()
        cursor.execute("SET lock_timeout = 0" if postgres else "PRAGMA busy_timeout = 30000")
        cursor.close()

    blocker = engine.connect()
    blocker_tx = blocker.begin()
    if postgres:
        blocker.execute(text("SELECT * FROM ledger_head WHERE id = 1 FOR UPDATE"))
    else:
        blocker.exec_driver_sql("UPDATE ledger_head SET last_id = last_id WHERE id = 1")
    event.listen(engine, "checkout", short_wait)
    try:
        yield
    finally:
        event.remove(engine, "checkout", short_wait)
        event.listen(engine, "checkout", normal_wait)
        blocker_tx.rollback()
        blocker.close()


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
