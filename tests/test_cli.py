"""The `smsgate` command group: brands, keys, simulate against a live gateway."""

from __future__ import annotations

import threading

from click.testing import CliRunner
from sqlalchemy import select
from werkzeug.serving import make_server

from smsgate.accounts.apikeys import find_key, hash_key
from smsgate.cli import main
from smsgate.extensions import db
from smsgate.models import ApiKey, Brand, LedgerEntry


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
