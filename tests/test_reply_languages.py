"""Replies in the language of the text that asked for them, and brands' own reply texts."""

from __future__ import annotations

import pytest
from conftest import run_worker
from factories import INBOUND_PATH, inbound

from smsgate.accounts.brands import update_brand
from smsgate.errors import InvalidInput
from smsgate.extensions import db
from smsgate.messaging import compose


@pytest.mark.parametrize("text,start", [
    ("ALTO", "Acme: Te has dado de baja y no recibirás más mensajes."),
    ("para ya", "Acme: Te has dado de baja"),
    ("AYUDA", "Acme support: help@acme.example or 415-555-0199. Responde ALTO para"),
    ("COMENZAR", "Acme: Te has suscrito a los mensajes. La frecuencia de mensajes varía."),
    ("STOP", "Acme: You are unsubscribed"),
    ("stop por favor", "Acme: You are unsubscribed"),
])
def test_the_reply_speaks_the_language_of_the_keyword(app, brand, post_signed, twilio, text,
                                                      start):
    post_signed(INBOUND_PATH, inbound(text))
    run_worker(app, "replies")
    [sent] = twilio.sent
    assert sent["Body"].startswith(start), sent["Body"]


def test_spanish_opt_in_reply_says_what_carriers_require():
    body = compose.reply_text("opt_in", "es", brand_name="Acme", frequency_text="x",
                              help_text=None, default_frequency="x")
    assert compose.check_reply_text("opt_in", "es", body, "Acme") is None
    assert "Pueden aplicarse tarifas de mensajes y datos." in body


def test_a_brands_own_spanish_reply_is_sent(app, brand, post_signed, twilio):
    own = "Acme: No recibirás más ofertas de Acme. Responde COMENZAR para volver."
    update_brand(db.session, "Acme", reply_texts={("opt_out", "es"): own})
    db.session.commit()
    post_signed(INBOUND_PATH, inbound("ALTO"))
    post_signed(INBOUND_PATH, inbound("STOP", sid="SM" + "c" * 32, sender="+14155550124"))
    run_worker(app, "replies")
    assert sorted(sent["Body"] for sent in twilio.sent) == sorted(
        [own, compose.opt_out_reply("Acme")])


def test_an_empty_text_restores_the_standard_reply(ctx, brand):
    update_brand(db.session, "Acme", reply_texts={("help", "es"): "Acme: ayuda. Responde ALTO."})
    update_brand(db.session, "Acme", reply_texts={("help", "es"): ""})
    assert brand.reply_texts == "{}"


@pytest.mark.parametrize("kind,language,text,problem", [
    ("opt_in", "es", "Te has suscrito. Responde AYUDA o ALTO. Tarifas.", "name the brand"),
    ("opt_in", "en", "Acme: subscribed! Reply HELP for help, STOP to stop.", "frequency"),
    ("opt_in", "en", "Acme: 4 msgs/mo. Reply HELP for help, STOP to stop.", "rates"),
    ("opt_in", "es", "Acme: 4 msjs/mes. Tarifas. Responde ALTO para cancelar.", "HELP"),
    ("help", "en", "Acme: call 415-555-0199.", "opt out"),
    ("help", "fr", "Acme: aide. STOP.", "language"),
    ("welcome", "en", "Acme: hi. STOP.", "kind"),
    ("opt_out", "en", "Acme: " + "x" * 500, "characters"),
])
def test_a_brands_reply_text_is_checked_when_set(ctx, brand, kind, language, text, problem):
    with pytest.raises(InvalidInput, match=problem):
        update_brand(db.session, "Acme", reply_texts={(kind, language): text})
    db.session.rollback()


def test_brand_cli_sets_a_reply_and_explains_a_bad_one(ctx, brand, runner):
    good = runner.invoke(args=["smsgate", "brand", "update", "Acme", "--reply", "help", "es",
                               "Acme: llame al 415-555-0199. Responde ALTO para cancelar."])
    assert good.exit_code == 0, good.output
    bad = runner.invoke(args=["smsgate", "brand", "update", "Acme", "--reply", "opt_in", "en",
                              "Acme: hi"])
    assert bad.exit_code != 0
    assert "frequency" in bad.output
    db.session.expire_all()
    assert "help.es" in brand.reply_texts and "opt_in.en" not in brand.reply_texts
