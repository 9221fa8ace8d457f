"""`smsgate retention apply [--dry-run]`."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from smsgate import jobs

retention = click.Group("retention", help="Blank personal data older than its limit.")


@retention.command("apply")
@click.option("--dry-run", is_flag=True, help="Count what would be blanked; change nothing.")
@with_appcontext
def apply(dry_run: bool) -> None:
    """Blank personal values older than the SMSGATE_RETAIN_* limits; print the counts."""
    click.echo(json.dumps({"dry_run": dry_run, **jobs.retention(dry_run)}))


COMMANDS = [retention]
