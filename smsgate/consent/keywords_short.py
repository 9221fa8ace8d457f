"""Slips in a short whole message: "STOP 2", "stopt", "Sop", "Paraar", "Vastaaa", "Darme de vaja".

Pure functions. keywords_fuzzy tolerates one misspelled keyword as the whole message; this
module goes a little further, but only when the whole message is one to three words once
stray digits ("STOP 2", "stop.1") and politeness are set aside, because a reply that short
to a marketing text is the keyword far more often than anything else:

* a stray digit or symbol token is dropped ("STOP 2");
* runs of one letter collapse, so a doubled vowel in the middle is the keyword ("Paraar");
* an opt-out keyword with one extra letter at its end is that keyword ("stopt", "quitt");
* "sop", STOP without its t, is STOP only when it is the whole message ("Sop de pollo" is
  soup);
* Spanish spelling confusions are read as the sound: b/v, s/z/c before e or i, y/ll and a
  silent h ("Vastaaa", "vasta ya", "Darme de vaja", "Halto"), and the imperative "detén".

`respell` returns the message so corrected, for the exact keywords and the rules to read, or
None when nothing changed. Real words that these slips would reach stay words (EXCLUDED).
"""

from __future__ import annotations

import re

from smsgate.consent.keywords_fuzzy import collapse

# Opt-out keywords a slip may reach, English and Spanish.
_EN_KEYWORDS = ("stop", "quit", "cancel", "unsubscribe", "revoke", "optout", "end")
_ES_KEYWORDS = ("alto", "para", "parar", "pare", "paren", "basta", "cancelar", "detener",
                "baja", "desuscribir")
# Spanish imperatives of detener, not keywords by themselves but requests as a whole reply.
_ES_STOP_WORDS = {"deten": "detener", "detengan": "detener", "detenganse": "detener"}
# Real words a slip would reach, never rewritten: English adverbs and verbs one letter from
# QUIT or STOP ("quite", "quiet", "stomp"), Spanish "altos" (tall) and "paras"/"pares"
# (pairs), "ends"; "vasta" (vast) alone as the whole reply has no other sense, so it is BASTA,
# while "vasta seleccion" is more than a keyword and stays nothing. Words built on a keyword
# ("unstoppable", "nonstop", "weekend") are words too, as a whole reply.
EXCLUDED = frozenset({"quite", "quiet", "quits", "stomp", "stope", "altos", "paras", "pares",
                      "ends", "endo", "top", "shop", "step", "slop", "pasta", "hasta", "gasta",
                      "unstoppable", "nonstop", "stopwatch", "stopover", "shortstop", "backstop",
                      "doorstop", "endless", "weekend"})
# Politeness and fillers that do not count as words of the message.
_POLITE = frozenset({"please", "pls", "plz", "porfa", "porfavor", "por", "favor", "thanks",
                     "thx", "ty", "gracias", "ya", "now", "ok", "xfa", "plis"})
# Keywords that are also ordinary words before a number: "para 2" (for two), "baja 50" (falls by
# 50); a digit beside them is no stray.
_TAKE_NUMBERS = frozenset({"para", "baja", "end"})
_TOKEN = re.compile(r"[^\W_]+")
_MAX_WORDS = 3


def a_quantity(core: str) -> bool:
    """True when `core` is one of _TAKE_NUMBERS and numbers only ("baja 20", "para 2"): a
    price or a count, a whole reply of ordinary words."""
    tokens = _TOKEN.findall(core)
    return (len(tokens) >= 2 and tokens[0] in _TAKE_NUMBERS
            and all(token.isdigit() for token in tokens[1:]))


def _sound(word: str) -> str:
    """`word` spelled as it sounds in Spanish: ll -> y, b for v, s for z and soft c, no
    silent h, runs of one letter collapsed."""
    word = word.replace("ll", "y")
    word = re.sub(r"c(?=[ei])", "s", word).replace("z", "s").replace("v", "b")
    word = re.sub(r"(?<!c)h", "", word)
    return collapse(word)


_BY_SOUND: dict[str, str] = {_sound(k): k for k in _ES_KEYWORDS}
_BY_SOUND.update({_sound(k): v for k, v in _ES_STOP_WORDS.items()})
# An opt-out keyword with one letter more at its end: "stopt", "quitt", "cancell".
_TRAILING: dict[str, str] = {k + ch: k for k in _EN_KEYWORDS + _ES_KEYWORDS
                             for ch in "abcdefghijklmnopqrstuvwxyz" if len(k) >= 4}


def _word(word: str, alone: bool) -> str:
    """The keyword `word` is a slip of, or `word` itself."""
    if word in EXCLUDED:
        return word
    short = collapse(word)
    if short in _EN_KEYWORDS or short in _ES_KEYWORDS:
        return short
    if word in _TRAILING:
        return _TRAILING[word]
    if short in _TRAILING and short not in EXCLUDED:
        return _TRAILING[short]
    if alone and short == "sop":
        return "stop"
    return _BY_SOUND.get(_sound(word), word)


def respell(core: str) -> str | None:
    """The short whole message `core` (normalised: keywords_text.keyword_core) with each slip
    of an opt-out keyword corrected and stray digits dropped, or None when it is longer than
    three words or nothing changed."""
    tokens = _TOKEN.findall(core)
    if not tokens or len(tokens) > 2 * _MAX_WORDS:
        return None
    words = [t for t in tokens if not t.isdigit()]
    counted = [w for w in words if w not in _POLITE]
    if not counted or len(counted) > _MAX_WORDS:
        return None
    alone = len(counted) == 1
    if len(words) < len(tokens) and counted[0] in _TAKE_NUMBERS:
        return None  # "Para 2" is "for two", "baja 50" a price
    fixed = [w if w in _POLITE else _word(w, alone) for w in words]
    if fixed == tokens:
        return None  # no slip corrected, no digit dropped: the other layers have read it
    return " ".join(fixed)
