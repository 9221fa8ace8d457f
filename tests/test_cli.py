"""The `smsgate` command group: brands, keys, simulate against a live gateway."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select
from werkzeug.serving import make_server

from smsgate.accounts.apikeys import find_key, hash_key
from smsgate.cli import main
from smsgate.extensions import db
from smsgate.models import ApiKey, Brand, LedgerEntry

ROOT = Path(__file__).resolve().parent.parent


def test_brand_create_normalises_numbers_and_lists_them(ctx, runner):
    result = runner.invoke(args=["smsgate", "brand", "create", "--name", "Acme", "--number",
                                 "(415) 555-0100", "--mps", "25", "--help-text", "Call us"])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(args=["smsgate", "brand", "list"])
    assert "Acme\tnumbers=+14155550100" in listed.output and "mps=25" in listed.output


def test_brand_create_refuses_a_bad_number_cleanly(ctx, runner):
    result = runner.invoke(args=["smsgate", "brand", "create", "--name", "Acme", "--number",
                                 "12"])
    assert result.exit_code == 1
    assert "invalid sender number" in result.output
    assert db.session.scalars(select(Brand)).all() == []


def test_a_number_cannot_belong_to_two_brands(ctx, runner, brand):
    result = runner.invoke(args=["smsgate", "brand", "create", "--name", "Bolt", "--number",
                                 "+14155550100"])
    assert result.exit_code == 1
    assert "belongs to brand 'Acme'" in result.output


def test_brand_update_changes_rate_and_adds_a_number(ctx, runner, brand):
    result = runner.invoke(args=["smsgate", "brand", "update", "Acme", "--mps", "50",
                                 "--number", "+14155550101"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    acme = db.session.scalars(select(Brand)).one()
    assert acme.messages_per_second == 50
    assert [n.number for n in acme.numbers] == ["+14155550100", "+14155550101"]


def test_key_create_prints_the_key_once_and_stores_only_its_hash(ctx, runner, brand):
    result = runner.invoke(args=["smsgate", "key", "create", "--role", "marketer",
                                 "--brand", "Acme"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[0]
    stored = db.session.scalars(select(ApiKey)).one()
    assert stored.key_hash == hash_key(secret) and secret not in (stored.prefix,
                                                                  stored.key_hash)
    assert (stored.role, stored.brand_id) == ("marketer", brand.id)
    assert find_key(db.session, secret).id == stored.id
    assert find_key(db.session, secret[:-1] + "x") is None


def test_key_create_refuses_an_unknown_role(ctx, runner):
    result = runner.invoke(args=["smsgate", "key", "create", "--role", "root"])
    assert result.exit_code == 2


def test_simulate_posts_a_signed_webhook_that_a_live_gateway_accepts(app, ctx, runner, brand):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/webhooks/twilio/inbound"
        result = runner.invoke(args=["smsgate", "simulate", "--from", "+14155550123",
                                     "--to", "+14155550100", "--body", "STOP", "--url", url])
    finally:
        server.shutdown()
    assert result.exit_code == 0, result.output
    assert result.output.startswith("200 SM")
    db.session.expire_all()
    entry = db.session.scalars(select(LedgerEntry)).one()
    assert (entry.number, entry.action) == ("+14155550123", "opt_out")


def test_console_script_offers_the_gateway_commands_and_db():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("brand", "key", "ledger", "simulate", "worker", "sweep", "db"):
        assert command in result.output


def test_smsgate_db_upgrade_exists_under_the_smsgate_group(ctx, runner):
    result = runner.invoke(args=["smsgate", "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "No such command" not in result.output


def _bare_env(tmp_path, **extra: str) -> dict[str, str | None]:
    """An environment with no Twilio credentials, no SMSGATE_DEV, a fresh instance folder."""
    env: dict[str, str | None] = {name: None for name in (
        "SMSGATE_DEV", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_AUTH_TOKEN_PREVIOUS",
        "DATABASE_URL", "REDIS_URL", "PUBLIC_BASE_URL", "BIND")}
    env.update(SMSGATE_INSTANCE_PATH=str(tmp_path / "instance"), **extra)
    return env


def test_read_only_commands_need_no_twilio_credentials(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no .env from the working directory
    env = _bare_env(tmp_path)
    runner = CliRunner()
    for args in (["db", "upgrade"], ["ledger", "verify"], ["ledger", "export", "-o", "-"],
                 ["brand", "list"], ["key", "list"]):
        result = runner.invoke(main, args, env=env)
        assert result.exit_code == 0, (args, result.output, result.exception)
        assert "Traceback" not in result.output


def test_a_command_that_needs_twilio_prints_one_line_and_exits_2_without_it(tmp_path,
                                                                             monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["worker", "--burst"], env=_bare_env(tmp_path))
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are required "
        "(set SMSGATE_DEV=1 to run without them in development)"]


def test_a_configuration_error_prints_one_line_and_exits_2_through_flask_app_wsgi(tmp_path):
    env = {k: v for k, v in _bare_env(tmp_path, SMSGATE_MAX_REQUEST_BYTES="lots").items()
           if v is not None}
    env = {**{k: v for k, v in os.environ.items() if k not in _bare_env(tmp_path)}, **env,
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "smsgate", "brand",
                           "list"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "Error: SMSGATE_MAX_REQUEST_BYTES must be a whole number, got 'lots'"]


def test_the_web_app_refuses_to_start_without_twilio_credentials(tmp_path):
    # Flask's CLI (run in-process by other tests) leaves FLASK_RUN_FROM_CLI in os.environ.
    env = {**{k: v for k, v in os.environ.items()
              if k not in _bare_env(tmp_path) and k != "FLASK_RUN_FROM_CLI"},
           "SMSGATE_INSTANCE_PATH": str(tmp_path), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are required" in done.stderr
