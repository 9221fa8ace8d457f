"""Campaign jobs on RQ: queue them after commit, and let the sweeper recover what was lost.

A campaign's recipient ids (ascending) are cut into batches of `recipients_per_job`; each
batch is one job whose id is deterministic, `campaign-<campaign id>-<first recipient id>`.
The sweeper can therefore recompute which job should be holding any queued recipient and ask
RQ whether that job is still alive (queued, started, scheduled for retry, deferred). When it
is not (Redis was down when the campaign was created, lost the job, or the job gave up), the
batch's still-queued recipients are queued again under the same job id. Queuing more than
needed is harmless: every recipient is claimed before it is sent.

Recipients deferred to a later time (`not_before`: a closed window, a spent cap, a future
`send_at`) get a run scheduled in RQ for that time (`schedule_deferred`, job id
`campaign-<campaign id>-<first recipient id>-at-<unix time>-<digest of the ids>`), which
workers started with the scheduler hold in Redis; should that be lost, the sweeper treats a
recipient whose time came more than a grace period ago like any other queued one.

Recipients left `sending` by a worker that died are settled first (`settle_stale`): the
provider's message list says whether the text went; only when it did not is the row queued
again. Nothing here commits; `jobs.sweep` commits between the two steps.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.job import Job
from rq.queue import EnqueueData
from sqlalchemy import Row, or_, select, update
from sqlalchemy.orm import Session

from smsgate.campaigns.dispatch import MAX_PROVIDER_CALLS, Sender, load_sender
from smsgate.infra.jobqueue import alive, job_function
from smsgate.messaging.numbers import mask_number
from smsgate.messaging.provider import FIND_SENT_MARGIN, Provider, ProviderError
from smsgate.models import Campaign, CampaignRecipient, utcnow

log = logging.getLogger(__name__)

SEND_BATCH_JOB = "send_campaign_batch"  # registered by smsgate.jobs: (campaign_id, ids)
# A batch waits for its brand's rate cap: 250 texts at 1 per second take over four minutes.
JOB_TIMEOUT = 3600
RETRY = Retry(max=4, interval=[30, 120, 600, 1800])
_CHUNK = 500


def job_id(campaign_id: int, first_recipient_id: int) -> str:
    """The RQ job id of the batch that starts at `first_recipient_id`."""
    return f"campaign-{campaign_id}-{first_recipient_id}"


def batches(recipient_ids: Sequence[int], size: int) -> list[list[int]]:
    """`recipient_ids` in sorted order, cut into lists of at most `size`."""
    ordered = sorted(recipient_ids)
    return [ordered[start:start + size] for start in range(0, len(ordered), size)]


def _job_data(campaign_id: int, batch: list[int], first_id: int) -> EnqueueData:
    return Queue.prepare_data(job_function(SEND_BATCH_JOB), args=(campaign_id, batch),
                              job_id=job_id(campaign_id, first_id), timeout=JOB_TIMEOUT,
                              retry=RETRY, failure_ttl=7 * 24 * 3600, result_ttl=3600)


def enqueue_campaign(campaigns: Queue, campaign_id: int, recipient_ids: Sequence[int],
                     per_job: int, deferred: Sequence[tuple[int, datetime]] = ()) -> bool:
    """Queue every batch in one Redis pipeline, and schedule the `deferred` recipients for
    when each is due; False (logged) when Redis is unreachable."""
    later = {rid for rid, _ in deferred}
    datas = [_job_data(campaign_id, [rid for rid in batch if rid not in later], batch[0])
             for batch in batches(recipient_ids, per_job) if not later.issuperset(batch)]
    try:
        if datas:
            campaigns.enqueue_many(datas)
        schedule_deferred(campaigns, campaign_id, deferred, per_job)
    except RedisError as exc:
        # The recipients are committed: the sweeper queues them once Redis answers again.
        log.warning("campaign_not_queued", extra={"campaign_id": campaign_id,
                                                  "error": str(exc)})
        return False
    return True


def schedule_deferred(campaigns: Queue, campaign_id: int,
                      deferred: Sequence[tuple[int, datetime]], per_job: int) -> int:
    """Schedule a run at each due time for the recipients due then (at most `per_job` a
    run); RQ's scheduler queues it when the time comes. Returns how many runs."""
    by_due: dict[int, list[int]] = {}
    for rid, due in deferred:
        # Rounded up to the second: never before its time, and one run per second.
        by_due.setdefault(int(due.timestamp()) + 1, []).append(rid)
    runs = 0
    for second, ids in sorted(by_due.items()):
        for batch in batches(ids, per_job):
            # The ids' digest keeps two different sets due the same second apart.
            digest = hashlib.sha1(",".join(map(str, batch)).encode()).hexdigest()[:8]
            campaigns.enqueue_at(
                datetime.fromtimestamp(second, UTC), job_function(SEND_BATCH_JOB),
                campaign_id, batch,
                job_id=f"{job_id(campaign_id, batch[0])}-at-{second}-{digest}",
                job_timeout=JOB_TIMEOUT, retry=RETRY, failure_ttl=7 * 24 * 3600,
                result_ttl=3600)
            runs += 1
    return runs


@dataclass
class Settled:
    """What `settle_stale` decided about stale `sending` rows."""

    found: int = 0  # the provider had sent it: now `sent`
    requeued: int = 0  # proved unsent: `queued` again, for `requeue_orphans` to queue
    failed: int = 0  # unsent after MAX_PROVIDER_CALLS calls
    unsettled: int = 0  # the provider could not be asked: left for the next sweep


def settle_stale(session: Session, provider: Provider, older_than: timedelta) -> Settled:
    """Settle recipients claimed (`sending`) longer ago than `older_than`; flush, no commit.

    For each, the provider's list of sent messages decides: found -> `sent` with its SID;
    not found -> `queued` again (or `failed` once MAX_PROVIDER_CALLS calls were made). A row the
    provider cannot be asked about now stays `sending` for the next sweep: resending blind
    could text someone twice. Provider calls happen before any write, so no lock is held
    while waiting on the network.
    """
    cutoff = utcnow() - older_than
    stale: list[Row[int, int, str, datetime | None, int, str]] = []
    for chunk in _campaign_chunks(session):
        stale.extend(session.execute(
            select(CampaignRecipient.id, CampaignRecipient.campaign_id, CampaignRecipient.number,
                   CampaignRecipient.claimed_at, CampaignRecipient.attempts, Campaign.body)
            .join(Campaign, Campaign.id == CampaignRecipient.campaign_id)
            .where(CampaignRecipient.campaign_id.in_(chunk),
                   CampaignRecipient.status == "sending",
                   CampaignRecipient.claimed_at < cutoff)).all())
    senders: dict[int, Sender | None] = {}
    decisions = []
    settled = Settled()
    for row in stale:
        if row.campaign_id not in senders:
            senders[row.campaign_id] = load_sender(session, row.campaign_id)
        sender = senders[row.campaign_id]
        try:
            sid = provider.find_sent(row.number, sender.from_number if sender else None,
                                     row.claimed_at - FIND_SENT_MARGIN, row.body)
        except ProviderError as exc:
            log.warning("stale_recipient_unsettled", extra={
                "recipient_id": row.id, "to": mask_number(row.number), "error": str(exc)})
            settled.unsettled += 1
            continue
        decisions.append((row, sid))
    now = utcnow()
    for row, sid in decisions:
        same_claim = ((CampaignRecipient.id == row.id) & (CampaignRecipient.status == "sending")
                      & (CampaignRecipient.claimed_at == row.claimed_at))
        if sid:
            values = {"status": "sent", "provider_sid": sid, "sent_at": now}
            settled.found += 1
        elif row.attempts >= MAX_PROVIDER_CALLS:
            values = {"status": "failed", "error_message": "worker lost during every attempt"}
            settled.failed += 1
        else:
            values = {"status": "queued"}
            settled.requeued += 1
        session.execute(update(CampaignRecipient).where(same_claim)
                        .values(updated_at=now, **values)
                        .execution_options(synchronize_session=False))
    session.flush()
    return settled


def requeue_orphans(session: Session, campaigns: Queue, per_job: int,
                    grace: timedelta = timedelta(seconds=60)) -> int:
    """Queue again the batches whose recipients are queued but whose job is not alive.

    Campaigns younger than `grace` are left alone: their request may still be queuing them;
    so are recipients deferred to a time less than `grace` ago (or still to come): their
    scheduled run is theirs. Returns how many jobs were queued.
    """
    cutoff = utcnow() - grace
    queued = 0
    for chunk in _campaign_chunks(session, created_before=cutoff):
        waiting = session.execute(
            select(CampaignRecipient.campaign_id, CampaignRecipient.id)
            .where(CampaignRecipient.campaign_id.in_(chunk),
                   CampaignRecipient.status == "queued",
                   or_(CampaignRecipient.not_before.is_(None),
                       CampaignRecipient.not_before < cutoff))).all()
        by_campaign: dict[int, set[int]] = {}
        for campaign_id, recipient_id in waiting:
            by_campaign.setdefault(campaign_id, set()).add(recipient_id)
        for campaign_id, ids in by_campaign.items():
            queued += _requeue_campaign(session, campaigns, campaign_id, ids, per_job)
    return queued


def _requeue_campaign(session: Session, campaigns: Queue, campaign_id: int,
                      waiting: set[int], per_job: int) -> int:
    """Re-create the dead jobs among this campaign's original batches that hold `waiting`."""
    every_id = session.scalars(select(CampaignRecipient.id)
                               .where(CampaignRecipient.campaign_id == campaign_id)).all()
    wanted = [batch for batch in batches(every_id, per_job) if waiting.intersection(batch)]
    jobs = Job.fetch_many([job_id(campaign_id, batch[0]) for batch in wanted],
                          connection=campaigns.connection)
    datas = []
    for batch, job in zip(wanted, jobs, strict=True):
        if job is not None and alive(job, campaigns.connection):
            continue
        if job is not None:
            job.delete()  # finished or failed for good: make room for the same id
        datas.append(_job_data(campaign_id, sorted(waiting.intersection(batch)), batch[0]))
    if datas:
        campaigns.enqueue_many(datas)
        log.info("campaign_requeued", extra={"campaign_id": campaign_id, "jobs": len(datas)})
    return len(datas)


def _campaign_chunks(session: Session, created_before: datetime | None = None
                     ) -> list[list[int]]:
    """Campaign ids in chunks, so recipient queries use the (campaign_id, status) index."""
    query = select(Campaign.id).order_by(Campaign.id)
    if created_before is not None:
        query = query.where(Campaign.created_at < created_before)
    ids = session.scalars(query).all()
    return [list(ids[start:start + _CHUNK]) for start in range(0, len(ids), _CHUNK)]
