"""Turn domain refusals into a clean CLI error message and exit status; refuse to run a
command that needs Twilio without its credentials (a configuration error: exit 2)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import click
from flask import current_app

from smsgate.errors import SmsgateError
from smsgate.extensions import db

P = ParamSpec("P")
R = TypeVar("R")


def cli_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Roll back and print `Error: ...` (exit 1) instead of a traceback for a refusal."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except SmsgateError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from None

    return run


def needs_twilio(command: Callable[P, R]) -> Callable[P, R]:
    """Run `command` only when Twilio credentials (or SMSGATE_DEV=1) are set; otherwise print
    the one-line ConfigError and exit 2. Commands that only read or administer the database
    (ledger, brand, key, db) go without."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        current_app.config["SMSGATE"].require_twilio()
        return command(*args, **kwargs)

    return run
