"""`smsgate retention apply [--dry-run]`."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from smsgate.extensions import db
from smsgate.models import utcnow
from smsgate.privacy.retention import apply_retention

retention = click.Group("retention", help="Blank personal data older than its limit.")


@retention.command("apply")
@click.option("--dry-run", is_flag=True, help="Count what would be blanked; change nothing.")
@with_appcontext
def apply(dry_run: bool) -> None:
    """Blank personal values older than the SMSGATE_RETAIN_* limits; print the counts."""
    limits = current_app.config["SMSGATE"].retention
    result = apply_retention(db.session(), limits, utcnow(), dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(json.dumps({"dry_run": dry_run, **result.as_dict()}))


COMMANDS = [retention]
