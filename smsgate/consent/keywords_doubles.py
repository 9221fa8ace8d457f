"""Words spelled with a doubled letter, for undoing a stretch ("borrrenme", "stilll").

Pure data. keywords_text collapses three or more of one letter; collapsing them to one breaks
words whose double is part of the spelling (Spanish rr/ll, English ee/oo/ll/ss), so a stretched
word becomes its two-letter form when that form is listed here and its one-letter form
otherwise ("STOPPPP" -> "stop", "borrrenme" -> "borrenme"). The list holds the words with a
doubled letter that the reply corpus uses more than once, plus the request words of the rules.
"""

from __future__ import annotations

DOUBLED = frozenset("""
    accident accidentally account actually address afternoon alla annoying app apply appointment
    appreciate appt arreglo arrive arrived asleep been bill book booking borrar borre borren
    borrenlo borrenme borres borrarme borrame borrenla borra borrado borrada boss buddy business
    call calle calling called calls cancellation carro cebolla cierran class communications cool
    correo correos different direccion door effective ella ellas ellos error fallecio free full
    funny getting gonna happy harassment hello immediately keep keeps kidding llamo llamen
    llamada llamadas llamar llamando llega llegan llegar llego llegue lleguen llevar message
    messages messaging missed missing need needed newsletter offer offers office pass passed
    really refill respectfully shopping sorry spamming still stopped stopping stuff support
    tell telling terrible three till tomorrow week weeks well will yell yelled seriously
    unsubscribe all off too soon see agree add less unless leave
""".split())
