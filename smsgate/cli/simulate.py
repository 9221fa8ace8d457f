"""`smsgate simulate`: post a correctly signed inbound webhook to a running gateway."""

from __future__ import annotations

import uuid

import click
import requests
from flask import current_app
from flask.cli import with_appcontext
from twilio.request_validator import RequestValidator

from smsgate.cli.errors import needs_twilio

DEFAULT_URL = "http://127.0.0.1:5000/webhooks/twilio/inbound"


@click.command("simulate")
@click.option("--from", "from_number", required=True, help="The texting phone's number.")
@click.option("--to", "to_number", required=True, help="The brand's number it texted.")
@click.option("--body", required=True, help="The text, e.g. STOP.")
@click.option("--url", default=DEFAULT_URL, show_default=True, help="The gateway's inbound URL.")
@with_appcontext
@needs_twilio
def simulate(from_number: str, to_number: str, body: str, url: str) -> None:
    """Send a signed inbound text, as Twilio would, without a phone."""
    settings = current_app.config["SMSGATE"]
    params = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": settings.twilio_account_sid,
              "From": from_number, "To": to_number, "Body": body, "NumMedia": "0"}
    # Behind a proxy the gateway checks the public URL, so sign that one.
    path = "/" + url.split("://", 1)[-1].split("/", 1)[-1]
    signed = settings.public_base_url + path if settings.public_base_url else url
    signature = RequestValidator(settings.twilio_auth_token).compute_signature(signed, params)
    try:
        response = requests.post(url, data=params, headers={"X-Twilio-Signature": signature},
                                 timeout=10)
    except requests.RequestException as exc:
        raise click.ClickException(f"could not reach {url}: {exc}") from None
    click.echo(f"{response.status_code} {params['MessageSid']} {response.text.strip()}")
    if response.status_code != 200:
        raise SystemExit(1)


COMMANDS = [simulate]
