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
  words it still reaches ("atop", "quot") are listed in _REAL_WORDS and never match.
* ALTO, BASTA, PARA (Spanish, 4-5 letters) and END, YES (3): collapse only, since a
  single edit reaches "alta", "salto", "hasta", "vasta", "pasta", "pare", "and", "send".
"""

from __future__ import annotations

# Each QWERTY key and the keys touching it (digits included: "st0p").
_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEAR: dict[str, frozenset[str]] = {}
for _r, _row in enumerate(_ROWS):
    for _c, _key in enumerate(_row):
        _near = set()
        for _dr, _dcs in ((-1, (0, 1)), (0, (-1, 1)), (1, (-1, 0))):
            _rr = _r + _dr
            if 0 <= _rr < len(_ROWS):
                for _dc in _dcs:
                    if 0 <= _c + _dc < len(_ROWS[_rr]):
                        _near.add(_ROWS[_rr][_c + _dc])
        _NEAR[_key] = frozenset(_near)

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
                         "cancele", "cancelen", "canceló", "pata", "paro", "pára", "ends"})
_MAX_WORD = 24


def collapse(word: str) -> str:
    """`word` with every run of one letter reduced to a single letter."""
    out: list[str] = []
    for ch in word:
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


_COLLAPSED = {collapse(k): k for k in _TOLERATED}


def _near(a: str, b: str) -> bool:
    """True when keys `a` and `b` are the same or touch on a QWERTY keyboard."""
    return a == b or b in _NEAR.get(a, frozenset())


def _one_edit(word: str, key: str, strict: bool) -> bool:
    """Damerau distance exactly 1 between `word` and `key`, QWERTY-restricted when strict."""
    lw, lk = len(word), len(key)
    if lw == lk:
        diff = [i for i in range(lk) if word[i] != key[i]]
        if len(diff) == 1:
            i = diff[0]
            return not strict or _near(key[i], word[i])
        if len(diff) == 2:
            i, j = diff
            return j == i + 1 and word[i] == key[j] and word[j] == key[i]
        return False
    if lw == lk + 1:  # one inserted letter
        i = next((n for n in range(lk) if word[n] != key[n]), lk)
        if word[i + 1 :] != key[i:]:
            return False
        if not strict:
            return True
        if i == 0:
            return False
        extra = word[i]
        return _near(extra, word[i - 1]) or (i + 1 < lw and _near(extra, word[i + 1]))
    if lw == lk - 1:  # one deleted letter
        i = next((n for n in range(lw) if word[n] != key[n]), lw)
        return word[i:] == key[i + 1 :] and (not strict or i > 0)
    return False


def tolerated_keyword(word: str) -> tuple[str, str] | None:
    """(canonical keyword, language) that `word` is a stretch or misspelling of, or None.

    `word` is casefolded and accent-folded; spaces are ignored ("opt out", "stop all").
    An exact keyword is returned too; callers look exact keywords up first.
    """
    word = word.replace(" ", "")
    if not word.isalpha() and "0" not in word or len(word) > _MAX_WORD:
        return None
    if word in _REAL_WORDS:
        return None
    alias = _ALIASES.get(word)
    if alias is not None:
        return alias
    squeezed = collapse(word)
    exact = _COLLAPSED.get(squeezed)
    if exact is not None:
        name, lang, _ = _TOLERATED[exact]
        return name, lang
    for key, (name, lang, tolerance) in _TOLERATED.items():
        if tolerance == COLLAPSE or abs(len(squeezed) - len(key)) > 1:
            continue
        if _one_edit(squeezed, key, tolerance == NEAR) or _one_edit(word, key, tolerance == NEAR):
            return name, lang
    return None
