"""The send-time rules in force for a number: its zones, its state, and the law's window and
24-hour cap there, from the cited data file `rules.json` (one rule per jurisdiction).

A state rule replaces the federal default only where it is stricter, and a brand's own
window or cap can only narrow what the law allows, never widen it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import phonenumbers
from phonenumbers import geocoder, timezone

from smsgate.sendtime.windows import Window, parse_window

_US_STATES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
    "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "Florida": "FL", "Georgia": "GA",
    "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL", "Indiana": "IN", "Iowa": "IA",
    "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA", "Maine": "ME", "Maryland": "MD",
    "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN", "Mississippi": "MS",
    "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV", "New Hampshire": "NH",
    "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY", "North Carolina": "NC",
    "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR", "Pennsylvania": "PA",
    "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD", "Tennessee": "TN",
    "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA", "Washington": "WA",
    "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY", "Washington D.C.": "DC",
}
_ABBREVIATIONS = frozenset(_US_STATES.values())
_UNKNOWN_ZONE = "Etc/Unknown"  # what phonenumbers.timezone answers for an unknown prefix


@dataclass(frozen=True)
class Rule:
    """One jurisdiction's limits, with where they come from."""

    jurisdiction: str
    window: Window
    per_24h: int | None
    citation: str
    url: str
    checked: str


@dataclass(frozen=True)
class Profile:
    """Where a number is, as far as its area code tells: candidate zones and US state."""

    zones: tuple[str, ...]
    state: str | None


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    text = resources.files("smsgate.sendtime").joinpath("rules.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _rule(jurisdiction: str, raw: dict[str, Any]) -> Rule:
    return Rule(jurisdiction, parse_window(raw["window"]), raw["per_24h"], raw["citation"],
                raw["url"], raw["checked"])


@lru_cache(maxsize=128)
def rule_for(state: str | None) -> Rule:
    """The law's rule for a number in `state`: the state's where the data file has one
    (each is at least as strict as the federal one), else the federal default."""
    data = _data()
    raw = data["states"].get(state or "")
    return _rule(state, raw) if raw and state else _rule("US", data["default"])


def all_rules() -> list[Rule]:
    """Every rule in the data file, the federal default first (for docs and tests)."""
    data = _data()
    return [_rule("US", data["default"])] + [_rule(code, raw)
                                              for code, raw in data["states"].items()]


def state_of(description: str) -> str | None:
    """The two-letter state in a geocoder description ("Florida", "Miami, FL"), or None."""
    if description in _US_STATES:
        return _US_STATES[description]
    tail = description.rsplit(", ", 1)[-1]
    return tail if tail in _ABBREVIATIONS else None


@lru_cache(maxsize=4096)
def _profile_of_prefix(prefix: str) -> Profile:
    # Zones and state are area-code (and for a few split codes, exchange) data: the first
    # six digits after +1 decide them, so they are computed once per prefix.
    number = phonenumbers.parse(prefix + "0000")
    state = state_of(geocoder.description_for_number(number, "en"))
    return Profile(_zones(number) or ("America/New_York",), state)


def _zones(number: phonenumbers.PhoneNumber) -> tuple[str, ...]:
    """The number's candidate zones that phonenumbers knows."""
    return tuple(name for name in timezone.time_zones_for_number(number)
                 if name != _UNKNOWN_ZONE)


def profile_of(e164: str) -> Profile:
    """Zones and state of an E.164 number; outside +1, its own zones and no state."""
    if e164.startswith("+1") and len(e164) == 12:
        return _profile_of_prefix(e164[:8])
    return Profile(_zones(phonenumbers.parse(e164)) or ("UTC",), None)


def effective_window(state: str | None, brand_window: Window | None) -> Window | None:
    """The law's window for `state`, narrowed by the brand's; None when they never meet."""
    return rule_for(state).window.narrowed(brand_window)


def effective_cap(state: str | None, brand_cap: int | None) -> int | None:
    """Texts per rolling 24 hours: the smaller of the state's and the brand's, if any."""
    caps = [cap for cap in (rule_for(state).per_24h, brand_cap) if cap is not None]
    return min(caps) if caps else None
