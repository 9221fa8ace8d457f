"""The words each strong plain-language rule (keywords_en, keywords_es) can begin with.

keywords_rules tries a strong rule only at a word listed here for its name, so one regex
call per candidate word replaces a search of every rule at every position. Kept by hand
beside the rules: a rule whose match can begin with a word missing here is never tried
there, and tests/test_keywords.py (revocation against revocation_by_search, on the corpus
and on generated text) fails.
"""

from __future__ import annotations

HEADS: dict[str, frozenset[str]] = {
    "rule:cease-and-desist": frozenset(
        "cease".split()),
    "rule:do-not-text": frozenset(
        "do don't dont never please can could would will".split()),
    "rule:dont-want-texts": frozenset(
        "did didn't didnt do don't dont i never no we".split()),
    "rule:done-with-texts": frozenset(
        "i'm im i we're we".split()),
    "rule:enough-texts": frozenset(
        "enough".split()),
    "rule:es-borren-mi-numero": frozenset(
        "borra borrame borrar borrarla borrarlo borrarme borre borren borrenla borrenlo borrenme "
        "cancela cancelar cancelen cancelo dame dar darme den denme desuscribanme desuscribirme "
        "doy elimina eliminar eliminarme elimine eliminen eliminenla eliminenlo eliminenme me "
        "please pls quiero quita quitame quitar quitarme quite quiten quitenla quitenlo quitenme "
        "remover removerme remuevan remueve retira retiren saca sacame sacar sacarla sacarlo "
        "sacarme sakenme saque saquen saquenla saquenlo saquenme solicito "
        "kiten kita kite kitar kitenme kitame kitarme sakame desinscribirme desinscribanme "
        "desinscribir quitenos quitennos saquenos saquennos borrenos borrennos eliminenos "
        "dennos darnos bajame bajenme bajeme bajarme borraran quitaran eliminaran sacaran "
        "borrasen quitasen retirarlo retirarla retirenlo retirenla quitarlo quitarla eliminarlo "
        "eliminarla sacarnos quitarnos borrarnos eliminarnos sacanos quitanos salir salirme "
        "sacarme darme borrarme quitarme eliminarme"
        " quitenmelos quitenmelas borrenmelos borrenmelas quitenlos quitenlas"
        " sacar saca quitar quita borrar borra eliminar elimina sacas quitas saquen quiten"
        " borren eliminen".split()),
    "rule:es-como-me-doy-de-baja": frozenset(
        "como donde hay puedo que se que".split()),
    "rule:es-dejame-en-paz": frozenset(
        "dejame dejeme dejen dejenme largo no vayanse fuera tienen tiene tienes".split()),
    "rule:es-dejen-de": frozenset(
        "basta deja dejan dejar deje dejen dejes para parar paras pare paren dejad parad"
        " dejeis pareis".split()),
    "rule:es-cancelar-suscripcion": frozenset(
        "quisiera quiero queremos deseo deseamos me necesito solicito favor por pueden".split()),
    "rule:es-no-mas-mensajes": frozenset(
        "no ya".split()),
    "rule:es-no-me-manden": frozenset(
        "abstenerse abstenganse abstengase no se ya favor por les pido solicito ni".split()),
    "rule:es-no-quiero": frozenset(
        "no preferiria prefiero ya tampoco quisiera quisieramos deseo deseamos queremos quiero "
        "gustaria".split()),
    "rule:es-numero-equivocado": frozenset(
        "aqui ese este no numero se te ya persona nos me tienen tiene tienes equivocado "
        "incorrecto".split()),
    "rule:es-aqui-no-hay": frozenset(
        "aqui en"
        " aqui".split()),
    "rule:es-paren-los-mensajes": frozenset(
        "alto basta cancel cancela cancelar cancele cancelen "
        "cese cesen corten cortenle deten detenga detengan "
        "interrumpan para pare paren parenle stop suspenda suspendan suspender terminen "
        "ya detener desactiven desactive desactivar desactiva descontinuen descontinue "
        "descontinuar".split()),
    "rule:es-que-parte": frozenset(
        "k q que cuantas cuantes uantas kuantas dije he habia escribi puse mande".split()),
    "rule:es-reportar": frozenset(
        "los las les voy vamos".split()),
    "rule:es-no-hace-falta": frozenset(
        "no".split()),
    "rule:unsubscribing": frozenset(
        "i'm im i we're we unsubscribing opting".split()),
    "rule:es-revoco": frozenset(
        "cancelo retiramos retirar retiro revocar revoco".split()),
    "rule:formal-cease": frozenset(
        "cease desist discontinue end halt refrain stop suspend terminate decline formally "
        "opt".split()),
    "rule:get-off-list": frozenset(
        "be come get stay".split()),
    "rule:how-many-times": frozenset(
        "how what".split()),
    "rule:how-to-stop": frozenset(
        "any anyway can could how is may somewhere what what's where which".split()),
    "rule:leave-me-alone": frozenset(
        "back bugger buzz f forget fuck get go leave lose piss".split()),
    "rule:never-consented": frozenset(
        "did didn't didnt do don't dont i never".split()),
    "rule:no-longer-contact": frozenset(
        "no that to you".split()),
    "rule:no-longer-receive": frozenset(
        "do don't dont i no prefer want we would i'd id we'd".split()),
    "rule:no-more-texts": frozenset(
        "no".split()),
    "rule:no-need-to-text": frozenset(
        "no there's there".split()),
    "rule:not-text": frozenset(
        "can could kindly mind please will would".split()),
    "rule:opt-me-out": frozenset(
        "opt optout".split()),
    "rule:remove-me": frozenset(
        "ask asking be being cancel cross delete deleted drop dropped end erase exclude excluded "
        "get getting opted purge remove removed request requesting scrub strike take taken "
        "terminate un unenroll unenrolled unsubscribed removing deleting erasing this my can "
        "could would will grateful appreciate thankful"
        " don't do dont please stop".split()),
    "rule:revoke-consent": frozenset(
        "cancel hereby i remove rescind rescinding retract revoke revoking take withdraw "
        "withdrawing my consent permission authorization authorisation".split()),
    "rule:keyword-question": frozenset(
        "is would will do should can must what's whats what".split()),
    "rule:threat-if-texted": frozenset(
        "if one 1 another any next".split()),
    "rule:get-off-texts": frozenset(
        "get be go".split()),
    "rule:es-amenaza": frozenset(
        "si un otro voy vamos".split()),
    "rule:es-basta-con": frozenset(
        "ya basta".split()),
    "rule:one-more-text": frozenset(
        "i so swear".split()),
    "rule:dont-need-texts": frozenset(
        "won't will wont don't do dont".split()),
    "rule:es-pregunta-palabra": frozenset(
        "tengo tendria necesito debo con si cual que".split()),
    "rule:spam-report": frozenset(
        "fcc going gonna i i'll i'm im my reported reporting see stop tcpa this".split()),
    "rule:stop-texting": frozenset(
        "cease cut discontinue end enough give halt knock pls quit stahp stawp stop my grateful "
        "appreciate thankful she he they".split()),
    "rule:stop-texts-to-me": frozenset(
        "cease discontinue end halt pls quit stahp stawp stop".split()),
    "rule:stop-the-texts": frozenset(
        "cease discontinue end halt pls quit stahp stawp stop cancel".split()),
    "rule:stop-then": frozenset(
        "opt optout stop unsub unsubscribe".split()),
    "rule:time-you-stopped": frozenset(
        "time".split()),
    "rule:take-me-off": frozenset(
        "get take taking leave keep".split()),
    "rule:terminate-subscription": frozenset(
        "terminate deactivate discontinue end cancel stop".split()),
    "rule:then-stop": frozenset(
        "but so just pero now".split()),
    "rule:turned-off": frozenset(
        "ads alerts all annoying any automated bs calls communication communications constant "
        "crap daily damn deals emails endless every freaking fucking further future garbage junk "
        "marketing message messages more msgs nonsense notices notifications offers promos "
        "promotional promotions reminders shit sms so solicitations spam stuff stupid such text "
        "texts the these this those txts updates ur your turn switch shut".split()),
    "rule:unsubscribe-me": frozenset(
        "unsub unsubscribe unsuscribe".split()),
    "rule:unsubscribe-option": frozenset(
        "do got is where where's".split()),
    "rule:update-your-list": frozenset(
        "change clean correct fix update".split()),
    "rule:want-texts-to-stop": frozenset(
        "i we i'd id we'd want wanna would need wish prefer ask asking".split()),
    "rule:want-to-opt-out": frozenset(
        "'d am ask choose chose d decided demand have hope i i'd id need prefer request wanna "
        "want we we'd wish would".split()),
    "rule:wrong-number": frozenset(
        "do does doesn't doesnt don't dont i i'm incorrect is isn't new no nobody not that the "
        "there this wrong belongs belonged goes it's its there's theres used has got meant "
        "intended".split()),
}
