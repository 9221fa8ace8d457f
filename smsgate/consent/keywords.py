"""Classify an inbound SMS body as opt-out, opt-in, help or nothing, in English or Spanish.

Pure functions only: no Flask, no database. The single entry point is `classify`; the layers
live beside it in keywords_text (normalisation), keywords_fuzzy (tolerated misspellings),
keywords_rules (plain-language revocations and their guards) and keywords_es (the Spanish
rules). docs/keywords.md explains the design and keeps the evaluation figures.
Decisions worth knowing (the tests pin each of them):

* Layers, first decision wins: Twilio's OptOutType; an exact keyword; a tolerated
  misspelling of an opt-out keyword as the whole message; a bare "no thanks" (review) or "ya
  no" (opt-out) as the whole message (keywords_declines); plain-language rules, one clause
  at a time, whose request may be taken back by what follows ("Stop? no way",
  keywords_retract), be an exclamation ("Stop, you're making me hungry lol", keywords_aside)
  or act on something other than our texts ("remove me from the class
  roster", keywords_objects: then the model may only ask for review); a keyword followed by
  politeness or a sign-off ("cancel porfavor", "STOP -Marcus"; keywords_signoff) or one
  keyword repeated ("PARAR PARAR"); a short whole
  message with its slips corrected ("STOP 2", "stopt", "Vastaaa", keywords_short); a keyword
  with its reason or "how do I cancel them" after a complaint (keywords_pairs); a reply that
  the text reached the wrong person or that the person is gone from the number
  (keywords_identity); the
  statistical model, unless the text wants texts, asks about them or asks to stop something
  else (keywords_wanted); otherwise Intent.NONE.
* Exact keywords match the *whole* message after normalisation: NFKC, casefold, accents
  folded ("NO MÁS" is NO MAS), zero-width and emoji variation selectors removed, internal
  whitespace collapsed, and surrounding characters of Unicode categories P* (punctuation),
  S* (symbols, emoji included), Z* (separators) and C* (controls, format, lone surrogates,
  unassigned) ignored. So "STOP 🛑", "¡stop!", '"STOP"' and "ＳＴＯＰ" are all STOP, while
  "info@example.com" is nothing. Surrounding characters are dropped *before* NFKC as well as
  after, so "STOP™" is STOP although NFKC spells ™ "tm".
* "-" / "_" (and other dashes) between two letters count as a space, so "stop-all" and
  "opt_out" are STOP ALL and OPT OUT; an opt-out keyword spelled out letter by letter as the
  whole message ("S T O P") is that keyword ("fuzzy:STOP").
* Spanish keywords (language "es"): ALTO and AYUDA are the carriers' (CTIA / Twilio); PARA,
  PARAR, BASTA, CANCELAR, DETENER, BAJA, NO MAS, DESUSCRIBIR, FIN, SALIR are common Spanish
  ways to say stop; COMENZAR, INICIAR, ALTA and SI opt in (SI is the Spanish YES; both are express
  replies); AYUDA and INFORMACION ask for help.
* Tolerance (keywords_fuzzy): only opt-out keywords, only a whole message ("fuzzy:STOP") or
  one word inside a clause the rules then read. Doubled letters collapse; 7+ letter keywords
  allow one edit; 4-6 letter ones (ALTO and BASTA included) only a swap, a non-initial
  deletion or a neighbouring key; PARA and END only collapse. Real words nearby ("shop",
  "step", "quiz", "quite", "and", "hasta", "alta") stay words.
* Last, a statistical model (keywords_model, logistic regression over word and character
  n-grams, trained by keywords_train from the corpus) scores what no keyword or rule
  decided, unless the rules found a request and cancelled it (negated, reported): a score
  of OPT_OUT_AT or more is an opt-out ("model:<name>", with the score), unless the text
  holds a negation, an opt-in word or reported speech; REVIEW_AT or more is
  Intent.POSSIBLE_OPT_OUT (a person reviews; the brand's texts to the number pause); less
  is nothing.
* Plain-language rules (keywords_rules) exist only for opt-out. The asymmetry is deliberate:
  missing a revocation is a legal risk (the FCC lets consumers revoke consent by any
  reasonable means), missing a help request is not, and opt-in must be express. A rule's
  core may sit anywhere in a clause unless it is weak (a bare "stop", "enough", "para ya"),
  then it must be the clause; negation ("don't stop", "no pares") and reported speech ("I
  told him to stop texting me") before a core cancel it.
* `language` names the language of the deciding keyword or rule: "stop por favor" is STOP,
  "en"; "PARA YA" is "es". OptOutType decisions take the language of the text's keyword,
  "en" when there is none.
* Twilio's OptOutType (STOP / START / HELP), when present, wins over the text.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from smsgate.consent import keywords_model
from smsgate.consent.keywords_declines import declines, no_longer
from smsgate.consent.keywords_fuzzy import VARIANTS, tolerated_keyword
from smsgate.consent.keywords_hedge import model_may_decide
from smsgate.consent.keywords_identity import not_the_person
from smsgate.consent.keywords_pairs import paired_request
from smsgate.consent.keywords_retract import retracted
from smsgate.consent.keywords_rules import read, reported, reports_speech
from smsgate.consent.keywords_short import EXCLUDED, a_quantity, respell
from smsgate.consent.keywords_signoff import signed_keyword
from smsgate.consent.keywords_text import (
    MAX_RULE_CHARS,
    clauses,
    keyword_core,
    without_signature_block,
)
from smsgate.consent.keywords_typos import MORE_SLIP, MORE_SLIPS, TYPOS
from smsgate.consent.keywords_wanted import left_alone

__all__ = ["MAX_RULE_CHARS", "Classification", "Intent", "classify", "deciding_layer"]


class Intent(enum.StrEnum):
    """What the sender asked for."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    # Maybe a revocation: no confirmation is sent, the brand's texts to the number pause and
    # a person decides (smsgate.consent.reviews).
    POSSIBLE_OPT_OUT = "review"  # inbound_messages.intent is 8 characters wide
    NONE = "none"


@dataclass(frozen=True)
class Classification:
    """The decision for one message.

    `keyword` is the canonical keyword ("STOP", "STOP ALL", "ALTO"...), a tolerated
    misspelling ("fuzzy:UNSUBSCRIBE"), a plain-language rule name ("rule:stop-texting"),
    "OptOutType:<VALUE>" when Twilio's parameter decided, or None for Intent.NONE; at most
    64 characters. `all_brands` is True only for STOPALL / STOP ALL. `language` ("en" or
    "es") is the language of whatever decided, so a reply can be sent in it. `score` is the
    model's score when a statistical model took part in the decision, else None.
    """

    intent: Intent
    keyword: str | None
    all_brands: bool
    language: str = "en"
    score: float | None = None


_NOTHING = Classification(Intent.NONE, None, False)

# Normalised (casefolded, accent-folded, single-spaced) keyword -> (intent, language);
# the canonical name is .upper().
_KEYWORDS: dict[str, tuple[Intent, str]] = {
    "stop": (Intent.OPT_OUT, "en"),
    "stopall": (Intent.OPT_OUT, "en"),
    "stop all": (Intent.OPT_OUT, "en"),
    "unsubscribe": (Intent.OPT_OUT, "en"),
    "cancel": (Intent.OPT_OUT, "en"),
    "end": (Intent.OPT_OUT, "en"),
    "quit": (Intent.OPT_OUT, "en"),
    "revoke": (Intent.OPT_OUT, "en"),
    "optout": (Intent.OPT_OUT, "en"),
    "opt out": (Intent.OPT_OUT, "en"),
    "start": (Intent.OPT_IN, "en"),
    "unstop": (Intent.OPT_IN, "en"),
    "yes": (Intent.OPT_IN, "en"),
    "help": (Intent.HELP, "en"),
    "info": (Intent.HELP, "en"),
    # Spanish: ALTO / AYUDA are the carriers' keywords, the rest common usage.
    "alto": (Intent.OPT_OUT, "es"),
    "para": (Intent.OPT_OUT, "es"),
    "parar": (Intent.OPT_OUT, "es"),
    "pare": (Intent.OPT_OUT, "es"),
    "paren": (Intent.OPT_OUT, "es"),
    "basta": (Intent.OPT_OUT, "es"),
    "cancelar": (Intent.OPT_OUT, "es"),
    "detener": (Intent.OPT_OUT, "es"),
    "baja": (Intent.OPT_OUT, "es"),
    "no mas": (Intent.OPT_OUT, "es"),
    "desuscribir": (Intent.OPT_OUT, "es"),
    "fin": (Intent.OPT_OUT, "es"),
    "salir": (Intent.OPT_OUT, "es"),
    "comenzar": (Intent.OPT_IN, "es"),
    "iniciar": (Intent.OPT_IN, "es"),
    "alta": (Intent.OPT_IN, "es"),
    "si": (Intent.OPT_IN, "es"),
    "ayuda": (Intent.HELP, "es"),
    "informacion": (Intent.HELP, "es"),
}
_ALL_BRANDS = frozenset({"stopall", "stop all"})
_OPT_OUT_WORDS = frozenset(word for word, (intent, _lang) in _KEYWORDS.items()
                           if intent is Intent.OPT_OUT and " " not in word)
_OPT_OUT_TYPES = {"STOP": Intent.OPT_OUT, "START": Intent.OPT_IN, "HELP": Intent.HELP}
# A whole message of more words than this is never a (misspelled) keyword.
_MAX_FUZZY_WORDS = 2
_DOUBLED = re.compile(r"(.)\1+")
_TOLERATED_WORDS = frozenset(VARIANTS)
# Past participles of opt-out keywords, which keywords_fuzzy would take for slips of them: the
# rules read them as written ("ask to be unsubscribed", "consent revoked").
_INFLECTED = frozenset({"unsubscribed", "revoked"})


_SPACED = re.compile(r"(?:[a-z] ){2,}[a-z]")


def _spaced(core: str) -> Classification | None:
    """An opt-out keyword spelled letter by letter as the whole message ("s t o p"), or
    None."""
    if not _SPACED.fullmatch(core):
        return None
    word = core.replace(" ", "")
    exact = _KEYWORDS.get(word)
    if exact is None or exact[0] is not Intent.OPT_OUT:
        return None
    return Classification(Intent.OPT_OUT, f"fuzzy:{word.upper()}", word in _ALL_BRANDS, exact[1])


def _fuzzy(core: str) -> Classification | None:
    """A tolerated misspelling of an opt-out keyword as the whole message, or None."""
    spaced = _spaced(core)
    if spaced is not None:
        return spaced
    if core.count(" ") >= _MAX_FUZZY_WORDS or not core.replace(" ", "").isalnum():
        return None
    found = tolerated_keyword(core)
    if found is None:
        return None
    name, language = found
    return Classification(Intent.OPT_OUT, f"fuzzy:{name}", name == "STOPALL", language)


# Politeness that may close a whole-message keyword: "cancel porfavor", "unsubscribe thanks".
_POLITE_TAIL = re.compile(r"(?:,? (?:please|pls|plz|porfavor|por favor|porfa|por fa|thanks|"
                          r"thank you|thx|ty|gracias|now|asap|ya|x fa|xfa|xfavor|x favor|"
                          r"porfis|porfi|plis|pliss|pleaes|plese|porfabor|por fabor))+$")


_WORDS = re.compile(r"[^\W_]+")


def _repeated_keyword(core: str) -> Classification | None:
    """One opt-out keyword said again and again as the whole message ("PARAR PARAR",
    "ALTO. ALTO", "stop stop stop"), or None: the repetition is emphasis."""
    words = set(_WORDS.findall(core))
    if len(words) != 1:
        return None
    word = words.pop()
    exact = _KEYWORDS.get(word)
    if exact is None or exact[0] is not Intent.OPT_OUT or word == core:
        return None
    return Classification(Intent.OPT_OUT, word.upper(), word in _ALL_BRANDS, exact[1])


def _polite_keyword(core: str | None) -> Classification | None:
    """An opt-out keyword followed only by politeness or a sign-off ("STOP thanks bye",
    "ALTO -Marcus"; keywords_signoff), as the whole message, or None. Tried only after the
    rules, which read most such replies already ("stop please")."""
    if core is None:
        return None
    # "Cancel. ty": the keyword's own full stop goes with the politeness after it.
    bare = _POLITE_TAIL.sub("", core).rstrip(" .,!")
    if bare == core:
        bare = signed_keyword(core, _OPT_OUT_WORDS) or core
    exact = _KEYWORDS.get(bare) if bare != core else None
    if exact is None or exact[0] is not Intent.OPT_OUT:
        return None
    return Classification(Intent.OPT_OUT, bare.upper(), bare in _ALL_BRANDS, exact[1])


def _short_slip(core: str | None) -> Classification | None:
    """A short whole message that is an opt-out keyword or request once its slips are
    corrected ("STOP 2", "stopt", "Vastaaa", "Darme de vaja"; keywords_short), or None."""
    if core in EXCLUDED or (core and a_quantity(core)):
        # A real word one slip from a keyword ("quite", "top"), or a price ("baja 20"): words,
        # not for the model.
        return _NOTHING
    fixed = respell(core) if core and len(core) <= MAX_RULE_CHARS else None
    if fixed is None:
        return None
    exact = _KEYWORDS.get(fixed)
    if exact is not None:
        if exact[0] is not Intent.OPT_OUT:
            return None
        return Classification(Intent.OPT_OUT, f"fuzzy:{fixed.upper()}", fixed in _ALL_BRANDS,
                              exact[1])
    reading = read(clauses(fixed))
    if reading.found is not None:
        return Classification(Intent.OPT_OUT, reading.found[0], False, reading.found[1])
    return _polite_keyword(fixed)


def _correct(found: list[str]) -> list[str]:
    """The clauses `found` with each tolerated misspelling of an opt-out keyword, and of a
    word requests are made of (keywords_typos), spelled right.

    Set operations (C speed) first ask whether any word of the whole text needs looking at,
    so an ordinary message costs two splits and no Python loop over its words.
    """
    joined = "\n".join(found)
    words = set(joined.split())
    if not MORE_SLIPS.isdisjoint(words) and MORE_SLIP.search(joined):
        found = [MORE_SLIP.sub("more", clause) for clause in found]
        joined = "\n".join(found)
        words = set(joined.split())
    slips = not TYPOS.keys().isdisjoint(words)
    # Doubled letters collapse within a word, so the distinct words are enough to look at.
    words.update(_DOUBLED.sub(r"\1", "\n".join(words)).split())
    if not slips and _TOLERATED_WORDS.isdisjoint(words.difference(_KEYWORDS)):
        return found
    fixed = []
    for clause in found:
        out = []
        for word in clause.split(" "):
            hit = (tolerated_keyword(word) if word not in _KEYWORDS and word not in _INFLECTED
                   else None)
            out.append(hit[0].lower() if hit is not None else TYPOS.get(word, word))
        fixed.append(" ".join(out))
    return fixed


def deciding_layer(body: str) -> str:
    """Which layer decides `body` (OptOutType aside): "keyword" for an exact or misspelled
    keyword; "rules" when a plain-language rule matched (live or cancelled by its guard), the
    rules gave up on a hostile text, or there is no text; else "model". keywords_train
    weighs its examples by this."""
    core = keyword_core(body) if body else None
    decided, _found, _aside = _without_model(body, core, _KEYWORDS.get(core) if core else None)
    if decided is None:
        return "model"
    return "rules" if decided.keyword is None or decided.keyword.startswith("rule:") else "keyword"


def _without_model(text: str, core: str | None, exact: tuple[Intent, str] | None
                   ) -> tuple[Classification | None, list[str], bool]:
    """The decision of the keyword and rule layers, or None when the model is to decide,
    with the text's normalised clauses (empty when a keyword decided) and whether a rule
    found an action on something other than our texts (then the model may only ask for
    review)."""
    if exact is not None and core is not None:
        return Classification(exact[0], core.upper(), core in _ALL_BRANDS, exact[1]), [], False
    if core:
        fuzzy = _fuzzy(core)
        if fuzzy is not None:
            return fuzzy, [], False
        if no_longer(core):
            return Classification(Intent.OPT_OUT, "rule:es-ya-no", False, "es"), [], False
        declined = declines(core)
        if declined is not None:
            # A bare "no thanks" may decline the offer or the texts: a person decides.
            return Classification(Intent.POSSIBLE_OPT_OUT, "rule:no-thanks", False,
                                  declined), [], False
    if not text:
        return _NOTHING, [], False
    found = clauses(text)
    reading = read(_correct(found))
    if reading.found is not None:
        return (Classification(Intent.OPT_OUT, reading.found[0], False, reading.found[1]),
                found, False)
    polite = _polite_keyword(core) or (_repeated_keyword(core) if core else None)
    if polite is not None and not reading.cancelled:
        return polite, found, False
    slipped = _short_slip(core) if not reading.cancelled and not reading.exhausted else None
    if slipped is not None:
        return slipped, found, False
    paired = paired_request(found) if not reading.cancelled and not reading.exhausted else None
    if paired is not None:
        return Classification(Intent.OPT_OUT, paired[0], False, paired[1]), found, False
    disowned = (not_the_person(found) if not reading.cancelled and not reading.exhausted
                else None)
    if disowned is not None and not reports_speech(found) and not left_alone(found) \
            and not retracted(found):
        return Classification(Intent.OPT_OUT, disowned[0], False, disowned[1]), found, False
    if reading.cancelled or reading.exhausted:
        # The rules read a request and found it negated, reported or taken back ("don't
        # stop", "she said stop", "Stop? no way"), or refused a hostile text: a clear case,
        # not one for the model.
        return _NOTHING, found, False
    return None, found, reading.off_topic


def _by_model(found: list[str], model: keywords_model.Model, aside: bool = False
              ) -> Classification:
    """What the statistical model makes of a text no keyword or rule decided.

    At or above OPT_OUT_AT an opt-out, unless the text holds an opt-in word ("resubscribe"),
    a negating word over anything but a request word ("don't stop", "no me borres", "ya no
    hay"; keywords_hedge) or reports someone else's words ("she said stop"), which a linear
    model weighs but cannot parse, or a rule found an action on something else (`aside`:
    "remove me from the roster"): then a person reviews.
    At or above REVIEW_AT a possible opt-out for review; below, nothing.
    """
    found = keywords_model.window(found)
    score = model.score_clauses(found)
    # When a rule saw the request act on something else ("remove me from Sunday's delivery
    # route"), only a score that would otherwise opt out is worth a person's review.
    if score < (keywords_model.OPT_OUT_AT if aside else keywords_model.REVIEW_AT):
        return _NOTHING
    keyword = f"model:{model.name}"
    language = keywords_model.language(found)
    sure = score >= keywords_model.SURE_AT
    if left_alone(found):
        # "add me back", "How often will I get these texts?", "ya no me llegan": the texts
        # are wanted or asked about; a review would pause them.
        return _NOTHING
    if retracted(found):
        # A take-back anywhere ("unsubscribe me from the catalog but keep texts", "jk") says
        # the texts are wanted; no rule read a request to take back, so there is nothing.
        return _NOTHING
    # Below OPT_OUT_AT the answer is review whatever the hedges say, so they are not read.
    # A sure score is held back only by reported words, not by every person named.
    if (score >= keywords_model.OPT_OUT_AT and not aside and model_may_decide(found, sure)
            and not (reports_speech(found) if sure else reported(found))):
        return Classification(Intent.OPT_OUT, keyword, False, language, round(score, 4))
    return Classification(Intent.POSSIBLE_OPT_OUT, keyword, False, language, round(score, 4))


def classify(body: str | None, opt_out_type: str | None = None, *,
             model: keywords_model.Model | None = None) -> Classification:
    """Decide what an inbound message asks for.

    Contract: a non-empty `opt_out_type` of STOP / START / HELP (any case) wins, with
    keyword "OptOutType:<VALUE>"; other values are ignored. Otherwise the whole message, once
    normalised, is looked up among the keywords, then among tolerated misspellings of the
    opt-out keywords; failing that, opt-out plain-language rules are tried; failing that,
    the statistical model scores the text (see _by_model): Intent.OPT_OUT or
    Intent.POSSIBLE_OPT_OUT with keyword "model:<name>" and its score, or Intent.NONE.
    all_brands is True only when the text is STOPALL / STOP ALL (or a stretch
    of it) and the result is an opt-out. `model` replaces the shipped model (cross-validation
    in bench/keywords.py). Never raises, whatever `body` holds.
    """
    text = without_signature_block(body) if isinstance(body, str) else ""
    core = keyword_core(text) if text else None
    exact = _KEYWORDS.get(core) if core is not None else None

    forced_by = opt_out_type.strip().upper() if isinstance(opt_out_type, str) else ""
    forced = _OPT_OUT_TYPES.get(forced_by)
    if forced is not None:
        # Twilio has already applied its own keyword handling; disagreeing with it would
        # leave our ledger and the carrier's block list out of step.
        all_brands = forced is Intent.OPT_OUT and core in _ALL_BRANDS
        language = exact[1] if exact is not None else "en"
        return Classification(forced, f"OptOutType:{forced_by}", all_brands, language)

    decided, found, aside = _without_model(text, core, exact)
    if decided is not None:
        return decided
    return _by_model(found, model if model is not None else keywords_model.shipped(), aside)
