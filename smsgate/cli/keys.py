"""`smsgate key create | revoke | list`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from smsgate.accounts.apikeys import issue_key, revoke_key
from smsgate.cli.errors import cli_errors
from smsgate.extensions import db
from smsgate.models import ROLES, ApiKey, Brand

key = click.Group("key", help="Manage API keys (only their hashes are stored).")


@key.command("create")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--brand", "brand_name", help="Limit the key to one brand.")
@click.option("--label", help="A note saying who holds the key.")
@with_appcontext
@cli_errors
def create(role: str, brand_name: str | None, label: str | None) -> None:
    """Create a key and print it once."""
    session = db.session()
    issued = issue_key(session, role, brand_name, label)
    session.commit()
    click.echo(issued.secret)
    click.echo(f"key id {issued.id}, role {role}, brand {brand_name or 'all'}: "
               "store it now, it is not shown again", err=True)


@key.command("revoke")
@click.argument("key_id", type=int)
@with_appcontext
def revoke(key_id: int) -> None:
    """Revoke a key by id (see `key list`)."""
    session = db.session()
    if not revoke_key(session, key_id):
        raise click.ClickException(f"no live key with id {key_id}")
    session.commit()
    click.echo(f"revoked key {key_id}")


@key.command("list")
@with_appcontext
def list_keys() -> None:
    """List keys (never their secrets)."""
    rows = db.session.execute(select(ApiKey, Brand.name).outerjoin(Brand).order_by(ApiKey.id))
    for api_key, brand_name in rows:
        state = "revoked" if api_key.revoked_at else "live"
        click.echo(f"{api_key.id}\t{api_key.role}\t{brand_name or 'all'}\t{state}"
                   f"\t{api_key.label or ''}")


COMMANDS = [key]
