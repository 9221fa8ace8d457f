"""The inbound webhook's writer: the texts a process receives at once are committed together.

Inbound texts are written by a group commit (`smsgate.infra.groupcommit`): the texts a process
receives while the previous batch is being written share one transaction, which is
committed before any of them is answered 200. Replies are queued after the commit, one
Redis round trip per batch, and a Redis failure never fails the webhook (the sweeper
catches up).

Batches are written on one database connection, kept from a batch to the next while texts
keep arriving and returned to the pool as soon as none waits. (On PostgreSQL the brand
lookups are kept too, and checked by the statement that writes each batch.) Under load
that spares each batch the pool's checkout (its liveness ping, the switch to autocommit and
back, the reset on return). A kept connection that
died meanwhile (the database restarted) is what the ping would have caught: the batch is
written once more on a fresh connection, which the unique MessageSids make safe.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence

from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from smsgate.consent.inbound import BrandCache, InboundOutcome, InboundText, record_inbound_batch
from smsgate.infra import counters
from smsgate.infra.groupcommit import GroupCommit
from smsgate.messaging.outbox import enqueue_replies

log = logging.getLogger(__name__)

MAX_BATCH = 64  # texts per group commit; one process rarely has more in flight


class InboundWriter:
    """One per app, shared by the requests its process serves: `submit` a text, get its
    outcome once the batch holding it is committed (or the batch's error)."""

    def __init__(self, engine: Engine, replies: Callable[[], Queue],
                 keep_connection: Callable[[], bool] | None = None) -> None:
        self._engine = engine
        self._replies = replies  # the queue, looked up per batch (Redis may be reconnected)
        self._group: GroupCommit[InboundText, InboundOutcome] = GroupCommit(
            self.write, max_batch=MAX_BATCH, after=self.count_and_queue)
        # After a batch: keep the connection for the next one? (While texts wait for it.)
        self._keep_connection = keep_connection or (lambda: self._group.waiting() > 0)
        # Only the batch's leader uses these, and one batch is written at a time.
        self._connection: Connection | None = None
        self._autocommit = False
        # Brand lookups kept from batch to batch; the batch statement checks each one
        # (`inbound_pg`), so a stale entry costs a second planning, never a wrong brand.
        self._brands: BrandCache = {}

    def submit(self, text: InboundText) -> InboundOutcome:
        return self._group.submit(text)

    def write(self, texts: list[InboundText]) -> Sequence[InboundOutcome | BaseException]:
        """Commit `texts`; one result per text, in order.

        If the database refuses the batch because of what one text holds (a constraint or a
        value it cannot store), each text is written again on its own, so that text fails
        alone and the others are still recorded. Any other failure (the database is down)
        fails them all: each answers 503 and Twilio retries.
        """
        try:
            return self._commit(texts)
        except (DataError, IntegrityError) as exc:
            if len(texts) == 1:
                raise
            log.warning("inbound_batch_split", extra={"texts": len(texts),
                                                      "error": type(exc).__name__})
            results: list[InboundOutcome | BaseException] = []
            for text in texts:
                try:
                    results.extend(self._commit([text]))
                except (DataError, IntegrityError) as error:
                    results.append(error)
            return results
        finally:
            if not self._keep_connection():
                self._release()

    def _commit(self, texts: list[InboundText]) -> list[InboundOutcome]:
        kept = self._connection is not None
        try:
            return self._record(texts)
        except DBAPIError as exc:
            self._release()  # after any failure, the next statement starts on a fresh one
            if not (kept and exc.connection_invalidated):
                raise
        except BaseException:
            self._release()
            raise
        log.warning("inbound_connection_lost", extra={"texts": len(texts)})
        try:
            return self._record(texts)
        except DBAPIError:
            self._release()
            raise

    def _record(self, texts: list[InboundText]) -> list[InboundOutcome]:
        """On PostgreSQL one autocommitted statement (its own transaction: no BEGIN or COMMIT
        round trip, and the ledger head is released as soon as its commit is on disk),
        elsewhere one transaction."""
        if self._connection is None:
            self._connection = self._engine.connect()
            self._autocommit = _autocommit(self._connection)
        if self._autocommit:
            return record_inbound_batch(self._connection, texts, self._brands)
        with self._connection.begin():
            return record_inbound_batch(self._connection, texts, self._brands)

    def _release(self) -> None:
        """Return the connection to the pool (which discards it if it died)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except DBAPIError:
                log.warning("inbound_connection_close_failed")

    def count_and_queue(self, _texts: list[InboundText],
                        outcomes: Sequence[InboundOutcome | BaseException]) -> None:
        """After the commit, in one Redis round trip: count the texts, queue the replies owed.

        Nothing here may fail the webhooks, whose texts are already committed: the replies
        wait in the outbox for the sweeper.
        """
        recorded = [outcome for outcome in outcomes
                    if isinstance(outcome, InboundOutcome) and not outcome.duplicate]
        if not recorded:
            return
        owed = [outcome.outbox_id for outcome in recorded if outcome.outbox_id is not None]
        try:
            replies = self._replies()
            pipeline = replies.connection.pipeline()
            enqueue_replies(replies, owed, pipeline=pipeline)
            intents = Counter(outcome.classification.intent.value for outcome in recorded)
            for intent, texts in intents.items():
                counters.count(pipeline, "inbound_texts_total", intent, texts)
            counters.count(pipeline, "inbound_batches_total", _size_bucket(len(outcomes)))
            pipeline.execute()
        except RedisError as exc:
            log.warning("reply_not_queued" if owed else "metric_dropped",
                        extra={"outbox_ids": owed, "error": str(exc)})
        except Exception:  # a bug here must not turn recorded texts into 500s
            log.exception("reply_not_queued", extra={"outbox_ids": owed})


def _autocommit(connection: Connection) -> bool:
    """Switch a PostgreSQL connection to autocommit; False elsewhere, or when it is already
    inside a transaction (a checkout hook ran a statement): it then stays in one."""
    if connection.dialect.name != "postgresql":
        return False
    try:
        connection.execution_options(isolation_level="AUTOCOMMIT")
    except connection.dialect.loaded_dbapi.ProgrammingError:  # "can't change 'autocommit' now"
        return False
    return True


def _size_bucket(size: int) -> str:
    for upper, label in ((1, "1"), (4, "2-4"), (16, "5-16")):
        if size <= upper:
            return label
    return f"17-{MAX_BATCH}"


