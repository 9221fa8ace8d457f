"""RQ jobs by name, and whether RQ will still run one.

Domain code queues a job by a name it defines (`outbox.SEND_REPLIES_JOB`); the edge module
`smsgate.jobs` registers the function that runs under that name, and `create_app` imports
it, so domain code never imports an edge nor spells a module path. RQ itself still stores
the function's import path in each job, which is how a worker finds it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from redis import Redis
from rq import Worker
from rq.job import Job, JobStatus

F = TypeVar("F", bound=Callable[..., Any])

_LIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}
_registry: dict[str, Callable[..., Any]] = {}


def register(name: str) -> Callable[[F], F]:
    """Decorator: run the decorated function for jobs queued as `name`."""

    def add(function: F) -> F:
        _registry[name] = function
        return function

    return add


def job_function(name: str) -> Callable[..., Any]:
    """The function registered as `name`; LookupError when none is (no app was created)."""
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(f"no job function registered as {name!r}; smsgate.jobs registers "
                          "them and create_app imports it") from None


def alive(job: Job, connection: Redis) -> bool:
    """Whether RQ still holds `job` for running: queued, scheduled, or running on a live worker.

    A worker killed with SIGKILL never marks its job, and RQ itself abandons a started job
    only after its timeout (an hour here). The worker's own key expires `worker_ttl` (7
    minutes) after its last heartbeat, so a started job whose worker key is gone is dead.
    """
    status = job.get_status(refresh=False)
    if status == JobStatus.STARTED and job.worker_name:
        return bool(connection.exists(Worker.redis_worker_namespace_prefix + job.worker_name))
    return status in _LIVE
