"""Text normalisation shared by the keyword layers of `smsgate.consent.keywords`.

Pure functions. `keyword_core` reduces a whole message to the casefolded words between its
first and last letter/digit (or None when anything but punctuation, symbols, separators or
controls surrounds them); `clauses` cuts at most MAX_RULE_CHARS of a message into normalised
clauses for the plain-language rules. Both fold accents ("número" -> "numero", "MÁS" -> "mas")
so Spanish written with or without them matches the same rule, and both bound their work.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from smsgate.consent.keywords_doubles import DOUBLED

# Twilio caps a body at 1600 characters (10 segments of 160). Revocations are short, so
# plain-language rules look at no more than that; bounding the work keeps a hostile
# megabyte-long POST from tying up the webhook (NFKC alone can grow text 18-fold).
MAX_RULE_CHARS = 160 * 10
# The longest keyword is 11 characters and a stretched one ("STOPPPPPP") a little more; once
# whitespace is collapsed, a longer core cannot be a keyword, so we never normalise it.
MAX_KEYWORD_CORE = 64

# Invisible characters that people (and phone keyboards) slip into text: zero-width
# space/joiners, word joiner, BOM, soft hyphen, Mongolian vowel separator and the emoji
# variation selectors (which are category Mn and would otherwise block stripping "❤️").
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200d\u2060\ufeff\ufe00-\ufe0f\U000e0100-\U000e01ef]")
_WHITESPACE = re.compile(r"\s+")
# "END!!!!1": a 1 struck with the shifted "!" is one more "!".
_BANG_ONES = re.compile(r"!+[!1]*1[!1]*")
_ALNUM = re.compile(r"[^\W_]")
# A dash or underscore between two letters joins the words of a two-word keyword.
_JOINER = re.compile("(?<=[^\\W\\d_])[-_\u2010-\u2015\u2212\ufe63\uff0d]+(?=[^\\W\\d_])")
# Smart quotes from phone keyboards: "don’t" must read as "don't".
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'",
                              "`": "'", "\u00b4": "'"})
# Where one clause ends and the next begins: sentence punctuation (Spanish ¡¿ included), line
# breaks, brackets and a dash standing between spaces ("stop - who is this").
_BREAK_CHARS = ("[.!?¡¿;,:/|\u2026\u3002()\\[\\]{}\n\r\v\f\x1c-\x1e\x85\u2028\u2029"
                "\u2600-\u27bf\U0001f000-\U0001faff]+")
_CLAUSE_BREAK = re.compile(_BREAK_CHARS + "|\\s[-\u2010-\u2015\u2212]+\\s")
# The same breaks for a text without any dash: one character class, which re scans for
# in C at about three times the speed of the alternation.
_CHARACTER_BREAK = re.compile(_BREAK_CHARS)
# Three or more of one letter are a stretch ("stoooop", "pleeease"): no English or Spanish
# word has them, so they collapse before the rules read the clause: to two letters when that
# spells a word with a double (keywords_doubles: "borrrenme"), else to one ("stoooop").
_STRETCH = re.compile(r"([^\W\d_])\1{2,}")
_STRETCHED_WORD = re.compile(r"(?<![^\W\d_])[^\W\d_]*?([^\W\d_])\1{2,}[^\W\d_]*")
_LETTER = re.compile(r"[^\W\d_]")
# Quoted words are mentioned, not said ("Song lyric: 'stop, in the name of love'"); a
# quotation opens after a space or the start and closes before a space, punctuation or the end.
_QUOTED = re.compile("(?:^|(?<=\\s))[\"'\u201c\u2018][^\"'\u201d\u2019\n]{1,80}[\"'\u201d\u2019]"
                     "(?=[\\s.,!?;:]|$)")
_WRONG_HASH = re.compile(r"\bwrong\s*#")
# Abbreviated titles, whose dot before a name is no sentence end ("not Mr. Thompson's cell").
TITLE_ABBREVIATIONS = ("mr", "mrs", "ms", "dr", "sr", "sra", "srta")
# Titles that stand before a name, abbreviated or not ("Mrs. Alvarez", "Don Chuy").
TITLE_WORDS = frozenset(TITLE_ABBREVIATIONS) | {"miss", "don", "dona"}
_TITLE_DOT = re.compile(rf"\b({'|'.join(TITLE_ABBREVIATIONS)})\.(?= [a-z])")
_TITLES = tuple(f"{title}. " for title in TITLE_ABBREVIATIONS)
# Cheap tests that let clauses() skip a whole-text substitution that cannot apply.
_DASHES = frozenset("-_\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d")
_QUOTE_MARKS = frozenset("'\"\u201c")
_QUOTE = re.compile("[\"\u201c\u2018]|(?:^|\\s)'")
# Whitespace other than line breaks (which end a clause) becomes one space, once per text.
# Runs that are already a single " " are left alone, so a plain sentence has no match at all.
_SPACES = re.compile(r"[^\S\n\r\v\f\x1c-\x1e\x85\u2028\u2029]{2,}"
                     r"|[^\S \n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
# Whitespace _SPACES rewrites even alone (a tab, a no-break space): without any of these and
# without a double space, a text has nothing for _SPACES to do.
_ODD_SPACES = frozenset(ch for ch in map(chr, range(0x3001)) if ch.isspace()) - frozenset(
    " \n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def ignorable(ch: str) -> bool:
    """Punctuation, symbols (emoji included), separators and other/control characters."""
    return unicodedata.category(ch)[0] in "PSZC"


def strip_ignorable(text: str) -> str:
    """`text` without ignorable characters at either end; linear in what it removes."""
    start, end = 0, len(text)
    while start < end and ignorable(text[start]):
        start += 1
    while end > start and ignorable(text[end - 1]):
        end -= 1
    return text[start:end]


# Combining marks of the Basic Multilingual Plane as one character class, which re matches
# through a 64K bitmap at C speed; the rarer marks above U+FFFF are found per distinct
# character instead (a class holding them too is searched range by range, 20x slower).
def _combining_class() -> re.Pattern[str]:
    """A regex matching any one BMP character whose unicodedata.combining() is non-zero."""
    marks = [chr(code) for code in range(0x10000) if unicodedata.combining(chr(code))]
    return re.compile("[" + "".join(re.escape(mark) for mark in marks) + "]")


_COMBINING_BMP = _combining_class()


def fold_accents(text: str) -> str:
    """`text` without combining marks: "número" -> "numero", "más" -> "mas", "ñ" -> "n"."""
    if text.isascii():
        return text
    folded = _COMBINING_BMP.sub("", unicodedata.normalize("NFD", text))
    if folded.isascii() or max(folded) <= "\uffff":
        return folded
    for mark in {ch for ch in set(folded) if ch > "\uffff" and unicodedata.combining(ch)}:
        folded = folded.replace(mark, "")
    return folded


def keyword_core(body: str) -> str | None:
    """The normalised whole-message core of `body`, or None when it cannot be a keyword.

    Everything outside the first..last letter/digit must be ignorable. Checking the *set*
    of those characters keeps this cheap even for a megabyte of padding.
    """
    if not body.isascii():  # every invisible character is outside ASCII
        body = _INVISIBLE.sub("", body)
    if "!1" in body:
        body = _BANG_ONES.sub("!", body)
    first = _ALNUM.search(body)
    last_reversed = _ALNUM.search(body[::-1]) if first is not None else None
    if first is None or last_reversed is None:
        return None
    last = len(body) - last_reversed.start()
    outside = set(body[: first.start()]) | set(body[last:])
    if not all(ignorable(ch) for ch in outside):
        return None
    # str.split() splits on exactly the characters \s matches, and the span starts and ends
    # with a letter or digit, so this is _WHITESPACE.sub(" ", span) at C speed.
    core = " ".join(body[first.start() : last].split())
    if len(core) > MAX_KEYWORD_CORE:
        return None
    core = unicodedata.normalize("NFKC", core).casefold()
    core = _WHITESPACE.sub(" ", _JOINER.sub(" ", core))
    return fold_accents(strip_ignorable(core))


# A mail-style signature block: a line holding only "--" (RFC 3676's "-- "), an em dash or
# underscores, and everything after it ("END\n--\nRick Delgado\nDelgado HVAC LLC").
# A quoted earlier message is cut the same way: a line opening with ">" or "On ... wrote:".
_SIGNATURE_BLOCK = re.compile(r"\n[ \t]*(?:(?:--|\u2014|__+)[ \t]*\n|>|on [^\n]{0,120} wrote:)"
                              r".*\Z", re.DOTALL | re.IGNORECASE)


def without_signature_block(body: str) -> str:
    """`body` without a mail-style signature block or quoted earlier message at its end, when
    it has text before it."""
    if "\n" not in body:
        return body
    cut = _SIGNATURE_BLOCK.search(body)
    return body[:cut.start()] if cut is not None and body[:cut.start()].strip() else body


def _unstretch(match: re.Match[str]) -> str:
    """The stretched word `match` collapsed to its doubled spelling when that is a word,
    else with every run of one letter made single."""
    word = match.group()
    doubled = _STRETCH.sub(r"\1\1", word)
    return doubled if doubled in DOUBLED else _STRETCH.sub(r"\1", word)


def _stretched(text: str, chars: set[str]) -> bool:
    """True when some letter of `text` (whose characters are `chars`) occurs three times
    running: substring searches in C that spare most texts the _STRETCH substitution."""
    return any(ch * 3 in text for ch in chars if _LETTER.match(ch))


# A text of this many one-word clauses, and no other, is read as one clause.
_MIN_SPELLED = 3
_MAX_SPELLED = 8


def clauses(body: str) -> list[str]:
    """The normalised clauses of (at most MAX_RULE_CHARS of) `body`.

    Casefolded, accents folded, smart apostrophes made plain, stretched letters collapsed,
    whitespace single, surrounding punctuation/emoji stripped; empty clauses dropped.
    """
    text = body[:MAX_RULE_CHARS]
    if not text.isascii():  # every invisible character is outside ASCII
        text = _INVISIBLE.sub("", text)
    text = unicodedata.normalize("NFKC", text)[:MAX_RULE_CHARS].casefold()
    text = fold_accents(text.translate(_APOSTROPHES))
    # The checks below ask the set of the text's characters first (built once, in C), so a
    # plain sentence skips substitutions that cannot apply without a regex pass each.
    chars = set(text)
    dashed = not _DASHES.isdisjoint(chars)
    if dashed:
        text = _JOINER.sub(" ", text)
    if not _QUOTE_MARKS.isdisjoint(chars) and _QUOTE.search(text):
        text = _QUOTED.sub(" . ", text)
    if "#" in chars:
        text = _WRONG_HASH.sub("wrong number", text)
    if "." in chars and any(title in text for title in _TITLES):
        # "not Mr. Thompson's cell": a title's dot is no sentence end.
        text = _TITLE_DOT.sub(r"\1", text)
    if _stretched(text, chars):
        text = _STRETCHED_WORD.sub(_unstretch, text)
    if "  " in text or not _ODD_SPACES.isdisjoint(chars):
        text = _SPACES.sub(" ", text)
    found = []
    for part in (_CLAUSE_BREAK if dashed else _CHARACTER_BREAK).split(text):
        clause = strip_ignorable(part.strip(" "))
        if clause:
            found.append(clause)
    if _MIN_SPELLED <= len(found) <= _MAX_SPELLED and all(" " not in c for c in found):
        # "NO. ME. ESCRIBAN.": a word per full stop is one sentence said with emphasis.
        return [" ".join(found)]
    return found


_WORD_TOKEN = re.compile(r"\w+")


# Several hedges of one decision ask for the words of the same window of clauses; a few
# recent answers are kept so they are found once.
@lru_cache(maxsize=16)
def words(text: str) -> frozenset[str]:
    """The \\w+ words of `text` (a set, built in C): what Gated tests its triggers against."""
    return frozenset(_WORD_TOKEN.findall(text))


class Gated:
    """A regex searched only in text that holds one of its trigger words.

    Every match of `pattern` contains at least one word of `triggers` (tests/
    test_keywords_triggers.py checks this on the corpus and on generated text), so a text
    without any of them cannot match and the regex is not run: a set test costs
    microseconds where a search through 1,600 characters of prose costs tens of them.
    """

    __slots__ = ("pattern", "triggers")

    def __init__(self, pattern: re.Pattern[str], triggers: str) -> None:
        self.pattern = pattern
        self.triggers = frozenset(triggers.split())

    def search(self, text: str, found_words: frozenset[str] | None = None
               ) -> re.Match[str] | None:
        """pattern.search(text), or None at once when `text` (whose words are `found_words`
        when the caller has them) holds no trigger word."""
        if self.triggers.isdisjoint(words(text) if found_words is None else found_words):
            return None
        return self.pattern.search(text)
