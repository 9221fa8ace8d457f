"""Spanish plain-language revocations for keywords_rules, in the same (name, language, core,
strong) form: "ya no me manden promociones", "dejen de escribirme", "borren mi número",
"¿cómo me doy de baja?", "número equivocado". Clauses reach these cores casefolded with accents
folded ("número" -> "numero"), so each is written without accents.

Weak cores (strong=False) must be a whole clause ("para ya", "alto por favor"), so "alto en
calorías" and "para mañana" never fire; strong ones may sit anywhere in a clause and are
cancelled by a bare "no", "nunca" or "ni" just before them ("no dejen de escribirme") or by
someone else's words ("dile que deje de escribirme").
"""

from __future__ import annotations

# A kind of texts named just before "ya" ("las promociones ya no"), read as a look-behind.
_KIND_BEFORE = ("(?:" + "|".join(f"(?<={word} )" for word in (
    "promociones", "promos", "ofertas", "anuncios", "publicidad", "mensajes", "textos",
    "recordatorios", "sms")) + ")")

SPANISH_RULES: tuple[tuple[str, str, str, bool], ...] = (
    ("rule:es-keyword-clause", "es",
     r"(?:alto|basta|para|parar|pare|paren|detener|detente|cancelar|desuscribir|salir|salirme|"
     r"fin|"
     r"desuscribirme|baja|de baja|no mas|ya no mas|ya basta|basta ya|para ya|ya para|alto ya|"
     r"parenle|parale|ya parenle|ya parale|alto ya no|ya alto|stop ya|ya stop|no mas mensajes|"
     r"para de una vez)", False),
    # A threat over the next text: "Si me vuelven a mandar un mensaje los voy a reportar".
    ("rule:es-amenaza", "es",
     r"si (?:me |nos )?(?:vuelven|vuelve|vuelves|siguen|sigue|sigues) (?:a )?(?:mandar|enviar|"
     r"escribir|mandando|enviando|escribiendo|llegar|llegando)(?: [a-z]+){0,4}? (?:los|las|lo|la|"
     r"te|les)? ?(?:voy|vamos) a (?:reportar|denunciar|demandar|bloquear|acusar)", True),
    ("rule:es-amenaza", "es",
     r"(?:un|otro) (?:mensaje|texto|sms) mas y (?:los |las |lo |la |les )?(?:reporto|denuncio|"
     r"demando|bloqueo|voy a (?:reportar|denunciar|demandar|bloquear))", True),
    # "Ya basta with the texts": the Spanish keyword over English or Spanish texts.
    ("rule:es-basta-con", "es",
     r"(?:ya basta|basta ya|basta) (?:with|of|con|de) (?:the |these |your |all the |los |las |"
     r"tantos |tantas |sus |estos |estas )?(?:texts|messages|msgs|text messages|mensajes|"
     r"textos|sms|promos|mensajitos)", True),
    ("rule:es-repeated-keyword", "es",
     r"(?:alto|basta|para|stop)(?: (?:alto|basta|para|stop|ya|ya no))+", False),
    ("rule:es-paren-los-mensajes", "es",
     r"(?:paren|para|pare|parenle|detengan|detenga|deten|detener|suspendan|suspenda|suspender|"
     r"descontinuen|descontinue|descontinuar|"
     r"desactiven|desactive|desactivar|desactiva|"
     r"cancelen|cancele|cancelar|cancela|cancel|corten|cortenle|terminen|basta de|ya basta de|"
     r"ya basta con|"
     r"basta con|stop con|stop a|alto a|alto con|cesen|cese|interrumpan)"
     # "Cancelen la membresía y los mensajes también": the texts beside another thing.
     r"(?: ya)? (?:de )?(?:con )?(?:(?:la|el|mi|su) [a-z]+ y )?"
     r"(?:(?:los|las|ls|l|estos|estas|esos|esas|sus|tus|mis|el|la|"
     r"tanto|tantos|tanta|tantas|todo|todos|todas|el envio de|envio de|de) )*"
     r"(?:mensajes|mensaje|mensajitos|msjs|mjs|textos|texto|sms|promociones|publicidad|"
     r"ofertas|notificaciones|alertas|recordatorios|avisos|spam|text messages|texts|messages)",
     True),
    ("rule:es-que-parte", "es",
     r"(?:que|k|q) parte de (?:alto|stop|no|para|basta|ya no)", True),
    # "¿Podés sacar a mi abuela de la lista?": someone of the writer's taken off.
    ("rule:es-borren-mi-numero", "es",
     r"(?:saquen|sacar|saca|quiten|quitar|quita|borren|borrar|borra|eliminen|eliminar|elimina|"
     r"sacas|quitas) a (?:mi|su) [a-z]+ de (?:la |su |sus |esta |los )?(?:lista|base|mensajes|"
     r"textos)", True),
    # "Quiero dejar de recibir sus textos."
    ("rule:es-no-quiero", "es",
     r"(?:quiero|queremos|quisiera|quisieramos|deseo|deseamos|(?<=me )gustaria) dejar de "
     r"(?:recibir|recibirlos|recibirlas|estar en)", True),
    # "Ni se les ocurra volver a escribirme."
    ("rule:es-no-me-manden", "es",
     # The core opens at "ni": as a look-behind it would read as a negation of the request.
     r"ni se (?:les|te|le) ocurra (?:volver a )?(?:escribirme|mandarme|enviarme|contactarme|"
     r"llamarme|textearme|escribir|mandar|enviar)", True),
    # "Ya les dije que ALTO": the keyword said before, said again.
    ("rule:es-que-parte", "es",
     r"(?:(?<=les )|(?<=te )|(?<=le ))(?:dije|he dicho|habia dicho|escribi|puse|mande) (?:que )?"
     r"(?:alto|stop|basta|para|baja|ya no)(?= *$| [a-z]+ (?:veces|vez))", True),
    # "Cuantas veces tengo que decir ALTO": the keyword said before, demanded again.
    ("rule:es-que-parte", "es",
     r"(?:cuantas|cuantes|k?uantas) veces (?:mas )?(?:tengo|tendre|hay|les tengo|te tengo|debo) "
     r"(?:que |de )?(?:decir|decirles|pedir|pedirles|repetir|repetirles|escribir|mandar|poner)"
     r"(?: que)? (?:alto|stop|basta|para|baja|que (?:paren|me den de baja|ya no))", True),
    ("rule:es-dejen-de", "es",
     r"(?:dejen|deja|dejes|deje|dejar|dejan|dejen ya|dejad|dejeis|paren|pare|para|paras|parar|"
     r"parad|pareis|"
     r"basta) d(?:e)? "
     r"(?:estar (?:chingando|molestando|mandando|escribiendo|fregando|enviando|jodiendo)|"
     r"escribir|escribirme|escribirnos|mandar|mandarme|mandarnos|enviar|enviarme|"
     r"enviarnos|molestar|molestarme|llamar|llamarme|contactar|contactarme|textear|"
     r"textearme|mensajear|mensajearme|spamear|fastidiar|fregar|joder|acosarme|acosar|"
     r"enviarlos|enviarlas|mandarlos|mandarlas|escribirles)", True),
    ("rule:es-no-me-manden", "es",
     r"(?:ya )?no (?:me |m |nos |le |les |se me |se nos )?(?:las |los |la |lo )?"
     r"(?:(?:vuelvan|vuelvas|vuelva) a "
     r"(?:escribir|mandar|enviar|"
     r"contactar|llamar|molestar|textear)(?:me|nos)?|"
     # "Ya no es necesario que me escriban": the texts no longer needed, said politely; one
     # branch of this rule, so the many "no"s of a text cost no extra rule (keywords_heads).
     r"(?:es|hace) (?:necesario|falta) (?:que )?(?:me |nos )?(?:sigan (?:mandando|"
     r"enviando|escribiendo)|escriban|manden|envien|contacten|avisen|texteen)|"
     r"enviaran|mandaran|escribieran|enviara|mandara|contactaran|llamaran|lleguen|llegue|"
     r"manden|mandes|mande|envien|envies|envie|escriban|escribas|escriba|contacten|"
     r"mnden|manen|mamden|escrivan|enbien|embien|avisen|incluyan|agreguen|"
     r"contactes|llamen|molesten|molestes|jodan|chinguen|frieguen|fastidien|textees|texteen|"
     r"envieis|mandeis|escribais|contacteis|contacte|escriba|envie|"
     r"siga enviando|siga mandando|siga escribiendo|sigan enviando|sigan mandando|"
     r"sigan escribiendo|sigan llegando|"
     r"quiero que me (?:manden|envien|lleguen|llegue|sigan llegando|sigan mandando|"
     r"sigan enviando|escriban|contacten))"
     r"(?: (?:mas|nada|ningun|ninguna|ningunos|ningunas|otro|otra|estos|estas|esos|esas))?"
     r"(?: (?:mensajes|mensaje|textos|texto|sms|promociones|promocion|publicidad|ofertas|"
     r"anuncios|notificaciones|alertas|nada|recordatorios))?", True),
    ("rule:es-no-me-manden", "es",
     r"no (?:enviar|mandar|escribir|contactar|llamar)(?:me|nos)? (?:(?:mas|ningun|ninguna|"
     r"otro|otros) )*(?:mensajes|mensaje|textos|sms|promociones|publicidad|ofertas|"
     r"notificaciones|recordatorios|alertas|nada)", True),
    ("rule:es-no-me-manden", "es",
     r"(?:ya )?no (?:me |m |nos )?(?:sigan|esten|anden|continuen) (?:mandando|enviando|"
     r"escribiendo|molestando|contactando|textando|texteando|llamando)", True),
    ("rule:es-no-me-manden", "es",
     r"(?:abstenerse|abstenganse|abstengase|se abstengan|se abstuvieran|se abstuviera|"
     r"se abstenga) de (?:enviar|mandar|contactar|escribir|llamar|contactarme|contactarnos|"
     r"escribirme|escribirnos|enviarme|enviarnos|mandarme|mandarnos|llamarme|textearme)", True),
    ("rule:es-no-me-manden", "es",
     r"(?:favor de|por favor|les pido|pido|les solicito|solicito) no (?:enviar|mandar|escribir|"
     r"contactar|llamar|molestar|textear)(?:me|nos)", True),
    ("rule:es-reportar", "es",
     r"(?:los|las|les) (?:voy a|vamos a) (?:reportar|denunciar|demandar)|"
     r"voy a (?:reportarlos|denunciarlos|demandarlos|reportar este numero|reportar esto)|"
     r"(?:los|las) (?:reporto|denuncio|demando)|"
     # "Voy a poner una queja si me siguen mandando esta basura".
     r"(?:voy|vamos) a (?:poner|levantar|meter|hacer) (?:una )?(?:queja|denuncia|demanda|"
     r"reporte)", True),
    ("rule:es-revoco", "es",
     r"(?:retiro|revoco|cancelo|retirar|revocar|retiramos) (?:mi|el|nuestro|cualquier|toda|"
     r"todo|la) (?:[a-z]+ )?(?:autorizacion|consentimiento|permiso)", True),
    # "Salir de la lista": an infinitive opening the clause is the request itself.
    ("rule:es-borren-mi-numero", "es",
     r"^(?:salir|salirme|sacarme|darme de baja|borrarme|quitarme|eliminarme) de (?:la |su |esta |"
     r"sus |los |las )?(?:lista|listas|mensajes|textos|promociones|promos|alertas)", True),
    # "pero las promociones ya no, por favor": a kind of texts refused by "ya no" alone. The
    # texts are named just before "ya" (a look-behind), so the rule is tried only at "ya".
    ("rule:es-no-quiero", "es",
     rf"{_KIND_BEFORE}ya no(?= *$| por favor| porfa| gracias)", True),
    # "pero los mensajes de promociones ya no los quiero": the texts named first, then refused.
    ("rule:es-no-quiero", "es",
     rf"{_KIND_BEFORE}ya no (?:los |las )?(?:quiero|queremos|necesito|"
     r"necesitamos|deseo|deseamos|ocupo)"
     # "ya no las quiero perder" wants them kept.
     r"(?! (?:perder|perderme|dejar|cancelar|quitar|borrar|eliminar))", True),
    # "Voy a bloquear este número si siguen": the threat first, its condition after.
    ("rule:es-amenaza", "es",
     r"(?:voy|vamos) a (?:bloquear|reportar|denunciar|demandar)"
     r"(?: (?:este numero|su numero|el numero|a ustedes|este|esto))? si (?:me |nos )?"
     r"(?:siguen|vuelven|sigue|vuelve|continuan|mandan|escriben)", True),
    # "Ya no hace falta que me tengan en la lista de mensajes": no reason left to keep it.
    ("rule:es-no-hace-falta", "es",
     r"no (?:hace falta|es necesario|se necesita) (?:que )?(?:me|nos) (?:tengan|mantengan|"
     r"sigan teniendo|dejen) en (?:la |su |sus |esa |esta )?(?:lista|listas)", True),
    ("rule:es-no-quiero", "es",
     r"(?:ya )?(?:no|tampoco) (?:las |los |la |lo )?(?:quiero|queremos|quiere|quieren|deseo|"
     r"deseamos|desea|necesito|"
     r"necesitamos|ocupo|ocupamos|"
     r"me interesa(?:n)?|"
     r"me interesan|"
     r"autorizo|autorizamos|acepto) (?:el envio de |mas )?"
     r"(?:[a-z]+ ni |(?:el|la|los|las) [a-z]+(?: de [a-z]+)? ni )?"
     r"(?:seguir|mas|recibirlos|recibirlas|recibir|volver a recibir|ningun|"
     r"ninguna|estos|estas|esos|"
     r"esas|sus|tus|"
     r"ser parte|formar parte|pertenecer|estar en|estar suscrit[oa]|mesajes|mensages|mensajez|"
     r"los|las|mensajes|textos|promociones|publicidad|nada|ofertas|notificaciones|"
     r"sms|ser contactad[oa]|que me (?:escriban|manden|envien|contacten|sigan|vuelvan|esten)|"
     r"texts|messages|"
     r"text messages)", True),
    ("rule:es-no-quiero", "es",
     r"(?:prefiero|preferiria) no (?:recibir|seguir|que me)", True),
    ("rule:es-no-mas-mensajes", "es",
     r"(?:ya )?no (?:mas|quiero mas) (?:mensajez|mensages|mesajes|msjs|mjs|mensajitos)", True),
    ("rule:es-no-me-interesa", "es", r"(?:no me interesa|no estoy interesad[oa])",
     False),
    ("rule:es-ya-no-quiero", "es",
     r"(?:ya no quiero|ya no quiero nada|ya no quiero mas|ya no mas gracias)", False),
    ("rule:es-cancelar-suscripcion", "es",
     r"(?:quisiera|quiero|queremos|deseo|deseamos|me gustaria|necesito|solicito|favor de|"
     r"por favor|quiero que|pueden) (?:cancelar|anular|dar de baja) (?:mi |la |nuestra |"
     r"esta )?(?:suscripcion|inscripcion|subscripcion)", True),
    ("rule:es-borren-mi-numero", "es",
     r"(?:borren|borra|borre|borrar|eliminen|elimina|elimine|eliminar|quiten|quita|quite|"
     # "¿Sería posible que borraran mi número?"
     r"borraran|quitaran|eliminaran|sacaran|borrasen|quitasen|"
     r"quitar|saquen|saca|saque|sacar|remuevan|remueve|retiren|retira|borrenme|quitenme|"
     r"sacame|saquenme|eliminenme|quitame|borrame|remover|sakenme|sacarme|borrarme|"
     r"quitarme|eliminarme|removerme|pls remove|please remove|kiten|kita|kite|kitar|"
     r"kitenme|kitame|kitarme|sakame|bajame|bajenme|bajeme|bajarme|sacarnos|quitarnos|"
     r"borrarnos|eliminarnos|sacanos|quitanos) "
     r"(?:mi numero|mi telefono|mi celular|mi cel|mi contacto|mi nombre|mis datos|"
     r"su numero|su telefono|su celular|ese numero|este celular|este telefono|"
     r"este numero|me|d la lista|de (?:su|la|tu|esta|los|sus|las) (?:promos|promociones|"
     r"alertas|ofertas|lista|base|mensajes|"
     r"sistema|contactos))", True),
    ("rule:es-borren-mi-numero", "es",
     r"(?:borrenme|quitenme|saquenme|sakenme|kitenme|eliminenme|sacame|quitame|borrame|"
     r"dame de baja|"
     r"borrenla|borrenlo|saquenlo|saquenla|borrarlo|borrarla|eliminenlo|eliminenla|"
     r"retirarlo|retirarla|retirenlo|retirenla|quitarlo|quitarla|eliminarlo|eliminarla|"
     r"quitenmelos|quitenmelas|borrenmelos|borrenmelas|quitenlos|quitenlas|"
     r"quitenlo|quitenla|sacarlo|sacarla|me borren|me saquen|me quiten|me eliminen|"
     r"me bajas de (?:la|su|tu|esa|esta) lista|me bajan de (?:la|su|tu|esa|esta) lista|"
     r"me dan de baja|me das de baja|me da de baja|"
     # "¿Me sacan de los mensajes del golf?"
     r"me (?:sacan|quitan|borran|eliminan|saca|quita|borra) de (?:la |su |tu |esta |esa |los |"
     r"sus |estos )?(?:lista|listas|mensajes|textos|envios|base|grupo)|"
     r"me (?:pueden|puedes|podrian|podria|puede) (?:unsubscribe|unsuscribe|unsub|remove|"
     r"remover|borrar|quitar|sacar|eliminar|dar de baja|desuscribir)|"
     r"denme de baja|den de baja|darme de baja|dar de baja|doy de baja|me doy de baja|"
     r"me quiero dar de baja|quiero darme de baja|quiero la baja|solicito la baja|"
     r"solicito baja|me quiero desuscribir|quiero desuscribirme|desuscribanme|"
     r"desuscribirme|desinscribirme|desinscribanme|desinscribir|me borran|me quitan|"
     r"quiero (?:hacer )?(?:unsubscribe|unsub|opt out|optout|cancel)|"
     # The household speaking: "quítenos de la lista", "sáquennos", "dennos de baja".
     r"quitenos|quitennos|saquenos|saquennos|borrenos|borrennos|eliminenos|dennos de baja|"
     r"darnos de baja|"
     r"cancelen (?:los|estos|sus|mis) mensajes|cancelar (?:los|estos|mis) mensajes)", True),
    ("rule:es-borren-mi-numero", "es",
     r"(?:cancelar|cancelen|cancela|cancelo) (?:mi )?suscripcion", False),
    ("rule:es-borren-mi-numero", "es",
     r"(?:cancelar|cancelen|cancela|cancelo) (?:mi )?suscripcion (?:a|de) (?:los |sus |tus |"
     r"estos )?(?:mensajes|textos|sms|alertas|notificaciones)", True),
    ("rule:es-no-mas-mensajes", "es",
     r"(?:ya )?no (?:mas|quiero mas) (?:mensajes|textos|sms|promociones|publicidad|"
     r"spam|ofertas|notificaciones|promos|promo|alertas|avisos|recordatorios)", True),
    # Whatever is sent "a este número" is our texts: "dejen de mandar las citas a este número".
    ("rule:es-dejen-de", "es",
     r"(?:dejen|deje|dejar|paren|pare|para|deja) de (?:mandar|enviar|escribir|mandarle|"
     r"enviarle|mandarme|enviarme) (?:[a-z]+ ){1,3}(?:a|al) (?:este|mi|ese) (?:numero|telefono|"
     r"celular|cel)", True),
    # A question about the keyword asks how to leave: "¿tengo que mandar ALTO?", "¿cuál es
    # la palabra para cancelar esto?".
    ("rule:es-pregunta-palabra", "es",
     r"(?:(?:tengo|tendria|necesito|debo) que (?:mandar|enviar|escribir|responder|contestar|"
     r"poner|textear)(?: la palabra)? (?:alto|stop|baja|cancelar|para|basta|parar)|"
     r"(?:con|si) (?:mando|envio|escribo|respondo|contesto|mandar|enviar|escribir|responder) "
     r"(?:alto|stop|baja|cancelar)(?: es| ya)? (?:suficiente|basta|alcanza|ya no)|"
     r"(?:cual|que) es la (?:palabra|clave|palabra clave) (?:para|que) (?:cancelar|"
     r"darme de baja|dejar de recibir|parar|detener|quitar|salir))", True),
    ("rule:es-numero-equivocado", "es",
     r"(?:numero equivocado|numero incorrecto|persona equivocada|se equivocaron(?= *$)|"
     r"(?:se|te|nos|me) (?:equivocaron|equivoco|equivocaste|equivocaste) de (?:numero|persona|"
     r"contacto|telefono|celular)|"
     r"(?:este|ese) (?:numero|telefono|celular|cel) (?:ya )?no es (?:de|del|mio)|"
     # "está equivocado el número", not "el número de piezas" (a count).
     r"(?:(?<=esta )|(?<=es ))(?:equivocado|incorrecto) (?:el|este|ese|su) numero"
     r"(?! de (?!telefono|celular|cel\b))|"
     r"(?:ya )?no (?:usa|tiene|ocupa) (?:este|ese) (?:numero|telefono|celular|cel)|"
     r"ya no es de (?:mi |la |el )?[a-z]+(?= *$| (?:actualicen|borren|quiten|favor|por))|"
     r"te equivocaste de numero|no soy (?:[a-z]+ ){0,2}(?:persona|quien)|"
     r"este (?:ya )?no es el numero de|ya no es (?:su|el) numero|"
     r"aqui no vive|no conozco a|"
     # "Creo que tienen el número mal": our record of the number is wrong.
     r"(?:tienen|tiene|tienes) (?:el|mi|este|ese|mal el|mal mi|mal este) (?:numero|telefono|"
     r"celular|cel)(?: mal| equivocado| incorrecto)?(?= *$| (?:yo|no|nunca|porque|ya)\b)|"
     r"(?:tienen|tiene) mal (?:el|mi|este) (?:numero|telefono|celular|cel))", True),
    # A rule of its own, so the many places a text says "no" do not try it (keywords_heads).
    # "Aquí no es, yo no conozco a la tal Sofía": not the place they meant to reach.
    ("rule:es-aqui-no-hay", "es", r"aqui no es(?= *$)", True),
    ("rule:es-aqui-no-hay", "es",
     r"(?:aqui|en este numero|en este telefono) no (?:hay|vive|esta|existe) (?:ningun|ninguna|"
     r"nadie (?:que se llame|llamado|llamada|con ese nombre))(?: [a-z]+)?", True),
    # "Equivocado." as a clause of its own says the number is wrong; "equivocado el pedido"
    # names something else and is not the whole clause.
    ("rule:es-numero-equivocado", "es",
     r"(?:numero |esta |estan |esta usted |estas )?(?:equivocado|equivocada|equivocados|"
     r"equivocadas)(?: de numero| de persona)?", False),
    ("rule:es-como-me-doy-de-baja", "es",
     r"(?:como|donde) (?:(?:le )?hago para |puedo )?(?:cancelo|desactivo|detengo|paro|quito|"
     r"elimino|me salgo|salirme|salir|me desuscribo|desuscribirme|cancelar|desactivar|"
     r"quitar|detener) (?:estos|estas|los|las|esto|sus|mi suscripcion|de)", True),
    ("rule:es-como-me-doy-de-baja", "es",
     r"(?:como|donde) (?:(?:le )?hago para )?que ya no me (?:lleguen|llegue|manden|envien)",
     True),
    ("rule:es-como-me-doy-de-baja", "es",
     r"(?:como|donde|que) (?:le )?(?:hago|hacer|puedo hacer|tengo que hacer) para (?:que )?"
     r"ya no (?:me )?(?:recibir|recibo|reciba|lleguen|llegue|manden|envien|escriban)",
     True),
    ("rule:es-como-me-doy-de-baja", "es",
     r"(?:como|donde) se (?:quita|quitan|cancela|cancelan|desactiva|desactivan|para|paran|"
     r"detiene|detienen|elimina|eliminan|apaga|apagan) (?:esto|estos|estas|esta|eso|los|las|"
     r"el|la)", True),
    ("rule:es-como-me-doy-de-baja", "es",
     r"hay (?:alguna )?(?:forma|manera|modo) de (?:salirse|salirme|salir|darse de baja|"
     r"darme de baja|cancelar|desuscribirse|desuscribirme|dejar de recibir)", True),
    ("rule:es-como-me-doy-de-baja", "es",
     r"(?:como|donde|hay (?:alguna )?forma de|puedo|se puede|que tengo que hacer para) "
     r"(?:me |hago para )?(?:doy de baja|darme de baja|dar de baja|cancelar|desuscribirme|"
     r"desuscribir|salir de|dejar de recibir|dejo de recibir|detener|parar)", True),
    ("rule:es-dejame-en-paz", "es",
     r"(?:dejenme en paz|dejame en paz|deje(?:n)?me tranquil[oa]|no molesten|"
     r"no me molesten|no molestes|dejen de molestar|vayanse|"
     # "¡Largo!" alone or "largo de aquí", never "fin de semana largo".
     r"(?<!semana )largo(?= *$| de aqui| de mi)|"
     # "¡Fuera de mi teléfono!", "Me tienen harta con tanto mensaje".
     r"fuera de (?:mi|este) (?:telefono|celular|cel|numero|vida)|"
     r"(?<=me )(?:tienen|tiene|tienes) (?:harta|harto|hartos|hartas) con (?:tanto|tantos|sus|los|"
     r"estos|este|tu|tus) (?:mensaje|mensajes|textos|texto|sms|promociones|mensajitos))", True),
)
