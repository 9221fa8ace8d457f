"""Fixtures for the audit tests (a pytest plugin: `pytest_plugins = ["audit_fixtures"]`)."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from audit_support import FrozenClock
from werkzeug.serving import make_server

from smsgate.consent import checkpoints, ledger, personal


@pytest.fixture
def clock(monkeypatch) -> FrozenClock:
    """Freeze the ledger's recorded_at (ledger.append reads `ledger.utcnow`), and its salts,
    so that fixed inputs give fixed hashes."""
    frozen = FrozenClock()
    monkeypatch.setattr(ledger, "utcnow", lambda: frozen.now)
    monkeypatch.setattr(personal, "new_salts", lambda count: ["5a" * 16] * count)
    return frozen


@pytest.fixture
def live_server(app):
    """The test app on a free loopback port, served from a thread like a real server (the
    test client shares the test's app context, which hides context teardown effects)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def store(app, monkeypatch, tmp_path) -> checkpoints.CheckpointStore:
    """This test's own checkpoint key file and directory (SMSGATE_CHECKPOINT_KEY/_DIR)."""
    settings = dataclasses.replace(app.config["SMSGATE"],
                                   checkpoint_key=str(tmp_path / "keys" / "checkpoint.pem"),
                                   checkpoint_dir=str(tmp_path / "checkpoints"))
    monkeypatch.setitem(app.config, "SMSGATE", settings)
    return checkpoints.CheckpointStore.of(settings, app.instance_path)
