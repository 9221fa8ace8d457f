"""Prometheus metrics shared by every process: counters live in Redis hashes, so gunicorn
workers and RQ workers add to the same numbers; gauges are read at scrape time.

Counting is best effort: a metric must never fail or slow the work it counts, so a Redis
error while counting is logged at debug level and dropped (the work itself is already
committed in the database, which stays the record of truth).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

PREFIX = "smsgate:metrics:"
COUNTERS = {
    "inbound_texts_total": ("Inbound texts by recognised intent.", "intent"),
    "inbound_batches_total": ("Group commits of inbound texts, by how many texts each held.",
                              "size"),
    "texts_sent_total": ("Texts handed to the provider, by kind (reply, campaign).", "kind"),
    "texts_refused_total": ("Campaign texts refused (when the campaign was created, or at the "
                            "moment of sending), by reason.", "reason"),
    "texts_failed_total": ("Texts the provider refused for good, by error code.", "error_code"),
}


def count(redis: Redis, counter: str, label: str, amount: int = 1) -> None:
    """Add `amount` to `counter{label}`; never raises."""
    try:
        redis.hincrby(PREFIX + counter, label or "none", amount)
    except RedisError as exc:
        log.debug("metric_dropped", extra={"counter": counter, "error": str(exc)})


def count_each(redis: Redis, counter: str, amounts: Mapping[str, int]) -> None:
    """Add each `{label: amount}` to `counter` in one round trip; never raises."""
    nonzero = [(label, amount) for label, amount in amounts.items() if amount]
    if not nonzero:
        return
    try:
        pipeline = redis.pipeline(transaction=False)
        for label, amount in nonzero:
            pipeline.hincrby(PREFIX + counter, label or "none", amount)
        pipeline.execute()
    except RedisError as exc:
        log.debug("metric_dropped", extra={"counter": counter, "error": str(exc)})


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render(redis: Redis, gauges: Iterable[tuple[str, str, dict[str, str], float]]) -> str:
    """The exposition text: every counter from Redis, then `gauges` as
    (name, help, labels, value)."""
    lines: list[str] = []
    for counter, (help_text, label_name) in COUNTERS.items():
        name = f"smsgate_{counter}"
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} counter"]
        values = redis.hgetall(PREFIX + counter)
        for raw_label, count in sorted(values.items()):
            label = raw_label.decode() if isinstance(raw_label, bytes) else raw_label
            lines.append(f'{name}{{{label_name}="{_escape(label)}"}} {int(count)}')
    seen: set[str] = set()
    for name, help_text, labels, value in gauges:
        full = f"smsgate_{name}"
        if full not in seen:
            lines += [f"# HELP {full} {help_text}", f"# TYPE {full} gauge"]
            seen.add(full)
        rendered = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
        lines.append(f"{full}{{{rendered}}} {value:g}" if rendered else f"{full} {value:g}")
    return "\n".join(lines) + "\n"
