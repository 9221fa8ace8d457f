"""Plain-language revocations, English and Spanish, read one clause at a time.

Pure functions. A rule is a *core* (the request itself: "stop texting me", "remove me from
your list", "ya no me manden") searched for inside a normalised clause (see
keywords_text.clauses), followed only by an allowed *tail*:

* strong cores name what should stop (me, my number, these texts, your list...), so anything
  may follow them ("stop texting me or I'll report you");
* weak cores do not ("please stop", "enough", "para ya"), so only politeness, emphasis and
  insults may follow (TAIL): "stop by tomorrow?" and "alto en calorías" never fire.

Whatever precedes a core in its clause is read by a guard that rejects it when the request is
negated or reported rather than made:

* negation in the three words before the core: "don't stop", "never stop", "no need to
  stop", "you can't stop", "no pares", "no dejen de escribirme";
* someone else's words or actions anywhere before it: "I told him to stop texting me", "my
  wife says unsubscribe", "they won't stop texting me", "dile que deje de escribirme";
* a condition or a past fact: "if you stop texting me", "why did you stop sending".

"I asked you to stop" and "I told you to stop texting me" are *not* reported speech: they
repeat a request to us, so "you" after told/asked keeps the clause live.
Questions that ask how to stop ("is there a way to opt out of these", "¿cómo me doy de
baja?") are cores of their own, since asking how to leave is leaving.

The rules themselves are tables in keywords_en and keywords_es; keywords_heads lists the words
each strong rule can begin with, so a clause is tried only where a rule can start. `read` also
says when a rule matched but its guard cancelled it: the rules have then decided the message
is not a request, and keywords.classify does not ask the statistical model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from smsgate.consent.keywords_aside import exclaimed
from smsgate.consent.keywords_en import ENGLISH_RULES, LEAD, TAIL
from smsgate.consent.keywords_es import SPANISH_RULES
from smsgate.consent.keywords_heads import HEADS
from smsgate.consent.keywords_objects import (
    COMPLAINT_RULES,
    OBJECT_RULES,
    billing_complaint,
    in_a_record,
    off_topic,
    other_channel,
)
from smsgate.consent.keywords_retract import retracted
from smsgate.consent.keywords_text import Gated, words

_RULES = ENGLISH_RULES + SPANISH_RULES
# All weak cores in one anchored alternation and all strong cores in one searched alternation,
# so a clause costs two regex calls, not one per rule; at one position the first listed rule
# wins. Group "r<i>" is rule i.
_KEYWORD_CLAUSE = frozenset({"stop", "stopall", "stop all", "unsubscribe", "optout", "opt out",
                             "revoke"})
# A weak request is a short clause: politeness, the request, politeness. Longer clauses are
# not tried against weak rules at all, which bounds the backtracking over LEAD and TAIL.
MAX_WEAK_CHARS = 160
_NAMES = {f"r{i}": (name, lang) for i, (name, lang, _core, _strong) in enumerate(_RULES)}
_WEAK = re.compile(
    rf"{LEAD}(?:"
    + "|".join(f"(?P<r{i}>{core})" for i, (name, _lang, core, strong) in enumerate(_RULES)
               if not strong and name != "rule:keyword-clause")
    + rf"){TAIL}"
)
_STRONG_CORES = {f"r{i}": core for i, (_name, _lang, core, strong) in enumerate(_RULES) if strong}
_STRONG = re.compile(
    r"(?<![\w'])(?:" + "|".join(f"(?P<{g}>{core})" for g, core in _STRONG_CORES.items())
    + r")(?![\w'])"
)


def _index_by_first_word() -> dict[str, list[str]]:
    """Strong rule groups by the words their matches can begin with (keywords_heads)."""
    by_word: dict[str, list[str]] = {}
    for group in _STRONG_CORES:
        for word in HEADS[_NAMES[group][0]]:
            by_word.setdefault(word, []).append(group)
    return by_word


_BY_FIRST_WORD = _index_by_first_word()
_TOKEN = re.compile(r"[\w']+")
# Strong rules are tried at no more than this many words per message. A natural 1,600-character
# message has at most about 220 words that can begin a strong rule; "no no no ..." has 600.
# 260 (280 until the fifth pass) keeps hostile "no no no ..." under 1 ms with some room.
MAX_RULE_ATTEMPTS = 260


def _trie(words: list[str]) -> str:
    """A regex alternation of `words` factored by common prefix, so re branches on one letter."""
    children: dict[str, list[str]] = {}
    ends = False
    for word in words:
        if word:
            children.setdefault(word[0], []).append(word[1:])
        else:
            ends = True
    branches = [re.escape(ch) + _trie(rest) for ch, rest in sorted(children.items())]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if ends else body


# Every word that can begin a strong rule, as a whole word: finds the places to try in C.
_HEAD = re.compile(rf"(?<![\w'])(?:{_trie(sorted(_BY_FIRST_WORD))})(?![\w'])")
_BUCKETS: dict[str, re.Pattern[str] | None] = {}


def _bucket(word: str) -> re.Pattern[str] | None:
    """The strong rules a match starting with `word` can belong to, as one anchored regex."""
    try:
        return _BUCKETS[word]
    except KeyError:
        pass
    groups = set(_BY_FIRST_WORD.get(word, ()))
    ordered = [g for g in _STRONG_CORES if g in groups]
    # Each rule's name is an empty group after its core rather than a group around it: the
    # match and its lastgroup are the same, and re need not enter a group at every
    # alternative it tries, which makes a word with many rules ("no") about a third cheaper.
    compiled = re.compile(
        "(?:" + "|".join(f"(?:{_STRONG_CORES[g]})(?P<{g}>)" for g in ordered) + r")(?![\w'])"
    ) if ordered else None
    if len(_BUCKETS) < 4096:  # words seen are bounded by the index; never grow without end
        _BUCKETS[word] = compiled
    return compiled

# Negation within the three words before a core: "don't stop", "no need to stop",
# "never ever stop"; in Spanish also a bare "no" ("no pares", "no dejen de escribirme").
# A bare English "no" is not a negator: "no stop texting me" is "no. stop texting me".
# "Please disregard my previous STOP message": a request named to be ignored is withdrawn.
_NEGATORS = (r"don't|dont|do not|never|not|no need to|no reason to|won't|wont|will not|"
             r"disregard|ignore|"
             r"can't|cant|cannot|couldn't|wouldn't|shouldn't|didn't|doesn't|isn't|wasn't|"
             r"aren't|without")
_NEGATED = {
    # Also a Spanish "no es" before an English core ("No es wrong number, es mi nuevo cel") and
    # a gloss that defines a word rather than uses it ("didn't mean 'end' as in end the texts").
    "en": re.compile(rf"(?:\b(?:{_NEGATORS}|no es|no era)\b(?: [\w']+){{0,3}}|\bas in) $"),
    # "No quise decir que ya no me escriban": a request the writer says they did not mean.
    "es": re.compile(rf"\b(?:{_NEGATORS}|nunca|jamas|ni|sin|no|para nada|no quise decir que|"
                     rf"no dije que|no digo que|no estoy diciendo que|"
                     rf"no (?:les |le |te )?(?:estoy pidiendo|pido|pedi) que|"
                     rf"no es que (?:quiera|quiero|quisiera) que|"
                     rf"no (?:hace falta|es necesario) que|(?:no|tampoco) es para que|"
                     rf"tampoco es que)"
                     rf"\b(?: [\w']+){{0,3}} $"),
}
# Someone else's words or doings, a condition or a past fact, anywhere before the core.
# "told you" / "asked you" repeat a request made to us and stay live, and "if so" answers
# the writer's own question ("Is this an automated list? If so can you take me off it?"); the
# writer's own earlier words ("after I said stop", "les he dicho", "si ya dije alto") are the
# request repeated, not someone else's.
_REPORTED = {
    "en": re.compile(
        r"\b(?:(?:(?<!i )(?<!we )told|tell|telling|(?<!i )(?<!we )asked|asks|ask(?! that)|"
        r"asking(?! that)|begged|(?<!that )(?<!i )(?<!we )(?<!already )said|says|saying|yelled|"
        r"wants)"
        r"(?! (?:that )?(?:you|u|ya|y'all|yall|you guys)\b)|"
        r"he(?! (?:dicho|pedido|escrito|mandado|puesto|enviado|contestado|respondido)\b)|"
        r"she|they|him|her|them|his|their|someone|somebody|anyone|everyone|(?<!you )people|mom|dad|"
        r"mother|father|wife|husband|boss|friend|kid|kids|son|daughter|sister|brother|"
        r"if(?! (?:you|u|yall|y'all|you guys) (?:could|can|would|'d|please|kindly|text|message|"
        r"send|contact|call|keep|continue|don't stop|dont stop|do not stop)| so\b|"
        r" i (?:get|receive|see) (?:one more|another|any more|1 more)\b|"
        r" (?:you're|youre|you are|ur) smart\b| you know what's good\b)|whether|when i|until|"
        r"unless|why did|did you|did u|you stopped|when you|what if|in case|why would|"
        r"why should|(?:read|heard|learned|saw|seen) (?:that|about|somewhere|online))\b"),
    "es": re.compile(
        r"\b(?:dile|diles|dijo|dice|ella|ellos|ellas|cuando|"
        r"(?<!ahora )(?<!pues )si(?! (?:pueden|puede|podrian|podria|fueran|fuera|me hacen|"
        r"ya no quiero|no quiero|"
        r"ya (?:les |le )?(?:dije|puse|mande|pedi|conteste|respondi)|"
        r"me (?:siguen|vuelven|mandan|escriben|envian|llega|llegan)|(?:siguen|vuelven|continuan)))|"
        r"a mi (?:hermana|hermano|mama|papa|esposa|esposo|hija|hijo)|"
        r"por que (?:querria|iba a|habria de|quisiera)|para que (?:querria|iba a))\b"),
}

# For a wrong-number report only words of saying and conditions are someone else's request:
# "my dad no longer uses this number" reports the number changing hands, which is the point.
_REPORTED_SPEECH = {
    "en": re.compile(
        r"\b(?:(?:(?<!i )(?<!we )told|tell|telling|(?<!i )(?<!we )asked|asks|ask(?! that)|"
        r"asking(?! that)|begged|(?<!that )(?<!i )(?<!we )(?<!already )said|says|saying|yelled|"
        r"wants|wanted)"
        r"(?! (?:that )?(?:you|u|ya|y'all|yall|you guys)\b)|"
        r"if(?! (?:you|u|yall|y'all|you guys) (?:could|can|would|'d|please|kindly|text|message|"
        r"send|contact|call|keep|continue|don't stop|dont stop|do not stop)| so\b|"
        r" i (?:get|receive|see) (?:one more|another|any more|1 more)\b|"
        r" (?:you're|youre|you are|ur) smart\b| you know what's good\b)|whether|when i|until|"
        r"unless|what if|in case)\b"),
    "es": re.compile(r"\b(?:dile|diles|dijo|dice|cuando|si(?! (?:pueden|puede|podrian|podria|"
                     r"fueran|fuera|me hacen|ya no quiero|no quiero|"
                     r"ya (?:les |le )?(?:dije|puse|mande|pedi|conteste|respondi)|"
                     r"me (?:siguen|vuelven|mandan|escriben|envian|llega|llegan)|"
                     r"(?:siguen|vuelven|continuan))))\b"),
}

# A clause the writer opens with a conjunction of their own ("so please stop", "pero ya
# paren"): what was reported before it is not what is asked now.
_CONJUNCTION = r"(?:so|but|pero|and so|asi que|entonces)"
_POLITE_WORD = r"(?:please|pls|plz|just|por favor|ya)"
_ORDER = r"(?:stop|quit|remove|unsubscribe|take|paren|para|dejen|borren|quiten|no me manden)\b"
_OWN_TURN = re.compile(rf"{_CONJUNCTION} (?:{_POLITE_WORD} )?{_ORDER}")
# "... so you can remove this number": the writer's own turn, addressed to the sender.
_TURN = re.compile(rf"\b{_CONJUNCTION}(?: {_POLITE_WORD})?(?: (?:you|u|y'all|yall) "
                   rf"(?:can|could|may|should)(?: {_POLITE_WORD})?)? $")
_IMPERATIVE = re.compile(rf"(?:{_POLITE_WORD} )?{_ORDER}")

# The writer asks us to pass the request on ("tell Maria to stop texting this number",
# "dígale al vendedor que ya no me mande mensajes"): a relay opening the clause is the writer's
# own request, so the person it names is the messenger, not someone whose words are reported.
# A bare pronoun ("dile que deje de escribirme", "tell her to stop") names nobody at the sender
# and stays reported.
_RELAY = {
    "en": re.compile(
        r"^(?:(?:please|pls|plz|can you|could you|kindly|just|so) )*(?:tell|ask|let|inform|"
        r"remind|have) (?!(?:me|him|her|them|us) )(?:[\w']+ ){1,5}?(?:to|know to|know that|"
        r"that)(?: you)? $"),
    "es": re.compile(
        r"^(?:(?:por favor|porfa|favor de|me hace el favor de) )?(?:dile|diles|digale|diganle|"
        r"le dice|le dicen|avisele|avisale|avisenle|avisen|comuniquele|comuniquenle|informele|"
        r"informenle|recuerdele) (?:a|al|a la|a los|a las) (?:[\w']+ ){1,4}?que $"),
}
# Asking what something does to the texts, just before the request: "does that stop ...",
# "will replying STOP end ...", "does STOP unsubscribe me from everything?"; "will this ever
# stop" is a complaint, not a question.
_EFFECT_QUESTION = re.compile(r"\b(?:does|will|would|did|do) (?:that|this|it|"
                              r"replying|responding|texting|sending|saying|typing|writing|"
                              r"stop|alto|end|quit|cancel|unsubscribe|optout)"
                              r"(?: (?!ever\b)[\w']+){0,2} $")
# "... lol please take me off": a plea about the writer just before the request is theirs.
_PLEASE = re.compile(r"\b(?:please|pls|plz|kindly) $")
# Someone asked the writer to pass on a request about the writer themself ("my granddaughter
# says to tell you to remove me"): the writer makes it theirs by passing it on.
_FOR_ME = re.compile(r"\b(?:says|said|told me|wants me|asked me) to (?:tell|ask) (?:you|u|y'all|"
                     r"you guys|ya) (?:to )?$")
_ABOUT_ME = re.compile(r"\b(?:me|my number|this number|my phone|my name)\b")
# A Spanish "si" followed by one's own refusal asks what to do about it, which is the request.
_OWN_CONDITION = re.compile(r"(?:ya )?no (?:quiero|deseo|queremos)\b")
# After "yo", "no mandé" / "no envié" is the writer's own past sending ("Yo no mandé ningún
# ALTO"), not the "no mande" that asks us not to send.
_OWN_SENDING = re.compile(r"(?:ya )?no (?:mande|envie)\b")

# A negator and the words after it span at most this many words ("no need to" + 3 words).
_NEGATION_WORDS = 8
# The other patterns anchored at a prefix's end span at most this many words ("i have told your
# service department 4 times to").
_NEAR_WORDS = 12
# Rule matches a guard may reject in one message before the rules give up on it: each check
# reads the whole prefix, so "don't stop texting me" x 70 would otherwise cost milliseconds.
MAX_CANCELLED = 16


# The writer's own earlier request to the sender's people: "I have told your service department
# 4 times to stop texting me".
_TOLD_YOU = re.compile(r"\bi (?:have |had |'ve |already )?(?:told|asked) (?:you|u|y'all|you guys|"
                       r"your [a-z]+(?: [a-z]+)?)(?: [0-9a-z]+ times)? to $")
# "I'd appreciate it if you stopped ...": the writer's own thanks frame their own request.
_GRATEFUL = re.compile(r"(?:grateful|appreciate|thankful) ")
_FIRST_PERSON = re.compile(r"\b(?:i'd|id|i would|we'd|we would|i'll|i will|i|we|i'm|im|i am) "
                           r"(?:be |really |truly |so )?$")
# The writer's own coming action before "quit calling" / "stop texting": "Ok I'll quit calling
# and just text from now on" is what the writer will do, not what they ask of us.
_OWN_ACTION = re.compile(r"\b(?:i'll|ill|i will|i'm going to|im going to|i'm gonna|im gonna|"
                         r"we'll|we will) $")
# "a $25 late fee that I never agreed to": the writer never agreed to a charge, not to texts.
_OTHER_AGREEMENT = re.compile(r"\b(?:fee|fees|charge|charges|plan|price|rate|terms|contract|"
                              r"policy|amount|bill|payment|upgrade|warranty|membership|renewal) "
                              r"(?:that |which )?(?:i |we )?$")


def _last_words(prefix: str, count: int) -> str:
    """The end of `prefix` that holds its last `count` words (all of it when shorter), with the
    space before them, so a pattern opening with \\b still matches at the first."""
    parts = prefix.rsplit(" ", count)
    return prefix if len(parts) <= count else " " + " ".join(parts[1:])


def _live(prefix: str, lang: str, name: str = "", core: str = "", for_owner: bool = False
          ) -> bool:
    """False when what precedes a core negates it or reports someone else's request; when the
    writer answers `for_owner` of the phone, that person's request they pass on is theirs."""
    if not prefix:
        return True
    # The patterns anchored at the prefix's end read only its last words: a search of a long
    # prefix from every position would cost far more than the match can span.
    near = _last_words(prefix, _NEAR_WORDS)
    if name == "rule:stop-texting" and _OWN_ACTION.search(near):
        return False
    if name == "rule:never-consented" and _OTHER_AGREEMENT.search(near):
        return False
    if lang == "es" and prefix.endswith("si ") and _OWN_CONDITION.match(core):
        # "¿Y si ya no quiero recibir sus mensajes?": the condition is the request itself.
        prefix = prefix[:-3]
    if lang == "es" and (prefix == "yo " or prefix.endswith(" yo ")) and _OWN_SENDING.match(core):
        return False
    reporting = (_REPORTED_SPEECH if name in _WRONG_NUMBER else _REPORTED)[lang]
    # "my grandson says to tell you to stop, so please stop": after "so"/"but"/"pero" the
    # writer speaks for themself, in an order or about themself ("my daughter quit dance, so
    # no need to keep me on the list"); only a negation can cancel that.
    turn = _TURN.search(near) is not None
    own_turn = bool(_OWN_TURN.match(core)
                    or (turn and (_IMPERATIVE.match(core) or _ABOUT_ME.search(core)))
                    or _RELAY[lang].match(prefix) or _TOLD_YOU.search(near)
                    or (_GRATEFUL.match(core) and _FIRST_PERSON.search(near))
                    or (_FOR_ME.search(near) and _ABOUT_ME.search(core)) or for_owner
                    or (_PLEASE.search(near) and _ABOUT_ME.search(core)))
    # _NEGATED is anchored at the end too, and spans fewer words.
    tail = _last_words(prefix, _NEGATION_WORDS)
    if _EFFECT_QUESTION.search(tail):
        # "does that stop the appt reminders too?": a question about what a reply does.
        return False
    return _NEGATED[lang].search(tail) is None and (own_turn
                                                    or reporting.search(prefix) is None)


def reported(found: list[str]) -> bool:
    """True when any of the clauses `found` reports someone else's words or doings, or a
    condition ("she told me to stop", "dile que", "if you stop"): the model may weigh such a
    text, but only a person may decide it is a revocation."""
    return _reports(found, _REPORTED, _REPORTING_WORDS)


def reports_speech(found: list[str]) -> bool:
    """True when any of the clauses `found` reports someone's words or sets a condition ("she
    told me to stop", "if you stop"): the narrower test of `reported`, which a sure model
    score is held to, because "my mom passed away, take her number off" names a person
    without reporting her words."""
    return _reports(found, _REPORTED_SPEECH, _SPEECH_WORDS)


# Every match of _REPORTED (_REPORTED_SPEECH) holds one of these words, so a text without any
# is not searched (tests/test_keywords_triggers.py keeps the lists whole).
_SPEECH_WORDS = frozenset("""
    told tell telling asked asks ask asking begged said says saying yelled wants wanted if
    whether when until unless case dile diles dijo dice cuando si
""".split())
_REPORTING_WORDS = _SPEECH_WORDS | frozenset("""
    he she they him her them his their someone somebody anyone everyone people mom dad mother
    father wife husband boss friend kid kids son daughter sister brother why did stopped
    ella ellos ellas hermana hermano mama papa esposa esposo hija hijo querria iba habria
    quisiera read heard learned saw seen
""".split())


def _reports(found: list[str], patterns: dict[str, re.Pattern[str]],
             triggers: frozenset[str]) -> bool:
    """True when a pattern of `patterns` matches a clause of `found`, negated persons left
    out; a text holding none of `triggers` is not searched."""
    if triggers.isdisjoint(words("\n".join(found))):
        return False
    return any(pattern.search(clause) for clause in map(_without_negated_person, found)
               for pattern in patterns.values())


# "it's not them anymore", "this isn't him": a person named after a negation says who is no
# longer at this number (a wrong-number statement), not whose words are reported.
_NEGATED_PERSON = re.compile(
    r"\b(?:not|isn't|isnt|is not|no longer|ain't|no es|ya no es|ya no son|no son) "
    r"(?:them|him|her|he|she|they|his|hers|theirs|their number|his number|her number|"
    r"that person|the same person|el|ella|ellos|ellas)\b")


def _without_negated_person(clause: str) -> str:
    """`clause` without a negated person ("not them anymore"), which reports nobody."""
    return _NEGATED_PERSON.sub(" ", clause)


# "Sorry, wrong number" is the sender's own mistake, not a report that we have the wrong one.
# "texts meant for someone named Tony", "you meant to text someone else" are no apology. No
# alternative spans a line break, so one search of the joined clauses reads each of them.
_APOLOGY = Gated(re.compile(
    r"\b(?:my bad|oops|(?<!texts )(?<!text )(?<!messages )(?<!you )(?<!u )(?<!is )(?<!are )"
    r"(?<!this was )meant (?:to|for)|quise|queria mandar|era para)\b"),
    "bad oops meant quise queria era")


def _apologetic(clauses: list[str]) -> bool:
    """True when a clause of `clauses` apologises for a message sent by mistake."""
    return _APOLOGY.search("\n".join(clauses)) is not None


_WRONG_NUMBER = frozenset({"rule:wrong-number", "rule:es-numero-equivocado",
                           "rule:es-aqui-no-hay"})


@dataclass(frozen=True)
class Reading:
    """What the rules make of a message's clauses.

    `found` is (rule name, language) of the first live rule, or None. `cancelled` is True when
    a rule matched but its guard rejected it ("don't stop texting me", "she told me to
    unsubscribe", "oops wrong number") or what followed took it back ("Stop? no way"): the
    rules read the message and decided it is not a request. `off_topic` is True when a rule
    matched an action on something other than our texts ("remove me from the class roster"):
    the model may weigh the text, but only for review. `exhausted` is True when
    MAX_RULE_ATTEMPTS ran out before the rules finished.
    """

    found: tuple[str, str] | None
    cancelled: bool = False
    exhausted: bool = False
    off_topic: bool = False


_LIVE, _CANCELLED, _OFF_TOPIC, _PASS = "live", "cancelled", "off-topic", "pass"
# "para" (stop / for) opening a strong Spanish core, and what may precede it as a request.
_PREPOSITION = re.compile(r"para (?!de )")
_LEADS = re.compile(LEAD)
# What follows a request is read only this far for its object or a taking back ("jk"), so a
# long text costs no more per match than a short one.
_AFTER_CHARS = 120
_AFTER_CLAUSES = 3


# The writer answers for the phone's owner: "Le contesto por mi papá que no sabe usar el
# celular: dice que ya no quiere recibir sus mensajes", "I'm replying for my grandpa".
_ANSWERING_FOR = Gated(re.compile(
    r"\b(?:contesto|respondo|escribo) por (?:mi|su) |"
    r"\b(?:replying|answering|responding|writing) (?:for|on behalf of) (?:my|his|her) "),
    "contesto respondo escribo replying answering responding writing")


def _answering_for(clauses: list[str]) -> bool:
    """True when one of `clauses` says the writer answers for the phone's owner."""
    return _ANSWERING_FOR.search("\n".join(clauses)) is not None


def _verdict(clauses: list[str], at: int, match: re.Match[str], name: str, lang: str,
             apologetic: bool) -> str:
    """Whether the rule `name` matched by `match` in clauses[at] is a live request, was
    cancelled (negated, reported, an apology, taken back) or acts on something else."""
    clause = clauses[at]
    if apologetic and name in _WRONG_NUMBER:
        return _CANCELLED
    if _PREPOSITION.match(match.group()) and not _LEADS.fullmatch(clause[: match.start()]):
        # "lo necesito para los recordatorios": after a word of the writer's own, "para" is
        # "for", not "stop"; only at the clause's start (politeness aside) is it a request.
        return _PASS
    if not _live(clause[: match.start()], lang, name, match.group(),
                 _answering_for(clauses[:at + 1])):
        return _CANCELLED
    rest = clause[match.end():match.end() + _AFTER_CHARS]
    # A take-back first: "unsubscribe me from the catalog but keep texts" is then settled,
    # not left to the model.
    if _taken_back(name, [rest, *clauses[at + 1:at + 1 + _AFTER_CLAUSES]],
                   clause[: match.start()] + (clauses[at - 1] if at else "")):
        return _CANCELLED
    if name in OBJECT_RULES and off_topic(match.group(), rest):
        return _OFF_TOPIC
    if other_channel(match.group(), rest):
        return _OFF_TOPIC
    if name in _WRONG_NUMBER and in_a_record(match.group(), rest):
        return _OFF_TOPIC
    if name in COMPLAINT_RULES and billing_complaint(rest):
        return _OFF_TOPIC
    return _LIVE


# Rules that are a bare keyword, which laughter or a comment after it can show was an
# exclamation ("Stop, you're making me hungry lol"; keywords_aside).
_BARE = frozenset({"rule:keyword-clause", "rule:es-keyword-clause", "rule:please-stop",
                   "rule:stop-it", "rule:repeated-keyword", "rule:es-repeated-keyword",
                   "rule:stop-then"})


def _taken_back(name: str, following: list[str], before: str = "") -> bool:
    """True when the clauses `following` a whole-clause rule `name` take it back ("Stop? no
    way") or show a bare keyword was an exclamation ("Stop, you're making me hungry lol",
    "Hold on, stop", keywords_aside)."""
    return retracted(following) or (name in _BARE and exclaimed(following, before))


def _whole_clause(clauses: list[str], at: int) -> tuple[str, str] | None:
    """(rule name, language) of the keyword clause or weak rule that is clauses[at], or None."""
    clause = clauses[at]
    if clause in _KEYWORD_CLAUSE:
        return "rule:keyword-clause", "en"
    match = _WEAK.fullmatch(clause) if len(clause) <= MAX_WEAK_CHARS else None
    if match is not None and match.lastgroup is not None:
        return _NAMES[match.lastgroup]
    return None


def read(clauses: list[str]) -> Reading:
    """The rules' reading of `clauses`: the first live rule in the first clause that has one.

    A weak rule must be the whole clause (politeness around it allowed); a strong rule may
    sit anywhere in it, provided the guard finds its prefix live and its object is ours. A
    request that a later word takes back ("jk", "no way") is cancelled.
    """
    apologetic = _apologetic(clauses)
    attempts = 0
    cancelled = 0
    aside = False
    for at, clause in enumerate(clauses):
        whole = _whole_clause(clauses, at)
        if whole is not None:
            if not _taken_back(whole[0], clauses[at + 1:at + 1 + _AFTER_CLAUSES],
                               clauses[at - 1] if at else ""):
                return Reading(whole)
            cancelled += 1
            if cancelled >= MAX_CANCELLED:
                return Reading(None, True, exhausted=True, off_topic=aside)
            continue
        for head in _HEAD.finditer(clause):
            attempts += 1
            if attempts > MAX_RULE_ATTEMPTS:
                return Reading(None, cancelled > 0, exhausted=True, off_topic=aside)
            rule = _BUCKETS.get(head.group()) or _bucket(head.group())
            match = rule.match(clause, head.start()) if rule is not None else None
            if match is None:
                continue
            name, lang = _NAMES[match.lastgroup or ""]
            verdict = _verdict(clauses, at, match, name, lang, apologetic)
            if verdict == _LIVE:
                return Reading((name, lang))
            if verdict == _OFF_TOPIC:
                aside = True
                continue
            if verdict == _PASS:
                continue
            cancelled += 1
            if cancelled >= MAX_CANCELLED:
                return Reading(None, True, exhausted=True, off_topic=aside)
    return Reading(None, cancelled > 0, off_topic=aside)


def revocation(clauses: list[str]) -> tuple[str, str] | None:
    """(rule name, language) of the first live rule in the first clause that has one."""
    return read(clauses).found


def revocation_by_search(clauses: list[str]) -> tuple[str, str] | None:
    """`revocation` without the first-word index: one search of all strong rules per clause.

    Slower; kept so a test can prove the index never changes a decision.
    """
    apologetic = _apologetic(clauses)
    cancelled = 0
    for at, clause in enumerate(clauses):
        whole = _whole_clause(clauses, at)
        if whole is not None:
            if not _taken_back(whole[0], clauses[at + 1:at + 1 + _AFTER_CLAUSES],
                               clauses[at - 1] if at else ""):
                return whole
            cancelled += 1
            if cancelled >= MAX_CANCELLED:
                return None
            continue
        pos = 0
        while (match := _STRONG.search(clause, pos)) is not None:
            name, lang = _NAMES[match.lastgroup or ""]
            verdict = _verdict(clauses, at, match, name, lang, apologetic)
            if verdict == _LIVE:
                return name, lang
            if verdict == _CANCELLED:
                cancelled += 1
                if cancelled >= MAX_CANCELLED:
                    return None
            pos = match.start() + 1
    return None
