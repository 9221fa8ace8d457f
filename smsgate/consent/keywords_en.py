"""English plain-language revocations for keywords_rules, in its (name, language, core,
strong) form, with the shared vocabulary they are built from: what may lead a weak request
(LEAD: "ok please just stop"), what may close it (TAIL: "stop please thanks"), and the words
for me, these texts and your list. Clauses reach these cores casefolded, accents folded and
stretched letters collapsed (keywords_text.clauses).
"""

from __future__ import annotations

# Politeness, emphasis and insults that may close a weak request.
TAIL_WORD = (
    r"(?:please|pls|plz|plez|plse|pleas|now|right now|thanks|thank you|thanks so much|thx|ty|"
    r"tysm|immediately|asap|anymore|any more|again|ever again|already|for good|forever|"
    r"permanently|seriously|ok|okay|k|for real|fr|lol|lmao|omg|wtf|man|dude|bro|sir|"
    r"ma'am|guys|y'all|folks|thank u|and thank you|and thanks|thanks in advance|"
    r"damn it|dammit|damnit|goddammit|ffs|jeez|geez|god|already damn|idiots|you idiots|"
    r"now please|por favor|porfa|porfavor|gracias|muchas gracias|ya|ahora|ahora mismo|"
    r"de una vez|de inmediato|inmediatamente|ya mismo|por fa|x favor|xfa|pf|pls gracias|"
    # SMS forms of "please": "x fa", "xfavor", "porfis", "plis".
    r"x fa|xfavor|x fis|xfis|porfis|porfi|porfas|plis|pliss|plisss|plox|pleasee|plss|"
    r"por favorcito|porfavorcito|"
    # Slips of please and por favor: "opt me out pleaes", "porfabor".
    r"pleaes|pleae|plese|pleasse|pleasw|porfabor|por fabor|porfabo|porfvor)"
)
TAIL = rf"(?: {TAIL_WORD})*"
_ME = (r"(?:me|us|this number|my number|this phone|my phone|my cell|my cell phone|my line|"
       r"this line|my mobile|my inbox|me and my family|my phone number|this phone number|"
       r"mi numero|mi telefono|mi cel|mi celular|my numero|my telefono|my cel|"
       r"my (?:work|personal|home|business) (?:phone|cell|cell phone|number|line|mobile)|"
       r"\+?[0-9][0-9() -]{5,}[0-9])")
_IT = r"(?:them|these|those|it|this|that|this one|these ones)"
_NOUN = (r"(?:messages|message|texts|text|text messages|txts|txt|msgs|msg|sms|sms messages|"
         r"reminders|alerts|notifications|notices|promotions|promos|offers|deals|ads|spam|marketing|"
         r"reminders|updates|communications|communication|emails|calls|solicitations|specials|"
         r"daily specials|weekly specials|coupons|discounts|pings|notifs|notis|"
         r"marketing messages|marketing texts|promotional messages|promotional texts|"
         r"automated messages|automated texts|junk|garbage|crap|shit|bs|nonsense|stuff|"
         r"promo ones|promotional ones|marketing ones|sales ones)")
_DET = (r"(?:(?:these|those|the|your|ur|any|all|all the|all these|all of these|all of your|"
        r"all of the|any more|any further|further|more|future|this|such|stupid|damn|"
        r"fucking|freaking|annoying|constant|endless|daily|every|so many|political|campaign|"
        r"election|survey|weekly|monthly|promo|sales|advertising) )*")
_TEXTS = rf"{_DET}{_NOUN}"
_LIST = (r"(?:list|lists|mailing list|texting list|text list|sms list|contact list|contacts|"
         r"database|system|records|file|program|service|services|campaign|subscription|"
         r"subscriptions|alerts|messages|texts|notifications|marketing|everything|"
         # "that one" closing the clause, before "that": "take me off that one" would end at
         # "that"; "that one shift on Friday" is something else.
         r"(?:that|this) one(?= *$| (?:please|pls|plz|too|thanks|thank you|thx|as well))|"
         r"this|that|it|here|there|them|texting|texting list|lista|la lista|all|"
         r"that list|this list|(?:the )?(?:promo|promotional|marketing|sales|deals|ad|text|sms) "
         r"(?:ones|blasts|blast)|group text|group texts|group chat|group messages|"
         r"(?:[a-z]+ )?(?:text|texting|sms) roster)")
# The free words before the list never run past "but"/"and": "from emails but keep texts".
_FROM_LIST = (rf"(?: (?:from|of|off|out of|on) (?:(?!(?:but|and|pero|y) )[a-z0-9']+ ){{0,3}}?"
              rf"{_LIST})")

# Verbs of sending that "stop"/"quit"/"cease" can govern.
_SENDING = (r"(?:texting|txting|texing|txtin|textin|messaging|msging|sending|contacting|"
            r"spamming|bothering|harassing|calling|emailing|blowing up|hitting up|pinging|"
            r"writing|reaching out to|reaching out)")
_STOP_VERB = r"(?:stop|quit|cease|discontinue|halt|end|stahp|stawp|pls stop)"
# Compound nouns that begin with "stop": "stop leak stuff", "stop sign", "stop loss alerts"
# name a product or a thing, not a request to stop the texts.
STOP_COMPOUND = (r"(?!(?:stop )?(?:leak|sign|signs|loss|bath|motion|light|lights|watch|gap|"
                 r"band|codon|order|limit|valve|cock|n|and|&|go|word|words|sequence|bit|bits)\b)")
# Leading politeness allowed before a *weak* request, as in "ok please just stop".
LEAD = (
    r"(?:(?:please|pls|plz|plez|kindly|just|ok|okay|k|hey|hi|hello|yo|so|and|now|then|"
    r"seriously|again|omg|omfg|wtf|ffs|god|oh my god|jesus|jesus christ|ugh|dude|bruh|man|bro|sir|"
    r"for real|also|but|anyway|anyways|tbh|honestly|otherwise|fucking|just fucking|"
    r"for the love of god|god damn it|goddamn|i said|i asked you to|for the last time|"
    r"i already asked you to|i told you to|i've told you to|ive told you to|"
    r"i need you to|i want you to|i'd like you to|can you|could you|would you|will you|"
    r"can u|could u|would u|will u|por favor|porfa|ya|oye|hola|ok ya|pero|y|entonces|"
    r"x fa|xfa|xfavor|x favor|porfis|porfi|plis|pliss|plox|por fa|porfavor|oigan|oiga|"
    r"asi que|en serio|ok pero|pero ya) )*"
)

# (name, language, pattern, strong). Strong cores may be followed by anything.
ENGLISH_RULES: tuple[tuple[str, str, str, bool], ...] = (
    # --- English ---------------------------------------------------------------------
    ("rule:keyword-clause", "en", r"(?:stop|stopall|stop all|unsubscribe|optout|opt out|revoke)",
     False),
    ("rule:repeated-keyword", "en",
     r"(?:stop|unsubscribe|optout|opt out|revoke|cancel|end|quit)"
     r"(?: (?:stop|unsubscribe|optout|opt out|revoke|cancel|end|quit))+", False),
    ("rule:please-stop", "en", r"(?:stop|stopall|stop all|stop now|make it stop|stop already|"
     r"(?:you|u|y'all|yall|you guys) (?:can|may|could) (?:stop|quit)(?: (?:it|now|texting|"
     r"sending|messaging))?)", False),
    ("rule:stop-it", "en", r"(?:stop|quit|cut|knock) (?:it|this|that|them|these|those|this spam|"
     r"the spam|"
     r"the madness|it out|it off)", False),
    ("rule:remove-me", "en", r"(?:remove|remove me|remove us|remove my number|remove this number|"
     r"unenroll|un enroll|disenroll)", False),
    ("rule:take-me-off", "en", r"take (?:me|us|my number|my name|this number) off", False),
    ("rule:discontinue", "en", r"(?:discontinue|terminate)", False),
    ("rule:no-more-texts", "en", r"no (?:texts|messages|sms|txts|text messages|msgs)", False),
    ("rule:stop-then", "en",
     r"^(?:stop|unsubscribe|unsub|opt out|optout)"
     r"(?= (?:(?:lol|lmao|haha|omg) )?(?:stop|unsubscribe|who|whoever|this is|"
     r"i never|i did not|"
     r"i didn't|i didnt|i don't|i dont|i do not|i'm not|im not|i am not|not interested|wrong|"
     r"you have|u have|wtf|what|why|how did|i have no|i no longer|no longer|i never signed|"
     r"never signed|do not|don't|dont|i'm done|im done|i am done|spam|scam|remove|take me|"
     r"leave me|i want|i'd like|i would like|no more|enough|go away|f off|fuck)\b)", True),
    ("rule:stop-texting", "en",
     rf"{_STOP_VERB} (?:{_SENDING})(?: {_ME})?(?: (?:any more |more |these |those |all )?{_TEXTS})?"
     rf"(?: to {_ME})?(?= |$)", False),
    ("rule:stop-texting", "en",
     rf"{_STOP_VERB} (?:{_SENDING}) (?:{_ME}|{_TEXTS}|{_IT})", True),
    # "Please quit mandándome estas cosas": the Spanish gerund carries its own "me".
    ("rule:stop-texting", "en",
     rf"{_STOP_VERB} (?:mandandome|enviandome|escribiendome|texteandome|textiandome|"
     rf"molestandome)\b", True),
    ("rule:stop-texting", "en",
     rf"(?:knock it off|quit it|cut it out|stop it|give it a rest|enough|stop|quit) with {_TEXTS}",
     True),
    # A bare "stop" closing a clause after "but"/"so"/"just": "idk who this is but stop".
    ("rule:then-stop", "en",
     r"(?:but|so|just|pero|now) (?:please |pls |plz |just )?(?:stop|stop it|stop already|"
     r"stop now|stop please|stop pls)(?= *$)", True),
    ("rule:how-many-times", "en",
     r"(?:how many times|how many more times|how often) (?:do|must|should|will|have) "
     r"(?:i|we)(?: have| need| got)?(?: to)? (?:say|reply|text|type|send|tell you|ask|write)",
     True),
    ("rule:how-many-times", "en", r"what part of (?:stop|no|unsubscribe|opt out|leave me)",
     True),
    # One word of its own may name the texts ("stop the refill reminders").
    ("rule:stop-the-texts", "en", rf"{_STOP_VERB} {STOP_COMPOUND}{_DET}(?:[a-z]+ )?{_NOUN}",
     True),
    # "Please cancel the texts along with the membership."
    ("rule:stop-the-texts", "en",
     rf"cancel (?:the|these|those|your|ur|all the|all these|all your|my) (?:[a-z]+ )?{_NOUN}",
     True),
    # After "the"/"these"/"your", two words of their own: "stop the appointment reminder texts".
    ("rule:stop-the-texts", "en",
     rf"{_STOP_VERB} (?:the|these|those|your|ur|all the|all these|all your) "
     rf"{STOP_COMPOUND}[a-z0-9]+ [a-z]+ {_NOUN}(?= |$)", True),
    # What is sent may be named in a few words of its own when the verb of sending or "to this
    # number" says it is our texts: "stop sending prescription reminders to this number".
    ("rule:stop-texting", "en",
     rf"{_STOP_VERB} (?:{_SENDING}) (?:me |us )?{_DET}(?:[a-z]+ ){{0,2}}{_NOUN}(?= |$)", True),
    ("rule:stop-texts-to-me", "en",
     rf"{_STOP_VERB} (?:{_SENDING}|sending) (?:[a-z']+ ){{1,3}}(?:to|at) (?:this number|"
     rf"this phone|this phone number|my number|my phone|my cell|this cell|this line|my line)",
     True),
    ("rule:stop-texts-to-me", "en", rf"{_STOP_VERB} (?:sending )?(?:{_TEXTS} )?(?:to|at) {_ME}",
     True),
    ("rule:unsubscribe-me", "en",
     rf"(?:unsubscribe|unsub|unsuscribe|unsubscribed)(?: {_ME})?{_FROM_LIST}?", False),
    ("rule:unsubscribe-me", "en",
     rf"(?:unsubscribe|unsub|unsuscribe)(?: {_ME}{_FROM_LIST}?|{_FROM_LIST})", True),
    ("rule:take-me-off", "en",
     rf"(?:take|get) (?:{_ME}|{_IT}|my name|my info) (?:off|of|out of) (?:[a-z0-9']+ ){{0,3}}?"
     rf"{_LIST}",
     True),
    # "take me off" with whatever follows: an object rule, so "take me off hold" steps aside.
    ("rule:take-me-off", "en", r"(?:take|taking) (?:me|us|my number|my name|this number) off",
     True),
    # "Can this number be removed please?"
    ("rule:remove-me", "en",
     r"(?:this|my) (?:number|phone number|cell|phone) (?:be |to be |get |gets |being )?"
     r"(?:removed|taken off|deleted|unsubscribed)", True),
    # "Please stop asking by text."
    ("rule:stop-texting", "en",
     r"(?:stop|quit) (?:asking|pinging|nagging|reminding|asking me|reminding me) "
     r"(?:by|via|over|through|in|with) (?:text|texts|sms|message|messages)", True),
    # "Leave me off the list thanks".
    ("rule:take-me-off", "en",
     rf"(?:leave|keep) (?:me|us|my number|this number) (?:off|out of) (?:[a-z0-9']+ ){{0,2}}?"
     rf"{_LIST}", True),
    ("rule:remove-me", "en",
     rf"(?:remove|delete|erase|drop|scrub|purge|take|get|cross|strike|unenroll|exclude) "
     rf"(?:{_ME}|{_IT}|my name|my info|my information|my contact information|my contact details|"
     rf"my contact|my contact info|my details|"
     rf"this contact|my data) (?:off|out|from|of|out of) (?:[a-z0-9']+ ){{0,3}}?{_LIST}",
     True),
    ("rule:remove-me", "en",
     rf"(?:remove|removing|delete|deleting|erase|erasing|unenroll|un enroll) (?:{_ME}|my name|"
     rf"my info|my data|"
     rf"(?:his|her|their|that) (?:number|phone number|cell|cell number))", True),
    ("rule:remove-me", "en",
     rf"(?:be |being |get |getting )?(?:removed|taken|excluded|unenrolled|unsubscribed|"
     rf"opted out|deleted|dropped) (?:from|off) (?:(?!(?:but|and|pero|y) )[a-z0-9']+ ){{0,3}}?"
     rf"{_LIST}", True),
    ("rule:remove-me", "en",
     rf"(?:request|requesting|ask for|asking for) (?:the )?(?:removal|deletion|unsubscription)"
     rf"(?: of (?:{_ME}|my name|my information))?(?: from)?", True),
    ("rule:remove-me", "en",
     r"(?:terminate|cancel|end) my (?:enrollment|enrolment|membership|participation|"
     r"registration) (?:in|from|with) (?:[a-z0-9']+ ){0,3}?(?:text|texting|sms|message|"
     r"messaging|alerts|list|program|service)", True),
    ("rule:get-off-list", "en",
     r"(?:get|be|stay|come) off (?:of )?(?:[a-z0-9']+ ){0,2}?(?:list|lists|texting list|"
     r"mailing list|text list)", True),
    ("rule:no-longer-contact", "en",
     rf"(?:you |that you |to )?no longer (?:contact|text|message|send|reach|call|email)"
     rf" (?:{_ME}|{_TEXTS})", True),
    ("rule:no-need-to-text", "en",
     rf"no need to keep (?:texting|sending|messaging|contacting)(?: {_ME}| {_TEXTS}| {_IT})?",
     True),
    # "so no need to keep me on the studio text list": no reason left to keep the number.
    ("rule:no-need-to-text", "en",
     rf"(?:no|there's no|there is no) (?:need|reason|point) (?:to|in) keep(?:ing)? {_ME} "
     rf"(?:on|in) (?:[a-z0-9']+ ){{0,3}}?{_LIST}", True),
    # "My mom no habla inglés, she wants you to stop texting her": a request passed on for the
    # person the texts reach.
    ("rule:stop-texting", "en",
     r"(?:she|he|they|my (?:mom|mother|dad|father|grandma|grandpa|grandmother|grandfather|"
     r"abuela|abuelo|wife|husband|aunt|uncle)) (?:wants|would like|asked|asks|needs) (?:you|u|"
     r"y'all|you guys) to (?:stop|quit) (?:texting|messaging|sending (?:texts )?to|sending|"
     r"contacting) (?:her|him|them)", True),
    # "I'd appreciate it if you stopped sending these messages."
    ("rule:stop-texting", "en",
     r"(?:grateful|appreciate it|appreciate|thankful) if (?:you|u) (?:could |would |can )?"
     r"(?:stop|stopped|quit|ceased|cease) (?:sending|texting|messaging|contacting)", True),
    # "I would be grateful if you removed me from your distribution list."
    ("rule:remove-me", "en",
     r"(?:grateful|appreciate it|appreciate|thankful) if (?:you|u) (?:could |would |can )?"
     r"(?:remove|removed|delete|deleted|unsubscribe|unsubscribed|take|took) (?:me|my number|"
     r"this number)", True),
    # "Please don't include me in the choir messages from now on."
    ("rule:remove-me", "en",
     rf"(?:don't|do not|dont|please don't|stop) (?:include|including|add|adding|put|putting) "
     rf"(?:me|us|my number|this number) (?:in|on|to) (?:the |your |any |those |these )?"
     rf"(?:[a-z]+ ){{0,2}}?(?:{_NOUN}|list|lists|group texts|group text)", True),
    # "Pretty sure this is meant for someone else."
    ("rule:wrong-number", "en",
     r"(?:(?<=this is )|(?<=this was )|(?<=it is )|(?<=it was )|(?<=it's )|(?<=that is )|"
     r"(?<=that was )|(?<=that's )|(?<=these are )|(?<=these were )|(?<=they are )|"
     r"(?<=they were ))(?:meant|intended) for "
     r"(?:someone|somebody|some one) else", True),
    # "Can someone remove me? I've asked before."
    ("rule:remove-me", "en",
     r"(?:can|could|would|will) (?:someone|somebody|anyone|anybody|you|u|y'all|you guys) "
     r"(?:please |pls |plz )?(?:remove|unsubscribe|delete) (?:me|my number|this number)"
     r"(?= *$| please| pls| plz| thanks| thank you| asap| now)", True),
    # "I'm unsubscribing from these, sorry!": the writer says they are leaving, as they write.
    ("rule:unsubscribing", "en",
     r"(?:i'm|im|i am|we're|we are) (?:now |officially |just )?(?:unsubscribing|opting out)",
     True),
    ("rule:unsubscribing", "en",
     r"(?:i'm|im|i am|we're|we are) (?:going to|gonna|about to) (?:opt out|unsubscribe)", True),
    # "I think you meant to text someone else": a wrong number, said of the sender.
    ("rule:wrong-number", "en",
     r"(?:(?<=you )|(?<=u )|(?<=you must have )|(?<=you probably )|(?<=you might have ))"
     r"meant to (?:text|message|reach|contact|"
     r"send (?:this|that|these) to) (?:someone|somebody|some one) else", True),
    # "can u turn off the specials"
    ("rule:turned-off", "en",
     rf"(?:turn|switch|shut) off {_TEXTS}", True),
    ("rule:unsubscribing", "en",
     rf"^(?:unsubscribing|opting out) (?:from )?(?:these|this|them|{_TEXTS})", True),
    ("rule:done-with-texts", "en",
     rf"(?:i'm|im|i am|we're|we are) (?:so |totally |really )?(?:done|finished|through) with "
     rf"(?:these|those|{_TEXTS}|your texts|the texts|you guys)", True),
    ("rule:no-need-to-text", "en",
     rf"no need to (?:text|message|contact|send|remind|keep texting|keep sending)"
     rf"(?: {_ME}| {_TEXTS}| {_IT})?(?: anymore| any more| any longer)", True),
    ("rule:not-text", "en",
     rf"(?:mind|could you|can you|would you|will you|please|can u|could u|kindly) not "
     rf"(?:text|txt|message|msg|contact|send|email|call)(?:ing)?(?: {_ME}| {_TEXTS})", True),
    ("rule:turned-off", "en",
     rf"{_TEXTS} (?:be |get )?(?:turned off|stopped|disabled|cancelled|canceled|shut off)"
     r"(?! (?:coming|arriving|working|showing|loading|sending|going through))", True),
    ("rule:unsubscribe-option", "en",
     r"(?:is there|do you have|where is|where's|got) (?:an? )?(?:unsubscribe|opt out|optout|"
     r"stop) (?:option|button|link|feature|keyword|command)", True),
    ("rule:opt-me-out", "en",
     rf"opt(?: {_ME})? ?out(?:{_FROM_LIST})?", False),
    ("rule:opt-me-out", "en", rf"opt (?:{_ME}) ?out", True),
    ("rule:opt-me-out", "en", r"opt ?out (?:of|from) ", True),
    ("rule:want-to-opt-out", "en",
     r"(?<!no )(?<!no i )(?:i |we )?(?:(?:respectfully|kindly|politely|formally|hereby|humbly) )?"
     r"(?:i'd like|id like|we'd like|want|wanna|would like|'d like|"
     r"d like|need|wish|would love|am asking|"
     r"am requesting|request|ask|demand|choose|chose|have decided|decided|prefer|hope|"
     r"want you|need you|would like you|'d like you) to "
     rf"(?:opt out|optout|unsubscribe|unsub|be removed|be taken off|get off|be off|"
     rf"be unsubscribed|be opted out|be excluded|(?:leave|stop|quit)(?= *$)|revoke|withdraw|"
     rf"stop (?:{_TEXTS}|{_IT})|stop {_SENDING} (?:{_ME}|{_TEXTS}|{_IT})|"
     rf"stop (?:receiving|getting)(?: [a-z]+)?|no longer receive|not receive|not get|"
     rf"not be contacted|"
     rf"remove {_ME}|take {_ME} off|delete {_ME}|unsubscribe {_ME})", True),
    # The texts as the subject of the stopping: "I want the texts to end", "I'd like these
    # texts to stop"; "the delivery to stop at the desk" names no texts.
    ("rule:want-texts-to-stop", "en",
     rf"(?:(?:i |we )?(?:want|wanna|would like|need|wish|prefer|would love|ask for|asking for)|"
     rf"(?:i'd|id|we'd) like) {_DET}(?:[a-z]+ )?{_NOUN} to (?:stop|end|cease|be stopped|"
     r"stop coming|quit|go away|be discontinued)"
     r"(?! (?:at|by|on|in|until|till|before|after|for|when|if|being|working|loading)\b)",
     True),
    ("rule:want-texts-to-stop", "en",
     r"(?:(?:i |we )?(?:want|wanna|would like|need)|(?:i'd|id|we'd) like) (?:them|these|"
     r"these ones|those|this|it|you|u|y'all|you guys) to (?:stop|end|cease|go away|quit)"
     + rf"{TAIL}(?= *$)", True),
    ("rule:want-out", "en",
     r"(?:i |we )?(?:want|wanna|would like|'d like|need|wish)(?: to)? (?:out|off)"
     rf"(?:(?: of| from)? (?:[a-z0-9']+ ){{0,3}}?{_LIST})?", False),
    ("rule:dont-want-texts", "en",
     rf"(?:i |we )?(?:do not|don't|dont|no longer|never|did not|didn't|didnt) "
     rf"(?:want|wish|need|require|like|care for|care to receive|ask for|asked for|sign up for|"
     rf"signed up for|sign up|signed up|subscribe|subscribed|consent|agree|opt in|"
     rf"opted in|authorize|authorized|give permission|gave permission|request|requested|"
     rf"want to receive|want to get|wish to receive|wish to get|need to receive|"
     rf"wish to be contacted|want to be contacted|want any|want any more|want more|"
     rf"want you to text|want you to contact|want you texting|want your|want these|"
     rf"want them|want this|want it)(?: {_ME})?(?: to)?(?: receive| get)? "
     rf"(?:{_TEXTS}|(?:these|those|them|this) (?:anymore|any more|any longer))"
     # "I don't want the texts to stop" wants them.
     r"(?! to (?:stop|end|cease|quit|go away|be stopped))",
     True),
    ("rule:do-not-text", "en",
     rf"(?:can|could|would|will) (?:you|u|y'all|you guys|ya) (?:guys |all |please |pls )?not "
     rf"(?:text|txt|message|msg|contact|send|spam) (?:{_ME}|{_TEXTS}|anymore|any more)", True),
    ("rule:do-not-text", "en",
     rf"(?:do not|don't|dont|never|please don't|please do not) (?:ever )?(?:again )?"
     rf"(?:text|txt|message|msg|contact|sms|call|email|spam|bother|send|reach out to|reach|"
     rf"reach out (?:by|via|over|through))"
     rf" (?:{_ME}|{_TEXTS}|more|any more|anymore|it(?= anymore| any more| again| ever))", True),
    ("rule:do-not-text", "en",
     r"(?:do not|don't|dont|please don't|please do not) keep (?:texting|txting|messaging|sending|"
     r"contacting|calling|emailing|bothering|spamming)", True),
    ("rule:never-consented", "en",
     rf"(?:i )?(?:never|did not|didn't|didnt|do not|don't|dont) (?:ever )?(?:signed up|sign up|"
     rf"subscribed|subscribe|consented|consent|agreed|agree|opted in|opt in|gave (?:you )?"
     rf"(?:permission|consent))(?: (?:for|to) (?:this|these|that|it|any of this|{_TEXTS}))?",
     True),
    ("rule:do-not-text", "en",
     r"(?:do not|don't|dont|never) (?:ever )?(?:text|txt|message|msg|contact|sms|spam)"
     r"(?: again)?", False),
    ("rule:no-more-texts", "en", rf"no (?:more|further|additional) (?:{_TEXTS}|contact|texting)",
     True),
    # "no more event texts please": one word naming which texts.
    ("rule:no-more-texts", "en", rf"no (?:more|further) [a-z]+ {_NOUN}", True),
    ("rule:no-more", "en", r"(?:no more|no thanks no more|nope no more|enough|"
                           r"that's enough|thats enough|enough already|enough is enough|"
                           r"enough of this|enough of these|no more of this)",
     False),
    ("rule:enough-texts", "en",
     rf"enough (?:with|of) (?:{_TEXTS}|this|these|it|you|the spam|your spam)", True),
    # "Probably time you stopped texting me about classes."
    ("rule:time-you-stopped", "en",
     r"time (?:for you )?(?:you |to )?(?:stopped|stop|quit|quitted) (?:texting|messaging|"
     r"contacting|txting|spamming) (?:me|us|this number|my phone)", True),
    ("rule:leave-me-alone", "en", r"(?:leave (?:me|us|my phone|my number)(?: the (?:hell|fuck|"
         r"heck|f|f+\*+|f[*#@$!]+[a-z]*))? alone|go away|"
     r"get lost|buzz off|back off|f off|fuck off|piss off|bugger off|lose my number|"
     r"forget my number|forget about me|forget this number|lose this number)", True),
    ("rule:cancel-subscription", "en",
     r"cancel (?:(?:my|this|the|these|your|all|all the|any) )?(?:text |sms |marketing )?"
     r"(?:subscription|subscriptions|messages|texts|text messages|text alerts|alerts|sms|"
     r"notifications|membership to (?:these|your) texts)", False),
    ("rule:revoke-consent", "en",
     r"(?:i |i hereby |hereby )?(?:revoke|withdraw|rescind|retract|cancel|take back|remove|"
     r"revoking|withdrawing|rescinding)(?: my| all| any| all of my| the)?"
     r"(?: prior| previous| earlier| past| former)? "
     r"(?:consent|permission|authorization|authorisation|opt in|opt-in|agreement)", True),
    # "Consent revoked.": the withdrawal stated as done ("revoked" reaches the rules spelled
    # as the keyword REVOKE, of which keywords_fuzzy tolerates it as a slip).
    ("rule:revoke-consent", "en",
     r"(?:my )?(?:consent|permission|authorization|authorisation)(?: to (?:text|contact|"
     r"message) (?:me|this number|my number))? (?:is |hereby |is hereby )?(?:revoked|revoke|"
     r"withdrawn|rescinded)", True),
    ("rule:formal-cease", "en",
     r"(?:cease|discontinue|terminate|halt|suspend|end|refrain from|desist from|stop|decline|"
     r"formally decline|opt out of) "
     r"(?:all |any |further |any further |all further |these |this |the |your |such |"
     r"future |all future |sending |all forms of |with the |including )*"
     r"(?:text|texts|text messages|messages|messaging|communication|communications|contact|"
     r"contacting me|contacting|correspondence|sms|solicitation|solicitations|outreach|"
     r"marketing|notifications|alerts|cease and desist|"
     # A service or subscription only as the texts' own: "stop service on the 30th" is utilities.
     r"(?:text|texting|sms|message|messaging|alert|alerts|mobile) (?:service|subscription))",
     True),
    ("rule:cease-and-desist", "en", r"cease and desist", True),
    # "I must ask that you refrain from texting me in the future."
    ("rule:formal-cease", "en",
     r"refrain from (?:texting|messaging|contacting|sending texts to|sending messages to) "
     r"(?:me|us|this number|my number)", True),
    # "No more mensajes please": an English request over Spanish texts.
    ("rule:no-more-texts", "en", r"no more (?:mensajes|msjs|textos)", True),
    ("rule:terminate-subscription", "en",
     r"(?:(?:terminate|deactivate|discontinue) (?:my|the|this|these|your|all) "
     r"(?:(?:text|texting|sms|message|messaging|alert|alerts|mobile) )*|"
     r"(?:cancel|end|stop) (?:(?:my|the|this|these|your|all) )?"
     r"(?:(?:text|texting|sms|message|messaging|alert|alerts|mobile) )+)"
     r"(?:subscription|subscriptions|alerts|notifications)", True),
    # "cancel my subscription to these texts": the subscription named by its texts.
    ("rule:terminate-subscription", "en",
     rf"(?:cancel|end|stop|terminate) (?:my|the|this|your) (?:subscription|subscriptions) "
     rf"(?:to|for|of) {_TEXTS}", True),
    ("rule:no-longer-receive", "en",
     r"(?:i |we )?(?:no longer|do not|don't|dont|would rather not|i'd rather not|id rather not|"
     r"we'd rather not|would prefer not to|"
     r"prefer not to|would like to no longer|want to no longer) "
     r"(?:wish to |want to |need to |care to |like to )?"
     r"(?:receive|get|be receiving|be getting|be contacted|be texted|be messaged|hear from)",
     True),
    ("rule:wrong-number", "en",
     r"(?:wrong (?:number|numbr|nmbr|numer|nuber|num|no|#|person|guy|girl|lady)|wrong phone|"
     # "Is this not the right number to call?" asks which number to use.
     r"wrong cell|not the right (?:number|person)(?! (?:to|for) )|"
     r"incorrect number|wrong contact|not (?:[a-z']+ ){1,3}(?:number|phone|cell) "
     r"(?:anymore|any more|any longer)|(?:is|isn't|is not) (?:[a-z']+ ){1,3}(?:number|phone) "
     r"(?:anymore|any more|any longer)|no (?:[a-z]+ )?(?:here )?by that name|"
     r"(?:nobody|no one|noone) (?:here )?by that name|"
     r"(?:doesn't|does not|doesnt|don't|dont|do not|no longer) (?:have|has|own|use|uses|"
     r"belong to|belongs to) "
     r"(?:this|that|the|[a-z']+) (?:number|phone)(?: (?:anymore|any more|any longer))?|"
     r"(?:this|that|the) (?:number|phone) (?:doesn't|does not|doesnt|no longer|isn't|is not) "
     r"(?:belong|belongs|belonging)|new owner of this number|this number (?:is|"
     r"was) (?:reassigned|recycled|new to me)|"
     r"i (?:just )?got this number|i'm not (?:[a-z']+ ){0,2}(?:who you think|the person)|"
     r"this isn't(?! (?:spam|junk|a scam|a bot|fake|a problem|an issue|bad|annoying|"
     r"a stop|an? (?:opt|unsubscribe|cancel|request|complaint)))|"
     r"there is no one here named|nobody here (?:is )?named|"
     r"no one here (?:is )?named|i don't know (?:any|a|who)|"
     r"(?:belongs|belonged|goes) to (?:someone|somebody|some one) else|"
     r"(?:belongs|belonged) to (?:a )?new (?:owner|person|user)|(?:has|got) a new owner|"
     r"(?:is|it's|its) (?:someone|somebody) else's (?:number|phone)|"
     r"there(?:'s| is|s) no [a-z]+ (?:at this (?:number|phone)|"
     r"here(?= *$| (?:anymore|any more|sorry|lol|by that name)))|"
     r"(?:this|that|the) (?:number|phone|cell|line) used to (?:belong to|be)|"
     r"used to (?:belong to|be) (?:my|his|her|[a-z]+'s) (?:number|phone|cell)|"
     r"this (?:isn't|is not|aint|ain't) [a-z]+'s (?:phone|number|cell))", True),
    ("rule:update-your-list", "en",
     # "fix your records" may mean a wrong appointment; "update" them means this number.
     r"(?:update|clean|change) (?:your|the|this|ur) (?:[a-z']+ ){0,2}"
     r"(?:list|lists|records|record|contacts|contact list|database|files|info|system)", True),
    ("rule:how-to-stop", "en",
     r"(?:is there a way|is there any way|any way|anyway|is it possible|is there somewhere|"
     r"where|somewhere|what's the way|how|how do i|how can i|how would i|"
     r"how should i|how do we|how can we|how do you|how to|where do i|where can i|can i|"
     r"could i|may i|what do i (?:text|reply|send|type|do|have to do|need to do)(?: to)?|"
     r"what do i text|what should i (?:text|reply|send)(?: to)?|which keyword|"
     r"what (?:word|keyword) do i)"
     r"(?: (?:to|i can|for me to|that i can|can i))? "
     # "get them to stop doing that" is about what they do, not about texts.
     r"(?:make (?:this|these|it|them|the texts|the messages) stop|"
     r"make (?:the|these|your) (?:[a-z]+ )?(?:texts|messages|reminders|alerts|notifications) stop|"
     r"get (?:these|this|them|"
     r"the texts|the messages|you|u) to stop(?! doing| happening)|"
     r"opt out|optout|unsubscribe|unsub|get off|be removed|get removed|stop (?:these|this|"
     r"the|them|getting|receiving|your|all|it|you)|"
     r"turn (?:these|the|your) (?:[a-z]+ )?(?:texts|messages|reminders|alerts|notifications|"
     r"notices) off|turn (?:these|this|them|it|the texts|"
     r"the messages) off|turn off|shut off|switch off|cancel (?:these|this|the texts|"
     r"the messages|them|it|all)|end (?:these|this|the)|remove myself|"
     r"get out of|leave|block|never hear from (?:you|u|y'all|you guys) again|"
     r"not hear from (?:you|u|y'all|you guys))", True),
    # A question about the keyword asks how to leave, which is leaving: "is replying STOP
    # enough", "do I have to text STOP", "what's the command to end these?".
    ("rule:keyword-question", "en",
     r"(?:(?:is|would|will) (?:replying|texting|sending|typing|saying|responding with|"
     r"writing) (?:stop|unsubscribe|cancel|end|quit|optout|opt out|alto) (?:enough|sufficient|"
     r"all (?:i|it) (?:need|needs|takes)|the (?:only )?way|how|going to (?:stop|end) (?:these|"
     r"this|them|the texts|it)|gonna (?:stop|end) (?:these|this|them|it)|work)|"
     r"(?:do|should|can|must) i (?:just |still |also )?(?:have to |need to |gotta )?(?:text|"
     r"reply|send|type|say|write|respond with|answer) (?:you )?(?:stop|unsubscribe|optout|"
     r"opt out|alto|stop all|stopall)(?! (?:by|at|on|for|in)\b)|"
     r"(?:what's|whats|what is) the (?:command|keyword|key word|code|word|magic word|text) "
     r"(?:to|for|that) (?:end|stop|cancel|unsubscribe|opt out|turn off|get rid of|quit)"
     r"(?: (?:these|this|them|it|the texts|the messages|texts|messages|you))?(?= *$| (?:please|"
     r"pls|again|lol|then|already)))", True),
    # A threat over the next text is a demand that there be none: "I swear to god if I get
    # one more text".
    ("rule:one-more-text", "en",
     r"(?:i swear(?: to god)?|so help me(?: god)?|swear to god|i promise you) if (?:i|we) "
     r"(?:get|receive|see) (?:one|1|another|any|a single)(?: more)? (?:text|message|msg|txt|"
     r"of these|of your)", True),
    # A threat over the next text: "if you text me again I'll report you", "one more text and
    # I'm calling the FCC", "next one gets reported"; "if you text me the code again I'll lose
    # it" names no complaint.
    ("rule:threat-if-texted", "en",
     r"if (?:you|u|y'all|yall|you guys|your company) (?:text|txt|message|msg|contact|spam|"
     r"send)(?: me| us| this number| my number| my phone)?(?: (?:again|one more time|ever "
     r"again|anymore|any more))(?: [a-z0-9']+){0,5}? (?:i'll|ill|i will|i'm|im|i am|we'll|we "
     r"will)(?: [a-z']+){0,3}? (?:report|reporting|sue|suing|block|blocking|file|filing|"
     r"calling the fcc|call the fcc|contact the fcc|complain|lawyer|attorney)", True),
    ("rule:threat-if-texted", "en",
     r"(?:one|1|another|any) more (?:text|txt|message|msg|of these)(?: from you)? (?:and|&|n) "
     r"(?:i'll|ill|i will|i'm|im|i am|we'll|you'll|you will|you're|ur)(?: [a-z']+){0,3}? "
     r"(?:report|reporting|reported|sue|suing|block|blocking|calling the fcc|call the fcc|"
     r"fcc|ftc|complaint|lawyer|attorney)", True),
    ("rule:threat-if-texted", "en",
     r"next (?:one|text|message|msg) (?:gets|will get|is getting|will be|is gonna get|and it "
     r"gets) (?:reported|blocked|sent to the fcc)", True),
    # Leaving a thing made of texts: "get off this text thing", "get off your texting list".
    ("rule:get-off-texts", "en",
     r"(?:get|be|go) off (?:of )?(?:this|these|the|your|ur|that) (?:text|texting|txt|sms|"
     r"message|messaging|msg)(?: thing| list| stuff| program| service)?(?= |$)", True),
    ("rule:dont-need-texts", "en",
     rf"(?:won't|will not|wont|don't|do not|dont) (?:be )?(?:needing|need|requiring|"
     rf"require) (?:{_TEXTS}|these|them|those)(?: (?:going forward|anymore|any more|"
     rf"any longer|from now on|moving forward|in the future))", True),
    ("rule:spam-report", "en",
     r"(?:this is (?:spam|harassment|harrassment)|stop spamming|reporting (?:you|this|"
     r"this number) (?:as spam|to)|(?:i'm|im|i am|i will be|i'll be) reporting (?:you|this)|"
     r"i will report|i'll report|i'm going to report|(?:gonna|going to) report|reported as spam|"
     r"(?:i'll|i will) sue|"
     # "my lawyer friend said ..." reports advice, not a threat.
     r"see you in court|my lawyer(?! (?:friend|buddy|said|says|told|thinks))|tcpa|"
     r"fcc complaint|stop harassing)", True),
    ("rule:not-interested", "en",
     r"(?:not interested|no longer interested|i'm not interested|im not interested|"
     r"i am not interested|not interested anymore|no interest|not intrested|not intersted)",
     False),
)
