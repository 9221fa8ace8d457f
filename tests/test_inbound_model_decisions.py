"""What the webhook does with the recogniser's model decisions (smsgate.consent.keywords_model):
an opt-out the model is sure of is recorded like any other, with the model named as the reason;
a possible opt-out sends nothing and pauses the brand's texts until a person has decided
(tests/test_reviews.py follows it through the review queue)."""

from __future__ import annotations

import json

from factories import INBOUND_PATH, inbound
from sqlalchemy import select

from smsgate.consent.keywords import Intent, classify
from smsgate.extensions import db
from smsgate.models import ConsentState, InboundMessage, LedgerEntry, OutboxMessage

# A formal Spanish revocation no rule covers: the shipped model decides it (score >= 0.9).
MODEL_OPT_OUT = "Solicito respetuosamente que supriman mi número de su sistema de mensajería."
# A revocation the model scores high but may not decide alone: its "no" governs "hace falta",
# no verb of sending or wanting (keywords_hedge), so a person reviews it.
MODEL_REVIEW = "ya no me hace falta esto"


def test_the_examples_are_decided_by_the_model():
    sure, unsure = classify(MODEL_OPT_OUT), classify(MODEL_REVIEW)
    assert (sure.intent, sure.keyword) == (Intent.OPT_OUT, "model:lr1")
    assert (unsure.intent, unsure.keyword) == (Intent.POSSIBLE_OPT_OUT, "model:lr1")


def test_a_model_opt_out_is_recorded_with_the_model_as_its_reason(brand, post_signed):
    assert post_signed(INBOUND_PATH, inbound(MODEL_OPT_OUT)).status_code == 200
    entry = db.session.scalars(select(LedgerEntry)).one()
    assert (entry.action, entry.keyword, entry.raw_text) == ("opt_out", "model:lr1",
                                                             MODEL_OPT_OUT)
    assert json.loads(entry.evidence)["score"] >= 0.9  # the model's score, kept as evidence
    assert db.session.get(ConsentState, ("+14155550123", brand.id)).action == "opt_out"
    assert db.session.scalars(select(OutboxMessage)).one().kind == "opt_out"


def test_a_possible_opt_out_sends_nothing_and_pauses_for_review(brand, post_signed):
    assert post_signed(INBOUND_PATH, inbound(MODEL_REVIEW)).status_code == 200
    stored = db.session.scalars(select(InboundMessage)).one()
    assert (stored.intent, stored.keyword) == ("review", "model:lr1")
    assert db.session.scalars(select(OutboxMessage)).all() == []
    entry = db.session.scalars(select(LedgerEntry)).one()
    assert (entry.action, entry.keyword) == ("review", "model:lr1")
    assert json.loads(entry.evidence)["score"] >= 0.5  # a guard (the "no") kept it from deciding
    assert db.session.get(ConsentState, ("+14155550123", brand.id)).action == "review"
