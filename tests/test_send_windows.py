"""Quiet hours in the recipient's local time: the cited rules, zones and states of area codes,
and the window arithmetic across DST changes, split zones, Hawaii, Alaska and Puerto Rico."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smsgate.errors import InvalidInput
from smsgate.sendtime.gate import BrandLimits, Gate
from smsgate.sendtime.rules import all_rules, effective_cap, effective_window, profile_of, rule_for
from smsgate.sendtime.windows import Window, decide, parse_window

NEW_YORK, MIAMI, TULSA, BALTIMORE = "+12125550123", "+13055550123", "+19185550123", "+14105550123"
LOS_ANGELES, HONOLULU, ANCHORAGE = "+13105550123", "+18085550123", "+19075550123"
SAN_JUAN, BOISE, HARTFORD = "+17875550123", "+12085550123", "+18605550123"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def verdict(number: str, at: datetime, brand: Window | None = None) -> tuple[bool, datetime | None]:
    profile = profile_of(number)
    decision = decide(profile.zones, effective_window(profile.state, brand), at)
    return decision.open, decision.until


def test_every_rule_names_its_statute_a_link_and_when_it_was_checked():
    rules = all_rules()
    assert rules[0].jurisdiction == "US" and str(rules[0].window) == "08:00-21:00"
    for rule in rules:
        assert rule.citation and rule.url.startswith(("http://", "https://"))
        assert date.fromisoformat(rule.checked) <= date.today()


@pytest.mark.parametrize("state", ["FL", "OK", "MD"])
def test_florida_oklahoma_and_maryland_allow_8_to_8_and_three_texts_a_day(state):
    rule = rule_for(state)
    assert (str(rule.window), rule.per_24h, rule.jurisdiction) == ("08:00-20:00", 3, state)


def test_connecticut_allows_9_to_8_and_has_no_daily_cap():
    # Conn. Gen. Stat. 42-288a(c): "between the hours of nine o'clock a.m. and eight o'clock p.m."
    rule = rule_for("CT")
    assert (str(rule.window), rule.per_24h, rule.jurisdiction) == ("09:00-20:00", None, "CT")
    assert effective_cap("CT", None) is None and effective_cap("CT", 2) == 2


def test_no_state_rule_is_looser_than_the_federal_one():
    federal = rule_for(None).window
    for rule in all_rules():
        assert rule.window.narrowed(federal) == rule.window


@pytest.mark.parametrize(("number", "zones", "state"), [
    (NEW_YORK, ("America/New_York",), "NY"),
    (MIAMI, ("America/New_York",), "FL"),
    (TULSA, ("America/Chicago",), "OK"),
    (BALTIMORE, ("America/New_York",), "MD"),
    (HONOLULU, ("Pacific/Honolulu",), "HI"),
    (ANCHORAGE, ("America/Adak", "America/Anchorage"), "AK"),
    (SAN_JUAN, ("America/Puerto_Rico",), None),
    (BOISE, ("America/Boise", "America/Los_Angeles"), "ID"),
    (HARTFORD, ("America/New_York",), "CT"),
])
def test_zones_and_state_come_from_the_area_code(number, zones, state):
    profile = profile_of(number)
    assert (profile.zones, profile.state) == (zones, state)


def test_the_law_follows_new_york_across_spring_forward():
    # Saturday 7 March 2026, 21:00 EST: closed until Sunday 08:00 EDT, 12:00 UTC (not 13:00).
    assert verdict(NEW_YORK, utc(2026, 3, 8, 2, 0)) == (False, utc(2026, 3, 8, 12, 0))
    assert verdict(NEW_YORK, utc(2026, 3, 9, 12, 30))[0]  # 08:30 EDT
    assert not verdict(NEW_YORK, utc(2026, 3, 6, 12, 30))[0]  # 07:30 EST


def test_the_law_follows_new_york_across_fall_back():
    # Saturday 31 October 2026, 21:00 EDT: closed until Sunday 08:00 EST, 13:00 UTC.
    assert verdict(NEW_YORK, utc(2026, 11, 1, 1, 0)) == (False, utc(2026, 11, 1, 13, 0))
    assert verdict(NEW_YORK, utc(2026, 10, 30, 12, 30))[0]  # 08:30 EDT
    assert not verdict(NEW_YORK, utc(2026, 11, 2, 12, 30))[0]  # 07:30 EST
    # Open at 20:59 EDT on the Saturday: it closes at 21:00 EDT, 01:00 UTC.
    assert verdict(NEW_YORK, utc(2026, 11, 1, 0, 59)) == (True, utc(2026, 11, 1, 1, 0))


def test_an_area_code_spanning_two_zones_waits_for_both():
    # 208 is Boise (Mountain) and northern Idaho (Pacific). 15:30 UTC: 08:30 MST, 07:30 PST.
    assert verdict(BOISE, utc(2026, 12, 8, 15, 30)) == (False, utc(2026, 12, 8, 16, 0))
    # 03:30 UTC: 20:30 MST, 19:30 PST: open until Boise's 21:00, 04:00 UTC.
    assert verdict(BOISE, utc(2026, 12, 8, 3, 30)) == (True, utc(2026, 12, 8, 4, 0))


def test_alaska_waits_for_adak_an_hour_behind_anchorage():
    # 17:30 UTC: 08:30 in Anchorage (AKST), 07:30 in Adak (HST): closed until 18:00 UTC.
    assert verdict(ANCHORAGE, utc(2026, 12, 8, 17, 30)) == (False, utc(2026, 12, 8, 18, 0))
    assert verdict(ANCHORAGE, utc(2026, 12, 8, 18, 0))[0]


def test_hawaii_and_puerto_rico_keep_standard_time_all_year():
    # Hawaii is UTC-10 in July and in January: 08:00 there is 18:00 UTC both times.
    assert verdict(HONOLULU, utc(2026, 7, 1, 17, 0)) == (False, utc(2026, 7, 1, 18, 0))
    assert verdict(HONOLULU, utc(2026, 1, 5, 17, 0)) == (False, utc(2026, 1, 5, 18, 0))
    # Puerto Rico is UTC-4 all year and federal rules apply: 21:00 there is 01:00 UTC.
    assert verdict(SAN_JUAN, utc(2026, 1, 6, 0, 59)) == (True, utc(2026, 1, 6, 1, 0))
    assert verdict(SAN_JUAN, utc(2026, 7, 2, 1, 0)) == (False, utc(2026, 7, 2, 12, 0))


def test_florida_closes_at_eight_where_new_york_may_go_on_to_nine():
    at = utc(2026, 12, 8, 1, 30)  # 20:30 in New York and Miami
    assert verdict(MIAMI, at) == (False, utc(2026, 12, 8, 13, 0))
    assert verdict(NEW_YORK, at) == (True, utc(2026, 12, 8, 2, 0))


@pytest.mark.parametrize(("at", "expected"), [
    (utc(2026, 12, 8, 13, 59), (False, utc(2026, 12, 8, 14, 0))),  # 08:59 EST: waits for 09:00
    (utc(2026, 12, 8, 14, 0), (True, utc(2026, 12, 9, 1, 0))),  # 09:00 EST: open until 20:00
    (utc(2026, 12, 9, 0, 59), (True, utc(2026, 12, 9, 1, 0))),  # 19:59 EST
    (utc(2026, 12, 9, 1, 0), (False, utc(2026, 12, 9, 14, 0))),  # 20:00 EST: the next 09:00
    (utc(2026, 7, 8, 12, 59), (False, utc(2026, 7, 8, 13, 0))),  # 08:59 EDT
    (utc(2026, 7, 8, 13, 0), (True, utc(2026, 7, 9, 0, 0))),  # 09:00 EDT: open until 20:00
])
def test_connecticut_opens_at_nine_and_closes_at_eight(at, expected):
    assert verdict(HARTFORD, at) == expected


def test_connecticut_waits_at_half_past_eight_when_new_york_may_send():
    at = utc(2026, 12, 8, 13, 30)  # 08:30 in Hartford and New York
    assert verdict(HARTFORD, at) == (False, utc(2026, 12, 8, 14, 0))
    assert verdict(NEW_YORK, at) == (True, utc(2026, 12, 9, 2, 0))


def test_a_brand_window_narrows_the_law_and_never_widens_it():
    at = utc(2026, 12, 8, 13, 30)  # 08:30 in New York
    assert verdict(NEW_YORK, at, parse_window("07:00-23:00")) == (True, utc(2026, 12, 9, 2, 0))
    assert verdict(NEW_YORK, at, parse_window("09:00-17:30")) == (False, utc(2026, 12, 8, 14, 0))
    assert effective_window("FL", parse_window("21:00-23:00")) is None  # never: stays deferred


def test_caps_take_the_stricter_of_state_law_and_brand():
    assert effective_cap("FL", None) == 3 and effective_cap("FL", 5) == 3
    assert effective_cap("NY", None) is None and effective_cap("NY", 2) == 2


@pytest.mark.parametrize("text", ["9-17", "09:00", "17:00-09:00", "09:60-10:00", "25:00-26:00",
                                  "09:00-09:00", "aa:bb-cc:dd", ""])
def test_a_malformed_window_is_refused_with_a_clear_error(text):
    with pytest.raises(InvalidInput) as refused:
        parse_window(text)
    assert refused.value.code == "invalid_window"


ZONE_SETS = [("America/New_York",), ("Pacific/Honolulu",), ("America/Puerto_Rico",),
             ("America/Adak", "America/Anchorage"), ("America/Boise", "America/Los_Angeles"),
             ("Europe/London",), ("Pacific/Guam", "Pacific/Honolulu")]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(zones=st.sampled_from(ZONE_SETS),
       start=st.integers(0, 23 * 60), length=st.integers(1, 24 * 60),
       at=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31),
                       timezones=st.just(UTC)))
def test_a_decision_holds_until_its_instant_and_changes_there(zones, start, length, at):
    window = Window(start, min(start + length, 24 * 60))
    decision = decide(zones, window, at)
    if decision.until is None:  # no shared minute within days (Guam and Hawaii, short windows)
        assert not decision.open
        return
    assert decision.until > at
    just_before = max(at, decision.until - timedelta(minutes=1))
    assert decide(zones, window, just_before).open == decision.open
    after = decide(zones, window, decision.until)
    if not decision.open:
        assert after.open  # it opens exactly then, in every zone
    elif window != Window(0, 24 * 60):  # (a whole-day window closes and reopens at midnight)
        assert not after.open


@settings(max_examples=200, deadline=None, derandomize=True)
@given(zones=st.sampled_from(ZONE_SETS), offsets=st.lists(st.integers(0, 3 * 24 * 3600),
                                                          min_size=1, max_size=30))
def test_the_gates_cache_answers_as_deciding_afresh(zones, offsets):
    gate = Gate(BrandLimits(parse_window("09:00-17:30"), None, None))
    text = " ".join(zones)
    base = datetime(2026, 3, 7, 0, 0, tzinfo=UTC)  # across the spring change
    for offset in sorted(offsets):
        at = base + timedelta(seconds=offset)
        expected = decide(zones, effective_window(None, parse_window("09:00-17:30")), at)
        assert gate.decide(text, None, at) == expected
