"""What every outbound text says: the brand's name first, opt-out instructions, segment cost.

Replies follow CTIA's handbook: an opt-out confirmation with no marketing; an opt-in
confirmation with brand, frequency, "Msg & data rates may apply", HELP and STOP; a help reply
with the brand's help text and STOP instructions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

STOP_LINE = "Reply STOP to opt out."
_STOP_ALREADY = re.compile(r"\b(reply|text|send)\s+stop\b", re.IGNORECASE)

# The GSM 03.38 default alphabet and its extension table (each extension char costs two septets).
_GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class Cost:
    """How a body travels: its encoding and the number of SMS segments it is billed as."""

    encoding: str  # "GSM-7" or "UCS-2"
    segments: int


def segment_cost(body: str) -> Cost:
    """Encoding and segment count of `body` (160/153 septets GSM-7, 70/67 UTF-16 units UCS-2)."""
    if all(ch in _GSM7_BASIC or ch in _GSM7_EXTENDED for ch in body):
        septets = sum(2 if ch in _GSM7_EXTENDED else 1 for ch in body)
        return Cost("GSM-7", 1 if septets <= 160 else -(-septets // 153))
    units = len(body.encode("utf-16-le")) // 2
    return Cost("UCS-2", 1 if units <= 70 else -(-units // 67))


@dataclass(frozen=True)
class Composed:
    """A text as sent, and what composing it added to what the sender wrote."""

    text: str
    prefix_added: bool
    stop_line_added: bool


def compose_text(brand_name: str, body: str) -> Composed:
    """`body` named by its brand and ending with how to stop; the one rule for every text.

    The brand prefix is added unless the text already starts with the brand's name as a
    whole word ("Acme support: ..." keeps its own; "Acmeville ..." does not name Acme). The
    STOP line is added unless the text already says how to stop, after a full stop when the
    text ends without punctuation, so the two never run together.
    """
    text = body.strip()
    prefix_added = not _starts_with_name(text, brand_name)
    if prefix_added:
        text = f"{brand_name}: {text}"
    stop_line_added = not _STOP_ALREADY.search(text)
    if stop_line_added:
        text = f"{_end_sentence(text)} {STOP_LINE}"
    return Composed(text, prefix_added, stop_line_added)


def _starts_with_name(text: str, brand_name: str) -> bool:
    name = brand_name.strip()
    if not text.casefold().startswith(name.casefold()):
        return False
    rest = text[len(name):]
    return not rest or not (rest[0].isalnum() or rest[0] == "_")


# A text ending in a sentence mark (a closing quote or bracket after it counts too) already
# ends a sentence; anything else gets a full stop before the STOP line.
_SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*$")


def _end_sentence(text: str) -> str:
    return text if _SENTENCE_END.search(text) else f"{text}."


def opt_out_reply(brand_name: str, all_brands: bool = False) -> str:
    """The single confirmation an opt-out gets: no marketing, how to come back."""
    scope = "all messages from this number" if all_brands else "messages"
    return (f"{brand_name}: You are unsubscribed and will receive no more {scope}. "
            "Reply START to resubscribe.")


def opt_in_reply(brand_name: str, frequency_text: str) -> str:
    """The opt-in confirmation CTIA asks for."""
    return (f"{brand_name}: You are subscribed to messages. {frequency_text.strip()} "
            "Msg & data rates may apply. Reply HELP for help, STOP to opt out.")


def confirmation_request(brand_name: str, program_name: str | None,
                         frequency_text: str) -> str:
    """The one text a double opt-in sends: brand, program, frequency, rates, YES and STOP."""
    program = (program_name or f"{brand_name} texts").strip()
    return (f"{brand_name}: Reply YES to confirm you want {program}. {frequency_text.strip()} "
            "Msg & data rates may apply. Reply STOP to opt out.")


def help_reply(brand_name: str, help_text: str | None) -> str:
    """The HELP answer: the brand's help text and how to stop, the brand named once."""
    return compose_text(brand_name, help_text or "Msg & data rates may apply.").text


# Replies in the language of the text that asked for them. Spanish follows the carriers'
# Spanish keywords (ALTO, AYUDA, COMENZAR; CTIA Messaging Principles and Best Practices, and
# Twilio's "Supported Spanish opt-out keywords"). A brand may set its own text per kind and
# language (checked by `check_reply_text`); otherwise these templates compose it.
LANGUAGES = ("en", "es")
REPLY_KINDS = ("opt_in", "opt_out", "help")
_ES_DEFAULT_FREQUENCY = "La frecuencia de mensajes varía."
_ES_RATES = "Pueden aplicarse tarifas de mensajes y datos."


def reply_text(kind: str, language: str, *, brand_name: str, frequency_text: str,
               help_text: str | None, custom: Mapping[str, str] | None = None,
               all_brands: bool = False, default_frequency: str = "") -> str:
    """The reply of `kind` ("opt_in" | "opt_out" | "help") in `language` ("en" | "es").

    `custom` maps "kind.language" to the brand's own text, used as is when present. Other
    languages than Spanish get English. `default_frequency` is the English default frequency
    text: a brand that kept it gets the Spanish default in a Spanish opt-in reply.
    """
    own = (custom or {}).get(f"{kind}.{language}")
    if own:
        return own
    if language != "es":
        if kind == "opt_out":
            return opt_out_reply(brand_name, all_brands)
        if kind == "opt_in":
            return opt_in_reply(brand_name, frequency_text)
        return help_reply(brand_name, help_text)
    if kind == "opt_out":
        scope = "ningún mensaje más de este número" if all_brands else "más mensajes"
        return (f"{brand_name}: Te has dado de baja y no recibirás {scope}. "
                "Responde COMENZAR para volver a suscribirte.")
    if kind == "opt_in":
        frequency = frequency_text.strip()
        if not frequency or frequency == default_frequency:
            frequency = _ES_DEFAULT_FREQUENCY
        return (f"{brand_name}: Te has suscrito a los mensajes. {frequency} {_ES_RATES} "
                "Responde AYUDA para ayuda, ALTO para cancelar.")
    text = (help_text or _ES_RATES).strip()
    if not _starts_with_name(text, brand_name):
        text = f"{brand_name}: {text}"
    return f"{_end_sentence(text)} Responde ALTO para cancelar."


MAX_REPLY_CHARS = 480  # three GSM-7 segments: a reply is a confirmation, not a campaign
# What a brand's own reply text must say, per kind, in either language (CTIA Messaging
# Principles and Best Practices: an opt-in confirmation names the program, the frequency,
# "Msg & data rates may apply", HELP and STOP; a help reply says how to opt out).
_REQUIRED = {
    "opt_in": (
        ("the message frequency (e.g. \"Up to 4 msgs/month\", \"recurring\")",
         re.compile(r"\d|frequen|recurr|varies|var[ií]a|daily|weekly|monthly|diari|semanal|"
                    r"mensual", re.IGNORECASE)),
        ('"Msg & data rates may apply" (or "tarifas")',
         re.compile(r"\brates?\b|\btarifas?\b", re.IGNORECASE)),
        ("how to get help (HELP / AYUDA)", re.compile(r"\b(help|ayuda)\b", re.IGNORECASE)),
        ("how to opt out (STOP / ALTO)", re.compile(r"\b(stop|alto)\b", re.IGNORECASE)),
    ),
    "help": (
        ("how to opt out (STOP / ALTO)", re.compile(r"\b(stop|alto)\b", re.IGNORECASE)),
    ),
    "opt_out": (),
}


def check_reply_text(kind: str, language: str, text: str, brand_name: str) -> str | None:
    """Why `text` cannot be the brand's `kind` reply in `language`, or None if it can."""
    if kind not in REPLY_KINDS:
        return f"reply kind must be one of {', '.join(REPLY_KINDS)}"
    if language not in LANGUAGES:
        return f"reply language must be one of {', '.join(LANGUAGES)}"
    stripped = text.strip()
    if not stripped or len(stripped) > MAX_REPLY_CHARS:
        return f"a reply text has 1 to {MAX_REPLY_CHARS} characters"
    if brand_name.casefold() not in stripped.casefold():
        return f"a reply text must name the brand ({brand_name})"
    for what, pattern in _REQUIRED[kind]:
        if not pattern.search(stripped):
            return f"a {kind} reply must say {what}"
    return None
