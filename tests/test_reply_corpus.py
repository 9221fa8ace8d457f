"""The labelled corpus of inbound replies (tests/fixtures/replies/*.jsonl): its shape, and
what the recogniser does with it. docs/keywords.md reports the figures by language and
category; bench/keywords.py prints them.

Split "train" holds every reply that has been read, the earlier held-out splits included
(heldout2 = fresh_*.jsonl and heldout3 = fresh2_*.jsonl were moved into it once their misses
were listed in docs/keywords.md). Any other split is held out: never read while tuning. The
tests below run on whichever splits the files hold, so a new held-out split needs only its
files and, once measured, its floors here.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import pytest

from smsgate.consent.keywords import Intent, classify

CORPUS = Path(__file__).parent / "fixtures" / "replies"
LABELS = {"opt_out", "opt_in", "help", "none"}
LANGS = {"en", "es", "mixed"}
TRAIN = "train"


def _rows() -> list[dict[str, str]]:
    return [json.loads(line) for path in sorted(CORPUS.glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


ROWS = _rows()
SPLITS = tuple(sorted({row["split"] for row in ROWS}, key=lambda split: (split != TRAIN, split)))
HELD_OUT = tuple(split for split in SPLITS if split != TRAIN)
# The targets for a held-out split without measured floors: opt-out recall counted
# strictly (decided opt-out, not review), by language.
TARGET_RECALL = {"en": 0.98, "es": 0.95}

DECIDED = {row["text"]: classify(row["text"]).intent for row in ROWS}


def test_the_corpus_is_large_labelled_and_every_held_out_split_is_shaped_like_it():
    assert len(ROWS) >= 1000 and TRAIN in SPLITS
    for row in ROWS:
        assert set(row) <= {"text", "label", "lang", "category", "split", "reason"}, row
        assert row["label"] in LABELS and row["lang"] in LANGS, row
        assert row["category"] and row["text"] and row["split"], row
        assert isinstance(row.get("reason", ""), str)
    texts = Counter(row["text"] for row in ROWS)
    assert max(texts.values()) == 1, texts.most_common(3)
    categories = {row["category"] for row in ROWS}
    for split in HELD_OUT:  # every category is tested unseen, in each held-out split
        rows = [row for row in ROWS if row["split"] == split]
        assert len(rows) >= 100, split
        assert categories == {row["category"] for row in rows}, split
    for rows in [ROWS] + [[r for r in ROWS if r["split"] == split] for split in HELD_OUT]:
        # at least as many that must not opt out, overall and in each unseen split
        revocations = sum(row["label"] == "opt_out" for row in rows)
        assert len(rows) - revocations >= revocations
    assert sum(row["lang"] != "en" for row in ROWS) >= 400


# Replies that must not opt out but do, each listed with its rule in docs/keywords.md: a
# change to the recogniser may shorten this list, never lengthen it. A held-out split not
# listed here may hold none (the issue: no look-alike opted out).
KNOWN_FALSE_OPT_OUTS: dict[str, set[str]] = {
    # From heldout11: "mi línea de teléfono" is the carrier's line, which the object guard
    # reads as this number (a phone word is one of our objects); from heldout17: "how do I
    # stop it" of an alarm named in the clause before; from heldout21: a request to stay on
    # the list that then asks for fewer duplicates (docs/keywords.md).
    "train": {"Quiero dar de baja mi línea de teléfono",
              "The alarm keeps beeping, how do I stop it? Battery is new",
              "No me quiero ir de la lista, solo que ya no me manden dos veces el mismo mensaje"},
}
# Revocations reached per split and language, as (decided opt-out, opt-out or review) out of
# the total (docs/keywords.md): floors against regressions. A held-out split not listed here
# is held to the targets (TARGET_RECALL, counted strictly).
REACHED = {
    ("train", "en"): (4337, 4377, 4388),
    ("train", "es"): (3242, 3275, 3283),
    ("train", "mixed"): (598, 600, 600),
    # heldout38, run once on the twenty-eighth pass (1aff512), the shipped code.
    ("heldout38", "en"): (181, 182, 183),
    ("heldout38", "es"): (141, 144, 145),
    ("heldout38", "mixed"): (28, 28, 29),
}
# Replies that must not opt out but are sent to review, at most (a person decides; the brand's
# texts to the number pause meanwhile). A split not listed here has no bound yet. The two in
# train are the bare "no thanks" and "no gracias", which go to review by design.
LOOKALIKES_IN_REVIEW = {"train": 2, "heldout38": 1}


def _floors(split: str, lang: str, total: int) -> tuple[int, int]:
    """(strict, with review) recall floors of `split` in `lang` out of `total` revocations."""
    if (split, lang) in REACHED:
        strict, with_review, expected = REACHED[(split, lang)]
        assert total == expected, (split, lang)
        return strict, with_review
    strict = math.ceil(TARGET_RECALL.get(lang, 0.0) * total)
    return strict, strict


@pytest.mark.parametrize("split", SPLITS)
def test_no_reply_that_must_not_opt_out_is_opted_out_beyond_the_known_ones(split):
    wrong = {row["text"] for row in ROWS if row["split"] == split
             and row["label"] != "opt_out" and DECIDED[row["text"]] is Intent.OPT_OUT}
    assert wrong <= KNOWN_FALSE_OPT_OUTS.get(split, set())


@pytest.mark.parametrize(("split", "lang"), [(split, lang) for split in SPLITS
                                             for lang in sorted(LANGS)])
def test_opt_out_recall_does_not_fall_below_what_was_reached(split, lang):
    decided = [DECIDED[row["text"]] for row in ROWS if row["split"] == split
               and row["lang"] == lang and row["label"] == "opt_out"]
    strict, with_review = _floors(split, lang, len(decided))
    assert sum(intent is Intent.OPT_OUT for intent in decided) >= strict
    assert sum(intent in (Intent.OPT_OUT, Intent.POSSIBLE_OPT_OUT)
               for intent in decided) >= with_review


@pytest.mark.parametrize("split", SPLITS)
def test_no_more_lookalikes_go_to_review_than_were_reached(split):
    if split not in LOOKALIKES_IN_REVIEW:
        pytest.skip(f"no review bound measured for {split} yet")
    reviewed = sum(DECIDED[row["text"]] is Intent.POSSIBLE_OPT_OUT for row in ROWS
                   if row["split"] == split and row["label"] != "opt_out")
    assert reviewed <= LOOKALIKES_IN_REVIEW[split]


def test_help_and_opt_in_replies_are_never_opted_out_nor_sent_to_review_in_train():
    # Unseen, a few may go to review; LOOKALIKES_IN_REVIEW bounds them there.
    for row in ROWS:
        if row["label"] in ("help", "opt_in"):
            assert DECIDED[row["text"]] is not Intent.OPT_OUT, row
            if row["split"] == TRAIN:
                assert DECIDED[row["text"]] is not Intent.POSSIBLE_OPT_OUT, row
