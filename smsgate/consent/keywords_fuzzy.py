"""Tolerant matching of misspelled or stretched opt-out keywords ("unsubscrbe", "qiut", "STOPPPP").

Pure functions. Only *opt-out* keywords are tolerated (opt-in must be express, and a missed
HELP costs nothing), and only a whole message or a single word is compared, never a substring.

How far a word may be from a keyword depends on the keyword's length, because short keywords
sit one edit away from ordinary words ("shop", "step", "quiz", "quite", "suit", "and"):

* Every keyword: doubled letters collapse before comparing, so "STOPPPP", "stopp", "quiit"
  and "unsubscribee" are their keyword (and so is "stoop": as a *whole reply* to a marketing
  text it is a stretched STOP far more often than a porch).
* 7+ letters (UNSUBSCRIBE, STOPALL, CANCELAR, DETENER, DESUSCRIBIR): Damerau-Levenshtein
  distance 1 (one insertion, deletion, substitution or swap of neighbours).
* 4-6 letters (STOP, QUIT, CANCEL, REVOKE, OPTOUT): a swap of neighbours ("sotp", "qiut"),
  a deletion other than the first letter ("stp"), or a substitution/insertion of a key next
  to its neighbour on a QWERTY keyboard ("stoo", "st0p", "cancwl"). That excludes "shop",
  "step", "slop", "stow", "quiz", "quite", "quilt", "quiet", "suit", "top"; the few real
  words it still reaches ("quot", "strop", "evoke") are listed in _REAL_WORDS and never
  match. "atop" is not: as a whole reply it is a STOP typo.
* ALTO and BASTA are treated like the 4-6 letter keywords, with the Spanish words inside
  their reach ("alta", "algo", "apto", "hasta", "vasta", "pasta"...) listed in _REAL_WORDS.
* PARA and END: collapse only, since a single edit reaches "pare", "pala", "and", "send";
  _ALIASES adds a few spellings beyond one edit ("stahp", "cansel", "enf").
"""

from __future__ import annotations

# Each QWERTY key and the keys touching it (digits included: "st0p").
_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEAR: dict[str, frozenset[str]] = {}
for _r, _row in enumerate(_ROWS):
    for _c, _key in enumerate(_row):
        _around = set()
        for _dr, _dcs in ((-1, (0, 1)), (0, (-1, 1)), (1, (-1, 0))):
            _rr = _r + _dr
            if 0 <= _rr < len(_ROWS):
                for _dc in _dcs:
                    if 0 <= _c + _dc < len(_ROWS[_rr]):
                        _around.add(_ROWS[_rr][_c + _dc])
        _NEAR[_key] = frozenset(_around)
KEY_NEIGHBOURS: dict[str, frozenset[str]] = _NEAR

# Opt-out keyword (casefolded, spaces removed) -> (canonical name, language, tolerance).
FULL, NEAR, COLLAPSE = "full", "near", "collapse"
_TOLERATED: dict[str, tuple[str, str, str]] = {
    "stop": ("STOP", "en", NEAR),
    "stopall": ("STOPALL", "en", FULL),
    "unsubscribe": ("UNSUBSCRIBE", "en", FULL),
    "cancel": ("CANCEL", "en", NEAR),
    "quit": ("QUIT", "en", NEAR),
    "revoke": ("REVOKE", "en", NEAR),
    "optout": ("OPTOUT", "en", NEAR),
    "end": ("END", "en", COLLAPSE),
    "alto": ("ALTO", "es", NEAR),
    "basta": ("BASTA", "es", NEAR),
    "para": ("PARA", "es", COLLAPSE),
    "cancelar": ("CANCELAR", "es", FULL),
    "detener": ("DETENER", "es", FULL),
    "desuscribir": ("DESUSCRIBIR", "es", FULL),
    "desuscribirme": ("DESUSCRIBIR", "es", FULL),
}
# Spellings beyond one edit that people use for a keyword.
_ALIASES: dict[str, tuple[str, str]] = {
    "stahp": ("STOP", "en"), "stawp": ("STOP", "en"), "stapp": ("STOP", "en"),
    "cansel": ("CANCEL", "en"), "enf": ("END", "en"), "ens": ("END", "en"),
    "emd": ("END", "en"), "unsuscribe": ("UNSUBSCRIBE", "en"),
}
# Real words inside a keyword's tolerance that must stay words.
_REAL_WORDS = frozenset({"quot", "stol", "alot", "alo", "cancer", "sop", "algo", "apto",
                         "ato", "alt", "alta", "hasta", "vasta", "gasta", "pasta", "basa",
                         "bata", "baste", "bast", "casta", "bastar", "cancelo", "cancela",
                         "cancele", "cancelen", "pata", "paro", "ends", "evoke", "strop",
                         "quoit"})
_MAX_WORD = 24


def collapse(word: str) -> str:
    """`word` with every run of one letter reduced to a single letter."""
    out: list[str] = []
    for ch in word:
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


def _near(a: str, b: str) -> bool:
    """True when keys `a` and `b` are the same or touch on a QWERTY keyboard."""
    return a == b or b in _NEAR.get(a, frozenset())


_LETTERS = "abcdefghijklmnopqrstuvwxyz0"


def _variants(key: str, tolerance: str) -> set[str]:
    """Every spelling within `tolerance` of `key` (itself included), collapsed."""
    out = {key}
    if tolerance == COLLAPSE:
        return out
    strict = tolerance == NEAR
    for i in range(len(key)):
        if i + 1 < len(key):
            out.add(key[:i] + key[i + 1] + key[i] + key[i + 2 :])
        if i > 0 or not strict:
            out.add(key[:i] + key[i + 1 :])
        for ch in _LETTERS:
            if not strict or _near(key[i], ch):
                out.add(key[:i] + ch + key[i + 1 :])
    for i in range(len(key) + 1):
        for ch in _LETTERS:
            neighbours = key[i - 1 : i] + key[i : i + 1]
            if not strict or (i > 0 and any(_near(n, ch) for n in neighbours)):
                out.add(key[:i] + ch + key[i:])
    return {collapse(v) for v in out}


# Collapsed spelling -> (canonical keyword, language). Built once at import (a few thousand
# entries), so a look-up is a dict access however long the text.
VARIANTS: dict[str, tuple[str, str]] = {}
for _key, (_name, _lang, _tolerance) in sorted(_TOLERATED.items(), key=lambda kv: -len(kv[0])):
    for _variant in _variants(collapse(_key), _tolerance):
        if _variant not in _REAL_WORDS and len(_variant) > 1:
            VARIANTS.setdefault(_variant, (_name, _lang))
for _key, (_name, _lang, _tolerance) in _TOLERATED.items():
    VARIANTS[collapse(_key)] = (_name, _lang)
VARIANTS.update(_ALIASES)


def tolerated_keyword(word: str) -> tuple[str, str] | None:
    """(canonical keyword, language) that `word` is a stretch or misspelling of, or None.

    `word` is casefolded and accent-folded; spaces are ignored ("opt out", "stop all").
    An exact keyword is returned too; callers look exact keywords up first.
    """
    word = word.replace(" ", "")
    if len(word) > _MAX_WORD or word in _REAL_WORDS:
        return None
    return VARIANTS.get(word) or VARIANTS.get(collapse(word))
