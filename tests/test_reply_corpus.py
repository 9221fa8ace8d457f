"""The labelled corpus of inbound replies (tests/fixtures/replies/*.jsonl): its shape, and
what the recogniser does with it. docs/keywords.md reports the figures by language and
category; bench/keywords.py prints them.

Split "heldout2" (fresh_*.jsonl) was written before the recogniser's model and never tuned
on; "heldout3" (fresh2_*.jsonl) after the recogniser was frozen, and never tuned on either;
"train" holds everything else, including the first held-out set, which had been read.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from smsgate.consent.keywords import Intent, classify

CORPUS = Path(__file__).parent / "fixtures" / "replies"
LABELS = {"opt_out", "opt_in", "help", "none"}
LANGS = {"en", "es", "mixed"}
SPLITS = ("train", "heldout2", "heldout3")
HELD_OUT = ("heldout2", "heldout3")


def _rows() -> list[dict[str, str]]:
    return [json.loads(line) for path in sorted(CORPUS.glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


ROWS = _rows()
DECIDED = {row["text"]: classify(row["text"]).intent for row in ROWS}


def test_the_corpus_is_large_labelled_and_holds_a_third_out():
    assert len(ROWS) >= 1000
    for row in ROWS:
        assert set(row) <= {"text", "label", "lang", "category", "split", "reason"}, row
        assert row["label"] in LABELS and row["lang"] in LANGS, row
        assert row["split"] in SPLITS and row["category"] and row["text"], row
        assert isinstance(row.get("reason", ""), str)
    texts = Counter(row["text"] for row in ROWS)
    assert max(texts.values()) == 1, texts.most_common(3)
    heldout = [row for row in ROWS if row["split"] in HELD_OUT]
    assert len(heldout) >= 400 and 0.25 <= len(heldout) / len(ROWS) <= 0.45
    for split in HELD_OUT:  # every category is tested unseen, twice
        for category in {row["category"] for row in ROWS}:
            assert any(r["split"] == split for r in ROWS if r["category"] == category), split
    for rows in [ROWS] + [[r for r in ROWS if r["split"] == split] for split in HELD_OUT]:
        # at least as many that must not opt out, overall and in each unseen split
        revocations = sum(row["label"] == "opt_out" for row in rows)
        assert len(rows) - revocations >= revocations
    assert sum(row["lang"] != "en" for row in ROWS) >= 400


# Replies that must not opt out but do, each listed with its rule in docs/keywords.md: a
# change to the recogniser may shorten this list, never lengthen it.
KNOWN_FALSE_OPT_OUTS = {
    "train": {
        "Stop? Heck no. Send more",
        "Hola, ¿puedo cancelar el pedido #58213? Me equivoqué de talla",
        "¿Puedo cancelar y pedir reembolso?",
    },
    "heldout2": {
        "Why would I want to stop these? They're great",
        "Stop? no way",
        "I need to unsubscribe from the auto-ship of dog food but keep texts",
        "Remove me from the 6pm class roster, can't make it",
        "Paren el envío, no voy a estar en casa",
        "Quiero dar de baja mi membresía del gimnasio",
        "¿Puedo cancelar la suscripción de la caja mensual?",
        "no gracias, I already bought one",
        "¿Puedo cancelar solo un artículo?",
        "Quiero darme de baja del club de vinos",
    },
    "heldout3": {
        "Stop my delivery for this week, I'm traveling",  # the model's (0.909)
        "How do I turn off the alarm on your app?",
        "no thanks, maybe next time",
        "¿Me pueden quitar el recargo?",
        "Dar de baja mi tarjeta vieja de la cuenta",
        "No gracias, por ahora no",
    },
}
# Revocations reached per split and language, as (decided opt-out, opt-out or review) out of
# the total (docs/keywords.md): floors against regressions. On the held-out splits they are
# below the targets (98 % English, 95 % Spanish, counted strictly), not met yet.
REACHED = {
    ("heldout2", "en"): (146, 150, 151),
    ("heldout2", "es"): (81, 90, 90),
    ("heldout2", "mixed"): (16, 17, 18),
    ("heldout3", "en"): (71, 74, 77),
    ("heldout3", "es"): (45, 50, 51),
    ("heldout3", "mixed"): (8, 10, 10),
    ("train", "en"): (346, 353, 353),
    ("train", "es"): (232, 240, 241),
    ("train", "mixed"): (31, 33, 33),
}
# Replies that must not opt out but are sent to review, at most (a person decides; the brand's
# texts to the number pause meanwhile).
LOOKALIKES_IN_REVIEW = {"heldout2": 18, "heldout3": 10, "train": 0}


@pytest.mark.parametrize("split", SPLITS)
def test_no_reply_that_must_not_opt_out_is_opted_out_beyond_the_known_ones(split):
    wrong = {row["text"] for row in ROWS if row["split"] == split
             and row["label"] != "opt_out" and DECIDED[row["text"]] is Intent.OPT_OUT}
    assert wrong <= KNOWN_FALSE_OPT_OUTS[split]


@pytest.mark.parametrize(("split", "lang"), sorted(REACHED))
def test_opt_out_recall_does_not_fall_below_what_was_reached(split, lang):
    strict, with_review, total = REACHED[(split, lang)]
    decided = [DECIDED[row["text"]] for row in ROWS if row["split"] == split
               and row["lang"] == lang and row["label"] == "opt_out"]
    assert len(decided) == total
    assert sum(intent is Intent.OPT_OUT for intent in decided) >= strict
    assert sum(intent in (Intent.OPT_OUT, Intent.POSSIBLE_OPT_OUT)
               for intent in decided) >= with_review


@pytest.mark.parametrize("split", SPLITS)
def test_no_more_lookalikes_go_to_review_than_were_reached(split):
    reviewed = sum(DECIDED[row["text"]] is Intent.POSSIBLE_OPT_OUT for row in ROWS
                   if row["split"] == split and row["label"] != "opt_out")
    assert reviewed <= LOOKALIKES_IN_REVIEW[split]


def test_help_and_opt_in_replies_are_never_opted_out_or_sent_to_review():
    for row in ROWS:
        if row["label"] in ("help", "opt_in"):
            assert DECIDED[row["text"]] not in (Intent.OPT_OUT, Intent.POSSIBLE_OPT_OUT), row
