"""The labelled corpus of inbound replies (tests/fixtures/replies/*.jsonl): its shape, and
what the recogniser does with it. docs/keywords.md reports the figures by language and
category; bench/keywords.py prints them."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from smsgate.consent.keywords import Intent, classify

CORPUS = Path(__file__).parent / "fixtures" / "replies"
LABELS = {"opt_out", "opt_in", "help", "none"}
LANGS = {"en", "es", "mixed"}


def _rows() -> list[dict[str, str]]:
    return [json.loads(line) for path in sorted(CORPUS.glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


ROWS = _rows()


def test_the_corpus_is_large_labelled_and_holds_a_third_out():
    assert len(ROWS) >= 1000
    for row in ROWS:
        assert set(row) <= {"text", "label", "lang", "category", "split", "reason"}, row
        assert row["label"] in LABELS and row["lang"] in LANGS, row
        assert row["split"] in ("train", "heldout") and row["category"] and row["text"], row
    texts = Counter(row["text"] for row in ROWS)
    assert max(texts.values()) == 1, texts.most_common(3)
    heldout = sum(row["split"] == "heldout" for row in ROWS)
    assert 0.25 <= heldout / len(ROWS) <= 0.40
    for category in {row["category"] for row in ROWS}:  # every category is tested unseen
        assert any(r["split"] == "heldout" for r in ROWS if r["category"] == category)
    revocations = sum(row["label"] == "opt_out" for row in ROWS)
    assert len(ROWS) - revocations >= revocations  # at least as many that must not opt out
    assert sum(row["lang"] != "en" for row in ROWS) >= 400


# Replies that must not opt out but do, each listed with its reason in docs/keywords.md: a
# change to the recogniser may shorten this list, never lengthen it.
KNOWN_FALSE_OPT_OUTS = {
    "Stop? Heck no. Send more",
    "Hola, ¿puedo cancelar el pedido #58213? Me equivoqué de talla",
    "¿Puedo cancelar y pedir reembolso?",
}
# Held-out opt-out recall reached (docs/keywords.md): floors against regressions, below the
# issue's targets (98 % English, 95 % Spanish), which the recogniser does not meet yet.
RECALL_FLOORS = {"en": 0.90, "es": 0.76, "mixed": 0.72}


@pytest.mark.parametrize("split", ["train", "heldout"])
def test_no_reply_that_must_not_opt_out_is_opted_out_beyond_the_known_ones(split):
    wrong = {row["text"] for row in ROWS if row["split"] == split
             and row["label"] != "opt_out" and classify(row["text"]).intent is Intent.OPT_OUT}
    assert wrong <= KNOWN_FALSE_OPT_OUTS


@pytest.mark.parametrize("lang", sorted(RECALL_FLOORS))
def test_heldout_opt_out_recall_does_not_fall_below_what_was_reached(lang):
    revocations = [row for row in ROWS if row["split"] == "heldout" and row["lang"] == lang
                   and row["label"] == "opt_out"]
    found = sum(classify(row["text"]).intent is Intent.OPT_OUT for row in revocations)
    assert found / len(revocations) >= RECALL_FLOORS[lang]
