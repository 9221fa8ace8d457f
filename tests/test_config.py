"""Settings from the environment: development mode cannot reach production, its token is
random per instance, and a second Twilio auth token is accepted while tokens rotate."""

from __future__ import annotations

import dataclasses
import logging
import stat

import pytest
from conftest import AUTH_TOKEN
from twilio.request_validator import RequestValidator

from smsgate import create_app
from smsgate.config import DEV_AUTH_TOKEN_FILE, ConfigError, Settings
from smsgate.errors import Forbidden
from smsgate.http.signature import verified_form

DEV = {"SMSGATE_DEV": "1"}


def twilio_signature(token: str, url: str, params: dict) -> str:
    """The signature Twilio's own validator computes with `token`."""
    return RequestValidator(token).compute_signature(url, params)


@pytest.mark.parametrize("name", ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN",
                                  "TWILIO_AUTH_TOKEN_PREVIOUS"])
def test_dev_mode_refuses_to_start_with_twilio_credentials(tmp_path, name):
    value = "AC" + "1" * 32 if name == "TWILIO_ACCOUNT_SID" else "real-token"
    with pytest.raises(ConfigError, match="would record texts as sent without sending"):
        Settings.from_env(str(tmp_path), {**DEV, name: value})


@pytest.mark.parametrize("url", ["postgresql+psycopg://u@db/smsgate", "postgres://u@db/x"])
def test_dev_mode_refuses_a_postgresql_database(tmp_path, url):
    with pytest.raises(ConfigError, match="PostgreSQL"):
        Settings.from_env(str(tmp_path), {**DEV, "DATABASE_URL": url})


def test_dev_mode_refuses_an_https_public_url(tmp_path):
    with pytest.raises(ConfigError, match="https PUBLIC_BASE_URL"):
        Settings.from_env(str(tmp_path), {**DEV, "PUBLIC_BASE_URL": "https://sms.example.com"})


@pytest.mark.parametrize("bind", ["0.0.0.0:5000", "10.1.2.3:80", "[::]:5000", "example.com:80"])
def test_dev_mode_refuses_to_listen_beyond_loopback(tmp_path, bind):
    with pytest.raises(ConfigError, match="127.0.0.1 only"):
        Settings.from_env(str(tmp_path), {**DEV, "BIND": bind})


@pytest.mark.parametrize("bind", ["127.0.0.1:5000", "localhost:8000", "[::1]:5000",
                                  "unix:/tmp/smsgate.sock"])
def test_dev_mode_accepts_a_loopback_bind(tmp_path, bind):
    assert Settings.from_env(str(tmp_path), {**DEV, "BIND": bind}).dev


def test_every_refusal_is_one_line_naming_what_to_unset(tmp_path):
    with pytest.raises(ConfigError) as refused:
        Settings.from_env(str(tmp_path), {**DEV, "TWILIO_AUTH_TOKEN": "x"})
    assert "\n" not in refused.value.message and "unset" in refused.value.message
    assert refused.value.exit_code == 2


def test_dev_token_is_random_per_instance_and_kept_in_the_instance_folder(tmp_path):
    first = Settings.from_env(str(tmp_path / "a"), DEV)
    again = Settings.from_env(str(tmp_path / "a"), DEV)
    other = Settings.from_env(str(tmp_path / "b"), DEV)
    assert first.twilio_auth_token == again.twilio_auth_token != other.twilio_auth_token
    kept = tmp_path / "a" / DEV_AUTH_TOKEN_FILE
    assert kept.read_text().strip() == first.twilio_auth_token
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert len(first.twilio_auth_token) >= 40
    assert "smsgate-development-auth-token" not in {first.twilio_auth_token,
                                                    other.twilio_auth_token}


def test_a_webhook_signed_with_another_instances_dev_token_is_refused(tmp_path):
    mine = create_app(env=DEV, instance_path=str(tmp_path / "mine"))
    theirs = Settings.from_env(str(tmp_path / "theirs"), DEV)
    params = {"MessageSid": "SM" + "0" * 32, "From": "+14155550123", "To": "+14155550100",
              "Body": "START"}
    url = "http://localhost/webhooks/twilio/inbound"
    forged = twilio_signature(theirs.twilio_auth_token, url, params)
    with mine.test_request_context("/webhooks/twilio/inbound", method="POST", data=params,
                                   headers={"X-Twilio-Signature": forged}):
        with pytest.raises(Forbidden):
            verified_form()


def test_dev_mode_logs_a_warning_at_start(tmp_path):
    seen: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = seen.append  # type: ignore[method-assign]
    logger = logging.getLogger("smsgate")
    logger.addHandler(handler)
    try:
        create_app(env=DEV, instance_path=str(tmp_path))
    finally:
        logger.removeHandler(handler)
    assert [r.getMessage() for r in seen if r.levelno == logging.WARNING] == ["dev_mode"]


def test_without_dev_mode_missing_credentials_are_refused_only_when_required(tmp_path):
    settings = Settings.from_env(str(tmp_path), {})
    assert (settings.twilio_account_sid, settings.twilio_auth_token) == ("", "")
    with pytest.raises(ConfigError, match="TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"):
        settings.require_twilio()


def test_an_empty_auth_token_signs_nothing(tmp_path):
    app = create_app(Settings.from_env(str(tmp_path), {}), instance_path=str(tmp_path))
    params = {"MessageSid": "SM" + "1" * 32, "Body": "START"}
    with app.test_request_context("/webhooks/twilio/inbound", method="POST", data=params,
                                  headers={"X-Twilio-Signature": twilio_signature(
                                      "", "http://localhost/webhooks/twilio/inbound",
                                      params)}):
        with pytest.raises(Forbidden):
            verified_form()


def test_previous_auth_token_is_read_from_the_environment(tmp_path):
    settings = Settings.from_env(str(tmp_path), {
        "TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "new",
        "TWILIO_AUTH_TOKEN_PREVIOUS": "old"})
    assert (settings.twilio_auth_token, settings.twilio_auth_token_previous) == ("new", "old")


@pytest.mark.parametrize("signed_with, accepted", [("new-token", True), (AUTH_TOKEN, True),
                                                   ("some-other-token", False)])
def test_webhooks_signed_with_the_current_or_previous_token_pass_during_rotation(
        settings, tmp_path, signed_with, accepted):
    rotating = dataclasses.replace(settings, twilio_auth_token="new-token",
                                   twilio_auth_token_previous=AUTH_TOKEN)
    app = create_app(rotating, instance_path=str(tmp_path))
    params = {"MessageSid": "SM" + "2" * 32, "From": "+14155550123", "To": "+14155550100",
              "Body": "STOP"}
    url = "http://localhost/webhooks/twilio/inbound"
    signature = twilio_signature(signed_with, url, params)
    with app.test_request_context("/webhooks/twilio/inbound", method="POST", data=params,
                                  headers={"X-Twilio-Signature": signature}):
        if accepted:
            assert verified_form()["Body"] == "STOP"
        else:
            with pytest.raises(Forbidden):
                verified_form()
