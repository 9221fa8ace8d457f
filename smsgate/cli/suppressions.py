"""`smsgate suppressions export --brand NAME [-o FILE]`: the brand's opted-out numbers as CSV."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from smsgate.accounts.brands import get_brand
from smsgate.audit.suppressions import open_suppressions
from smsgate.cli.errors import cli_errors
from smsgate.cli.output import write_chunks
from smsgate.extensions import db

suppressions = click.Group("suppressions", help="The numbers opted out of a brand.")


@suppressions.command("export")
@click.option("--brand", required=True, help="The brand whose opted-out numbers to list.")
@click.option("-o", "--output", default="-", show_default=True,
              help="File to write, or - for stdout.")
@with_appcontext
@cli_errors
def export_command(brand: str, output: str) -> None:
    """Write number,since,source: the same bytes as GET /api/v1/suppressions."""
    session = db.session()
    brand_id = get_brand(session, brand).id
    write_chunks(open_suppressions(session.connection(), brand_id), output)
    session.rollback()


COMMANDS = [suppressions]
