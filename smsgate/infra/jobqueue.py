"""Whether RQ will still run a job: what the sweeper asks before it queues work again."""

from __future__ import annotations

from redis import Redis
from rq import Worker
from rq.job import Job, JobStatus

_LIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


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
