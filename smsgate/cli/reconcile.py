"""`smsgate reconcile`: record inbound texts whose webhook never reached us."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import click
from flask.cli import with_appcontext
from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError

from smsgate import jobs

log = logging.getLogger(__name__)


def _moment(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    """An ISO 8601 date or date-time; without an offset it is UTC."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"expected ISO 8601 (2026-01-31T12:00:00Z), got {value!r}") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@click.command("reconcile")
@click.option("--since", callback=_moment,
              help="Read texts sent since this ISO time instead of the watermark.")
@click.option("--every", type=click.IntRange(min=0), default=0,
              help="Repeat every N seconds (default: run once).")
@with_appcontext
def reconcile(since: datetime | None, every: int) -> None:
    """List each brand number's inbound texts at Twilio and record those never recorded."""
    start = since
    while True:
        if not every:
            click.echo(jobs.reconcile(start))
            return
        try:
            jobs.reconcile(start)
        except (DBAPIError, RedisError) as exc:
            # Every pass re-reads from the watermark, so an outage only delays it.
            log.warning("reconcile_deferred", extra={"error": type(exc).__name__})
        start = None  # --since applies to the first pass; later ones follow the watermark
        time.sleep(every)


COMMANDS = [reconcile]
