"""A table of named cases for every category of the reply corpus (tests/fixtures/replies):
the issue's own examples and new ones, each with the decision classify must make. Where the
recogniser is unsure the table says REVIEW (a person decides; sending pauses), never OUT."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smsgate.consent.keywords import Intent, classify

OUT, IN, HELP, NONE = Intent.OPT_OUT, Intent.OPT_IN, Intent.HELP, Intent.NONE
REVIEW = Intent.POSSIBLE_OPT_OUT
CORPUS = Path(__file__).parent / "fixtures" / "replies"

# (category, body, intent)
TABLE = [
    ('keyword_noise', 'STOP!!! 🛑', OUT),
    ('keyword_noise', '  unsubscribe.', OUT),
    ('keyword_noise', 'Cancel!', OUT),
    ('typo_stretched', 'STOPPPPPPP', OUT),
    ('typo_stretched', 'unsubscrbe', OUT),
    ('typo_stretched', 'stop textng me', OUT),  # "textng" is a tolerated slip of "texting"
    ('angry_emphatic', 'quit spamming my phone', OUT),
    ('angry_emphatic', 'enough with these messages!!', OUT),
    ('angry_emphatic', 'STOP MESSAGING ME ALREADY', OUT),
    ('formal', 'Please discontinue text messages to this number.', OUT),
    ('formal', 'I withdraw my consent to receive text messages.', OUT),
    ('embedded',
     'Hi, I moved and this is no longer relevant to me, so please stop the texts. Thanks', OUT),
    ('embedded', 'Thanks for the reminder. Please remove me from your list going forward.', OUT),
    ('wrong_number', "This is not Dana's phone anymore, please update your list", OUT),
    ('wrong_number', 'wrong number, please remove', OUT),
    ('question', 'is there a way to opt out of these', OUT),
    ('question', 'How do I stop getting these texts?', OUT),
    ('plain_request', 'Stop the texts please and thank you', OUT),
    ('plain_request', "please don't text me anymore", OUT),
    ('complaint_not_stop', 'The coupon link is broken', NONE),
    ('complaint_not_stop', 'Why does shipping cost so much?', NONE),
    ('conversation', 'See you Tuesday!', NONE),
    ('conversation', 'What are your hours on Sunday?', NONE),
    ('lookalike_negation', "don't stop", NONE),
    ('lookalike_negation', 'please never stop sending deals', NONE),
    ('lookalike_negation', "I don't want to unsubscribe", NONE),
    ('lookalike_other_meaning', 'stop by tomorrow?', NONE),
    ('lookalike_other_meaning', 'When does the sale end?', NONE),
    ('lookalike_cancel_order', 'cancel my order', NONE),
    ('lookalike_cancel_order', 'I need to cancel my appointment on Monday', NONE),
    ('lookalike_reported_speech', 'my wife told me to stop buying shoes', NONE),
    ('lookalike_reported_speech', 'he said to text STOP but I want to stay', NONE),
    ('help', 'HELP', HELP),
    ('help', 'info', HELP),
    ('opt_in', 'START', IN),
    ('opt_in', 'yes', IN),
    ('opt_in', 'unstop', IN),
    ('es_keyword_noise', 'ALTO', OUT),
    ('es_keyword_noise', '¡Basta!', OUT),
    ('es_typo', 'atlo', OUT),
    ('es_typo', 'ALTOOO', OUT),
    ('es_angry', 'PARA YA', OUT),
    ('es_angry', '¡Dejen de mandarme mensajes!', OUT),
    ('es_formal', 'Les solicito que dejen de enviar mensajes a este número.', OUT),
    ('es_formal', 'Deseo darme de baja de su lista.', OUT),
    ('es_embedded',
     'Hola, ya me mudé, así que por favor ya no me manden promociones. Gracias', OUT),
    ('es_embedded', 'Gracias, pero borren mi número por favor', OUT),
    ('es_wrong_number', 'Número equivocado', OUT),
    ('es_wrong_number', 'Este número ya no es de Ana, borren mi número', OUT),
    ('es_question', '¿Cómo me doy de baja?', OUT),
    ('es_question', '¿Pueden dejar de escribirme?', OUT),
    ('es_plain_request', 'ya no me manden promociones', OUT),
    ('es_plain_request', 'borren mi número', OUT),
    ('es_conversation', '¿A qué hora abren?', NONE),
    ('es_conversation', 'Muchas gracias, nos vemos', NONE),
    ('es_lookalike_negation', 'no pares', NONE),
    ('es_lookalike_negation', 'No me den de baja', NONE),
    ('es_lookalike_other_meaning', 'alto en calorías', NONE),
    ('es_lookalike_other_meaning', 'Es para mañana?', NONE),
    ('es_lookalike_cancel_order', 'Quiero cancelar mi pedido', NONE),
    ('es_lookalike_cancel_order', 'cancelar mi cita del lunes', NONE),
    ('es_help', 'AYUDA', HELP),
    ('es_help', 'información', HELP),
    ('es_opt_in', 'COMENZAR', IN),
    ('es_opt_in', 'SI', IN),
    ('mixed_opt_out', 'no more pls, gracias', OUT),
    ('mixed_opt_out', 'stop por favor', OUT),
    ('mixed_conversation', 'ok gracias, see you', NONE),
    ('mixed_conversation', "don't stop, me encantan", NONE),
    # Issue 14's general fixes: a request acting on something else, a request taken back,
    # a decline, a rhetorical question, Spanish negative revocations and their look-alikes,
    # wrong numbers, slips inside a sentence, short shapes.
    ('lookalike_cancel_order', 'Remove me from the Tuesday yoga roster', NONE),
    ('lookalike_cancel_order', 'I want to unsubscribe from the snack box', NONE),
    ('lookalike_other_meaning', 'How do I turn off the ice maker?', NONE),
    ('lookalike_cancel_order', 'stop my lawn service this week', NONE),
    ('es_lookalike_cancel_order', 'Quiero dar de baja mi plan de datos', NONE),
    ('es_lookalike_cancel_order', '¿Me pueden quitar el cobro doble?', NONE),
    ('es_lookalike_cancel_order', '¿Puedo cancelar solo la bebida?', NONE),
    ('es_lookalike_cancel_order', 'Quiero darme de baja del torneo de boliche', NONE),
    ('lookalike_negation', 'Stop? lol no way', NONE),
    ('lookalike_negation', 'unsubscribe jk', NONE),
    ('lookalike_negation', 'stop texting me. just kidding!', NONE),
    ('lookalike_negation', 'Remove me? not really, keep them coming', NONE),
    ('lookalike_negation', 'Why would I ever want to unsubscribe?', NONE),
    ('conversation', 'No thanks', REVIEW),
    ('conversation', 'no thanks, next month maybe', NONE),
    ('es_conversation', 'No gracias', REVIEW),
    ('es_conversation', 'No quiero', REVIEW),
    ('lookalike_other_meaning', 'Take me off hold please', REVIEW),
    ('complaint_not_stop', 'The texts stopped coming, can you resend?', NONE),
    ('es_conversation', 'No gracias, ahorita no', NONE),
    ('es_plain_request', 'ya no me manden nada', OUT),
    ('es_plain_request', 'no me escriban mas por favor', OUT),
    ('es_plain_request', 'Ya no quiero', OUT),
    ('es_typo', 'ya no me escrivan', OUT),
    ('es_typo', 'kiten mi numero porfa', OUT),
    ('es_typo', 'no m manden mensajs', OUT),
    ('es_wrong_number', 'Se equivocaron de persona, no soy Laura', OUT),
    ('es_wrong_number', 'Este cel ya no es de Marta', OUT),
    ('es_wrong_number', 'Mi abuelo ya no usa este número', OUT),
    ('wrong_number', 'This number belongs to someone else', OUT),
    ('wrong_number', "There's no Tyler here", OUT),
    ('wrong_number', "this isn't Ben's phone", OUT),
    ('wrong_number', 'this phone used to belong to my brother', OUT),
    ('wrong_number', 'My wife no longer uses this number, please delete it', OUT),
    ('typo_stretched', 'please stopp texting me', OUT),
    ('typo_stretched', 'remoce my number', OUT),
    ('typo_stretched', 'stop sendin msgs', OUT),
    ('plain_request', 'you can stop now', OUT),
    ('plain_request', 'stop sending me stuff', OUT),
    ('plain_request', 'cancel please', OUT),
    ('formal', 'Please terminate my text alert subscription.', OUT),
    ('es_formal', 'Quisiera cancelar la suscripción, por favor', OUT),
    ('es_lookalike_other_meaning', '¿Ya no hay del verde?', NONE),
    ('es_lookalike_other_meaning', 'Ya no tengo preguntas', NONE),
    ('es_lookalike_other_meaning', 'Ya no me duele la espalda', NONE),
    ('es_lookalike_other_meaning', '¿No más de dos por persona?', NONE),
    ('es_lookalike_negation', 'No quiero dejar de recibir ofertas', NONE),
    ('es_lookalike_negation', 'no me borren porfa', NONE),
    # the sender named right after "from"/"de" is our texts; a thing of theirs is not
    ('plain_request', 'Please unsubscribe me from Acme Pharmacy', OUT),
    ('es_plain_request', 'denme de baja de Farmacia Luz', OUT),
    ('lookalike_cancel_order', "Please remove me from Sunday's delivery route", NONE),
    ('es_plain_request', 'no sigan mandando mensajes', OUT),
    ('es_plain_request', 'no quiero que me sigan mandando mensajes', OUT),
    ('plain_request', "don't keep texting me", OUT),
    ('lookalike_negation', 'Stop? never', NONE),
    ('plain_request', "please stop, I don't want you to send more", OUT),
    ('es_angry', 'Alto, no es broma', OUT),
    ('angry_emphatic', 'for the last time STOP', OUT),
    ('es_formal', 'Favor de no contactarme más.', OUT),
    # "Ya no" is a revocation as the whole message only; after more it answers something else
    ('es_plain_request', 'Por favor ya no', OUT),
    ('es_conversation', 'Ya no, ya lo compré en otra tienda', NONE),
    ('es_conversation', 'Quería ir pero ya no', NONE),
    ('mixed_opt_out', 'ya no please, thank you', OUT),
    ('lookalike_negation', "Stop! Don't unsubscribe me, I clicked by accident", NONE),
    ('es_lookalike_negation', 'Alto. No me den de baja, fue sin querer', NONE),
    ('angry_emphatic', 'Stop texting me, I accidentally signed up', OUT),
    # The paper catalogue is another channel (keywords_objects.OTHER_CHANNELS): nothing.
    ('es_lookalike_cancel_order', 'no me manden el catálogo en papel, solo mensajes', NONE),
    ('es_plain_request', 'ya no me manden los cupones', OUT),
    ('es_angry', 'Los voy a reportar', OUT),
    ('es_conversation', 'Favor de no llamar antes de las 9', NONE),
    ('es_plain_request', 'ya no quiero que me sigan mandando mensajes de promociones', OUT),
    ('angry_emphatic', 'idk who this is but stop', OUT),
    ('wrong_number', "there's no Ashley at this number", OUT),
    ('wrong_number', 'My husband passed away, please remove his number', OUT),
    ('es_plain_request', 'No más promos porfa', OUT),
    ('lookalike_cancel_order', "I don't want to receive the package until Monday", NONE),
    ('es_lookalike_cancel_order', 'No quiero recibir el paquete', NONE),
    ('formal', "I don't want to receive anything else from you", OUT),
    ('lookalike_cancel_order', "remove me from tomorrow's booking", REVIEW),
    # Issue 14, third pass (heldout4 causes and the cross-validation misses).
    # In-sentence slips: swaps and doubled letters in long request words, SMS shorthand.
    ('typo_stretched', 'remvoe me', OUT),
    ('typo_stretched', 'pls reomve me from your list', OUT),
    ('typo_stretched', 'plz remmove me', OUT),
    ('es_typo', 'paren de mandr msjs', OUT),
    ('es_typo', 'ya no me mnden mnsjs', OUT),
    # A stretch collapses to a listed doubled spelling ("borrrenme"), else to one letter.
    ('es_typo', 'borrrenme de la lista', OUT),
    ('typo_stretched', 'STOPPPP sending me these', OUT),
    # SMS politeness around a keyword or request.
    ('mixed_opt_out', 'unsubscribe x fa', OUT),
    ('mixed_opt_out', 'stop porfis', OUT),
    ('es_plain_request', 'xfavor dejen de escribirme', OUT),
    ('es_lookalike_other_meaning', 'x fa mandame el link', NONE),
    ('es_lookalike_other_meaning', 'plis confirmen mi cita del jueves', NONE),
    # One keyword repeated is that keyword.
    ('es_keyword_noise', 'PARAR PARAR', OUT),
    ('es_keyword_noise', 'ALTO. ALTO', OUT),
    ('es_lookalike_other_meaning', 'PARA PARA PARA mi hija?', NONE),
    # The texts as the subject of the stopping.
    ('embedded', 'i want the texts to end', OUT),
    ('embedded', "I'm not in your district and I'd like these texts to stop", OUT),
    ('embedded', "I've moved and would like the appointment reminders to end", OUT),
    ('lookalike_other_meaning', "I'd like the delivery to stop at the front desk", NONE),
    ('lookalike_negation', "I don't want the texts to stop, they're helpful", NONE),
    # Named message nouns after "stop sending", and whatever is sent "to this number".
    ('embedded', 'Please stop sending prescription reminders to this number.', OUT),
    ('es_plain_request', 'dejen de mandar las citas a este número', OUT),
    # The writer's own clause after "so"/"pero" is not reported speech.
    ('embedded', 'my grandson says to tell you to stop so please stop', OUT),
    ('es_embedded', 'Mi hijo dice que les diga que ya no, así que por favor dejen de escribirme',
     OUT),
    ('lookalike_reported_speech', 'my grandson says to tell you to stop', NONE),
    # Spanish wrong numbers.
    ('es_wrong_number', 'Equivocado. Aquí no hay ninguna Daniela', OUT),
    ('es_wrong_number', 'Equivocada', OUT),
    ('es_wrong_number', 'numero equivocdo', OUT),
    ('es_lookalike_other_meaning', 'equivocado el pedido', NONE),
    # Other channels, and the texts kept.
    ('es_lookalike_other_meaning', 'dénme de baja de los correos pero los mensajes sí los quiero',
     NONE),
    ('lookalike_other_meaning', 'unsubscribe me from the paper catalog but keep texts', NONE),
    ('lookalike_other_meaning', 'take me off the email list but the texts are ok', NONE),
    # Questions about the keyword ask to leave.
    ('question', 'is replying STOP enough or do i need to call', OUT),
    ('question', "What's the command to end these?", OUT),
    ('es_question', '¿tengo que mandar ALTO para que paren?', OUT),
    ('question', 'Do I have to text START again after I changed phones?', NONE),
    # A threat over the next text; "won't be needing these going forward"; "no longer require".
    ('angry_emphatic', 'I swear to god if I get one more text', OUT),
    ('formal', "No thank you. I'm all set and won't be needing these going forward.", OUT),
    ('formal', 'I no longer require these notifications. Please deactivate them.', OUT),
    ('lookalike_negation', "I won't be needing a ride Thursday, thanks", NONE),
    # Fourth pass (heldout5 causes). Short whole-message slips (keywords_short): a stray
    # digit, a trailing letter, "sop" alone, doubled vowels, Spanish b/v, s/z/c, ll/y, h.
    ('keyword_noise', 'STOP 7', OUT),
    ('keyword_noise', 'unsubscribe.3', OUT),
    ('typo_stretched', 'stopk', OUT),
    ('typo_stretched', 'Sop.', OUT),
    ('es_typo', 'Paraaar ya', OUT),
    ('es_typo', 'VASTA', OUT),
    ('es_typo', 'ya vasta porfavor', OUT),
    ('es_typo', 'darme de vaja x favor', OUT),
    ('es_typo', 'Detén', OUT),
    ('es_typo', 'halto', OUT),
    ('lookalike_other_meaning', 'Top!!', NONE),
    ('lookalike_other_meaning', 'quite', NONE),
    ('lookalike_other_meaning', 'quite nice actually', NONE),
    ('es_conversation', 'Sop de pollo hoy?', NONE),
    ('lookalike_other_meaning', 'STOP 5 on the route map is closed', NONE),
    ('es_lookalike_other_meaning', 'vasta selección de quesos', NONE),
    ('es_lookalike_other_meaning', 'para 4 por favor', NONE),
    ('es_lookalike_other_meaning', 'Baja 20', NONE),
    # Slips of message nouns and verbs inside a request.
    ('typo_stretched', 'stop tex pls', OUT),
    ('typo_stretched', 'no mire texts', OUT),
    ('typo_stretched', 'Stop tesxting this numbr', OUT),
    ('typo_stretched', 'pls stop rexting me', OUT),
    ('es_conversation', 'No mire, ya lo resolví', NONE),
    # A keyword clause with a wrong-number or no-longer-here reason (keywords_pairs).
    ('mixed_opt_out', 'Cancel, ya no vivo ahí', OUT),
    ('wrong_number', 'Cancel. I moved', OUT),
    ('es_question', 'Me siguen llegando. ¿Cómo los quito?', OUT),
    ('es_lookalike_cancel_order', 'Me llegó el pedido, ¿cómo lo cancelo?', NONE),
    # Threats over the next text.
    ('angry_emphatic', "If you text me again I'll report you", OUT),
    ('angry_emphatic', 'one more text and im calling the FCC', OUT),
    ('es_angry', 'Si me vuelven a mandar un mensaje los voy a reportar', OUT),
    ('conversation', "if you text me the code again I'll lose it lol", NONE),
    ('es_conversation', 'Si me vuelven a mandar el cupón lo uso', NONE),
    # A negated person is who left the number; "get off this text thing"; "ya basta with".
    ('wrong_number', "Whoever signed up with this number, it's not them anymore. Remove it", OUT),
    ('question', 'Who do I talk to to get off this text thing', OUT),
    ('mixed_opt_out', 'Ya basta with the texts ok', OUT),
    # False opt-outs fixed: compounds of "stop", other channels with a take-back, texts that
    # stopped arriving, Spanish refusals of a keyword asked back.
    ('lookalike_other_meaning', 'Do you have the stop leak stuff for radiators?', NONE),
    ('lookalike_other_meaning', 'is that a stop sign or a yield sign', NONE),
    ('lookalike_other_meaning', 'my stop loss alerts from the broker are broken', NONE),
    ('lookalike_cancel_order', 'Unsubscribe me from emails but keep texts', NONE),
    ('es_lookalike_negation', '¿Por qué ya no me llegan los mensajes? Yo no me di de baja', NONE),
    ('es_lookalike_negation', 'Basta? Para nada, son las mejores ofertas que recibo', NONE),
    ('es_lookalike_negation', '¿Alto? Ni loca', NONE),
    # Help questions, opt-ins and other objects are never sent to review (keywords_wanted).
    ('help', 'How often will I get these texts?', NONE),
    ('help', 'Who do I contact about these messages? Need more info', NONE),
    ('es_opt_in', 'Agrégame a la lista de promociones', NONE),
    ('opt_in', 'add me back please', NONE),
    ('es_lookalike_cancel_order', 'Dejen de cobrarme doble!! Arreglen el cobro', NONE),
    ('es_question', '¿Cómo dejo de recibir sus promociones?', OUT),
    ('es_lookalike_cancel_order', '¿Cómo dejo de recibir el periódico en papel?', NONE),
]


@pytest.mark.parametrize(("category", "body", "intent"),
                         [pytest.param(*case, id=f"{case[0]}:{case[1][:30]}") for case in TABLE])
def test_each_category_is_decided_as_its_table_says(category, body, intent):
    result = classify(body)
    assert result.intent is intent, (category, result)
    if intent in (OUT, REVIEW):
        assert result.keyword is not None and len(result.keyword) <= 64
    if intent is REVIEW:  # the model, saying how unsure, or a bare "no thanks" (keywords_declines)
        assert (result.keyword.startswith("model:") and 0.0 <= result.score <= 1.0) or \
            (result.keyword == "rule:no-thanks" and result.score is None)


def test_the_table_covers_every_category_of_the_corpus():
    categories = {json.loads(line)["category"] for path in CORPUS.glob("*.jsonl")
                  for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}
    assert categories == {category for category, _body, _intent in TABLE}
