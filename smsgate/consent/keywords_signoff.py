"""An opt-out keyword with only a sign-off after it, as the whole message: "STOP -Marcus",
"STOP thanks bye", "ALTO gracias saludos", "Stop sent from Yahoo Mail on Android", "STOP means
STOP", "Stop2end", "alto para cancelar".

Pure functions over a message's keyword core (keywords_text.keyword_core). A person who signs,
thanks or glosses a keyword has still sent it. Only short whole messages are read, and every
word after the keyword must be a farewell, a politeness, a first name or an app's signature,
so "stop by, thanks bye" (more than a sign-off) stays out.
"""

from __future__ import annotations

import re
import unicodedata

from smsgate.consent.keywords_fuzzy import collapse
from smsgate.consent.keywords_names import FIRST_NAMES
from smsgate.consent.keywords_text import TITLE_WORDS

# Longer messages are more than a keyword and its sign-off.
_MAX_CHARS = 60
_FAREWELLS = frozenset("""
    bye goodbye later ttyl cheers regards best saludos bendiciones adios chao chau ciao
    thanks thank you u thx ty gracias please pls plz por favor porfa now ya ok okay
    tx tnx thnx thks thnks thanx thnaks thakns tks fis porfis xfa xfavor hun hon babe dear
    yoi yuo gracais grasias gracia grax grcias graciass thnk thk thnku thanku thankyou tyvm yu
    nothanks nothankyou notinterested
    sweetie love mija mijo amigo amiga sir maam
    nana mom mama mami dad papa papi grandma grandpa granny abuela abuelo abuelita tia tio
    subscription subscriptions suscripcion mensajes messages texts sms
    att atte atentamente cordialmente sincerely respectfully
""".split())
# Words that only insist: "Stop period", "Baja punto", "END asap".
_EMPHASIS = frozenset("period periodt punto asap already immediately inmediatamente ahora ahorita"
                      .split())
# A name of one or two words signed after a dash, tilde or asterisks, to the end: "Cancel.
# -Marge", "REVOKE ~ Big Mike", "FIN *** Memo", "CANCELAR ~la Flaca~".
_DASHED_NAME = re.compile(r" *[-~*\u2013\u2014]+ *"
                          rf"(?:(?:la|el|{'|'.join(sorted(TITLE_WORDS))})\.? )?"
                          r"([a-z']+(?: [a-z]+)?)$")
# Words that make the words after a dash a phrase, not a name: "END - of season", "Quit - my job".
_NOT_IN_NAMES = frozenset("""
    my the of by to a an this that who is it me you your for at in on and or not no now
    de del mi tu su por para en y o que lo te se es no ya mas
""".split())
# "Fin. Saludos desde Tegucigalpa": where a greeting comes from closes it.
_FROM_PLACE = re.compile(r"(?:saludos|greetings|regards|bendiciones) (?:desde|from) "
                         r"[a-z]+(?: [a-z]+)?$")
# A time stamp the writer's phone or habit adds: "***UNSUBSCRIBE*** 12/04 3:15pm".
_STAMP = re.compile(r"(?: \d{1,2}/\d{1,2}(?:/\d{2,4})?)?(?: \d{1,2}:\d{2} ?(?:am|pm)?)?$")
# Emoticons of several characters: "END. ¯\_(ツ)_/¯".
_EMOTICON = re.compile(r"\s*(?:¯?\\_\(ツ(?:\)_/¯?)?|<3|\^_\^|[:;]-?[()dp])\s*")
# What may open the message before the keyword: "Ok STOP thanks hun", "Hi, ALTO por favor".
_LAUGHTER = frozenset("lol lmao haha jaja jajaja hahaha".split())
_GLOSSES = frozenset("means 2 to para es is".split())
_OPENERS = frozenset("ok okay hi hey hello yes yeah si hola please pls plz".split())
# A mail or phone signature glued on by the sender's app, to the end of the message.
_SIGNATURE = re.compile(r"\b(?:(?:sent from|sent via|sent with|sent by|typed by|written by|"
                        r"enviado desde|enviado por|enviado con|escrito por) .*|"
                        r"(?:mensaje de voz|voice message|voice text|dictado|dictated)\b.*|"
                        r"(?:10[ -]?4 ?)?over and out|10[ -]?4|"
                        # a reference the writer quotes: "SALIR (ref 2231)"
                        r"(?:ref|reference|folio)\b[ #:.]*[0-9a-z-]*[0-9][0-9a-z-]*)$")
# Marks around a keyword or before initials ("*ALTO*", "optout ~K.R.") are no words.
# Hashtags count by their words: "OPTOUT #optout #nothanks".
_WORD = re.compile(r"[a-z]+|[^\sa-z.,!\-\"'*~#()\u201c\u201d\u00ab\u00bb]")
# "STOP means STOP", "STOP2END", "stop to quit", "alto para cancelar": a keyword glossed by a
# keyword, as reply instructions write them.
_GLOSSED = re.compile(r"([a-z]+) ?(means|2|to|para|=|is|es) ?([a-z]+)")
# "END to END" is a phrase; only "means" and "=" may repeat the keyword.
_REPEATING = frozenset({"means", "="})


def signed_keyword(core: str, keywords: frozenset[str]) -> str | None:
    """The opt-out keyword among `keywords` that `core` is once a sign-off after it is
    dropped, or that another keyword glosses; else None."""
    if len(core) > _MAX_CHARS:
        return None
    glossed = _GLOSSED.fullmatch(core)
    if (glossed is not None and glossed[1] in keywords and glossed[3] in keywords
            and (glossed[1] != glossed[3] or glossed[2] in _REPEATING)):
        return str(glossed[1])
    unsigned = _FROM_PLACE.sub("saludos", _SIGNATURE.sub("", core))
    unsigned = _STAMP.sub("", _EMOTICON.sub(" ", unsigned).strip())
    dashed = _DASHED_NAME.search(unsigned)
    if dashed is not None and _NOT_IN_NAMES.isdisjoint(dashed[1].split()):
        unsigned = unsigned[:dashed.start()]
    words = _WORD.findall(unsigned)
    lettered = [word for word in words if word.isalpha()]
    if unsigned != core and len(lettered) == 1 and lettered[0] in keywords:
        return str(lettered[0])  # "END - sent from my Galaxy", "Salir 🤚 (Enviado desde ...)"
    while words and words[0] in _OPENERS and words[0] not in keywords:
        words = words[1:]
    while len(words) > 3 and words[-1] in _LAUGHTER:
        words = words[:-1]
    if len(words) == 3 and words[1] in _GLOSSES and words[0] in keywords and words[2] in keywords \
            and words[0] != words[2]:
        return str(words[0])  # "stop to end lol"
    if len(words) >= 2 and words[0] not in keywords:
        # "Stopp thank yoi": a doubled letter in the keyword itself.
        words[0] = collapse(words[0])
    if len(words) < 2 or words[0] not in keywords:
        return None
    # "ALTOO YAA": a doubled last letter on the words after it too.
    rest = [word if word in _FAREWELLS else collapse(word) for word in words[1:]]
    if len(rest) >= 2 and rest[-2] in _FAREWELLS and rest[-1].isalpha():
        # "Quit. Thank you, Lorraine": the word after a farewell is whom it is said by or to.
        rest = rest[:-1]
    if len(rest) >= 2 and rest[-2] in TITLE_WORDS and len(rest[-1]) > 1 and rest[-1].isalpha():
        # "ALTO att. Don Chuy": a title and the name it goes with are the signature.
        rest = rest[:-2]
    # A lone letter is an initial ("quit -j"); the rest must be sign-off words or a name.
    # Symbols and emoji among them ("END. ♥ Nana ♥", "SALIR 🙏 bendiciones") say nothing more.
    if all(word in _FAREWELLS or word in _EMPHASIS or word in FIRST_NAMES or word in keywords
           or (len(word) == 1 and (word.isalpha() or unicodedata.category(word)[0] == "S"))
           for word in rest):
        return str(words[0])
    return None
