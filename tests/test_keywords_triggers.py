"""The trigger words that let the recogniser skip a regex (keywords_text.Gated and its kin):
every match of each gated pattern must hold one of its triggers, or skipping it would change a
decision. Checked on every corpus reply and on text generated from the patterns' own words.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smsgate.consent import keywords_identity, keywords_retract, keywords_rules, keywords_wanted
from smsgate.consent.keywords_text import clauses, words

CORPUS = Path(__file__).parent / "fixtures" / "replies"
TEXTS = [json.loads(line)["text"] for path in sorted(CORPUS.glob("*.jsonl"))
         for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
CLAUSES = sorted({clause for text in TEXTS for clause in clauses(text)})

# (name, pattern, triggers): each pattern the code skips when none of its triggers is present.
GATED = [
    ("retract", keywords_retract._ANYWHERE.pattern, keywords_retract._ANYWHERE.triggers),
    *[(f"wanted{name}", gated.pattern, gated.triggers) for name, gated in [
        ("_STOP_WORD", keywords_wanted._STOP_WORD), ("_OPT_IN", keywords_wanted._OPT_IN),
        ("_STOPPED_ARRIVING", keywords_wanted._STOPPED_ARRIVING),
        ("_OTHER_ACTION", keywords_wanted._OTHER_ACTION),
        ("_SAVE_ME", keywords_wanted._SAVE_ME)]],
    *[(f"reported-{lang}", pattern, keywords_rules._REPORTING_WORDS)
      for lang, pattern in keywords_rules._REPORTED.items()],
    *[(f"speech-{lang}", pattern, keywords_rules._SPEECH_WORDS)
      for lang, pattern in keywords_rules._REPORTED_SPEECH.items()],
    *[(f"identity-dealings-{lang}", pattern, keywords_identity._DEALING_TRIGGERS)
      for lang, pattern in keywords_identity._NO_DEALINGS.items()],
    *[(f"identity-gone-{lang}", pattern, keywords_identity._GONE_TRIGGERS[lang])
      for lang, pattern in keywords_identity._GONE.items()],
    ("identity-not-mine", keywords_identity._NOT_MINE, keywords_identity._MINE_TRIGGERS),
    *[(f"rules{name}", gated.pattern, gated.triggers) for name, gated in [
        ("_APOLOGY", keywords_rules._APOLOGY), ("_ANSWERING_FOR", keywords_rules._ANSWERING_FOR)]],
]
IDS = [name for name, _pattern, _triggers in GATED]


def _vocabulary() -> list[str]:
    """The words the gated patterns are written with, and a few of prose."""
    found = {word for _name, pattern, _triggers in GATED
             for word in re.findall(r"[a-z']+", pattern.pattern)}
    return sorted(found | {"hi", "the", "texts", "me", "please", "i", "you", "mensajes"})


@pytest.mark.parametrize(("name", "pattern", "triggers"), GATED, ids=IDS)
def test_every_corpus_match_holds_a_trigger(name, pattern, triggers):
    for clause in CLAUSES:
        if pattern.search(clause):
            assert not triggers.isdisjoint(words(clause)), (name, clause)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_vocabulary()), min_size=1, max_size=8),
       st.sampled_from([" ", " ", ", ", "'"]))
def test_every_generated_match_holds_a_trigger(chosen, joiner):
    text = joiner.join(chosen)
    for name, pattern, triggers in GATED:
        if pattern.search(text):
            assert not triggers.isdisjoint(words(text)), (name, text)

