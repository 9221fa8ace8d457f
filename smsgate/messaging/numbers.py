"""Phone numbers: normalise whatever people type to E.164, and mask numbers for logs.

Decisions:

* A number must be *valid* (`phonenumbers.is_valid_number`: its prefix is assigned and
  routable), not merely the right length. Note that validity is about number ranges, not
  about a subscriber existing: the fictional 555-01XX numbers and Twilio's magic test
  numbers (+15005550006) are valid under phonenumbers 9.x metadata.
* A number with an extension ("415-555-2671 x12") is refused: SMS cannot reach an
  extension, and silently dropping it would merge it with the main line's consent.
* Only InvalidNumberError (a ValueError) ever escapes `normalize_number`.
"""

from __future__ import annotations

import re

import phonenumbers

from smsgate.errors import InvalidInput

__all__ = ["InvalidNumberError", "mask_digits", "mask_number", "normalize_number"]

# Generous for any human formatting of a 15-digit E.164 number, small enough that nobody
# can make the parser chew on a paragraph.
MAX_INPUT_CHARS = 64
E164_MAX_DIGITS = 15  # ITU-T E.164: country code and national number together


class InvalidNumberError(ValueError):
    """A phone number we refuse, with a human-readable reason as its message."""


def normalize_number(raw: object, region: str = "US") -> str:
    """Return `raw` as an E.164 string such as "+14155552671".

    Contract: `raw` must be a string of 1..64 characters that phonenumbers parses (national
    formats are read as `region`, an ISO 3166 code) into a possible and valid number without
    an extension; otherwise InvalidNumberError says why. Idempotent: the result normalises
    to itself. Never raises any other exception.
    """
    if not isinstance(raw, str):
        raise InvalidNumberError(f"a phone number must be text, not {type(raw).__name__}")
    # Length is checked before anything else touches the text, padding included.
    if len(raw) > MAX_INPUT_CHARS:
        raise InvalidNumberError(f"the phone number is longer than {MAX_INPUT_CHARS} characters")
    text = raw.strip()
    if not text:
        raise InvalidNumberError("the phone number is empty")
    region_code = region.upper() if isinstance(region, str) else ""
    if region_code not in phonenumbers.SUPPORTED_REGIONS:
        # A bad default region is a caller's bug, but the contract is one exception type.
        raise InvalidNumberError(f"unknown default region {region!r}")
    try:
        parsed = phonenumbers.parse(text, region_code)
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumberError(f"not a phone number: {exc}") from None
    except Exception:  # noqa: BLE001 - the library's odd corners must not leak as a 500
        raise InvalidNumberError("not a phone number") from None
    if parsed.extension:
        raise InvalidNumberError("phone numbers with an extension cannot receive texts")
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidNumberError("the phone number has the wrong number of digits")
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidNumberError("the phone number is not a valid number in its country")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    # The metadata accepts some national numbers too long for E.164 (German ones, e.g.
    # +4930000000000000); no carrier routes a text to more than 15 digits.
    if len(e164) > E164_MAX_DIGITS + 1:
        raise InvalidNumberError(f"the phone number has more than {E164_MAX_DIGITS} digits")
    return e164


def number_from_input(raw: object) -> str:
    """`normalize_number(raw)` for a number a caller gave the API or a command: a bad one is
    InvalidInput (422 `invalid_number`, with the reason) rather than InvalidNumberError."""
    try:
        return normalize_number(raw)
    except InvalidNumberError as exc:
        raise InvalidInput(str(exc), code="invalid_number") from None


def mask_number(e164: str) -> str:
    """Mask a phone number for logs, e.g. "+14155552671" -> "+1415***2671".

    Contract: a well-formed E.164 string of 11+ digits keeps its first 5 characters (plus
    sign, country code, start of the area code) and its last 4 digits, with a star for each
    hidden digit. Anything else (shorter, oddly formatted, not a string) shows at most its
    last 4 digits, and only when at least 4 others stay hidden. At least 3 digits are always
    hidden, and no digit other than those leading 4 and trailing 4 is ever shown.
    Never raises.
    """
    if not isinstance(e164, str):
        return "***"
    if e164.startswith("+") and e164[1:].isascii() and e164[1:].isdigit() and len(e164) >= 12:
        return e164[:5] + "*" * (len(e164) - 9) + e164[-4:]
    digits = [ch for ch in e164 if ch.isascii() and ch.isdigit()]
    if len(digits) >= 8:
        return "***" + "".join(digits[-4:])
    return "***"


# Between the digits of a number as people and URLs write it: a space, dot, dash or bracket,
# raw or percent-encoded (%20, %28, %29); at most two in a row, as in "(415) 555".
_GAP = r"(?:[ .\-()]|%2[089])"
# A phone number inside free text, 7 digits or more (the regex counts them, so text without a
# number never calls back into Python): "+" or "%2B" and digits with gaps between any two;
# a US number 3-3-4 with gaps, a leading 1 and brackets allowed (and a mistyped longer last
# group: "415-555-01234"); or a bare run of 7-15 digits
# (MIN_DIGITS).
# Not matched: digits glued to letters (request ids, SIDs, hashes), parts of a longer digit
# run, dates and times ("2024-05-01T12:34:56", "2024-05-01 12:34"), decimals ("3.25"),
# groups of a UUID ("12345678-1234-...").
_NUMBER_IN_TEXT = re.compile(
    rf"(?:\+|%2[bB])\d(?:{_GAP}{{0,2}}\d){{6,}}(?!\d)"
    rf"|(?<![\w%.\-])(?:(?:1{_GAP}{{0,2}})?(?:\(|%28)?\d{{3}}{_GAP}{{0,2}}\d{{3}}"
    rf"{_GAP}{{0,2}}\d{{4,9}}|\d{{7,15}})(?![\w]|[.\-]\w)")
_NOT_DIGITS = re.compile(r"%2[0389bB]|\D")
# Every ASCII character but the digits: bytes.translate deletes them in C, far faster than
# the regex can scan, so text with fewer than 7 digits (most of a log line) is passed over.
_ALL_BUT_DIGITS = bytes(sorted(set(range(128)) - set(b"0123456789")))
MIN_DIGITS = 7  # the shortest number masked: a US local number


def _last_four(match: re.Match[str]) -> str:
    return "***" + _NOT_DIGITS.sub("", match.group(0))[-4:]


def mask_digits(text: str) -> str:
    """`text` with every phone number in it, however written, cut to "***" and its last 4
    digits: "+1 (415) 555-0123", "415.555.0123", "%2B14155550123" -> "***0123".

    Contract: see _NUMBER_IN_TEXT for what counts as a number; text without one is returned
    as it is (the same object). Never raises for a str.
    """
    if text.isascii() and len(text.encode().translate(None, _ALL_BUT_DIGITS)) < MIN_DIGITS:
        return text
    if text[:1].isalpha() and text.isalnum():  # a SID or an id: every digit follows a \w
        return text
    return _NUMBER_IN_TEXT.sub(_last_four, text)
