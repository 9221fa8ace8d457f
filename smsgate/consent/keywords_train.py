"""Train the opt-out model of keywords_model from the corpus's train split, reproducibly.

Usage (from the repository root):
    PYTHONPATH=$PWD python -m smsgate.consent.keywords_train [FILE.jsonl ...] [-o OUT]
Files default to tests/fixtures/replies/*.jsonl; OUT to smsgate/consent/keywords_model.json.
Only rows whose split is "train" are read, so the held-out rows stay unseen, and of those only
the ones no keyword layer decides (an exact or misspelled keyword never reaches the model, and
hundreds of bare "STOP"s would teach it that any short text is an opt-out). Labelled opt_out is
the positive class; none, help and opt_in are negative. Plain logistic
regression by stochastic gradient descent with L2, in a fixed order (no randomness), so the
same corpus always gives the same file; tests/test_keywords_model.py checks that it does.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from smsgate.consent.keywords import deciding_layer
from smsgate.consent.keywords_model import WEIGHTS_FILE, features

MODEL_NAME = "lr1"
CORPUS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "replies"
EPOCHS = 30
RATE = 0.2
L2 = 1e-3
# Replies the rules decide never reach the model; they still teach it the language of
# revocation, but count less than the ones it will actually see.
RULED_WEIGHT = 0.3
# A feature seen in fewer training replies than this is noise, not evidence.
MIN_COUNT = 2
# Weights are stored rounded, and tiny ones dropped, so the file is small and diffs are stable.
DIGITS = 4


def load_rows(paths: Iterable[Path]) -> list[dict[str, str]]:
    """Every JSON line of `paths`, in order."""
    rows: list[dict[str, str]] = []
    for path in paths:
        rows.extend(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                    if line.strip())
    return rows


def train(rows: Sequence[dict[str, str]], name: str = MODEL_NAME) -> dict[str, Any]:
    """A model (name, bias, weights, vocabulary) fitted to the train-split `rows`."""
    layers = {r["text"]: deciding_layer(r["text"]) for r in rows if r["split"] == "train"}
    texts = [(r["text"], 1.0 if r["label"] == "opt_out" else 0.0) for r in rows
             if r["split"] == "train" and layers[r["text"]] != "keyword"]
    words = Counter(f[2:] for text, _y in texts for f in features(text) if f[:2] == "w:")
    vocabulary = frozenset(word for word, count in words.items() if count >= MIN_COUNT)
    examples = [(sorted(features(text, vocabulary)), label) for text, label in texts]
    seen = Counter(f for feats, _y in examples for f in feats)
    kept = [([f for f in feats if seen[f] >= MIN_COUNT], y,
             RULED_WEIGHT if layers[text] == "rules" else 1.0)
            for (feats, y), (text, _y) in zip(examples, texts, strict=True)]
    weights: dict[str, float] = {}
    bias = 0.0
    # A fixed interleaving stands in for shuffling: stride through the rows by a prime.
    stride = 7919
    order = [(i * stride) % len(kept) for i in range(len(kept))] if len(kept) % stride else list(
        range(len(kept)))
    for epoch in range(EPOCHS):
        rate = RATE / (1.0 + epoch * 0.1)
        for index in order:
            feats, label, importance = kept[index]
            total = bias + sum(weights.get(f, 0.0) for f in feats)
            error = importance * (label - 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, total)))))
            bias += rate * error
            for f in feats:
                w = weights.get(f, 0.0)
                weights[f] = w + rate * (error - L2 * w)
    rounded = {f: round(w, DIGITS) for f, w in sorted(weights.items())
               if abs(round(w, DIGITS)) > 0}
    return {"name": name, "bias": round(bias, DIGITS), "weights": rounded,
            "vocabulary": sorted(vocabulary)}


def dump(model: dict[str, Any]) -> str:
    """`model` as the JSON text of keywords_model.json: sorted, one weight a line."""
    return json.dumps(model, ensure_ascii=False, sort_keys=True, indent=0) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Train on the given corpus files and write the weights file; the exit status is 0."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="*", type=Path,
                        default=sorted(CORPUS.glob("*.jsonl")))
    parser.add_argument("-o", "--output", type=Path, default=WEIGHTS_FILE)
    args = parser.parse_args(argv)
    model = train(load_rows(args.files))
    args.output.write_text(dump(model), encoding="utf-8")
    print(f"{args.output}: {len(model['weights'])} weights", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
