"""A brand's own keywords: text-to-join with its disclosure in the evidence, extra help and
opt-out words, and the collisions the CLI refuses."""

from __future__ import annotations

import json

import pytest
from conftest import run_worker
from factories import INBOUND_PATH, inbound
from sqlalchemy import func, select

from smsgate.extensions import db
from smsgate.models import BrandKeyword, ConsentState, InboundMessage, LedgerEntry

PERSON = "+14155550123"


def brand_cli(runner, *args: str):
    return runner.invoke(args=["smsgate", "brand", *args])


@pytest.fixture
def keywords(runner, brand):
    result = brand_cli(runner, "update", "Acme", "--join-keyword", "deals", "--help-keyword",
                       "Acme Info", "--opt-out-keyword", "ACMEOUT")
    assert result.exit_code == 0, result.output
    assert "join_keyword=DEALS" in result.output and "help_keyword=ACME INFO" in result.output
    return brand


def test_texting_a_join_keyword_opts_in_with_the_disclosure_in_the_evidence(
        app, keywords, post_signed, twilio):
    post_signed(INBOUND_PATH, inbound("Deals!"))
    run_worker(app, "replies")
    [reply] = twilio.sent
    entry = db.session.scalars(select(LedgerEntry)).one()
    assert (entry.action, entry.source, entry.keyword, entry.raw_text) == (
        "opt_in", "sms", "brand:DEALS", "Deals!")
    evidence = json.loads(entry.evidence)
    assert (evidence["join_keyword"], evidence["disclosure"]) == ("brand:DEALS", reply["Body"])
    for required in ("Acme", "Msg & data rates may apply", "HELP", "STOP"):
        assert required in reply["Body"]
    assert db.session.get(ConsentState, (PERSON, keywords.id)).action == "opt_in"


def test_extra_help_and_opt_out_keywords_act_like_the_standard_ones(
        app, keywords, post_signed, twilio):
    post_signed(INBOUND_PATH, inbound("acme info", sid="SM" + "1" * 32))
    post_signed(INBOUND_PATH, inbound("AcmeOut.", sid="SM" + "2" * 32))
    run_worker(app, "replies")
    assert [r["Body"] for r in twilio.sent] == [
        "Acme support: help@acme.example or 415-555-0199. Reply STOP to opt out.",
        "Acme: You are unsubscribed and will receive no more messages. "
        "Reply START to resubscribe."]
    entry = db.session.scalars(select(LedgerEntry)).one()
    assert (entry.action, entry.keyword, entry.scope) == ("opt_out", "brand:ACMEOUT", "brand")


def test_a_brand_keyword_texted_to_another_brands_number_is_no_keyword(
        runner, keywords, post_signed):
    assert brand_cli(runner, "create", "--name", "Bolt", "--number", "+14155550101"
                     ).exit_code == 0
    post_signed(INBOUND_PATH, inbound("DEALS", to="+14155550101"))
    assert db.session.scalar(select(InboundMessage.intent)) == "none"
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0


@pytest.mark.parametrize(("word", "message"), [
    ("STOP", "standard keyword (opt_out)"),
    ("yes", "standard keyword (opt_in)"),
    ("Info", "standard keyword (help)"),
    ("stop texting me", "standard keyword (opt_out)"),
    ("d€als", "letters, digits"),
    ("x" * 33, "letters, digits"),
])
def test_a_keyword_colliding_with_the_standard_ones_is_a_clear_error(runner, brand, word,
                                                                     message):
    result = brand_cli(runner, "update", "Acme", "--join-keyword", word)
    assert result.exit_code == 1
    assert message in result.output
    assert db.session.scalar(select(func.count()).select_from(BrandKeyword)) == 0


def test_a_keyword_another_brand_holds_is_refused_and_changes_nothing(runner, keywords):
    result = brand_cli(runner, "create", "--name", "Bolt", "--number", "+14155550101",
                       "--join-keyword", "DEALS")
    assert result.exit_code == 1
    assert "already brand 'Acme''s join keyword" in result.output
    assert "Bolt" not in brand_cli(runner, "list").output  # the whole command rolled back
    moved = brand_cli(runner, "update", "Acme", "--help-keyword", "deals")
    assert moved.exit_code == 1 and "already brand 'Acme''s join keyword" in moved.output
    removed = brand_cli(runner, "update", "Acme", "--remove-keyword", "Deals")
    assert removed.exit_code == 0 and "DEALS" not in removed.output
