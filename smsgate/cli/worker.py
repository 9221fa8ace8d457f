"""`smsgate worker` (RQ, inside the app context) and `smsgate sweep`."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext
from rq import SimpleWorker

from smsgate import jobs
from smsgate.extensions import QUEUE_NAMES, queue


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--queue", "queue_names", multiple=True, type=click.Choice(QUEUE_NAMES),
              help="Queues to serve (default: all).")
@with_appcontext
def worker(burst, queue_names):
    """Run an RQ worker whose jobs run inside this app's context."""
    # SimpleWorker runs jobs in this process, which already holds the app, its database
    # pool and its Twilio session; a forking worker would share pooled sockets with its child.
    queues = [queue(name) for name in (queue_names or QUEUE_NAMES)]
    SimpleWorker(queues, connection=queues[0].connection).work(burst=burst, with_scheduler=True)


@click.command("sweep")
@click.option("--every", type=click.IntRange(min=0), default=0,
              help="Repeat every N seconds (default: run once).")
@with_appcontext
def sweep(every):
    """Re-queue replies Redis never got and settle sends a crash interrupted."""
    while True:
        click.echo(jobs.sweep())
        if not every:
            return
        time.sleep(every)


COMMANDS = [worker, sweep]
