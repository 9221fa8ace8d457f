"""Phone number normalisation and log masking (smsgate.messaging.numbers)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smsgate.messaging.numbers import (
    MAX_INPUT_CHARS,
    InvalidNumberError,
    mask_number,
    normalize_number,
)

ACCEPTED = [
    ("us-parenthesised", "(415) 555-2671", "+14155552671"),
    ("us-dotted", "415.555.2671", "+14155552671"),
    ("us-international-spaced", "+1 415 555 2671", "+14155552671"),
    ("us-trunk-prefix-dashed", "1-415-555-2671", "+14155552671"),
    ("us-bare-digits", "4155552671", "+14155552671"),
    ("us-already-e164", "+14155552671", "+14155552671"),
    ("us-surrounding-whitespace", "  +1 (415) 555-2671 \n", "+14155552671"),
    ("us-tel-uri", "tel:+1-415-555-2671", "+14155552671"),
    ("us-fullwidth-digits", "＋１４１５５５５２６７１", "+14155552671"),
    ("us-dc-fictional-555-01xx", "(202) 555-0123", "+12025550123"),
    ("us-toll-free", "1 (800) 555-1234", "+18005551234"),
    ("twilio-magic-test-number", "+15005550006", "+15005550006"),
    ("uk-london", "+44 20 7946 0958", "+442079460958"),
    ("uk-national-with-region", ("020 7946 0958", "GB"), "+442079460958"),
    ("region-is-case-insensitive", ("020 7946 0958", "gb"), "+442079460958"),
    ("de-international", "+49 30 901820", "+4930901820"),
]

REJECTED = [
    ("none", None),
    ("integer", 4155552671),
    ("bytes", b"+14155552671"),
    ("empty", ""),
    ("whitespace-only", "   "),
    ("too-long-padding", "+1 415 555 2671" + " " * MAX_INPUT_CHARS),
    ("too-long-separators", "+1" + "-" * MAX_INPUT_CHARS + "4155552671"),
    ("letters", "call me maybe"),
    ("plus-only", "+"),
    ("bad-country-code", "+999 123"),
    ("too-short", "12345"),
    ("emergency-number", "911"),
    ("one-digit-short", "+1415555267"),
    ("one-digit-long", "+141555526711"),
    ("area-code-555", "+1 555 555 1234"),
    ("area-code-starting-with-1", "+1 123 456 7890"),
    ("exchange-starting-with-0", "+1 415 055 5123"),
    ("uk-too-short", "+44 20 7946 09"),
    ("extension", "415-555-2671 x12"),
    ("lone-surrogate", "\ud800"),
    ("surrogate-inside-number", "+1415555\ud8002671"),
    ("nul-byte", "\x00"),
    ("unknown-region", ("415 555 2671", "XX")),
    ("region-not-a-string", ("415 555 2671", None)),
]


def _call(raw):
    """normalize_number with an optional (raw, region) pair."""
    if isinstance(raw, tuple):
        return normalize_number(*raw)
    return normalize_number(raw)


@pytest.mark.parametrize(("raw", "e164"), [pytest.param(raw, e164, id=name)
                                           for name, raw, e164 in ACCEPTED])
def test_normalize_number_returns_e164_for_valid_numbers(raw, e164):
    assert _call(raw) == e164


@pytest.mark.parametrize("raw", [pytest.param(raw, id=name) for name, raw in REJECTED])
def test_normalize_number_rejects_with_invalid_number_error(raw):
    with pytest.raises(InvalidNumberError) as info:
        _call(raw)
    assert str(info.value)  # a human-readable reason, never an empty message


def test_invalid_number_error_is_a_value_error():
    assert issubclass(InvalidNumberError, ValueError)


def test_case_tables_have_at_least_twenty_cases():
    assert len(ACCEPTED) + len(REJECTED) >= 20


MASKED = [
    ("us", "+14155552671", "+1415***2671"),
    ("us-555", "+15555554567", "+1555***4567"),
    ("uk", "+442079460958", "+4420****0958"),
    ("fifteen-digits", "+123456789012345", "+1234*******2345"),
    ("short-e164", "+2901234", "***"),
    ("ten-digit-e164", "+1234567890", "***7890"),
    ("formatted-not-e164", "+1 (415) 555-2671", "***2671"),
    ("few-digits", "12345", "***"),
    ("empty", "", "***"),
    ("letters", "abcdefgh", "***"),
    ("not-a-string", None, "***"),
]


@pytest.mark.parametrize(("raw", "masked"), [pytest.param(raw, masked, id=name)
                                              for name, raw, masked in MASKED])
def test_mask_number_keeps_prefix_and_last_four_only(raw, masked):
    assert mask_number(raw) == masked


def test_a_number_longer_than_e164_allows_is_refused_though_the_metadata_accepts_it():
    with pytest.raises(InvalidNumberError, match="more than 15 digits"):
        normalize_number("+4930000000000000")  # found by the idempotence property below


# --- properties ------------------------------------------------------------------------

any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=80)
phone_like = st.from_regex(r"\A\+?[0-9 ().\-]{0,20}\Z")
us_numbers = st.builds("+1{}{}{:04d}".format,
                       st.integers(200, 999), st.integers(200, 999), st.integers(0, 9999))


@settings(max_examples=300, deadline=None)
@given(st.one_of(any_text, phone_like, us_numbers))
def test_normalize_number_raises_nothing_but_invalid_number_error(raw):
    try:
        normalize_number(raw)
    except InvalidNumberError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.one_of(phone_like, us_numbers, any_text))
def test_normalize_number_is_idempotent(raw):
    try:
        once = normalize_number(raw)
    except InvalidNumberError:
        return
    assert normalize_number(once) == once
    assert re.fullmatch(r"\+[1-9][0-9]{1,14}", once)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isascii() and ch.isdigit())


@settings(max_examples=300, deadline=None)
@given(st.one_of(any_text, phone_like, us_numbers, st.from_regex(r"\A\+[0-9]{1,15}\Z")))
def test_mask_number_never_reveals_more_than_the_last_four_digits(raw):
    masked = mask_number(raw)
    original, shown = _digits(raw), _digits(masked)
    assert "*" in masked
    tail = masked.rsplit("*", 1)[1]
    # After the stars: at most the original's last four digits, nothing else.
    assert len(tail) <= 4
    assert original.endswith(tail)
    # Before the stars: at most the sign and country/area prefix, never more than 4 digits.
    head = masked.split("*", 1)[0]
    assert len(_digits(head)) <= 4
    assert original.startswith(_digits(head))
    # Something is always hidden: at least three digits when there are any to hide.
    assert len(shown) <= max(0, len(original) - 3)
