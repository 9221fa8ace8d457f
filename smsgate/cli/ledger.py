"""`smsgate ledger verify`, `export`, `checkpoint` and `public-key`."""

from __future__ import annotations

import sys
from typing import IO

import click
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from smsgate.audit.export import count_rows, open_export
from smsgate.audit.filters import parse_filters, visible_brand_id
from smsgate.cli.errors import cli_errors
from smsgate.cli.output import write_chunks
from smsgate.consent import checkpoints
from smsgate.consent.checkpoint_note import CheckpointError, open_note
from smsgate.consent.ledger import count_entries, verify
from smsgate.extensions import db

ledger = click.Group("ledger", help="Read and check the consent ledger.")


@ledger.command("verify")
@click.option("--checkpoint", "checkpoint_file", type=click.File("rb"),
              help="Also prove the ledger extends this signed checkpoint.")
@click.option("--public-key", "public_key_file", type=click.File("rb"),
              help="The PEM public key the checkpoint is signed with (`ledger public-key`).")
@with_appcontext
def verify_command(checkpoint_file: IO[bytes] | None, public_key_file: IO[bytes] | None) -> None:
    """Walk the hash chain; exit 0 when intact, 1 naming the first broken entry. With
    --checkpoint and --public-key, exit 1 too unless the ledger extends that checkpoint."""
    if (checkpoint_file is None) != (public_key_file is None):
        raise click.UsageError("--checkpoint and --public-key go together")
    session = db.session()
    total = count_entries(session)
    with click.progressbar(length=total, label="Verifying", file=sys.stderr,
                           show_pos=True) as bar:
        result = verify(session, on_progress=bar.update)
    if not result.ok:
        click.echo(f"BROKEN at entry {result.first_bad}: {result.reason} "
                   f"({result.entries} entries verified before it)", err=True)
        sys.exit(1)
    click.echo(f"ok: {result.entries} entries, head {result.head_hash}")
    if checkpoint_file is not None and public_key_file is not None:
        problem = _checkpoint_problem(session, checkpoint_file.read(), public_key_file.read())
        session.rollback()
        if problem:
            click.echo(f"DOES NOT EXTEND the checkpoint: {problem}", err=True)
            sys.exit(1)


def _checkpoint_problem(session: Session, note: bytes, pem: bytes) -> str | None:
    """Why the ledger does not extend the checkpoint `note` signed by PEM key `pem`, or
    None when it does (then the checkpoint is printed)."""
    try:
        public_key = serialization.load_pem_public_key(pem)
    except ValueError:
        raise click.BadParameter("not a PEM public key", param_hint="--public-key") from None
    if not isinstance(public_key, Ed25519PublicKey):
        raise click.BadParameter("not an Ed25519 public key", param_hint="--public-key")
    try:
        checkpoint = open_note(note.decode("utf-8"), public_key)
    except UnicodeDecodeError:
        return "the checkpoint file is not UTF-8 text"
    except CheckpointError as exc:
        return str(exc)
    problem = checkpoints.extends(session, checkpoint)
    if problem is None:
        click.echo(f"extends the checkpoint of {checkpoint.size} entries signed "
                   f"{checkpoint.signed_at.isoformat()}")
    return problem


@ledger.command("checkpoint")
@with_appcontext
@cli_errors
def checkpoint_command() -> None:
    """Sign the ledger's size and head hash into a checkpoint file; print its path. Exit 1
    (signing nothing) when the ledger does not extend the latest checkpoint."""
    taken = checkpoints.take(db.session(), checkpoints.CheckpointStore.current())
    db.session.rollback()
    click.echo(str(taken.path))


@ledger.command("public-key")
@with_appcontext
@cli_errors
def public_key_command() -> None:
    """Print the checkpoint signing key's public half (PEM), making the key if needed."""
    key = checkpoints.CheckpointStore.current().private_key().public_key()
    click.echo(key.public_bytes(serialization.Encoding.PEM,
                                serialization.PublicFormat.SubjectPublicKeyInfo).decode(), nl=False)


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
