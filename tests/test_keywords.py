"""The keyword contract of smsgate.consent.keywords.classify, case by case and by property."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smsgate.consent.keywords import MAX_RULE_CHARS, Classification, Intent, classify

OUT, IN, HELP, NONE = Intent.OPT_OUT, Intent.OPT_IN, Intent.HELP, Intent.NONE

# (id, body, OptOutType, intent, keyword, all_brands)
CASES = [
    # --- every opt-out keyword, in several spellings -----------------------------------
    ("stop-upper", "STOP", None, OUT, "STOP", False),
    ("stop-lower", "stop", None, OUT, "STOP", False),
    ("stop-full-stop", "Stop.", None, OUT, "STOP", False),
    ("stop-leading-space-bang", " stop!", None, OUT, "STOP", False),
    ("stop-newline", "STOP\n", None, OUT, "STOP", False),
    ("stop-many-bangs", "STOP!!!", None, OUT, "STOP", False),
    ("stop-spanish-bangs", "¡stop!", None, OUT, "STOP", False),
    ("stop-quoted", '"STOP"', None, OUT, "STOP", False),
    ("stop-emoji-symbol", "STOP 🛑", None, OUT, "STOP", False),
    ("stop-emoji-variation-selector", "stop ❤️", None, OUT, "STOP", False),
    ("stop-fullwidth", "ＳＴＯＰ", None, OUT, "STOP", False),
    ("stop-zero-width", "\u200bSTOP\ufeff", None, OUT, "STOP", False),
    ("stop-tabs-and-crlf", "\t stop \r\n", None, OUT, "STOP", False),
    ("stop-smart-quotes", "“Stop”", None, OUT, "STOP", False),
    ("stopall", "stopall", None, OUT, "STOPALL", True),
    ("stopall-upper", "STOPALL", None, OUT, "STOPALL", True),
    ("stop-all-title", "Stop all", None, OUT, "STOP ALL", True),
    ("stop-all-nbsp", "STOP\u00a0ALL", None, OUT, "STOP ALL", True),
    ("stop-all-wide-gap", "stop \t\n  all!", None, OUT, "STOP ALL", True),
    ("stop-all-hyphen", "stop-all", None, OUT, "STOP ALL", True),
    ("stop-all-underscore", "STOP_ALL", None, OUT, "STOP ALL", True),
    ("unsubscribe", "Unsubscribe", None, OUT, "UNSUBSCRIBE", False),
    ("unsubscribe-dot", "unsubscribe.", None, OUT, "UNSUBSCRIBE", False),
    ("cancel", "CANCEL", None, OUT, "CANCEL", False),
    ("cancel-bang", "cancel!", None, OUT, "CANCEL", False),
    ("end", "End", None, OUT, "END", False),
    ("quit", "quit", None, OUT, "QUIT", False),
    ("revoke", "REVOKE", None, OUT, "REVOKE", False),
    ("optout", "optout", None, OUT, "OPTOUT", False),
    ("opt-out-space", "OPT OUT", None, OUT, "OPT OUT", False),
    ("opt-out-hyphen-title", "Opt-Out", None, OUT, "OPT OUT", False),
    ("opt-out-underscore", "opt_out", None, OUT, "OPT OUT", False),
    ("opt-out-en-dash", "opt\u2013out", None, OUT, "OPT OUT", False),
    # --- opt-in --------------------------------------------------------------------------
    ("start", "START", None, IN, "START", False),
    ("start-dot", "start.", None, IN, "START", False),
    ("unstop", "Unstop", None, IN, "UNSTOP", False),
    ("yes", "YES", None, IN, "YES", False),
    ("yes-bang-space", " yes! ", None, IN, "YES", False),
    # --- help ----------------------------------------------------------------------------
    ("help", "HELP", None, HELP, "HELP", False),
    ("help-question", "help?", None, HELP, "HELP", False),
    ("info", "Info", None, HELP, "INFO", False),
    ("info-dots", "INFO...", None, HELP, "INFO", False),
    # --- plain-language revocations that must opt out ----------------------------------
    ("rule-stop-texting-me", "Stop texting me", None, OUT, "rule:stop-texting", False),
    ("rule-stop-texting-me-please", "stop texting me please", None, OUT,
     "rule:stop-texting", False),
    ("rule-please-stop", "Please stop", None, OUT, "rule:please-stop", False),
    ("rule-please-stop-texting", "please stop texting", None, OUT, "rule:stop-texting", False),
    ("rule-stop-sending-messages", "stop sending me messages", None, OUT,
     "rule:stop-texting", False),
    ("rule-stop-messaging-me", "stop messaging me", None, OUT, "rule:stop-texting", False),
    ("rule-stop-contacting-me", "stop contacting me", None, OUT, "rule:stop-texting", False),
    ("rule-please-unsubscribe", "please unsubscribe", None, OUT, "rule:unsubscribe-me", False),
    ("rule-please-unsubscribe-me", "please unsubscribe me", None, OUT,
     "rule:unsubscribe-me", False),
    ("rule-unsubscribe-me", "unsubscribe me", None, OUT, "rule:unsubscribe-me", False),
    ("rule-unsubscribe-me-from-list", "unsubscribe me from this list", None, OUT,
     "rule:unsubscribe-me", False),
    ("rule-remove-me", "remove me", None, OUT, "rule:remove-me", False),
    ("rule-remove-me-from-this-list", "remove me from this list", None, OUT,
     "rule:remove-me", False),
    ("rule-remove-me-from-your-list", "Remove me from your list!", None, OUT,
     "rule:remove-me", False),
    ("rule-take-me-off-your-list", "take me off your list", None, OUT,
     "rule:take-me-off", False),
    ("rule-take-me-off-this-list", "Take me off this list.", None, OUT,
     "rule:take-me-off", False),
    ("rule-want-to-opt-out", "I want to opt out", None, OUT, "rule:want-to-opt-out", False),
    ("rule-opt-me-out", "opt me out", None, OUT, "rule:opt-me-out", False),
    ("rule-do-not-text-me", "do not text me", None, OUT, "rule:do-not-text", False),
    ("rule-dont-text-me", "don't text me", None, OUT, "rule:do-not-text", False),
    ("rule-dont-text-me-smart-apostrophe", "Don’t text me!", None, OUT,
     "rule:do-not-text", False),
    ("rule-dont-text-me-anymore", "dont text me anymore", None, OUT, "rule:do-not-text", False),
    ("rule-no-more-texts", "no more texts", None, OUT, "rule:no-more-texts", False),
    ("rule-no-more-messages-please", "no more messages please", None, OUT,
     "rule:no-more-texts", False),
    ("rule-leave-me-alone", "Leave me alone", None, OUT, "rule:leave-me-alone", False),
    ("rule-cancel-my-subscription", "cancel my subscription", None, OUT,
     "rule:cancel-subscription", False),
    ("rule-stop-stop-stop", "stop stop stop", None, OUT, "rule:repeated-keyword", False),
    ("rule-STOP-STOP", "STOP STOP", None, OUT, "rule:repeated-keyword", False),
    ("rule-stop-it", "Stop it", None, OUT, "rule:stop-it", False),
    ("rule-second-sentence", "Who is this? Stop texting me.", None, OUT,
     "rule:stop-texting", False),
    ("rule-keyword-then-question", "STOP. Who is this?", None, OUT, "rule:keyword-clause", False),
    ("rule-keyword-twice-with-bangs", "STOP! STOP!", None, OUT, "rule:keyword-clause", False),
    ("rule-stop-all-in-sentence-is-not-all-brands", "stop all. now", None, OUT,
     "rule:keyword-clause", False),
    ("rule-can-you-please-stop", "can you please stop", None, OUT, "rule:please-stop", False),
    # --- ordinary sentences that must NOT opt out --------------------------------------
    ("not-dont-stop", "Don't stop", None, NONE, None, False),
    ("not-dont-stop-texting-me", "don't stop texting me", None, NONE, None, False),
    ("not-do-not-stop", "do not stop", None, NONE, None, False),
    ("not-never-stop", "never stop", None, NONE, None, False),
    ("not-stopped-by-the-store", "Stopped by the store", None, NONE, None, False),
    ("not-end-up-there", "I'll end up there", None, NONE, None, False),
    ("not-stop-by-anytime", "Stop by anytime", None, NONE, None, False),
    ("not-bus-stop", "the bus stop", None, NONE, None, False),
    ("not-nonstop", "nonstop", None, NONE, None, False),
    ("not-cant-stop-laughing", "Can't stop laughing", None, NONE, None, False),
    ("not-unstoppable", "Unstoppable", None, NONE, None, False),
    ("not-is-this-the-end", "Is this the end?", None, NONE, None, False),
    ("not-quit-smoking-tips", "Quit smoking tips?", None, NONE, None, False),
    ("not-cancel-the-meeting", "I will cancel the meeting", None, NONE, None, False),
    ("not-cancel-appointment", "Cancel my 3pm appointment", None, NONE, None, False),
    ("not-told-him-to-stop", "I told him to stop texting me", None, NONE, None, False),
    ("not-spelled-out-stop", "S T O P", None, NONE, None, False),
    ("not-endless", "endless", None, NONE, None, False),
    ("not-starting", "starting", None, NONE, None, False),
    ("not-yesterday", "Yesterday", None, NONE, None, False),
    ("not-helpful", "Helpful", None, NONE, None, False),
    ("not-information-please", "Information please", None, NONE, None, False),
    ("not-info-email-address", "info@example.com", None, NONE, None, False),
    ("not-help-inside-sentence", "I need help with my order", None, NONE, None, False),
    ("not-yes-please-opt-in-must-be-exact", "Yes please", None, NONE, None, False),
    ("not-stop-with-trailing-letter", "STOPx", None, NONE, None, False),
    # --- empty input ----------------------------------------------------------------------
    ("empty", "", None, NONE, None, False),
    ("none-body", None, None, NONE, None, False),
    ("whitespace-only", " \t\n\u00a0", None, NONE, None, False),
    ("punctuation-only", "?!...", None, NONE, None, False),
    ("lone-surrogate", "\ud800", None, NONE, None, False),
    # --- Twilio's OptOutType wins ---------------------------------------------------------
    ("opt-out-type-stop-beats-hello", "hello", "STOP", OUT, "OptOutType:STOP", False),
    ("opt-out-type-start-beats-stop", "STOP", "START", IN, "OptOutType:START", False),
    ("opt-out-type-help-lowercase", "whatever", "help", HELP, "OptOutType:HELP", False),
    ("opt-out-type-stop-padded", "", " stop ", OUT, "OptOutType:STOP", False),
    ("opt-out-type-stop-with-stopall-text", "STOPALL", "STOP", OUT, "OptOutType:STOP", True),
    ("opt-out-type-stop-with-stop-all-text", "stop all", "Stop", OUT, "OptOutType:STOP", True),
    ("opt-out-type-start-with-stopall-text", "STOPALL", "START", IN, "OptOutType:START", False),
    ("opt-out-type-empty-text-decides", "STOP", "", OUT, "STOP", False),
    ("opt-out-type-blank-text-decides", "YES", "   ", IN, "YES", False),
    ("opt-out-type-bogus-text-decides", "STOP", "bogus", OUT, "STOP", False),
    ("opt-out-type-bogus-text-none", "hello", "UNSUBSCRIBE", NONE, None, False),
]


@pytest.mark.parametrize(
    ("body", "opt_out_type", "intent", "keyword", "all_brands"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_classify_follows_the_keyword_contract(body, opt_out_type, intent, keyword, all_brands):
    assert classify(body, opt_out_type) == Classification(intent, keyword, all_brands)


def test_case_table_is_large_and_ids_are_unique():
    ids = [case[0] for case in CASES]
    assert len(ids) >= 90
    assert len(ids) == len(set(ids))


def test_megabyte_body_with_keyword_core_is_still_a_keyword():
    assert classify(" " * 1_000_000 + "STOP" + "!" * 1_000_000).keyword == "STOP"


def test_plain_language_rules_only_read_the_first_max_rule_chars():
    assert classify("stop texting me").intent is OUT
    assert classify(" " * MAX_RULE_CHARS + "x. stop texting me").intent is NONE


def test_expanding_nfkc_input_is_cheap_and_not_a_keyword():
    # U+FDFA expands to 18 characters under NFKC; a megabyte of it must not be normalised.
    assert classify("\ufdfa" * 1_000_000).intent is NONE


# --- properties ------------------------------------------------------------------------

KEYWORD_BODIES = {
    "STOP": (OUT, False), "STOPALL": (OUT, True), "STOP ALL": (OUT, True),
    "UNSUBSCRIBE": (OUT, False), "CANCEL": (OUT, False), "END": (OUT, False),
    "QUIT": (OUT, False), "REVOKE": (OUT, False), "OPTOUT": (OUT, False),
    "OPT OUT": (OUT, False), "START": (IN, False), "UNSTOP": (IN, False), "YES": (IN, False),
    "HELP": (HELP, False), "INFO": (HELP, False),
}
# Padding: whitespace, controls, zero-width characters, punctuation and symbols (emoji and
# "™" included: surrounding characters are ignored before NFKC could turn them into letters).
padding = st.text(
    alphabet=st.one_of(
        st.sampled_from(" \t\n\r\u00a0\u3000\u200b\ufeff.,!?¡¿\"'“”‘’()[]-_*#…🛑❤️😀👍™"),
        st.characters(categories=["P", "S", "Z", "Cc"]),
    ),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_classify_never_raises_and_returns_an_intent(body):
    result = classify(body)
    assert isinstance(result, Classification)
    assert isinstance(result.intent, Intent)


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec=None, exclude_categories=())),
       st.one_of(st.none(), st.text(st.characters(codec=None, exclude_categories=()))))
def test_classify_never_raises_on_surrogates_controls_or_odd_opt_out_types(body, opt_out_type):
    result = classify(body, opt_out_type)
    assert isinstance(result.intent, Intent)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(KEYWORD_BODIES)), padding, padding,
       st.sampled_from([str.upper, str.lower, str.title, str.capitalize]))
def test_keyword_is_invariant_under_case_and_surrounding_whitespace_and_punctuation(
        keyword, before, after, case):
    result = classify(before + case(keyword) + after)
    assert result == Classification(*_expected(keyword))


def _expected(keyword: str) -> tuple[Intent, str, bool]:
    intent, all_brands = KEYWORD_BODIES[keyword]
    return intent, keyword, all_brands


@settings(max_examples=300, deadline=None)
@given(st.text(), st.one_of(st.none(), st.sampled_from(["", "STOP", "start", "HELP", "x"])))
def test_classify_is_deterministic(body, opt_out_type):
    assert classify(body, opt_out_type) == classify(body, opt_out_type)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.sampled_from(["STOPALL", "stop all", "Stop-All", "STOP"]),
                 padding.map(lambda p: p + "stopall" + p)),
       st.one_of(st.none(), st.sampled_from(["", "STOP", "START", "HELP", "bogus"])))
def test_all_brands_implies_opt_out(body, opt_out_type):
    result = classify(body, opt_out_type)
    if result.all_brands:
        assert result.intent is OUT


@settings(max_examples=300, deadline=None)
@given(st.text(), st.sampled_from(["STOP", "stop", " Start ", "HELP", "help"]))
def test_opt_out_type_always_wins_over_text(body, opt_out_type):
    expected = {"STOP": OUT, "START": IN, "HELP": HELP}[opt_out_type.strip().upper()]
    result = classify(body, opt_out_type)
    assert result.intent is expected
    assert result.keyword == f"OptOutType:{opt_out_type.strip().upper()}"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_none_intent_has_no_keyword_and_others_always_do(body):
    result = classify(body)
    assert (result.intent is NONE) == (result.keyword is None)
