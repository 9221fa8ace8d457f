"""Turn domain refusals into a clean CLI error message and exit status."""

from __future__ import annotations

import functools

import click

from smsgate.errors import SmsgateError
from smsgate.extensions import db


def cli_errors(command):
    """Roll back and print `Error: ...` (exit 1) instead of a traceback for a refusal."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except SmsgateError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from None

    return run
