"""The `smsgate` command group: `flask --app wsgi smsgate ...`, also installed as `smsgate`.

Each command is an edge: it opens the app context, calls domain code, commits once.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, FlaskGroup
from flask_migrate.cli import db as migrate_group

from smsgate.cli import (
    brands,
    consents,
    embedded_redis,
    keys,
    ledger,
    reconcile,
    retention,
    simulate,
    subjects,
    suppressions,
    worker,
)

smsgate_group = AppGroup("smsgate", help="Run and administer the smsgate gateway.")
for module in (brands, consents, embedded_redis, keys, ledger, reconcile, retention, simulate,
               subjects, suppressions,
               worker):
    for command in module.COMMANDS:
        smsgate_group.add_command(command)
# Flask-Migrate's `db` group, so `flask --app wsgi smsgate db upgrade` (and `smsgate db
# upgrade`) exist as the README's command table lists them, beside `flask --app wsgi db`.
smsgate_group.add_command(migrate_group, "db")


def _create_app() -> Flask:
    from smsgate import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False,
             help="smsgate gateway commands (and Flask's: db, routes, shell).")
def main() -> None:
    """Console script entry point: the smsgate commands plus Flask's `db` group."""


for _name, _command in smsgate_group.commands.items():
    main.add_command(_command, _name)
