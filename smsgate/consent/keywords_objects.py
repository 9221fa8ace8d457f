"""Whether a request such as "remove me from X" or "dar de baja X" is about our texts.

Pure functions. Some strong rules name an action that applies to many things: "remove me
from the class roster", "unsubscribe from the auto-ship", "how do I turn off the alarm",
"dar de baja mi membresía", "¿me pueden quitar el recargo?", "¿puedo cancelar solo un
artículo?". Such a rule is a revocation only when its object is about messages, the list,
this number or the sender, or when it has no object at all; with another object the rules
step aside and the model decides, at most for review (keywords.classify). A list, service or
line of another kind ("la lista de espera", "el servicio de internet") is another object;
so is a wrong person in one of the sender's records ("wrong person on the appointment") and a
threat to report over a charge ("los voy a reportar porque me cobraron doble").
"""

from __future__ import annotations

import re

# Rules whose core is an action that can take an object other than our texts.
OBJECT_RULES = frozenset({
    "rule:remove-me", "rule:unsubscribe-me", "rule:want-to-opt-out", "rule:how-to-stop",
    "rule:opt-me-out", "rule:take-me-off", "rule:terminate-subscription",
    "rule:es-borren-mi-numero", "rule:es-como-me-doy-de-baja", "rule:es-cancelar-suscripcion",
    "rule:no-longer-receive", "rule:es-no-quiero", "rule:es-no-me-manden",
})
# Objects that make the request one about our texts.
ABOUT_TEXTS = frozenset("""
    messages message texts text txts txt msgs msg sms mms texting messaging textos texto
    mensajes mensaje mensajitos msjs mjs list lists mailing lista listas number numero num
    phone telephone telefono celular cel cell mobile line linea contacts contactos contact
    contacto database base system sistema records registros service
    servicio servicios campaign campana marketing alerts alert alertas notifications
    notificaciones notices avisos reminders recordatorios updates promos promotions
    promociones publicidad offers ofertas deals spam everything todo
    thing things stuff cosa cosas aqui here distribution mailing
    spammed texted messaged contacted bothered called emailed contactado contactada
    cupones coupons codigos codes descuentos discounts
    communications communication correspondence comunicaciones comunicacion
""".split())
# Other channels: "unsubscribe me from the emails", "dénme de baja de los correos", "stop
# sending me the paper statements" act on mail or calls, not on our texts.
OTHER_CHANNELS = frozenset("""
    email emails mail mails mailings e correo correos calls call llamadas llamada catalog
    catalogs catalogue catalogo catalogos paper papel statements newsletter newsletters
    letters cartas postcards flyers folletos revista magazine buzon voicemail voicemails
    contestadora
""".split())
# Words of ABOUT_TEXTS that name a list, service or line of any kind; with a word of
# _OTHER_KINDS near them ("lista de espera", "servicio de internet", "la línea ... del plan
# familiar") they are that other thing, not our texts. A "línea" given de baja is the
# carrier's phone line ("den de baja la línea de mi hijo"), so it is a kind of its own.
_GENERIC = frozenset("list lists lista listas service servicio servicios line linea thing".split())
_OTHER_KINDS = frozenset("""
    espera waitlist waiting wait internet cable wifi tv television luz agua gas familiar family
    streaming seguro insurance credito credit alarma alarm adicional additional
    monitoring monitoreo seguridad security carpool carpooling roster team class alberca
    piscina pool jardineria jardin lawn landscaping limpieza cleaning fumigacion plagas pest
    linea autobus camion transporte
    mantenimiento maintenance
""".split())
# How many words after the core are read for such a kind.
_KIND_WINDOW = 12
# A word after one of these is how, not what: "hacerla por teléfono", "by phone".
_MANNER = frozenset("por by via".split())
# The sender, when named right after the action ("unsubscribe from you guys"); further on,
# "you" belongs to another phrase ("stop the leak under the sink you installed").
_SENDER = frozenset("you u ya ustedes usted y'all yall".split())
_SENDER_WORDS = 2
# Words that carry no object of their own: articles, prepositions, politeness, pronouns.
_EMPTY = frozenset("""
    from of off out on in for the my a an our de del al mi mis el la los las lo un una unos
    unas su sus tu tus solo only just y and o or to at with con por para please pls plz favor
    porfa thanks gracias now ya ahora all todos todas todo any some this these that those it
    them esto estos estas esta este eso esos esas ese me us your ur subscription
    subscriptions suscripcion suscripciones anymore more mas nada nothing anything else
    ningun ninguno ninguna any longer ok okay k vale saludos thx ty asap again otra vez
    real time good once forever sure plis pliss porfis porfi xfa xfavor porfavor plox
""".split())
# Verbs whose object follows them directly ("no longer receive paper statements").
_TRANSITIVE = frozenset("receive get receiving getting recibir".split())
# Words after which what follows is the action's object ("remove me from ...", "stop the ...").
_INTRODUCERS = frozenset("""
    from of off out on in en at for to with the my a an our de del al mi mis el la los las un una su
    sus tu tus solo y and this these that those it esto estos estas esta este eso nada just
    only solamente tambien also
""".split())
# A name of at most this many words after "from"/"de" is taken for the sender's.
_NAME_WORDS = 2
_FROM = frozenset({"from", "de"})
# "anything about", "nada de": what follows is the subject of the texts, not another thing.
_ANYTHING = frozenset("nada anything nothing".split())
_ABOUT = frozenset("de sobre about regarding".split())
# Words that make "from X" a thing of the sender's, not the sender: times and common services.
_NOT_NAMES = frozenset("""
    today tomorrow tonight yesterday monday tuesday wednesday thursday friday saturday sunday
    week weekend month morning afternoon evening next last booking bookings appointment class
    classes order orders waitlist roster schedule shift delivery deliveries pickup membership
    club team group chat course lesson lessons plan box account card cart autoship autopay
    hoy manana lunes martes miercoles jueves viernes sabado domingo semana mes clase clases
    pedido pedidos cita citas entrega grupo curso plan cuenta tarjeta carrito membresia
""".split())
_POLITE = frozenset("please pls plz thanks thx gracias porfa favor por".split())
# Words that end the object: the next part of the sentence begins.
_BREAKS = frozenset("but pero because porque cause cuz since so then i yo que".split())
_WORD = re.compile(r"[\w']+")
# How many words after the core are read as its object.
WINDOW = 6


# A pronoun object that then spreads, grows or leaks ("stop them before they spread") is a
# pest or a leak, not our texts.
_IT_ACTS = re.compile(r"(?:them|it|these|those) *$")
_ACTS = re.compile(r"^ (?:before|from|so) (?:they |it |them )?(?:spread|spreading|grow|growing|"
                   r"multiply|multiplying|breed|breeding|leak|leaking|get worse|getting worse|"
                   r"come back|coming back|eat|eating|bite|biting)\b")


def off_topic(matched: str, rest: str) -> bool:
    """True when the core `matched` acts on something other than our texts, judging by the
    words `rest` that follow it in its clause."""
    if _IT_ACTS.search(matched) and _ACTS.match(rest):
        return True
    core_words = _WORD.findall(matched)
    if not _SENDER.isdisjoint(core_words):
        return False
    about = ABOUT_TEXTS.intersection(core_words)
    if about:
        # "remove me from the waiting list", "sáquenme de la lista de espera": a list of
        # another kind, named in the core or right after it.
        return about <= _GENERIC and (not _OTHER_KINDS.isdisjoint(core_words)
                                      or _of_another_kind(rest))
    phrase_words = _WORD.findall(rest)[:_KIND_WINDOW]
    following = phrase_words[:WINDOW]
    if not following or (core_words[-1] not in _INTRODUCERS | _TRANSITIVE
                         and following[0] not in _INTRODUCERS):
        return False
    if core_words[-1] in _ANYTHING and following[0] in _ABOUT:
        return False  # "no me mandes más nada de techos": what the texts are about
    # The object is the phrase's first WINDOW words; the phrase may name the texts further on
    # ("from the Lakeside Community Church food pantry notifications").
    obj: list[str] = []
    phrase: list[str] = []
    to_the_end = True
    for at, (before, word) in enumerate(zip(["", *phrase_words], phrase_words, strict=False)):
        if word in _BREAKS:
            to_the_end = at >= WINDOW
            break
        if before not in _MANNER:
            phrase.append(word)
            if at < WINDOW:
                obj.append(word)
    about = ABOUT_TEXTS.intersection(phrase)
    if about and (not about <= _GENERIC or not _of_another_kind(rest)):
        return False
    if not _SENDER.isdisjoint(obj[:_SENDER_WORDS]):
        return False
    if any(word in _FROM and after in _SENDER for word, after in zip(obj, obj[1:], strict=False)):
        return False  # "anything else from you"
    if _names_the_sender(obj, to_the_end):
        return False
    return any(word not in _EMPTY for word in obj)


# "el servicio de basura", "the service for the pool": a service named by what it does.
_SERVICE_OF = re.compile(r"\b(?:servicio|service) (?:de|del|of|for) (?:the |la |el )?"
                         r"(?!(?:mensajes|mensajitos|textos|texto|sms|text|texts|texting|messages|"
                         r"alertas|alerts|notificaciones|notifications|recordatorios|reminders)\b)"
                         r"[a-z]+")


def _of_another_kind(rest: str) -> bool:
    """True when the words `rest` name a kind of list or service that is not our texts
    ("de la lista de espera", "el servicio de internet") before the next part of the sentence."""
    if _SERVICE_OF.search(rest):
        return True
    for word in _WORD.findall(rest)[:_KIND_WINDOW]:
        if word in _BREAKS:
            return False
        if word in _OTHER_KINDS:
            return True
    return False


# A wrong person or name "on the appointment" / "en la cita" is a mistake in one of the
# sender's records, not a text to the wrong number; unless the record is the text itself.
_IN_A_RECORD = re.compile(
    r" (?:on|in|for|en|de|para) (?:the|my|this|that|your|ur|la|el|mi|su|esta|este) "
    r"(?:appointment|order|account|booking|reservation|file|form|invoice|bill|prescription|"
    r"delivery|package|ticket|cita|pedido|orden|cuenta|reserva|reservacion|factura|receta|"
    r"entrega|paquete)(?! (?:reminder|reminders|text|texts|message|messages|msg|"
    r"confirmation|recordatorio|mensaje|mensajes))\b")


def in_a_record(matched: str, rest: str) -> bool:
    """True when the words `rest` after a wrong-number report `matched` that names no number
    put the mistake in a record of the sender's ("wrong person on the appointment", never
    "not the right number for this account")."""
    return (_IN_A_RECORD.match(rest) is not None
            and ABOUT_TEXTS.isdisjoint(_WORD.findall(matched)))


# Threats to report or sue, which a reason about money and not about texts makes a billing
# complaint: "los voy a reportar ... porque me cobraron doble en la factura".
COMPLAINT_RULES = frozenset({"rule:es-reportar", "rule:spam-report"})
_BILLING = re.compile(
    r"\b(?:because|cause|cuz|since|for|over|porque|por) (?:[\w']+ ){0,4}?"
    r"(?:cobr\w*|charg\w*|overcharg\w*|bill|billing|billed|factura\w*|refund\w*|reembols\w*|"
    r"cargo|cargos|dinero|money)\b")


def billing_complaint(rest: str) -> bool:
    """True when the words `rest` after a threat give a reason about money and name nothing of
    our texts ("porque me cobraron doble", "for double charging me")."""
    return _BILLING.search(rest) is not None and ABOUT_TEXTS.isdisjoint(_WORD.findall(rest))


def other_channel(matched: str, rest: str) -> bool:
    """True when the request `matched`, or its object in `rest`, names another channel (mail,
    e-mail, calls, a paper catalogue) and nothing of our texts: "stop the emails", "unsubscribe
    me from the paper catalog", "dénme de baja de los correos"."""
    words = _WORD.findall(matched)
    for word in _WORD.findall(rest)[:WINDOW]:
        if word in _BREAKS:
            break
        words.append(word)
    channel = not OTHER_CHANNELS.isdisjoint(words)
    return channel and ABOUT_TEXTS.isdisjoint(words) and "texting" not in words


def _names_the_sender(obj: list[str], to_the_end: bool) -> bool:
    """True when `obj` is "from"/"de" and a bare name closing the clause ("unsubscribe me from
    Acme Pharmacy", "denme de baja de Farmacia Luz"): who sends the texts, not a thing of theirs
    ("from the 6pm class roster", "del club de vinos", "from Saturday's pickup schedule")."""
    while obj and obj[-1] in _POLITE:
        obj = obj[:-1]
    name = obj[1:]
    return (to_the_end and bool(obj) and obj[0] in _FROM and 1 <= len(name) <= _NAME_WORDS
            and _EMPTY.isdisjoint(name)
            and _NOT_NAMES.isdisjoint(word.removesuffix("'s") for word in name))
