"""Plain-text helpers shared by search, the assistant's engines and input checks. No Django imports here."""
import re
from functools import lru_cache

# Unicode's control characters (category Cc) other than tab, line feed and carriage return, as the body
# of a regex class in \u escapes, which Python's re and ECMA-262 (the schema's ``pattern``) read alike.
# Text people write (titles, posts, reasons) refuses them: Python's str.split() and strip() take
# U+001C-U+001F and U+0085 for spaces where a JSON Schema reader does not.
CONTROL_CHARACTERS = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")


def lf_line_breaks(text: str) -> str:
    """``text`` with every line break a "\n" (a browser posts a textarea's as "\r\n"; an old Mac's "\r")."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def has_control_characters(text: str) -> bool:
    return _CONTROL.search(text) is not None


# Bidirectional overrides and isolates (Unicode's Cf, not Cc): "\u202e" reverses what follows it on its line, in the
# title itself and in whatever a page or a notice puts after the title ("(AI-generated; verify before acting on it)"
# shown backwards: round 46's review). A title or a notice has no use for one.
# As the body of a regex class, shared with ``forum.markup``'s removal from AI text (which drops their references too).
BIDI_CHARACTERS = "\u202a-\u202e\u2066-\u2069"
_BIDI_CHARACTERS = re.compile(f"[{BIDI_CHARACTERS}]")


def without_bidi_characters(text: str) -> str:
    return _BIDI_CHARACTERS.sub("", text)


MAX_TERMS = 32

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most
    my myself no nor not now of off on once only or other our ours ourselves out over own same she should
    so some such than that the their theirs them themselves then there these they this those through to
    too under until up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves get got use using need want way best please thanks hi hello anyone know""".split()
)
# Unicode word characters: "Zürich" is one word, not "z" + "rich".
_WORD = re.compile(r"\w+")


def meaningful_words(text: str) -> list[str]:
    """Distinct lowercase words of ``text`` minus stop words, in order of appearance."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        if len(word) > 1 and word not in STOPWORDS and word not in seen:
            seen[word] = None
    return list(seen)[:MAX_TERMS]


_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "es", "ed", "s")


def stem(word: str) -> str:
    """A deliberately small suffix stripper: enough to match retries/retry, configured/configure."""
    # Ranking stems every distinct word of its candidate threads, thousands per question: words of an
    # ordinary length are remembered (bounded in count and so in size; a pasted blob is not kept).
    return _stem_cached(word) if len(word) <= 40 else _strip(word)


def _strip(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            return base + "y" if suffix in ("ies", "ied") else base
    return word


_stem_cached = lru_cache(maxsize=1 << 16)(_strip)


def terms(text: str) -> set[str]:
    """Stemmed meaningful words, with snake_case and dotted names split into their parts as well."""
    out = set()
    for word in meaningful_words(text):
        out.add(stem(word))
        for part in word.split("_"):
            if len(part) > 2 and part not in STOPWORDS:
                out.add(stem(part))
    return out
