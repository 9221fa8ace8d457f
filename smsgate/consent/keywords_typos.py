"""Tolerated misspellings of the words a request is made of, inside a sentence.

Pure data, computed at import. keywords_fuzzy tolerates misspelled *keywords*; a request in a
sentence is also made of verbs and objects ("pls remov me", "stop sendin me stuff", "ya no me
mnden mensajs", "kiten mi numero"), and one slip of the thumb there should not hide it. For
each word of REQUEST_WORDS: a letter left out (not the first), a key that touches its
neighbour on a QWERTY keyboard struck instead (the first letter only on words of six letters
or more: "rexting"), a neighbouring key struck as well on long words ("tesxting"), the last
letter doubled,
and the Spanish sound-alike spellings "k" for "qu" and "v"/"b" swapped (on the Spanish
request words, any two of SOUNDS); for words of
LONG_WORD letters or more also two neighbouring letters swapped and any letter doubled
("remvoe", "reomve", "unsubsribe", "cancell"), as keywords_fuzzy allows one edit on long
keywords. SHORTHAND maps SMS abbreviations ("mnsjs", "msgs") to the word they stand for.
Real words that land within reach are listed in NOT_TYPOS and never rewritten ("quien",
"quite", "mande", "test"). keywords.classify rewrites such a word before the rules read the
clause; the model reads the text as written.
"""

from __future__ import annotations

import re

from smsgate.consent.keywords_fuzzy import KEY_NEIGHBOURS

# Words of requests whose misspellings the rules should read as meant.
REQUEST_WORDS = (
    "stop", "remove", "sending", "texting", "texts", "messages", "message", "delete",
    "number", "manden", "mensajes", "escriban", "envien", "quiten", "quitenme", "borren",
    "numero", "lista", "escribirme", "mandarme", "enviarme", "quiero",
    "unsubscribe", "cancel", "mandar", "enviar", "escribir", "borrenme", "quitarme",
    "texting", "mensajitos", "reminders", "notifications", "equivocado", "equivocada",
    "recibir", "suscripcion", "interesa", "hablen", "cancelen", "desuscribanme", "molesten",
    "subscription", "receiving", "text", "dejen", "cancela", "bajame", "bajenme", "eliminar",
)
# Spanish request words, which are also written as they sound ("resivir", "sucrisión",
# "desuscrivanme", "ynteresa"): up to two of SOUNDS applied at once.
SPANISH_WORDS = frozenset({
    "manden", "mensajes", "escriban", "envien", "quiten", "quitenme", "borren", "numero",
    "lista", "escribirme", "mandarme", "enviarme", "quiero", "mandar", "enviar", "escribir",
    "borrenme", "quitarme", "mensajitos", "equivocado", "equivocada", "recibir",
    "suscripcion", "interesa", "hablen", "cancelen", "desuscribanme", "molesten", "dejen",
    "cancela", "bajame", "bajenme", "eliminar",
})
# Letters that sound alike in Latin American Spanish, as regex -> replacement.
SOUNDS = ((r"c(?=[ei])", "s"), (r"s(?=[ei])", "c"), (r"z", "s"), (r"s", "z"), (r"b", "v"),
          (r"v", "b"), (r"qu", "k"), (r"^h", ""), (r"^i", "y"), (r"ll", "y"), (r"y", "ll"),
          (r"j(?=[ei])", "g"), (r"g(?=[ei])", "j"), (r"c(?=[aour])", "k"))
# From this length a swap of two neighbouring letters or any doubled letter is tolerated too:
# long words have few real neighbours within one such slip.
LONG_WORD = 5
# SMS shorthand for a request word, beyond one slip of it.
SHORTHAND = {"tex": "texts", "texs": "texts", "mnsjs": "mensajes", "mnsj": "mensajes",
             "mensjs": "mensajes", "msjes": "mensajes", "mensjes": "mensajes",
             "unsubscibe": "unsubscribe", "d": "de", "txting": "texting",
             "txtin": "texting", "textin": "texting", "mee": "me", "lsit": "list",
             "lisst": "list", "lits": "list", "tx": "text", "quitemen": "quitenme",
             "borremen": "borrenme", "saquemen": "saquenme", "quitenmen": "quitenme",
             "tke": "take", "lst": "list", "ot": "out", "mesages": "messages",
             "mesage": "message", "yano": "ya no", "aki": "aqui", "stpo": "stop",
             "thse": "these", "tehse": "these"}
# Real words (English or Spanish) one slip away from a request word: never rewritten.
NOT_TYPOS = frozenset("""
    stoo sto sop top stp step shop slop stip atop store stole stove remote removes move
    rove renove sening sewing sendig sendng sedning tenting testing tetting tesing textin
    text tests test tets teats exts messes massages message messages messagee number
    numbers umber nuber lumber numer numbee mande manden mandes madden maden mamen menden
    mensaje mensajes escribas escribad escrian envie envies envien enven quien quite quiet
    quiten quitan borran boren borre numeros lists lisa lita listo lusta lists
    delete delet dele deleted relete list escriba sensing messaged numbed borden enviare
    mandare escribire enviame mandame escribime quieto
    recibi recibe recibo interes hable moleste cancele subscriptions
    mandra mandad mandas mandan manda mandara enviad envian enviara enviar escribia
    escribid escribira escribo cancer cancels canceled cancele cancela cancelo camcel
    reminder reminds notification quitame wending humber canela candela baname
""".split())


# "more" slipped before a message noun ("no mire texts", "no nore messages"); alone "mire" is
# Spanish ("look") and stays as written.
MORE_SLIPS = frozenset({"mire", "mroe", "nore", "moer", "mote", "mor", "mre"})
MORE_SLIP = re.compile(rf"\b(?:{'|'.join(sorted(MORE_SLIPS))})"
                       r"(?= (?:texts|text|messages|msgs|txts)\b)")


def _variants(word: str) -> set[str]:
    """The tolerated slips of `word` (see the module docstring)."""
    out = {word + word[-1]}
    for at in range(1, len(word)):
        out.add(word[:at] + word[at + 1:])
        for key in KEY_NEIGHBOURS.get(word[at], ()):
            if key.isalpha():
                out.add(word[:at] + key + word[at + 1:])
    if len(word) >= LONG_WORD:
        for at in range(1, len(word) - 1):
            out.add(word[:at] + word[at + 1] + word[at] + word[at + 2:])
            out.add(word[:at] + word[at] + word[at:])
        for at in range(1, len(word)):
            # A neighbouring key struck as well as the right one: "tesxting", "remoive".
            for key in KEY_NEIGHBOURS.get(word[at - 1], ()):
                if key.isalpha():
                    out.add(word[:at] + key + word[at:])
    if len(word) >= 6:
        # On a long word even the first key may slip to its neighbour: "rexting", "nessages".
        for key in KEY_NEIGHBOURS.get(word[0], ()):
            if key.isalpha():
                out.add(key + word[1:])
    if "qu" in word:
        out.add(word.replace("qu", "k"))
    for a, b in (("v", "b"), ("b", "v")):
        if a in word:
            out.add(word.replace(a, b))
    if word in SPANISH_WORDS:
        out.update(_sounded(word))
    return out


def _sounded(word: str) -> set[str]:
    """`word` respelt by one or two of SOUNDS, and each of those with one letter left out
    ("sucrision": suscripcion respelt and a letter dropped)."""
    once = {re.sub(pattern, repl, word) for pattern, repl in SOUNDS}
    twice = {re.sub(pattern, repl, spelt) for spelt in once for pattern, repl in SOUNDS}
    spelt = (once | twice) - {word}
    return spelt | {variant[:at] + variant[at + 1:] for variant in spelt
                    for at in range(1, len(variant)) if len(variant) >= 8}


def _table() -> dict[str, str]:
    """Every tolerated slip -> the request word it stands for; a slip two words share is
    dropped, since it cannot be read as either."""
    found: dict[str, set[str]] = {}
    for word in REQUEST_WORDS:
        for slip in _variants(word):
            found.setdefault(slip, set()).add(word)
    table = {slip: next(iter(words)) for slip, words in sorted(found.items())
             if len(words) == 1 and slip not in NOT_TYPOS and slip not in REQUEST_WORDS}
    table.update(SHORTHAND)
    return table


TYPOS: dict[str, str] = _table()
