"""Turn domain refusals into a clean CLI error message and exit status."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import click

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
