"""`smsgate consents import FILE.csv --brand NAME`: bring a consent list in from elsewhere."""

from __future__ import annotations

import io
import os
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from smsgate.accounts.brands import get_brand
from smsgate.cli.errors import cli_errors
from smsgate.consent.importer import (
    CHUNK_ROWS,
    ChunkResult,
    ImportRaced,
    Row,
    import_chunk,
    read_chunks,
)
from smsgate.extensions import db
from smsgate.models import Brand

consents = click.Group("consents", help="Consent lists in bulk.")


@consents.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--brand", required=True, help="The brand the consents are for.")
@click.option("--chunk", "rows_per_chunk", type=click.IntRange(1, 50_000), default=CHUNK_ROWS,
              show_default=True, help="Rows per transaction.")
@with_appcontext
@cli_errors
def import_command(file: str, brand: str, rows_per_chunk: int) -> None:
    """Import opt-ins (with evidence) and opt-outs from FILE (CSV with a header row).

    Each refused row is printed with its line number and reason; the others are recorded,
    one transaction per chunk. Exit status 1 when any row was refused.
    """
    pseudonym_key = current_app.config["SMSGATE"].require_pseudonym_key()
    session = db.session()
    target = get_brand(session, brand)
    recorded = refused = 0
    with open(file, "rb") as raw, io.TextIOWrapper(raw, encoding="utf-8-sig",
                                                   newline="") as source, click.progressbar(
            length=os.path.getsize(file), label="Importing", file=sys.stderr,
            show_pos=True) as bar:
        done = 0
        for chunk in read_chunks(source, rows_per_chunk):
            outcome = _import_with_retry(target, chunk, pseudonym_key)
            recorded += outcome.recorded
            refused += len(outcome.refused)
            for refusal in outcome.refused:
                click.echo(f"line {refusal.line}: {refusal.reason}", err=True)
            position = raw.tell()  # bytes read so far (read ahead by a buffer)
            bar.update(max(0, position - done))
            done = max(done, position)
    click.echo(f"{recorded} recorded, {refused} refused")
    if refused:
        sys.exit(1)


def _import_with_retry(brand: Brand, chunk: list[Row], pseudonym_key: str) -> ChunkResult:
    """One chunk, committed; once more if an opt-out raced its check."""
    for attempt in (1, 2):
        try:
            outcome = import_chunk(db.session(), brand, chunk, pseudonym_key=pseudonym_key)
        except ImportRaced:
            db.session.rollback()
            if attempt == 2:
                raise
            continue
        db.session.commit()
        return outcome
    raise AssertionError("unreachable")


COMMANDS = [consents]
