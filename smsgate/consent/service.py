"""Consent gathered outside SMS (web forms, paper, imports), recorded through the API.

Contract:
* A batch is all-or-nothing: every entry is checked first, and either all are appended with
  one `ledger.append_many` call or none is and InvalidInput lists each bad entry by index.
* An opt-in must carry its evidence: the consent text the person saw, where they saw it
  (`url` or `form_id`) and when (`time`, ISO 8601 with a time zone). An opt-in whose `time`
  is not later than the number's latest opt-out for the brand is refused: importing an old
  sign-up must never undo a STOP the person sent since.
* An opt-out is never refused for want of evidence: revocation by any reasonable means counts.
* For a brand with double opt-in, an opt-in (checked the same way) is not appended: it becomes
  a pending confirmation request (`smsgate.consent.confirmations`); opt-outs are appended.
* Flushes (through the ledger), never commits.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smsgate.consent import confirmations, ledger
from smsgate.errors import InvalidInput
from smsgate.messaging.numbers import InvalidNumberError, normalize_number
from smsgate.models import Brand, ConsentState, LedgerEntry, utcnow
from smsgate.models.ledger import ACTIONS
from smsgate.privacy.pseudonym import erased_among

API_SOURCES = ("api", "import")
MAX_EVIDENCE_CHARS = 4096
# Clocks of web servers that collected the consent are not ours; allow them some drift.
FUTURE_TOLERANCE = timedelta(minutes=5)
_LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class Recorded:
    """What `record_consents` wrote: ledger entry ids, and (double opt-in) the pending
    requests as (index in the request, request), whose new texts the caller queues."""

    entry_ids: list[int]
    pending: list[tuple[int, confirmations.Pending]]

    def texts_to_queue(self) -> list[int]:
        """Outbox ids of the confirmation requests this call made."""
        return [p.outbox_id for _, p in self.pending if p.new and p.outbox_id is not None]


@dataclass(frozen=True)
class Problem:
    """Why entry `index` of a request cannot be recorded."""

    index: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "reason": self.reason}


def record_consents(session: Session, brand: Brand, entries: Sequence[Any], *,
                    pseudonym_key: str, default_source: str = "api",
                    api_key_id: int | None = None) -> Recorded:
    """Check every entry, then append them all in order; return their ledger entry ids (and,
    for a double-opt-in brand, the confirmation requests its opt-ins became).
    `pseudonym_key` finds erased numbers, whose erasure counts as an opt-out.

    Each entry is a mapping with `number`, `action`, optional `source` (default
    `default_source`) and `evidence`. Raises InvalidInput (422) with `errors`: [{index,
    reason}] and writes nothing when any entry is invalid.
    """
    records: list[ledger.ConsentRecord] = []
    times: list[datetime | None] = []
    problems: list[Problem] = []
    for index, entry in enumerate(entries):
        try:
            record, when = check_entry(entry, brand.id, default_source, api_key_id)
        except (TypeError, ValueError) as exc:  # what is wrong with this one entry
            problems.append(Problem(index, str(exc)))
            continue
        records.append(record)
        times.append(when)
    if problems:
        _refuse(problems, len(entries))

    def no_opt_in_predates_an_opt_out(locked: Session) -> None:
        # Runs with the chain head locked: a STOP that commits meanwhile is seen here.
        late = predating_opt_outs(locked, brand.id, records, times, pseudonym_key)
        if late:
            _refuse(late, len(entries))

    if not brand.double_opt_in:
        return Recorded(ledger.append_many(session, records,
                                           check=no_opt_in_predates_an_opt_out), [])
    waiting = [index for index, record in enumerate(records) if record.action == "opt_in"]
    appended = [record for record in records if record.action != "opt_in"]
    no_opt_in_predates_an_opt_out(session)  # also when nothing is appended
    entry_ids = ledger.append_many(session, appended)
    pending = confirmations.request_confirmations(
        session, brand, [records[index] for index in waiting], utcnow())
    return Recorded(entry_ids, list(zip(waiting, pending, strict=True)))


def _refuse(problems: list[Problem], total: int) -> None:
    first = problems[0]
    raise InvalidInput(
        f"{len(problems)} of {total} consent entries are invalid and nothing was recorded; "
        f"entry {first.index}: {first.reason}", code="invalid_consents",
        errors=[problem.to_dict() for problem in problems])


def check_entry(entry: Any, brand_id: int, default_source: str,
                 api_key_id: int | None) -> tuple[ledger.ConsentRecord, datetime | None]:
    """One entry as a ConsentRecord and its evidence time; TypeError or ValueError says what
    is wrong with it."""
    if not isinstance(entry, Mapping):
        raise TypeError("an entry must be an object")
    try:
        number = normalize_number(entry.get("number"))
    except InvalidNumberError as exc:
        raise ValueError(f"invalid_number: {exc}") from None
    action = entry.get("action")
    if action not in ACTIONS:
        raise ValueError("action must be 'opt_in' or 'opt_out'")
    source = entry.get("source") or default_source
    if source not in API_SOURCES:
        raise ValueError(f"source must be one of {', '.join(API_SOURCES)}")
    evidence = entry.get("evidence")
    if evidence is None:
        evidence = {}
    if not isinstance(evidence, dict):
        raise TypeError("evidence must be an object")
    when = _check_evidence(evidence, required=action == "opt_in")
    return ledger.ConsentRecord(number=number, brand_id=brand_id, action=action, source=source,
                                evidence=evidence, api_key_id=api_key_id), when


def _check_evidence(evidence: dict[str, Any], *, required: bool) -> datetime | None:
    """Validate the evidence fields we know; return its `time`. Other keys are kept as given."""
    if len(ledger.canonical_json(evidence)) > MAX_EVIDENCE_CHARS:
        raise ValueError(f"evidence is larger than {MAX_EVIDENCE_CHARS} characters of JSON")
    for name, limit in (("consent_text", 2000), ("url", 2048), ("form_id", 256),
                        ("user_agent", 1024), ("time", 64), ("ip", 64)):
        value = evidence.get(name)
        if value is not None and not (isinstance(value, str) and value.strip()
                                      and len(value) <= limit):
            raise ValueError(f"evidence.{name} must be a non-empty string of at most "
                             f"{limit} characters")
    if required:
        if not evidence.get("consent_text"):
            raise ValueError("an opt-in needs evidence.consent_text (the text the person saw)")
        if not (evidence.get("url") or evidence.get("form_id")):
            raise ValueError("an opt-in needs evidence.url or evidence.form_id")
        if not evidence.get("time"):
            raise ValueError("an opt-in needs evidence.time (when consent was given)")
    if evidence.get("ip"):
        try:
            ipaddress.ip_address(evidence["ip"])
        except ValueError:
            raise ValueError("evidence.ip is not an IP address") from None
    if not evidence.get("time"):
        return None
    try:
        when = datetime.fromisoformat(evidence["time"])
    except ValueError:
        raise ValueError("evidence.time must be ISO 8601, e.g. 2024-05-01T12:00:00Z") from None
    if when.tzinfo is None:
        raise ValueError("evidence.time must include a time zone (Z or +hh:mm)")
    if when > utcnow() + FUTURE_TOLERANCE:
        raise ValueError("evidence.time is in the future")
    return when


def predating_opt_outs(session: Session, brand_id: int, records: list[ledger.ConsentRecord],
                       times: list[datetime | None], pseudonym_key: str) -> list[Problem]:
    """Opt-ins given before the number's latest opt-out for the brand: the brand's own state,
    or the number's latest STOPALL when that is newer (a STOPALL covers every brand, brands
    created after it included), or, with neither (erasure deletes both), its erasure."""
    opt_ins = {r.number for r in records if r.action == "opt_in" and r.number is not None}
    opted_out_at: dict[str, datetime] = {}
    numbers = sorted(opt_ins)
    for start in range(0, len(numbers), _LOOKUP_CHUNK):
        chunk = numbers[start:start + _LOOKUP_CHUNK]
        latest: dict[str, tuple[int, str, datetime]] = {
            number: (entry_id, action, when) for number, entry_id, action, when in
            session.execute(
                select(ConsentState.number, LedgerEntry.id, LedgerEntry.action,
                       LedgerEntry.recorded_at)
                .join(LedgerEntry, LedgerEntry.id == ConsentState.entry_id)
                .where(ConsentState.brand_id == brand_id, ConsentState.number.in_(chunk)))}
        for number, (entry_id, stopped) in ledger.latest_stopalls(session, chunk).items():
            if number not in latest or latest[number][0] < entry_id:
                latest[number] = (entry_id, "opt_out", stopped)
        # A possible revocation awaiting review pauses like an opt-out: an old consent
        # must not resume what a person has not yet decided.
        opted_out_at.update({number: stopped for number, (_, action, stopped) in latest.items()
                             if action in ("opt_out", "review")})
        opted_out_at.update(erased_among(
            session, pseudonym_key, [number for number in chunk if number not in latest]))
    problems = []
    for index, (record, when) in enumerate(zip(records, times, strict=True)):
        stop = opted_out_at.get(record.number or "")
        if record.action == "opt_in" and stop is not None and when is not None and when <= stop:
            problems.append(Problem(index, f"consent_predates_opt_out: the number opted out "
                                           f"at {ledger.format_time(stop)}, after this consent"))
    return problems


def consent_report(session: Session, number: str, brand_id: int | None = None,
                   max_entries: int = 1000) -> dict[str, Any]:
    """A number's current state per brand and its ledger entries (oldest first).

    With `brand_id`, only that brand's state and entries (plus STOPALL entries, which apply to
    every brand). At most `max_entries` of the newest entries; `truncated` says when more exist.
    """
    state_query = (select(Brand.name, ConsentState.action, ConsentState.entry_id,
                          ConsentState.updated_at)
                   .join(Brand, Brand.id == ConsentState.brand_id)
                   .where(ConsentState.number == number).order_by(Brand.name))
    entry_query = (select(LedgerEntry, Brand.name).join(Brand, Brand.id == LedgerEntry.brand_id)
                   .where(LedgerEntry.number == number)
                   .order_by(LedgerEntry.id.desc()).limit(max_entries + 1))
    if brand_id is not None:
        state_query = state_query.where(ConsentState.brand_id == brand_id)
        entry_query = entry_query.where((LedgerEntry.brand_id == brand_id)
                                        | (LedgerEntry.scope == "all"))
    brands: dict[str, dict[str, Any]] = {
        name: {"action": action, "entry_id": entry_id, "updated_at": ledger.format_time(updated)}
        for name, action, entry_id, updated in session.execute(state_query)}
    _show_pending(session, number, brand_id, brands)
    rows = session.execute(entry_query).all()
    entries = [_entry_dict(entry, name) for entry, name in reversed(rows[:max_entries])]
    return {"number": number, "brands": brands, "entries": entries,
            "truncated": len(rows) > max_entries}


def _show_pending(session: Session, number: str, brand_id: int | None,
                  brands: dict[str, dict[str, Any]]) -> None:
    """Mark `pending` each brand the number is not opted in to whose double opt-in request
    is live: `updated_at` is when it was asked, `expires_at` when the request lapses."""
    for (_, pending_brand), pending in confirmations.live_requests(
            session, [number], utcnow()).items():
        if brand_id is not None and pending_brand != brand_id:
            continue
        name = session.scalar(select(Brand.name).where(Brand.id == pending_brand))
        if name is None or brands.get(name, {}).get("action") == "opt_in":
            continue
        brands[name] = {"action": "pending", "entry_id": brands.get(name, {}).get("entry_id"),
                        "updated_at": ledger.format_time(pending.requested_at),
                        "expires_at": ledger.format_time(pending.expires_at),
                        "pending_id": pending.id}


def _entry_dict(entry: LedgerEntry, brand_name: str) -> dict[str, Any]:
    return {"id": entry.id, "recorded_at": ledger.format_time(entry.recorded_at),
            "brand": brand_name, "scope": entry.scope, "action": entry.action,
            "source": entry.source, "keyword": entry.keyword, "raw_text": entry.raw_text,
            "message_sid": entry.message_sid, "evidence": json.loads(entry.evidence or "{}"),
            "api_key_id": entry.api_key_id}
