"""`smsgate ledger verify` (and export, with the audit issue)."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from smsgate.consent.ledger import count_entries, verify
from smsgate.extensions import db

ledger = click.Group("ledger", help="Read and check the consent ledger.")


@ledger.command("verify")
@with_appcontext
def verify_command():
    """Walk the hash chain; exit 0 when intact, 1 naming the first broken entry."""
    total = count_entries(db.session)
    with click.progressbar(length=total, label="Verifying", file=sys.stderr,
                           show_pos=True) as bar:
        result = verify(db.session, on_progress=bar.update)
    if result.ok:
        click.echo(f"ok: {result.entries} entries, head {result.head_hash}")
        return
    click.echo(f"BROKEN at entry {result.first_bad}: {result.reason} "
               f"({result.entries} entries verified before it)", err=True)
    sys.exit(1)


COMMANDS = [ledger]
