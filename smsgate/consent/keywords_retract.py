"""Whether what follows a request takes it back: "Stop? no way", "stop texting me jk",
"unsubscribe... but keep texts", "Para... es broma".

Pure functions over normalised clauses (keywords_text.clauses). A request followed by one of
these is no request: the rules cancel it, and the model is not asked.
"""

from __future__ import annotations

import re

from smsgate.consent.keywords_text import Gated, words

# A whole clause that takes back what came before ("no way", "jk", "not really", "Stop? never").
_WHOLE = re.compile(
    r"(?:(?:lol|lmao|haha|hahaha|jaja|jajaja|ok|nah|nope|oh) )*"
    r"(?:no way|no way jose|jk|j k|just kidding|just joking|kidding|only kidding|not really|"
    r"nvm|never mind|nevermind|es broma|era broma|es una broma|era una broma|"
    r"es mentira|mentira|no es cierto|no es verdad|no es en serio|no en serio|"
    r"nah jk|psych|sike|never|nunca|nope never|"
    # Spanish refusals of a keyword asked back: "Basta? Para nada", "¿Alto? Ni loco".
    r"para nada|ni loco|ni loca|de ninguna manera|claro que no|por supuesto que no|"
    r"ni de broma|ni de chiste|ni hablar|jamas|hell no never|absolutely not|of course not)"
    r"(?: (?:lol|lmao|haha|hahaha|jaja|jajaja|please|pls|send more|keep them coming))*"
)
# Words anywhere after the request that ask for the opposite ("but keep texts", "send more").
_ANYWHERE = Gated(re.compile(
    r"\b(?:just kidding|jk|(?<!no )es broma|(?<!no )era broma|"
    # Not to someone else: "remove my number and just keep sending to his".
    r"(?:but|pero|and|y|just|only) keep (?:texting|sending|messaging|the texts|texts|"
    r"the messages|messages|the deals|the offers|me posted|me updated)(?! (?:to|him|her) )|"
    r"keep (?:them|em|'em|the texts|the messages|the deals|the offers) coming|"
    r"keep me (?:subscribed|signed up|on the list|enrolled)|"
    # The texts praised as useful: "No stop the reminders, me ayudan mucho".
    r"(?:me|nos) (?:ayudan|sirven|gustan|encantan) mucho|(?:they|these|those|the texts|the "
    r"reminders) (?:really )?(?:help|are helpful|are useful)|i (?:really )?(?:like|love|need) "
    r"(?:them|these|the texts|the reminders)|"
    r"(?:want to|wanna|would like to|we'd like to|i'd like to) (?:stay|remain) (?:subscribed|"
    r"signed up|on the list|enrolled)|"
    # The texts kept while something else goes: "but the texts are fine", "pero los mensajes
    # sí los quiero".
    r"(?:texts|text|text messages|sms|mensajes|textos) (?:are|r|is|si son|son) (?:fine|ok|okay|"
    r"good|welcome|bien)|(?:mensajes|textos|sms) si (?:los |las )?(?:quiero|me sirven)|"
    r"(?:mensajes|textos) (?:estan bien|me sirven)|(?:i )?only want (?:the )?texts|"
    r"por (?:mensaje|texto|sms) (?:esta bien|si)|"
    # Calls, not texts: "no me llamen, mejor mándenme mensaje", "stop calling, text me instead".
    r"mejor (?:por (?:mensaje|texto|sms|whatsapp)|(?:mandenme|mandame|envienme|enviame|"
    r"escribanme|escribeme)(?: un| por)? (?:mensaje|texto|sms|whatsapp))|"
    r"(?:text|message|txt) me instead|texts? (?:are|is) better|better by text|"
    # Texts named as the only channel wanted, closing the clause: "..., solo mensajes".
    r"(?:solo|only|just) (?:por |by )?(?:mensajes|textos|texto|texts|text|sms)$|"
    r"(?:but|pero|and|y|just|only) (?:keep|mantengan|dejen) (?:the |los |sus )?(?:texts|"
    r"mensajes|textos|sms))\b"
    # A next clause that opens by refusing the request: "Stop! Don't unsubscribe me".
    # A refusal opening the next clause, then a reason: "Para nada, son las mejores ofertas".
    r"|^ ?(?:para nada|ni loco|ni loca|de ninguna manera|claro que no|por supuesto que no|"
    r"absolutely not|of course not),"
    r"|^ ?(?:please |pls |no )?(?:don't|do not|dont|no me|never) (?:unsubscribe|remove|"
    r"cancel|take me off|opt me out|den de baja|borren|quiten|saquen)\b"
    # An imperative asking for more opens its clause or follows "but": "Stop? Send more",
    # never "I don't want you to send more" or "no quiero que me sigan mandando".
    r"|(?:^ ?|\b(?:but|pero|mejor|and|y|lol|jaja) )(?:send (?:me )?more|"
    r"sigan (?:mandando|enviando|escribiendo)|(?:manden|envien) mas)\b"
    # Kept on purpose: "so I'm keeping these", "I'll keep getting them".
    r"|\b(?:i'm|im|i am|i'll|ill|i will|we're|we are|we'll) (?:keeping|keep|keep getting) "
    r"(?:these|them|the texts|getting them|getting these)\b"
    # Afraid to miss them: "ya no las quiero perder", "don't want to miss any".
    r"|\b(?:no|ya no) (?:los|las) (?:quiero|queremos) perder"
    r"|\b(?:don't|do not|dont) want to miss (?:them|these|any|one|a single one|the texts|"
    r"the deals|out on (?:the )?deals)\b"
), """kidding jk broma keep fine ok okay good welcome bien quiero sirven estan want esta si
    perder miss keeping
    mejor instead better solo only just mantengan dejen nada loco loca ninguna claro supuesto
    absolutely course unsubscribe remove cancel take opt den borren quiten saquen send sigan
    manden envien stay remain ayudan sirven gustan encantan help helpful useful like love
    need""")


def retracted(rest: list[str]) -> bool:
    """True when the text `rest` (the rest of the request's clause, then the clauses after
    it) takes the request back."""
    # One set test over all of `rest` spares the search through each clause when no
    # take-back word is there at all.
    anywhere = not _ANYWHERE.triggers.isdisjoint(words("\n".join(rest)))
    return any(_WHOLE.fullmatch(clause.strip())
               or (anywhere and _ANYWHERE.pattern.search(clause)) for clause in rest)
