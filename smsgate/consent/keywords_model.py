"""A small statistical opt-out model: logistic regression over word and character n-grams.

Pure functions, standard library only. The weights (keywords_model.json, beside this module)
are trained by `python -m smsgate.consent.keywords_train` from the corpus's train split;
tests/test_keywords_model.py retrains and checks the shipped file is what that command writes.
`score` reads the same normalised clauses as the rules (keywords_text.clauses), so it sees at
most MAX_RULE_CHARS of a message and its work is bounded.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Container, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from smsgate.consent.keywords_text import clauses

WEIGHTS_FILE = Path(__file__).with_name("keywords_model.json")
_WORD = re.compile(r"[a-z0-9']+|[^\W\d_]+")
# Words that turn the next few words around: "don't stop", "no pares", "never remove me".
NEGATORS = frozenset({
    "don't", "dont", "not", "never", "didn't", "didnt", "won't", "wont", "can't", "cant",
    "no", "nunca", "ni", "jamas", "sin", "without", "isn't", "wasn't", "doesn't",
    "wouldn't", "wouldnt", "shouldn't", "couldn't", "nor", "nah",
})
_NEGATION_SPAN = 3
# Words asking to start or resume, whose letters resemble "unsubscribe" ("resubscribe").
OPT_IN_WORDS = frozenset({
    "resubscribe", "subscribe", "subscribed", "start", "restart", "resume", "unstop", "rejoin",
    "reactivar", "reactiven", "suscribir", "suscribirme", "inscribir", "inscribirme",
    "comenzar", "iniciar", "anotenme", "anotame",
})
# Decision thresholds on the score, chosen by 5-fold cross-validation on the train split
# (bench/keywords.py --cv; docs/keywords.md), never on a held-out split.
OPT_OUT_AT = 0.9
REVIEW_AT = 0.5
# At this score a negation over words other than stop/keep/request words no longer sends the
# model's opt-out to review (keywords_hedge): the request outweighs an unrelated "not".
SURE_AT = 0.97
# Common function words that tell Spanish from English, for the language of the reply.
_SPANISH = frozenset({
    "no", "ya", "me", "mi", "mis", "de", "la", "el", "los", "las", "por", "favor", "que",
    "mas", "mensajes", "mensaje", "quiero", "manden", "gracias", "numero", "este", "esta",
    "para", "con", "sus", "su", "lista", "porfa", "en", "un", "una", "es", "y", "se", "lo",
})
_ENGLISH = frozenset({
    "the", "to", "me", "my", "you", "please", "stop", "this", "these", "texts", "text", "i",
    "and", "of", "is", "it", "not", "no", "more", "from", "your", "number", "list", "thanks",
    "a", "on", "with", "for", "do", "don't", "want", "messages",
})
# Character n-grams carry misspellings ("unsubscrbe", "atlo") of words the model has not seen
# often; a known word is its word feature alone, so a common word such as "stop" does not
# count four times over. Words shorter than _MIN_CHAR_WORD get no n-grams.
_CHAR_N = 4
_MIN_CHAR_WORD = 4


# The model reads a long message's opening and closing, where replies put their request: its
# first HEAD_CHARS and last TAIL_CHARS of clause text (two SMS segments and one). The rules
# read all of it; this keeps the model and its hedges (keywords.classify) to a bounded cost,
# and every corpus reply is shorter, so training sees whole replies.
HEAD_CHARS = 320
TAIL_CHARS = 160


def window(found: list[str]) -> list[str]:
    """The clauses `found`, or for a long text the part of them the model reads: clauses from
    the start up to HEAD_CHARS and from the end up to TAIL_CHARS, a clause that crosses
    either limit cut at a word."""
    if sum(map(len, found)) <= HEAD_CHARS + TAIL_CHARS:
        return found
    head: list[str] = []
    room = HEAD_CHARS
    for clause in found:
        if room <= 0:
            break
        head.append(clause if len(clause) <= room else clause[:room].rpartition(" ")[0]
                    or clause[:room])
        room -= len(clause)
    tail: list[str] = []
    room = TAIL_CHARS
    for clause in reversed(found[len(head):]):
        if room <= 0:
            break
        tail.append(clause if len(clause) <= room else clause[-room:].partition(" ")[2]
                    or clause[-room:])
        room -= len(clause)
    return head + tail[::-1]


def features(text: str, known: Container[str] = frozenset()) -> set[str]:
    """The model's features of `text` (see clause_features), over its window()."""
    return clause_features(window(clauses(text)), known)


def clause_features(found: list[str], known: Container[str] = frozenset()) -> set[str]:
    """The model's features of the normalised clauses `found` (keywords_text.clauses):
    words, word pairs, words within _NEGATION_SPAN after a negator and, for words not in
    `known`, character 4-grams.

    Each clause starts with "^" so a word opening a clause ("stop ...") differs from one
    inside it ("can I stop by"); the model counts each feature once.
    """
    out: set[str] = set()
    add = out.add
    for clause in found:
        previous = "^"
        negated = 0
        for word in _WORD.findall(clause):
            add("w:" + word)
            add(f"b:{previous} {word}")
            if negated:
                add("n:" + word)
                negated -= 1
            if word in NEGATORS:
                negated = _NEGATION_SPAN
            if len(word) >= _MIN_CHAR_WORD and word not in known:
                out.update(_char_grams(word))
            previous = word
        add(f"b:{previous} $")
    return out


@lru_cache(maxsize=4096)
def _char_grams(word: str) -> tuple[str, ...]:
    """The character 4-grams of `word` between "<" and ">" (pure; words repeat)."""
    padded = f"<{word}>"
    return tuple("c:" + padded[i : i + _CHAR_N] for i in range(len(padded) - _CHAR_N + 1))


def _words(found: list[str]) -> list[str]:
    """The words of the normalised clauses `found`, as the model reads them."""
    return [word for clause in found for word in _WORD.findall(clause)]


def language(found: list[str]) -> str:
    """ "es" when the clauses `found` hold more Spanish than English function words, else
    "en"."""
    counts = Counter(_words(found))
    spanish = sum(counts[word] for word in _SPANISH.intersection(counts))
    english = sum(counts[word] for word in _ENGLISH.intersection(counts))
    return "es" if spanish > english else "en"


@dataclass(frozen=True)
class Model:
    """Logistic regression weights: a feature's weight is counted once if present.
    `vocabulary` is the words seen often enough in training to stand for themselves."""

    name: str
    bias: float
    weights: Mapping[str, float]
    vocabulary: frozenset[str]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Model:
        """The model of a parsed keywords_model.json (or keywords_train.train's result)."""
        return cls(str(data["name"]), float(data["bias"]),
                   {str(k): float(v) for k, v in data["weights"].items()},
                   frozenset(str(word) for word in data["vocabulary"]))

    def score(self, text: str) -> float:
        """The probability, between 0 and 1, that `text` asks us to stop texting."""
        return self.score_clauses(window(clauses(text)))

    def score_clauses(self, found: list[str]) -> float:
        """score() of the text whose normalised clauses are `found`."""
        get = self.weights.get
        total = self.bias + sum(get(f, 0.0) for f in clause_features(found, self.vocabulary))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, total))))


@cache
def shipped() -> Model:
    """The model in WEIGHTS_FILE, read once."""
    return Model.from_dict(json.loads(WEIGHTS_FILE.read_text(encoding="utf-8")))
