"""Keyed hashes of numbers: how an erased number is still recognised without being stored."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from smsgate.models import ErasedNumber

LOOKUP_CHUNK = 1000  # numbers per IN query


def pseudonym(key: str, number: str) -> str:
    """HMAC-SHA256 of an E.164 number under SMSGATE_PSEUDONYM_KEY (hex). Without the key
    nobody can test a guessed number against it, so it may outlive the number."""
    return hmac.new(key.encode(), number.encode(), hashlib.sha256).hexdigest()


def erased_among(session: Session, key: str, numbers: Sequence[str]) -> dict[str, datetime]:
    """Those of the E.164 `numbers` whose data was erased (they stay suppressed), with the
    time of their latest erasure (which counts as an opt-out then)."""
    by_pseudonym = {pseudonym(key, number): number for number in numbers}
    names = list(by_pseudonym)
    erased: dict[str, datetime] = {}
    for start in range(0, len(names), LOOKUP_CHUNK):
        found = session.execute(select(ErasedNumber.pseudonym, ErasedNumber.erased_at).where(
            ErasedNumber.pseudonym.in_(names[start:start + LOOKUP_CHUNK])))
        erased.update({by_pseudonym[name]: when for name, when in found})
    return erased


def written_forms(number: str) -> list[str]:
    """The ways an E.164 number may have been written: E.164, its digits with and without
    the country code, and the national format (what a raw field could hold)."""
    parsed = phonenumbers.parse(number)
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    digits = number.lstrip("+")
    national_digits = str(parsed.national_number)
    return list(dict.fromkeys((number, digits, national_digits, national)))
