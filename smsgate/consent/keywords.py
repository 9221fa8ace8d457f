"""Classify an inbound SMS body as opt-out, opt-in, help or nothing.

Pure functions only: no Flask, no database. The single entry point is `classify`.

Decisions worth knowing (the tests pin each of them):

* Keywords match the *whole* message after normalisation: NFKC, casefold, zero-width and
  emoji variation selectors removed, internal whitespace collapsed, and surrounding
  characters of Unicode categories P* (punctuation), S* (symbols, which includes emoji),
  Z* (separators) and C* (controls, format, lone surrogates, unassigned) ignored.
  So "STOP 🛑", "¡stop!", '"STOP"' and "ＳＴＯＰ" are all STOP, while "info@example.com"
  is nothing: its core is "info@example.com", not "info". Surrounding characters are
  dropped *before* NFKC as well as after, so "STOP™" is STOP although NFKC spells ™ "tm".
* "-" / "_" (and other dashes) between two letters count as a space, so "stop-all" and
  "opt_out" are STOP ALL and OPT OUT; spelled-out "S T O P" is not a keyword.
* Only opt-out has plain-language rules ("please stop texting me"). The asymmetry is
  deliberate: missing a revocation is a legal risk (the FCC lets consumers revoke consent
  by any reasonable means), missing a help request is not, and opt-in must be express.
* Plain-language rules read one clause at a time and must match the *whole* clause, so a
  request has to stand on its own ("Who is this? Stop texting me" opts out, "I told him to
  stop texting me" does not). A bare opt-out keyword as its own clause ("STOP. Who is
  this?") opts out too; CANCEL / END / QUIT are left out of that rule because they are
  ordinary words in ordinary sentences. A false opt-out costs a START, a missed one a fine.
* Twilio's OptOutType (STOP / START / HELP), when present, wins over the text.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Classification", "Intent", "classify"]


class Intent(enum.StrEnum):
    """What the sender asked for."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    NONE = "none"


@dataclass(frozen=True)
class Classification:
    """The decision for one message.

    `keyword` is the canonical keyword ("STOP", "STOP ALL", "YES"...), a plain-language
    rule name ("rule:stop-texting"), "OptOutType:<VALUE>" when Twilio's parameter decided,
    or None for Intent.NONE. `all_brands` is True only for STOPALL / STOP ALL.
    """

    intent: Intent
    keyword: str | None
    all_brands: bool


_NOTHING = Classification(Intent.NONE, None, False)

# Normalised (casefolded, single-spaced) keyword -> intent; the canonical name is .upper().
_KEYWORDS: dict[str, Intent] = {
    "stop": Intent.OPT_OUT,
    "stopall": Intent.OPT_OUT,
    "stop all": Intent.OPT_OUT,
    "unsubscribe": Intent.OPT_OUT,
    "cancel": Intent.OPT_OUT,
    "end": Intent.OPT_OUT,
    "quit": Intent.OPT_OUT,
    "revoke": Intent.OPT_OUT,
    "optout": Intent.OPT_OUT,
    "opt out": Intent.OPT_OUT,
    "start": Intent.OPT_IN,
    "unstop": Intent.OPT_IN,
    "yes": Intent.OPT_IN,
    "help": Intent.HELP,
    "info": Intent.HELP,
}
_ALL_BRANDS = frozenset({"stopall", "stop all"})

_OPT_OUT_TYPES = {"STOP": Intent.OPT_OUT, "START": Intent.OPT_IN, "HELP": Intent.HELP}

# Twilio caps a body at 1600 characters (10 segments of 160). Revocations are short, so
# plain-language rules look at no more than that; bounding the work keeps a hostile
# megabyte-long POST from tying up the webhook (NFKC alone can grow text 18-fold).
MAX_RULE_CHARS = 160 * 10
# The longest keyword is 11 characters; once whitespace is collapsed, a core longer than
# this cannot be a keyword, so we never pay for normalising it.
_MAX_KEYWORD_CORE = 64

# Invisible characters that people (and phone keyboards) slip into text: zero-width
# space/joiners, word joiner, BOM, soft hyphen, Mongolian vowel separator and the emoji
# variation selectors (which are category Mn and would otherwise block stripping "❤️").
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200d\u2060\ufeff\ufe00-\ufe0f\U000e0100-\U000e01ef]")
_WHITESPACE = re.compile(r"\s+")
_ALNUM = re.compile(r"[^\W_]")
# A dash or underscore between two letters joins the words of a two-word keyword.
_JOINER = re.compile("(?<=[^\\W\\d_])[-_\u2010-\u2015\u2212\ufe63\uff0d]+(?=[^\\W\\d_])")
# Smart quotes from phone keyboards: "don’t" must read as "don't".
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'",
                              "`": "'", "\u00b4": "'"})
# Where one clause ends and the next begins: sentence punctuation, line breaks, brackets and
# a dash standing between spaces ("stop - who is this").
_CLAUSE_BREAK = re.compile(
    "[.!?;,:\u2026\u3002()\\[\\]{}\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+"
    "|\\s[-\u2010-\u2015\u2212]+\\s"
)


def _ignorable(ch: str) -> bool:
    """Punctuation, symbols (emoji included), separators and other/control characters."""
    return unicodedata.category(ch)[0] in "PSZC"


def _strip_ignorable(text: str) -> str:
    """`text` without ignorable characters at either end; linear in what it removes."""
    start, end = 0, len(text)
    while start < end and _ignorable(text[start]):
        start += 1
    while end > start and _ignorable(text[end - 1]):
        end -= 1
    return text[start:end]


def _keyword_of(body: str) -> str | None:
    """The normalised keyword the whole of `body` is, or None."""
    body = _INVISIBLE.sub("", body)
    first = _ALNUM.search(body)
    last_reversed = _ALNUM.search(body[::-1]) if first is not None else None
    if first is None or last_reversed is None:
        return None
    last = len(body) - last_reversed.start()
    # Everything outside the first..last letter/digit must be ignorable. Checking the *set*
    # of those characters keeps this cheap even for a megabyte of padding.
    outside = set(body[: first.start()]) | set(body[last:])
    if not all(_ignorable(ch) for ch in outside):
        return None
    core = _WHITESPACE.sub(" ", body[first.start() : last])
    if len(core) > _MAX_KEYWORD_CORE:
        return None
    core = unicodedata.normalize("NFKC", core).casefold()
    core = _WHITESPACE.sub(" ", _JOINER.sub(" ", core))
    core = _strip_ignorable(core)
    return core if core in _KEYWORDS else None


# ---------------------------------------------------------------------------------------
# Plain-language revocations. Each rule is matched against a whole clause (fullmatch), so
# "stop" followed by anything not in TAIL ("stop by anytime", "stop laughing") never fires,
# and nothing can precede the request except LEAD fillers, which is what keeps negations
# ("don't stop", "never stop", "can't stop") out without a separate negation check.
# Clauses are casefolded, single-spaced and stripped of surrounding punctuation/emoji.
# ---------------------------------------------------------------------------------------

# Politeness and address that may open a request: "ok please just stop", "can you stop".
_LEAD = (
    r"(?:(?:please|pls|plz|plse|kindly|just|ok|okay|k|hey|hi|hello|yo|so|and|now|then|"
    r"seriously|again|i said|i asked you to|i told you to|i need you to|i want you to|"
    r"i'd like you to|(?:can|could|would|will) you) )*"
)
# Politeness and emphasis that may close it: "stop texting me now please".
_TAIL = (
    r"(?: (?:please|pls|plz|now|right now|thanks|thank you|thx|ty|immediately|asap|"
    r"anymore|any more|again|ever again|already|for good|forever|permanently|seriously))*"
)
_ME = r"(?:me|us|this number|my number|my phone|my cell)"
_TEXTS = (r"(?:(?:these|those|the|your|any|all|any more|more|marketing|promotional) )?"
          r"(?:messages|message|texts|text|text messages|txts|msgs|sms|alerts|notifications|"
          r"promotions|promos|ads|spam)")
# "from this list", "from your mailing list", "of these texts": up to three short words
# before a list-like noun, never an arbitrary tail.
_FROM_LIST = (r"(?: (?:from|of|off) (?:[a-z']+ ){0,3}?"
              r"(?:list|lists|messages|texts|alerts|notifications|service|program|campaign|"
              r"subscription|everything|this|that|it|you|them|here))?")
_OPT_OUT_WORD = r"(?:stop|stopall|stop all|unsubscribe|optout|opt out|revoke)"
_REPEATABLE = r"(?:stop|stopall|stop all|unsubscribe|optout|opt out|revoke|cancel|end|quit)"

_RULES: tuple[tuple[str, str], ...] = (
    # "STOP. Who is this?": the unambiguous opt-out keywords standing as their own clause.
    ("rule:keyword-clause", _OPT_OUT_WORD),
    # "stop stop stop": repetition turns even CANCEL/END/QUIT into a command.
    ("rule:repeated-keyword", rf"{_REPEATABLE}(?: {_REPEATABLE})+"),
    # "please stop", "stop please", "just stop now".
    ("rule:please-stop", rf"{_LEAD}(?:stop|stopall|stop all){_TAIL}"),
    # "stop it", "stop this spam".
    ("rule:stop-it", rf"{_LEAD}stop (?:it|this|that|them|these|this spam|the spam){_TAIL}"),
    # "stop texting me", "stop sending me messages", "stop messaging this number".
    ("rule:stop-texting",
     (rf"{_LEAD}stop (?:texting|txting|texing|messaging|msging|sending|contacting|spamming|"
      rf"bothering|harassing|calling|emailing)(?: {_ME})?(?: {_TEXTS})?(?: to {_ME})?{_TAIL}")),
    # "please unsubscribe", "unsubscribe me from this list".
    ("rule:unsubscribe-me",
     rf"{_LEAD}(?:unsubscribe|unsub)(?: {_ME})?{_FROM_LIST}{_TAIL}"),
    # "remove me", "remove my number from your list".
    ("rule:remove-me",
     (rf"{_LEAD}(?:remove|delete) (?:{_ME}|my phone number|my name)(?: from (?:[a-z']+ ){{0,3}}?"
      rf"(?:list|lists|messages|texts|alerts|service|program|campaign|database|system|this|"
      rf"here|it))?{_TAIL}")),
    # "take me off your list".
    ("rule:take-me-off",
     (rf"{_LEAD}take (?:{_ME}|my phone number|my name) (?:off|out of)(?: (?:[a-z']+ ){{0,3}}?"
      rf"(?:list|lists|messages|texts|alerts|service|program|campaign|database|system|this|"
      rf"here|it))?{_TAIL}")),
    # "opt me out", "opt out of these texts".
    ("rule:opt-me-out", rf"{_LEAD}opt(?: {_ME})? ?out{_FROM_LIST}{_TAIL}"),
    # "I want to opt out", "I'd like to unsubscribe", "I want to stop receiving texts".
    ("rule:want-to-opt-out",
     (rf"{_LEAD}i (?:want|wanna|would like|'d like|d like|need|wish) to "
      rf"(?:opt out|optout|unsubscribe|unsub|be removed|be taken off|stop|"
      rf"stop (?:receiving|getting) {_TEXTS})(?: {_ME})?{_FROM_LIST}{_TAIL}")),
    # "I don't want these texts".
    ("rule:dont-want-texts",
     rf"{_LEAD}i (?:do not|don't|dont) want {_TEXTS}{_FROM_LIST}{_TAIL}"),
    # "do not text me", "don't text me", "dont text me anymore", "never contact me again".
    ("rule:do-not-text",
     (rf"{_LEAD}(?:do not|don't|dont|never) (?:text|txt|message|msg|contact|sms|call|email|"
      rf"spam|bother)(?: {_ME})?(?: {_TEXTS})?{_TAIL}")),
    ("rule:do-not-text",
     rf"{_LEAD}(?:do not|don't|dont|never) send {_ME} {_TEXTS}{_TAIL}"),
    # "no more texts", "no more messages please".
    ("rule:no-more-texts", rf"{_LEAD}no more {_TEXTS}{_TAIL}"),
    # "leave me alone".
    ("rule:leave-me-alone", rf"{_LEAD}leave (?:me|us) alone{_TAIL}"),
    # "cancel my subscription" (but not "cancel my 3pm appointment").
    ("rule:cancel-subscription",
     (rf"{_LEAD}cancel (?:(?:my|this|the|these|your|all) )?(?:subscription|subscriptions|"
      rf"messages|texts|text messages|text alerts|alerts|sms|notifications){_TAIL}")),
    # "I revoke my consent", "withdraw consent".
    ("rule:revoke-consent",
     rf"{_LEAD}(?:i )?(?:revoke|withdraw|cancel)(?: my| all| any)? consent{_FROM_LIST}{_TAIL}"),
)
_COMPILED_RULES = tuple((name, re.compile(pattern)) for name, pattern in _RULES)


def _clauses(body: str) -> list[str]:
    """The normalised clauses of (at most MAX_RULE_CHARS of) `body`."""
    text = _INVISIBLE.sub("", body[:MAX_RULE_CHARS])
    text = unicodedata.normalize("NFKC", text)[:MAX_RULE_CHARS].casefold()
    text = _JOINER.sub(" ", text.translate(_APOSTROPHES))
    clauses = []
    for part in _CLAUSE_BREAK.split(text):
        clause = _strip_ignorable(_WHITESPACE.sub(" ", part))
        if clause:
            clauses.append(clause)
    return clauses


def _revocation_rule(body: str) -> str | None:
    """The name of the first plain-language rule a clause of `body` matches, or None."""
    for clause in _clauses(body):
        for name, rule in _COMPILED_RULES:
            if rule.fullmatch(clause):
                return name
    return None


def classify(body: str | None, opt_out_type: str | None = None) -> Classification:
    """Decide what an inbound message asks for.

    Contract: a non-empty `opt_out_type` of STOP / START / HELP (any case) wins, with
    keyword "OptOutType:<VALUE>"; other values are ignored. Otherwise the whole message, once
    normalised, is looked up among the keywords; failing that, opt-out plain-language rules
    are tried; failing that, Intent.NONE. all_brands is True only when the text is STOPALL /
    STOP ALL and the result is an opt-out. Never raises, whatever `body` holds.
    """
    text = body if isinstance(body, str) else ""
    keyword = _keyword_of(text) if text else None

    forced_by = opt_out_type.strip().upper() if isinstance(opt_out_type, str) else ""
    forced = _OPT_OUT_TYPES.get(forced_by)
    if forced is not None:
        # Twilio has already applied its own keyword handling; disagreeing with it would
        # leave our ledger and the carrier's block list out of step.
        all_brands = forced is Intent.OPT_OUT and keyword in _ALL_BRANDS
        return Classification(forced, f"OptOutType:{forced_by}", all_brands)

    if keyword is not None:
        return Classification(_KEYWORDS[keyword], keyword.upper(), keyword in _ALL_BRANDS)
    rule = _revocation_rule(text) if text else None
    if rule is not None:
        return Classification(Intent.OPT_OUT, rule, False)
    return _NOTHING

