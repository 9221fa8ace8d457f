"""`smsgate subject export NUMBER` and `smsgate subject erase NUMBER`."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from smsgate.cli.errors import cli_errors
from smsgate.extensions import db
from smsgate.messaging.numbers import number_from_input
from smsgate.privacy.subjects import erase_subject, scrub_after_erasure, subject_report

subject = click.Group("subject", help="A person's data: export it, or erase it.")


@subject.command("export")
@click.argument("number")
@with_appcontext
@cli_errors
def export(number: str) -> None:
    """Print everything held about NUMBER as one JSON document."""
    key = current_app.config["SMSGATE"].require_pseudonym_key()
    report = subject_report(db.session(), number_from_input(number), key)
    db.session.rollback()
    click.echo(json.dumps(report, indent=2, ensure_ascii=False))


@subject.command("erase")
@click.argument("number")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation at a terminal.")
@with_appcontext
@cli_errors
def erase(number: str, yes: bool) -> None:
    """Blank NUMBER in every table and record the erasure in the ledger (no way back)."""
    key = current_app.config["SMSGATE"].require_pseudonym_key()
    e164 = number_from_input(number)
    if not yes and sys.stdin.isatty():  # a person at a terminal confirms; a script need not
        click.confirm("Erase every record of this number? This cannot be undone", abort=True)
    counts = erase_subject(db.session(), e164, key, api_key_id=None, requested_by="cli")
    db.session.commit()
    scrub_after_erasure(db.session())
    click.echo(json.dumps({"erased": True, **counts}))


COMMANDS = [subject]
