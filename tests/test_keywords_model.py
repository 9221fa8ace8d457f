"""The statistical layer of smsgate.consent.keywords: the shipped model is what the training
script makes of the train split, its score is a bounded probability, and classify combines it
with the keyword and rule layers as documented (rules first; negation, opt-in words and
reported speech never let the model opt out alone)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smsgate.consent import keywords_model, keywords_rules, keywords_train
from smsgate.consent.keywords import MAX_RULE_CHARS, Intent, classify
from smsgate.consent.keywords_hedge import model_may_decide
from smsgate.consent.keywords_model import OPT_OUT_AT, REVIEW_AT, Model, features
from smsgate.consent.keywords_text import clauses

CORPUS_ROWS = keywords_train.load_rows(sorted(keywords_train.CORPUS.glob("*.jsonl")))


def _model_scoring(word: str, score: float) -> Model:
    """A model that gives texts holding `word` the probability `score`, others almost 0."""
    logit = math.log(score / (1 - score))
    return Model("t1", -20.0, {"w:" + word: logit + 20.0}, frozenset({word}))


def test_the_shipped_weights_are_what_the_training_script_writes():
    assert keywords_train.dump(keywords_train.train(CORPUS_ROWS)) == \
        keywords_model.WEIGHTS_FILE.read_text(encoding="utf-8")


def test_training_never_reads_the_held_out_split():
    # Held-out rows, the corpus's own (if any) and some made up here, with their labels
    # flipped: training must not notice them at all.
    made_up = [dict(row, split="heldout-test", text=row["text"] + " (held out)")
               for row in CORPUS_ROWS[::7]]
    rows = CORPUS_ROWS + made_up
    flipped = [dict(row, label="none" if row["label"] == "opt_out" else "opt_out")
               if row["split"] != "train" else row for row in rows]
    assert keywords_train.train(flipped) == keywords_train.train(rows) == \
        keywords_train.train(CORPUS_ROWS)


def test_the_shipped_model_names_itself_within_the_keyword_column():
    model = keywords_model.shipped()
    assert model.name == keywords_train.MODEL_NAME and len(f"model:{model.name}") <= 64
    assert REVIEW_AT < OPT_OUT_AT < 1


@pytest.mark.parametrize(("score", "intent"), [
    (0.97, Intent.OPT_OUT), (OPT_OUT_AT + 0.001, Intent.OPT_OUT),
    (OPT_OUT_AT - 0.001, Intent.POSSIBLE_OPT_OUT), (REVIEW_AT + 0.001, Intent.POSSIBLE_OPT_OUT),
    (REVIEW_AT - 0.001, Intent.NONE), (0.3, Intent.NONE)])
def test_the_model_score_decides_what_no_keyword_or_rule_decided(score, intent):
    result = classify("zebra crossing", model=_model_scoring("zebra", score))
    assert result.intent is intent
    if intent is Intent.NONE:
        assert result.keyword is None and result.score is None
    else:
        assert result.keyword == "model:t1" and result.score == pytest.approx(score, abs=1e-3)
        assert not result.all_brands


@pytest.mark.parametrize("body", [
    "zebra, don't", "no zebra", "never zebra", "she said zebra",
    "my husband wants zebra", "dile que zebra", "ya no zebra"])
def test_negation_and_reported_speech_send_a_sure_model_to_review(body):
    result = classify(body, model=_model_scoring("zebra", 0.999))
    assert result.intent is Intent.POSSIBLE_OPT_OUT and result.keyword == "model:t1"


@pytest.mark.parametrize("body", ["zebra resubscribe", "add me back zebra", "agregame zebra",
                                  "how often zebra", "zebra. keep texting me"])
def test_opt_in_words_and_help_questions_without_a_stop_word_keep_a_sure_model_at_nothing(body):
    # Fourth pass: sent to review, these paused the very texts they asked for (keywords_wanted).
    assert classify(body, model=_model_scoring("zebra", 0.999)).intent is Intent.NONE


@pytest.mark.parametrize(("body", "may"), [
    # a negator over a verb of sending, receiving, writing or wanting is the revocation
    ("ya no me manden zebra", True), ("no quiero zebra", True), ("don't text me zebra", True),
    ("no me escriban zebra", True), ("por favor ya no", True), ("I no longer need zebra", True),
    # a negator over a stop, removal or keep word, or over anything else, is not
    ("no pares zebra", False), ("no me borres zebra", False), ("don't stop zebra", False),
    ("never unsubscribe zebra", False), ("no quiero dejar de recibir zebra", False),
    ("no please keep texting", False), ("ya no hay zebra", False), ("ya no me duele", False),
    ("no mas de dos zebra", False), ("zebra, don't", False), ("please resubscribe", False)])
def test_the_model_decides_alone_only_when_each_negator_governs_a_request_word(body, may):
    assert model_may_decide(clauses(body)) is may


@pytest.mark.parametrize("body", [
    "remove me from the zebra roster", "how do I turn off the zebra alarm",
    "quiero dar de baja mi zebra", "me pueden quitar el zebra"])
def test_a_request_acting_on_something_else_is_for_review_at_most(body):
    eager = Model("eager", 30.0, {}, frozenset())
    assert classify(body, model=eager).intent is Intent.POSSIBLE_OPT_OUT


@pytest.mark.parametrize("body", [
    "Stop? no way", "stop texting me jk", "unsubscribe... just kidding",
    "remove me from your list but keep texting me the deals", "Alto. Es broma"])
def test_a_request_taken_back_is_nothing_and_never_reaches_the_model(body):
    eager = Model("eager", 30.0, {}, frozenset())
    assert classify(body, model=eager).intent is Intent.NONE


@pytest.mark.parametrize("body", [
    "don't stop texting me", "never unsubscribe me", "he told me to stop texting me",
    "no dejen de escribirme", "oops wrong number, meant to text my sister",
    "no " * (keywords_rules.MAX_RULE_ATTEMPTS + 1) + "stop texting me",
    "don't stop texting me " * (keywords_rules.MAX_CANCELLED + 1)])
def test_what_the_rules_cancelled_or_refused_never_reaches_the_model(body):
    eager = Model("eager", 30.0, {}, frozenset())
    assert classify(body, model=eager).intent is Intent.NONE


@pytest.mark.parametrize(("body", "keyword"), [
    ("STOP", "STOP"), ("HELP", "HELP"), ("START", "START"), ("stpo", "fuzzy:STOP"),
    ("please stop texting me", "rule:stop-texting")])
def test_keywords_and_rules_come_before_the_model(body, keyword):
    hostile = Model("hostile", -30.0, {}, frozenset())
    eager = Model("eager", 30.0, {}, frozenset())
    assert classify(body, model=hostile).keyword == keyword
    assert classify(body, model=eager).keyword == keyword
    assert classify(body).score is None


def test_the_model_picks_the_reply_language_from_the_text():
    spanish = classify("zebra ya me mudé de la ciudad, gracias",
                       model=_model_scoring("zebra", 0.95))
    english = classify("zebra I moved out of the city, thanks",
                       model=_model_scoring("zebra", 0.95))
    assert (spanish.language, english.language) == ("es", "en")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=MAX_RULE_CHARS))
def test_score_is_a_probability_and_only_model_decisions_carry_one(body):
    assert 0.0 <= keywords_model.shipped().score(body) <= 1.0
    result = classify(body)
    from_model = result.keyword is not None and result.keyword.startswith("model:")
    assert (result.score is not None) == from_model
    assert (result.intent is Intent.POSSIBLE_OPT_OUT) <= from_model


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=MAX_RULE_CHARS, max_size=MAX_RULE_CHARS + 5), st.text(max_size=40))
def test_the_model_reads_no_further_than_the_rules(head, tail):
    assert features(head + tail) == features(head)


def test_features_are_the_clauses_words_pairs_and_unknown_words_letters():
    found = features("Stop by, DON'T remove me")
    assert {"w:stop", "b:^ stop", "b:by $", "n:remove", "n:me", "c:<rem"} <= found
    assert "c:<rem" not in features("don't remove me", known={"remove"})
    assert clauses("Stop by, DON'T remove me") == ["stop by", "don't remove me"]


HOSTILE = {
    "repeated cancelled requests": "don't stop texting me " * 80,
    "rule heads only": "no " * 600,
    "weak cores that never close": "stop by tomorrow and " * 80,
    "unknown long words": " ".join(f"qz{i:04d}xkvwpyj" for i in range(120)),
    "accents": "número más allá él ñandú " * 70,
    "emoji": "🙂 " * 800,
    "one word": "a" * MAX_RULE_CHARS,
    "spanish request repeated": "ya no quiero que me sigan mandando mensajes, " * 40,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_long_hostile_text_is_read_no_further_than_the_rules_limit(name):
    # The work per text is bounded by MAX_RULE_CHARS: whatever follows them changes nothing.
    # The time itself is measured by `bench/keywords.py --timing --budget-us 1000` (which
    # times these texts too), never here: a unit test must not depend on a machine's speed.
    body = HOSTILE[name][:MAX_RULE_CHARS]
    assert classify(body * 50) == classify(body)
    assert classify(body + " please stop texting me") == classify(body)


def test_the_model_reads_a_long_message_by_its_opening_and_closing():
    short = clauses("Hi. I moved, so please stop the texts. Thanks")
    assert keywords_model.window(short) == short
    filler = "I have been meaning to write about the service for a while now. " * 20
    window = keywords_model.window(clauses("Opening words here. " + filler
                                           + "Closing words here."))
    assert window[0] == "opening words here" and window[-1] == "closing words here"
    assert sum(map(len, window)) <= keywords_model.HEAD_CHARS + keywords_model.TAIL_CHARS
    # A clause that crosses a limit is cut at a word, never inside one.
    one_clause = clauses("palabra " * 200)
    assert all(word == "palabra" for part in keywords_model.window(one_clause)
               for word in part.split())
