"""Evaluate smsgate.consent.keywords.classify on the labelled reply corpus.

Usage (from the repository root):
    PYTHONPATH=$PWD python bench/keywords.py [FILE.jsonl ...] [--split train|heldout|all]
        [--show-heldout]
Files default to tests/fixtures/replies/*.jsonl.

Each line is {"text", "label": opt_out|opt_in|help|none, "lang", "category", "split"}.
Prints opt-out precision and recall by language and by category, a confusion summary and the
misses and false opt-outs. Per-item lines are printed for the train split only, unless
--show-heldout is given: tuning must never read held-out texts.
"""

from __future__ import annotations

import argparse
import collections
import glob
import json
import sys
from pathlib import Path

from smsgate.consent.keywords import classify

_DEFAULT = sorted(glob.glob(str(Path(__file__).resolve().parent.parent
                                / "tests/fixtures/replies/*.jsonl")))


def _load(paths: list[str]) -> list[dict[str, str]]:
    """Every JSON line of `paths`."""
    rows = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            rows.extend(json.loads(line) for line in handle if line.strip())
    return rows


def _ratio(num: int, den: int) -> str:
    """num/den as a percentage with the counts, or "-" when den is 0."""
    return f"{100 * num / den:6.1f}% ({num}/{den})" if den else "      - (0/0)"


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation; the exit status is 0."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="*", default=_DEFAULT)
    parser.add_argument("--split", default="train", choices=["train", "heldout", "all"])
    parser.add_argument("--show-heldout", action="store_true")
    args = parser.parse_args(argv)
    if not args.files:
        parser.error("no corpus files given and none in tests/fixtures/replies/")
    rows = [r for r in _load(args.files) if args.split == "all" or r.get("split") == args.split]
    show_items = args.split == "train" or args.show_heldout

    groups: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    confusion: collections.Counter[tuple[str, str]] = collections.Counter()
    misses, false_outs = [], []
    for row in rows:
        result = classify(row["text"])
        got, want = result.intent.value, row["label"]
        confusion[(want, got)] += 1
        for key in ("all", f"lang={row.get('lang')}", f"cat={row.get('category')}"):
            group = groups[key]
            group["tp"] += want == "opt_out" and got == "opt_out"
            group["fn"] += want == "opt_out" and got != "opt_out"
            group["fp"] += want != "opt_out" and got == "opt_out"
            group["n"] += 1
        if want == "opt_out" and got != "opt_out":
            misses.append((row, result.keyword))
        elif want != "opt_out" and got == "opt_out":
            false_outs.append((row, result.keyword))

    print(f"split={args.split} lines={len(rows)}")
    print(f"{'group':34} {'n':>4}  {'opt-out recall':>20}  {'opt-out precision':>20}  fp")
    for key in sorted(groups, key=lambda k: (k != "all", k)):
        g = groups[key]
        print(f"{key:34} {g['n']:4}  {_ratio(g['tp'], g['tp'] + g['fn']):>20}  "
              f"{_ratio(g['tp'], g['tp'] + g['fp']):>20}  {g['fp']}")
    print("confusion (label -> decided: count):")
    for (want, got), count in sorted(confusion.items()):
        print(f"  {want:8} -> {got:8} {count}")
    print(f"misses: {len(misses)}  false opt-outs: {len(false_outs)}")
    if show_items:
        for row, _keyword in misses:
            print(f"  MISS [{row.get('lang')}/{row.get('category')}] {row['text']!r}")
        for row, keyword in false_outs:
            print(f"  FALSE-OUT [{row.get('lang')}/{row.get('category')}] {keyword} "
                  f"{row['text']!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
