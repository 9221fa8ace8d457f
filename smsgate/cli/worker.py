"""`smsgate worker` (RQ, inside the app context) and `smsgate sweep`."""

from __future__ import annotations

import logging
import time

import click
from flask.cli import with_appcontext
from redis.exceptions import RedisError
from rq import SimpleWorker
from sqlalchemy.exc import DBAPIError

from smsgate import jobs
from smsgate.cli.errors import needs_twilio
from smsgate.extensions import QUEUE_NAMES, queue

log = logging.getLogger(__name__)
CHECKPOINT_EVERY = 300  # seconds between signed checkpoints of the ledger's head
# Seconds between retention passes: limits are days long, and a pass reads the whole ledger.
RETENTION_EVERY = 3600.0


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--queue", "queue_names", multiple=True, type=click.Choice(QUEUE_NAMES),
              help="Queues to serve (default: all).")
@with_appcontext
@needs_twilio
def worker(burst: bool, queue_names: tuple[str, ...]) -> None:
    """Run an RQ worker whose jobs run inside this app's context."""
    # SimpleWorker runs jobs in this process, which already holds the app, its database
    # pool and its Twilio session; a forking worker would share pooled sockets with its child.
    queues = [queue(name) for name in (queue_names or QUEUE_NAMES)]
    SimpleWorker(queues, connection=queues[0].connection).work(burst=burst, with_scheduler=True)


@click.command("sweep")
@click.option("--every", type=click.IntRange(min=0), default=0,
              help="Repeat every N seconds (default: run once).")
@with_appcontext
@needs_twilio
def sweep(every: int) -> None:
    """Re-queue replies Redis never got, settle sends a crash interrupted, sign a checkpoint
    of the ledger's head (every 5 minutes when repeating) and, once an hour, blank personal
    data past its retention limit (`smsgate retention apply`)."""
    checkpoint_due = 0.0
    last_retention = -RETENTION_EVERY
    while True:
        if not every:
            click.echo(jobs.sweep())
            click.echo(f"checkpoint: {jobs.checkpoint()}")
            return
        try:
            jobs.sweep()
            if time.monotonic() >= checkpoint_due and jobs.checkpoint() != "deferred":
                checkpoint_due = time.monotonic() + CHECKPOINT_EVERY
            if time.monotonic() - last_retention >= RETENTION_EVERY:
                jobs.retention()
                last_retention = time.monotonic()
        except (DBAPIError, RedisError) as exc:
            # Everything the sweeper does is re-done on its next pass, so a database or Redis
            # that is not up yet (first start, failover) only delays it.
            log.warning("sweep_deferred", extra={"error": type(exc).__name__})
        time.sleep(every)


COMMANDS = [worker, sweep]
