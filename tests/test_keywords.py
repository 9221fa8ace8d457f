"""The keyword contract of smsgate.consent.keywords.classify, case by case and by property."""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from smsgate.consent import keywords_rules, keywords_text
from smsgate.consent.keywords import MAX_RULE_CHARS, Classification, Intent, classify
from smsgate.consent.keywords_fuzzy import tolerated_keyword
from smsgate.consent.keywords_heads import HEADS
from smsgate.consent.keywords_text import clauses, fold_accents

OUT, IN, HELP, NONE = Intent.OPT_OUT, Intent.OPT_IN, Intent.HELP, Intent.NONE
REVIEW = Intent.POSSIBLE_OPT_OUT

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
    ("spelled-out-stop", "S T O P", None, OUT, "fuzzy:STOP", False),
    ("not-endless", "endless", None, NONE, None, False),
    ("not-starting", "starting", None, NONE, None, False),
    ("not-yesterday", "Yesterday", None, NONE, None, False),
    ("not-helpful", "Helpful", None, NONE, None, False),
    ("not-information-please", "Information please", None, NONE, None, False),
    ("not-info-email-address", "info@example.com", None, NONE, None, False),
    ("not-help-inside-sentence", "I need help with my order", None, NONE, None, False),
    ("not-yes-please-opt-in-must-be-exact", "Yes please", None, NONE, None, False),
    # Fourth pass: one letter more at the end of a whole-message keyword is that keyword
    # (keywords_short), as "stopt" was in heldout5.
    ("stop-with-trailing-letter", "STOPx", None, OUT, "fuzzy:STOP", False),
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


# (id, body, intent, keyword, language): the recogniser's wider net, one named case per
# decision. Keyword is the rule or keyword that decided (None for Intent.NONE).
MORE_CASES = [
    # --- the issue's own examples ------------------------------------------------------
    ("issue-unsubscrbe", "unsubscrbe", OUT, "fuzzy:UNSUBSCRIBE", "en"),
    ("issue-qiut", "qiut", OUT, "fuzzy:QUIT", "en"),
    ("issue-STOPPPPP", "STOPPPPP", OUT, "fuzzy:STOP", "en"),
    ("issue-quit-spamming", "quit spamming my phone", OUT, "rule:stop-texting", "en"),
    ("issue-enough-with-these", "enough with these messages!!", OUT, "rule:stop-texting", "en"),
    ("issue-formal-discontinue", "Please discontinue text messages to this number.", OUT,
     "rule:stop-the-texts", "en"),
    ("issue-moved-stop-the-texts",
     "Hi, I moved and this is no longer relevant to me, so please stop the texts. Thanks",
     OUT, "rule:stop-the-texts", "en"),
    ("issue-not-danas-phone", "This is not Dana's phone anymore, please update your list", OUT,
     "rule:wrong-number", "en"),
    ("issue-way-to-opt-out", "is there a way to opt out of these", OUT, "rule:how-to-stop", "en"),
    ("issue-para-ya", "PARA YA", OUT, "rule:es-keyword-clause", "es"),
    ("issue-ya-no-me-manden", "ya no me manden promociones", OUT, "rule:es-no-me-manden", "es"),
    ("issue-borren-mi-numero", "borren mi número", OUT, "rule:es-borren-mi-numero", "es"),
    ("issue-stop-the-texts-thank-you", "Stop the texts please and thank you", OUT,
     "rule:stop-the-texts", "en"),
    ("issue-no-more-pls-gracias", "no more pls, gracias", OUT, "rule:no-more", "en"),
    ("issue-not-dont-stop", "don't stop", NONE, None, "en"),
    ("issue-not-stop-by-tomorrow", "stop by tomorrow?", NONE, None, "en"),
    ("issue-not-cancel-my-order", "cancel my order", NONE, None, "en"),
    ("issue-not-no-pares", "no pares", NONE, None, "en"),
    ("issue-not-alto-en-calorias", "alto en calorías", NONE, None, "en"),
    # --- tolerated misspellings and stretches --------------------------------------------
    ("fuzzy-sotp", "sotp", OUT, "fuzzy:STOP", "en"),
    ("fuzzy-stp", "stp!", OUT, "fuzzy:STOP", "en"),
    ("fuzzy-st0p", "ST0P", OUT, "fuzzy:STOP", "en"),
    ("fuzzy-stahp", "STAHP", OUT, "fuzzy:STOP", "en"),
    ("fuzzy-stoop-whole-message", "stoop", OUT, "fuzzy:STOP", "en"),
    ("fuzzy-atop-whole-message", "atop", OUT, "fuzzy:STOP", "en"),
    ("fuzzy-stopall-stretched-is-all-brands", "STOPALLLL", OUT, "fuzzy:STOPALL", "en"),
    ("fuzzy-unsuscribe", "unsuscribe", OUT, "fuzzy:UNSUBSCRIBE", "en"),
    ("fuzzy-unsubscribed", "Unsubscribed", OUT, "fuzzy:UNSUBSCRIBE", "en"),
    ("fuzzy-cancle", "cancle", OUT, "fuzzy:CANCEL", "en"),
    ("fuzzy-revoek", "revoek", OUT, "fuzzy:REVOKE", "en"),
    ("fuzzy-enf", "enf", OUT, "fuzzy:END", "en"),
    ("fuzzy-altp", "altp", OUT, "fuzzy:ALTO", "es"),
    ("fuzzy-altooo", "ALTOOOO", OUT, "fuzzy:ALTO", "es"),
    ("fuzzy-cancelr", "cancelr", OUT, "fuzzy:CANCELAR", "es"),
    ("fuzzy-in-a-clause", "pls stpo texting me", OUT, "rule:stop-texting", "en"),
    ("fuzzy-stretched-in-a-clause", "STOOOOP TEXTING MEEEE", OUT, "rule:stop-texting", "en"),
    # --- real words one edit from a keyword stay words -----------------------------------
    ("real-shop", "shop", NONE, None, "en"),
    ("real-step", "Step", NONE, None, "en"),
    ("real-slop", "slop", NONE, None, "en"),
    ("real-top", "top", NONE, None, "en"),
    ("real-quiz", "quiz", NONE, None, "en"),
    ("real-quite", "quite", NONE, None, "en"),
    ("real-quiet", "quiet", NONE, None, "en"),
    ("real-suit", "suit", NONE, None, "en"),
    ("real-and", "and", NONE, None, "en"),
    ("real-send", "send", NONE, None, "en"),
    ("real-evoke", "evoke", NONE, None, "en"),
    ("real-cancer", "cancer", NONE, None, "en"),
    ("real-es-hasta", "hasta", NONE, None, "en"),
    ("real-es-algo", "algo", NONE, None, "en"),
    ("real-es-salto", "salto", NONE, None, "en"),
    ("real-es-pasta", "pasta", NONE, None, "en"),
    ("real-stoop-in-a-sentence", "sitting on the stoop", NONE, None, "en"),
    # --- plain requests, formal and angry registers --------------------------------------
    ("plain-take-my-number-off", "take my number off", OUT, "rule:take-me-off", "en"),
    ("plain-want-off-list", "I want off this list", OUT, "rule:want-out", "en"),
    ("plain-dont-want-these-anymore", "I don't want these anymore", OUT,
     "rule:dont-want-texts", "en"),
    ("plain-no-texts-please", "no texts please", OUT, "rule:no-more-texts", "en"),
    ("formal-request-removal", "I am requesting that my number be removed from your messaging "
     "program.", OUT, "rule:remove-me", "en"),
    ("formal-no-longer-wish", "I no longer wish to receive these messages.", OUT,
     "rule:dont-want-texts", "en"),
    ("formal-revoke-consent", "I hereby revoke my consent to be contacted.", OUT,
     "rule:revoke-consent", "en"),
    ("formal-cease-and-desist", "Cease and desist all communications.", OUT,
     "rule:cease-and-desist", "en"),
    ("angry-wtf-stop", "wtf stop", OUT, "rule:please-stop", "en"),
    ("angry-leave-me-the-hell-alone", "leave me the hell alone", OUT, "rule:leave-me-alone",
     "en"),
    ("angry-how-many-times", "how many times do I have to say stop", OUT,
     "rule:how-many-times", "en"),
    ("angry-report", "im gonna report you if you dont stop", OUT, "rule:spam-report", "en"),
    ("angry-stop-then-text", "STOP who even is this", OUT, "rule:stop-then", "en"),
    ("embedded-polite-if-you-could", "if you could stop texting me that'd be great", OUT,
     "rule:stop-texting", "en"),
    ("embedded-asked-you-before", "I already asked you to stop texting me", OUT,
     "rule:stop-texting", "en"),
    # --- wrong numbers and questions -------------------------------------------------------
    ("wrong-number", "Wrong number", OUT, "rule:wrong-number", "en"),
    ("wrong-number-hash", "wrong #, never heard of you", OUT, "rule:wrong-number", "en"),
    ("wrong-number-sorry", "Sorry, wrong number", OUT, "rule:wrong-number", "en"),
    ("wrong-number-doesnt-belong", "This number doesn't belong to Luis anymore", OUT,
     "rule:wrong-number", "en"),
    ("not-wrong-number-my-own-mistake", "oops wrong number, meant to text my sister", NONE, None,
     "en"),
    ("question-how-do-i-unsubscribe", "How do I unsubscribe?", OUT, "rule:how-to-stop", "en"),
    ("question-can-these-be-turned-off", "Can these texts be turned off?", OUT,
     "rule:turned-off", "en"),
    ("question-unsubscribe-option", "is there an unsubscribe option", OUT,
     "rule:unsubscribe-option", "en"),
    ("question-would-you-mind-not", "Would you mind not texting me anymore?", OUT,
     "rule:not-text", "en"),
    # --- negation, reported speech, conditions, mentions ---------------------------------
    ("not-never-stop-texting-me", "never stop texting me", NONE, None, "en"),
    ("not-no-need-to-stop", "no need to stop", NONE, None, "en"),
    ("not-please-dont-stop-deals", "Please don't stop sending me deals", NONE, None, "en"),
    ("not-dont-want-to-unsubscribe", "I don't want to unsubscribe, just checking", NONE, None,
     "en"),
    ("not-dont-want-out", "I don't want out, I want IN on the giveaway", NONE, None, "en"),
    ("not-he-wont-stop", "he won't stop texting me", NONE, None, "en"),
    ("not-wife-said-unsubscribe", "my wife said to unsubscribe", NONE, None, "en"),
    ("not-why-did-you-stop", "why did you stop texting me?", NONE, None, "en"),
    # No rule reads this as a request and none cancels one, so the model scores it: never
    # an opt-out (since the train split grew, not even a possible one).
    ("not-stop-texting-while-driving", "I need to stop texting while driving", NONE,
     None, "en"),
    ("not-take-me-off-the-3pm", "take me off the 3pm and put me at 4pm?", NONE, None, "en"),
    ("not-cancel-appointment-need", "I need to cancel my appointment", NONE, None, "en"),
    ("not-how-do-i-cancel-order", "how do I cancel my order?", NONE, None, "en"),
    ("not-song-lyric", "Song lyric: 'stop, in the name of love'", NONE, None, "en"),
    ("not-no-stop-is-not-negation", "no stop texting me", OUT, "rule:stop-texting", "en"),
    # --- Spanish keywords ------------------------------------------------------------------
    ("es-alto", "ALTO", OUT, "ALTO", "es"),
    ("es-alto-bang", "¡Alto!", OUT, "ALTO", "es"),
    ("es-para", "Para", OUT, "PARA", "es"),
    ("es-parar", "PARAR", OUT, "PARAR", "es"),
    ("es-basta", "basta", OUT, "BASTA", "es"),
    ("es-cancelar", "Cancelar", OUT, "CANCELAR", "es"),
    ("es-detener", "DETENER", OUT, "DETENER", "es"),
    ("es-baja", "BAJA", OUT, "BAJA", "es"),
    ("es-no-mas-accent", "NO MÁS", OUT, "NO MAS", "es"),
    ("es-ayuda", "AYUDA", HELP, "AYUDA", "es"),
    ("es-informacion", "Información", HELP, "INFORMACION", "es"),
    ("es-comenzar", "COMENZAR", IN, "COMENZAR", "es"),
    ("es-alta", "Alta", IN, "ALTA", "es"),
    ("es-si-accent", "Sí", IN, "SI", "es"),
    # --- Spanish plain language ----------------------------------------------------------
    ("es-dejen-de-escribirme", "dejen de escribirme", OUT, "rule:es-dejen-de", "es"),
    ("es-no-quiero-recibir", "No quiero recibir más mensajes", OUT, "rule:es-no-quiero", "es"),
    ("es-paren-los-mensajes", "Por favor paren los mensajes", OUT,
     "rule:es-paren-los-mensajes", "es"),
    ("es-como-me-doy-de-baja", "¿Cómo me doy de baja?", OUT, "rule:es-como-me-doy-de-baja",
     "es"),
    ("es-numero-equivocado", "Número equivocado", OUT, "rule:es-numero-equivocado", "es"),
    ("es-formal-favor-de-no-enviar", "Favor de no enviar más mensajes a este número.", OUT,
     "rule:es-no-me-manden", "es"),
    ("es-angry-que-parte", "Que parte de ALTO no entienden???", OUT, "rule:es-que-parte", "es"),
    ("es-les-he-dicho", "Les he dicho mil veces que no me escriban", OUT,
     "rule:es-no-me-manden", "es"),
    ("es-retiro-autorizacion", "Retiro mi autorización para recibir mensajes", OUT,
     "rule:es-revoco", "es"),
    ("es-not-no-dejen-de", "no dejen de escribirme", NONE, None, "en"),
    ("es-not-le-dije-a-el", "dile que deje de escribirme", NONE, None, "en"),
    ("es-not-para-manana", "para mañana", NONE, None, "en"),
    ("es-not-cancelar-pedido", "Necesito cancelar mi pedido", NONE, None, "en"),
    ("es-not-alta-calidad", "alta calidad", NONE, None, "en"),
    # --- mixed English and Spanish -------------------------------------------------------
    ("mixed-stop-por-favor", "stop por favor", OUT, "rule:please-stop", "en"),
    ("mixed-alto-slash-stop", "alto / stop", OUT, "rule:es-keyword-clause", "es"),
    ("mixed-stop-emoji-no-mas", "STOP 🛑 no mas", OUT, "rule:keyword-clause", "en"),
    ("mixed-ya-stop-con-los-mensajes", "ok pero ya stop con los mensajes", OUT,
     "rule:es-paren-los-mensajes", "es"),
    ("mixed-take-me-off-la-lista", "Take me off la lista please", OUT, "rule:take-me-off", "en"),
    # --- OptOutType keeps the text's language ------------------------------------------------
    ("opt-out-type-keeps-spanish", "ALTO", OUT, "OptOutType:STOP", "es"),
]


@pytest.mark.parametrize(
    ("body", "intent", "keyword", "language"),
    [pytest.param(*case[1:], id=case[0]) for case in MORE_CASES],
)
def test_classify_recognises_the_wider_ways_to_say_stop(body, intent, keyword, language):
    opt_out_type = "STOP" if keyword == "OptOutType:STOP" else None
    result = classify(body, opt_out_type)
    assert (result.intent, result.keyword, result.language) == (intent, keyword, language)


def test_more_cases_ids_are_unique_and_disjoint_from_the_contract_table():
    ids = [case[0] for case in MORE_CASES]
    assert len(ids) == len(set(ids))
    assert not set(ids) & {case[0] for case in CASES}


def test_classification_constructor_stays_backward_compatible():
    assert Classification(OUT, "STOP", False) == Classification(OUT, "STOP", False, "en")


def test_tolerated_keywords_are_opt_out_only():
    assert tolerated_keyword("strat") is None  # START misspelled: opt-in must be express
    assert tolerated_keyword("hepl") is None
    assert classify("strat").intent is NONE


def test_every_rule_name_fits_the_keyword_column():
    names = {name for name, _lang, _core, _strong in keywords_rules._RULES}
    assert all(len(name) <= 64 for name in names)
    assert all(name.startswith("rule:") for name in names)


def test_clauses_fold_accents_stretches_and_quotes():
    assert clauses("¿Cómo me doy de BAJAAAA?") == ["como me doy de baja"]
    assert clauses("he said 'stop' lol") == ["he said", "lol"]


def _clauses_with_every_substitution(body: str) -> list[str]:
    """clauses() as it reads without its skip checks: every substitution always run."""
    text = keywords_text._INVISIBLE.sub("", body[:MAX_RULE_CHARS])
    text = unicodedata.normalize("NFKC", text)[:MAX_RULE_CHARS].casefold()
    text = fold_accents(text.translate(keywords_text._APOSTROPHES))
    text = keywords_text._JOINER.sub(" ", text)
    if keywords_text._QUOTE.search(text):
        text = keywords_text._QUOTED.sub(" . ", text)
    text = keywords_text._WRONG_HASH.sub("wrong number", text)
    text = keywords_text._TITLE_DOT.sub(r"\1", text)
    text = keywords_text._STRETCHED_WORD.sub(keywords_text._unstretch, text)
    text = keywords_text._SPACES.sub(" ", text)
    parts = (keywords_text.strip_ignorable(part.strip(" "))
             for part in keywords_text._CLAUSE_BREAK.split(text))
    found = [part for part in parts if part]
    if (keywords_text._MIN_SPELLED <= len(found) <= keywords_text._MAX_SPELLED
            and all(" " not in part for part in found)):
        return [" ".join(found)]
    return found


# Letters, doubles and the characters each skip check looks for: spaces of every kind, line
# breaks, dashes, quotes, "#", a title's dot and invisible characters.
_NORMALISED_ALPHABET = st.sampled_from(
    list("stopeamrwng ") + ["  ", "\t", "\n", "\u00a0", "\u2003", "\x1f", "-", "_", "\u2014",
                           " - ", "'", '"', "\u201c", "\u2019", "#", "wrong #", "mr. ",
                           ". ", "\u200b", "\u00ad", "ooo", "Ó", "é", "🙂", "¿", "!"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_NORMALISED_ALPHABET, max_size=40).map("".join))
def test_the_normalisations_skip_checks_never_skip_a_substitution_that_applies(body):
    assert clauses(body) == _clauses_with_every_substitution(body)


def test_keyword_core_collapses_exactly_the_whitespace_that_backslash_s_matches():
    # keyword_core joins str.split() where it once substituted \s+ with one space.
    whitespace = re.compile(r"\s")
    assert all(bool(whitespace.match(ch)) == ch.isspace()
               for ch in map(chr, range(sys.maxunicode + 1)))


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


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=MAX_RULE_CHARS))
def test_classify_is_total_and_explains_itself_on_any_text(body):
    result = classify(body)
    assert isinstance(result.intent, Intent)
    assert result.language in ("en", "es")
    assert result.keyword is None or len(result.keyword) <= 64


WORDS = ["stop", "texting", "me", "please", "no", "more", "don't", "never", "he", "told",
         "him", "to", "remove", "from", "your", "list", "ya", "para", "dejen", "de",
         "escribirme", "mensajes", "wrong", "number", "how", "do", "i", "unsubscribe", "opt",
         "out", "of", "these", "texts", "the", "not", "want", "any", "quiero", "recibir",
         "borren", "mi", "numero", "cancel", "my", "order", "sorry", "stpo", "stoooop", ",",
         ".", "?", "if", "you", "could", "leave", "alone", "take", "off", "this", "is"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=40))
def test_first_word_index_never_changes_a_decision(words):
    """The first-word index (keywords_heads) is only a shortcut: a plain search of every
    strong rule agrees, so a word missing from a rule's heads shows up here."""
    found = clauses(" ".join(words))
    assert keywords_rules.revocation(found) == keywords_rules.revocation_by_search(found)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.text(max_size=60))
def test_rules_never_read_past_max_rule_chars(head, tail):
    padded = (head + " " * MAX_RULE_CHARS)[:MAX_RULE_CHARS]
    decided = classify(padded).keyword
    assume(decided is None or decided.startswith("rule:"))
    assert classify(padded + "x. stop texting me " + tail).keyword == decided


def test_strong_rules_stop_after_max_rule_attempts_words():
    # Hostile "no no no ..." costs at most MAX_RULE_ATTEMPTS tries; a natural message of
    # MAX_RULE_CHARS has far fewer words that can begin a rule.
    assert keywords_rules.MAX_RULE_ATTEMPTS * 2 < MAX_RULE_CHARS
    assert classify("no " * 100 + "stop texting me").keyword == "rule:stop-texting"
    hostile = "no " * (keywords_rules.MAX_RULE_ATTEMPTS + 1) + "stop texting me"
    assert classify(hostile).intent is NONE


def test_first_word_index_agrees_with_a_plain_search_on_every_corpus_reply():
    corpus = Path(__file__).parent / "fixtures" / "replies"
    texts = [json.loads(line)["text"] for path in sorted(corpus.glob("*.jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(texts) >= 1000
    for text in texts:
        found = clauses(text)
        assert keywords_rules.revocation(found) == keywords_rules.revocation_by_search(found), text


def test_every_strong_rule_has_the_words_it_can_begin_with():
    strong = {name for name, _lang, _core, is_strong in keywords_rules._RULES if is_strong}
    assert strong == set(HEADS) and all(HEADS.values())


def test_fold_accents_removes_exactly_the_combining_marks_of_every_code_point():
    """Against the plain definition, for every code point (the fast path builds a character
    class for the BMP and treats the rest one distinct character at a time)."""
    everything = "".join(chr(code) for code in range(sys.maxunicode + 1))
    for start in range(0, len(everything), 4096):
        chunk = "é" + everything[start : start + 4096]
        decomposed = unicodedata.normalize("NFD", chunk)
        expected = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        assert fold_accents(chunk) == expected, start


@pytest.mark.parametrize("body", [
    "take me off the waiting list please",  # a list of another kind, named in the core
    "Dejen de mandarme al buzón de voz",  # voicemail: calls, not texts
    "¿Se puede cancelar la reserva y hacerla por teléfono?",  # "por teléfono": how, not what
    "You have the wrong person on the order, it should be Ana",  # a mistake in a record
    "Los voy a reportar porque me cobraron doble",  # a report over a charge
])
def test_a_request_about_something_else_steps_aside_for_the_model(body):
    reading = keywords_rules.read(clauses(body))
    assert reading.found is None and reading.off_topic, reading
