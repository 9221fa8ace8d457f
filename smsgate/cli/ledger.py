"""`smsgate ledger verify` and `smsgate ledger export`."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from smsgate.audit.export import count_rows, open_export
from smsgate.audit.filters import parse_filters, visible_brand_id
from smsgate.cli.errors import cli_errors
from smsgate.cli.output import write_chunks
from smsgate.consent.ledger import count_entries, verify
from smsgate.extensions import db

ledger = click.Group("ledger", help="Read and check the consent ledger.")


@ledger.command("verify")
@with_appcontext
def verify_command() -> None:
    """Walk the hash chain; exit 0 when intact, 1 naming the first broken entry."""
    session = db.session()
    total = count_entries(session)
    with click.progressbar(length=total, label="Verifying", file=sys.stderr,
                           show_pos=True) as bar:
        result = verify(session, on_progress=bar.update)
    if result.ok:
        click.echo(f"ok: {result.entries} entries, head {result.head_hash}")
        return
    click.echo(f"BROKEN at entry {result.first_bad}: {result.reason} "
               f"({result.entries} entries verified before it)", err=True)
    sys.exit(1)


@ledger.command("export")
@click.option("--brand", help="Only this brand's entries (and every STOPALL).")
@click.option("--number", help="Only this number (any form; compared as E.164).")
@click.option("--since", help="Recorded at or after (ISO 8601 date or date-time; naive = UTC).")
@click.option("--until", help="Recorded at or before (a date means the whole day).")
@click.option("--as-of", "as_of", help="The entries deciding each number's consent then.")
@click.option("-o", "--output", required=True, help="File to write, or - for stdout.")
@with_appcontext
@cli_errors
def export_command(brand: str | None, number: str | None, since: str | None,
                   until: str | None, as_of: str | None, output: str) -> None:
    """Write the ledger as CSV: the same bytes as GET /api/v1/ledger.csv."""
    given = {"brand": brand, "number": number, "since": since, "until": until, "as_of": as_of}
    filters = parse_filters({name: value for name, value in given.items() if value is not None})
    session = db.session()
    brand_id = visible_brand_id(session, filters, None)  # the operator sees every brand
    show_progress = sys.stderr.isatty()
    total = count_rows(session, filters, brand_id) if show_progress else 0
    with click.progressbar(length=total, label="Exporting", file=sys.stderr, show_pos=True,
                           hidden=not show_progress) as bar:
        write_chunks(open_export(session, filters, brand_id, on_rows=bar.update), output)
    session.rollback()


COMMANDS = [ledger]
