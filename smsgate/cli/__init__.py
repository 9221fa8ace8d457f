"""The `smsgate` command group: `flask --app wsgi smsgate ...`, also installed as `smsgate`.

Each command is an edge: it opens the app context, calls domain code, commits once.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, FlaskGroup

from smsgate.cli import brands, keys, ledger, simulate, worker
from smsgate.cli.reconcile import COMMANDS as RECONCILE_COMMANDS

smsgate_group = AppGroup("smsgate", help="Run and administer the smsgate gateway.")
for module in (brands, keys, ledger, simulate, worker):
    for command in module.COMMANDS:
        smsgate_group.add_command(command)
for command in RECONCILE_COMMANDS:
    smsgate_group.add_command(command)


def _create_app() -> Flask:
    from smsgate import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False,
             help="smsgate gateway commands (and Flask's: db, routes, shell).")
def main() -> None:
    """Console script entry point: the smsgate commands plus Flask's `db` group."""


for _name, _command in smsgate_group.commands.items():
    main.add_command(_command, _name)
