"""What every outbound text reads like: the brand named once, a sentence before the STOP line."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsgate.messaging.compose import STOP_LINE, compose_text, help_reply

CASES = {
    "bare body gets prefix, full stop and STOP line":
        ("Hi", "Acme: Hi. Reply STOP to opt out.", True, True),
    "a body ending a sentence gets no extra full stop":
        ("Sale today!", "Acme: Sale today! Reply STOP to opt out.", True, True),
    "a closing bracket alone does not end the sentence":
        ("Sale (today)", "Acme: Sale (today). Reply STOP to opt out.", True, True),
    "a quote after the mark ends it":
        ('He said "go."', 'Acme: He said "go." Reply STOP to opt out.', True, True),
    "the brand's own prefix is kept, case-insensitively":
        ("ACME: deals", "ACME: deals. Reply STOP to opt out.", False, True),
    "a longer word starting with the brand does not name it":
        ("Acmeville fair", "Acme: Acmeville fair. Reply STOP to opt out.", True, True),
    "a body that says how to stop gets no STOP line":
        ("Acme deals, text STOP to quit", "Acme deals, text STOP to quit", False, False),
}


@pytest.mark.parametrize(("body", "text", "prefix_added", "stop_added"), CASES.values(),
                         ids=list(CASES))
def test_compose_text_cases(body, text, prefix_added, stop_added):
    composed = compose_text("Acme", body)
    assert (composed.text, composed.prefix_added, composed.stop_line_added) == (
        text, prefix_added, stop_added)


def test_help_reply_names_the_brand_once_when_the_help_text_already_does():
    assert help_reply("Acme", "Acme support: 415-555-0199") == (
        "Acme support: 415-555-0199. Reply STOP to opt out.")
    assert help_reply("Acme", "Call 415-555-0199") == (
        "Acme: Call 415-555-0199. Reply STOP to opt out.")


@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1,
               max_size=80).filter(str.strip))
def test_every_composed_text_starts_with_the_brand_and_never_runs_into_the_stop_line(body):
    composed = compose_text("Acme", body)
    assert composed.text.casefold().startswith("acme")
    if composed.stop_line_added:
        before = composed.text[: -len(STOP_LINE)].rstrip()
        assert composed.text.endswith(" " + STOP_LINE)
        assert before[-1] in '.!?\u2026"\'\u201d\u2019)]'
    # Composing again adds nothing: the rule is stable.
    again = compose_text("Acme", composed.text)
    assert (again.text, again.prefix_added, again.stop_line_added) == (
        composed.text, False, False)
