"""Markdown to safe HTML: the one rendering pipeline for posts and AI answers."""
import html
import html.entities
import re
import threading
import unicodedata
from html import escape as html_escape

import markdown
import nh3
from markdown.extensions import Extension
from markdown_it import MarkdownIt
from markdown_it.common.normalize_url import normalizeLink

from .markdown_linear import LinearExtension, TooMuchInline
from .text import BIDI_CHARACTERS, CONTROL_CHARACTERS, lf_line_breaks

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "code": {"class"}, "th": {"align"}, "td": {"align"},
                      "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
_CODE_CLASS = re.compile(r"^language-[\w+-]{1,30}$")


def _attribute_filter(tag, attribute, value):
    if tag == "code" and attribute == "class":
        return value if _CODE_CLASS.match(value) else None
    if tag == "ol" and attribute == "start":
        # A list's first number, as CommonMark keeps it: "never run step 3" names the same step for every reader
        # (round 40's review: the desk numbered a list that starts at 2 from 1).
        return value if value.isdigit() and len(value) <= 9 else None
    return value


_converters = threading.local()


def _converter(name: str, **options) -> markdown.Markdown:
    """One Markdown converter per thread and configuration, reset before each use: building one loads
    its extensions, which costs more than converting a post (the assistant's worker renders hundreds of
    passages and claims a minute)."""
    converter = getattr(_converters, name, None)
    if converter is None:
        converter = _markdown(**options)
        setattr(_converters, name, converter)
    return converter.reset()


def _markdown(**options) -> markdown.Markdown:
    """A converter with ``options``, its quadratic scans made linear (``markdown_linear``: a post of brackets or rules
    would otherwise take minutes to render)."""
    return markdown.Markdown(**{**options, "extensions": [*options.get("extensions", ()), LinearExtension()]})


def markdown_html(text: str, *, converter: str, **options) -> str:
    """``text`` as (unsanitised) HTML by this thread's converter named ``converter`` (built with
    ``options`` the first time). A converter that raised is thrown away: ``reset()`` does not clear all of
    a parser's state (a RecursionError leaves its block state behind, and every later text would render
    wrong). Markdown nested deeper than Python-Markdown's recursion allows ("- " a few thousand times), or whose
    inline matches would rewrite its paragraphs too many times over (``markdown_linear.TooMuchInline``), comes back as
    its text, escaped, in one paragraph: shown as written rather than failing (or tying up) the request that saves,
    previews or indexes it."""
    try:
        return _converter(converter, **options).convert(text or "")
    except (RecursionError, TooMuchInline):
        setattr(_converters, converter, None)
        return "<p>" + html_escape(text or "").replace("\n", "<br>\n") + "</p>"
    except BaseException:
        setattr(_converters, converter, None)
        raise


class _TildeEscape(Extension):
    """A backslash escapes "~", as in CommonMark and GitHub's renderers (Python-Markdown escapes 16 punctuation
    characters, not it): an AI answer's tildes that could strike a word for a GitHub-style client are escaped
    (``_tildes_as_text``), and every renderer then shows "~". The other characters only CommonMark escapes stay as
    Python-Markdown reads them, so what people typed in their posts shows as before ("-exec rm {} \\;"); an AI answer's
    backslash before one of them is written twice instead (``_COMMONMARK_ONLY_ESCAPES``)."""

    def extendMarkdown(self, md):
        if "~" not in md.ESCAPED_CHARS:
            md.ESCAPED_CHARS = [*md.ESCAPED_CHARS, "~"]


TILDE_ESCAPE = _TildeEscape()

_FORUM = {
    "extensions": ["fenced_code", "tables", "sane_lists", "nl2br", TILDE_ESCAPE],
    # align="..." rather than style="text-align: ...": the sanitiser keeps the former, drops all styles.
    "extension_configs": {"tables": {"use_align_attribute": True}},
    "output_format": "html",
}


def render_markdown(text: str) -> str:
    """Render Markdown, then sanitise with an allow-list: no script, no handlers, no foreign URLs schemes."""
    html = markdown_html(text, converter="forum", **_FORUM)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    # A code block scrolls sideways on narrow screens: keyboard users must be able to focus it to
    # scroll (WCAG 2.1.1). Markup cannot carry tabindex (the sanitiser drops it), so every <pre> here
    # is one the sanitiser produced.
    return clean.replace("<pre>", '<pre tabindex="0">')


# A line that may hold a link reference definition ("[label]: url"): its "[" after any blockquote and list
# markers and indentation (possessive, so that a long run of markers cannot backtrack). Which of these lines
# the renderer takes for definitions (not those in code or raw HTML, nor every label) only it can tell.
# The label may hold escaped brackets ("[rb\\]]:"): CommonMark takes those for definitions too.
# Python-Markdown reads a label up to the first "]", escaped or not ("[Then\\]: skip-the-backup" is a definition it
# hides, and text for CommonMark: round 40's review): either reading makes a line a candidate.
_DEFINITION_START = re.compile(
    r"^(?:[ \t]*+(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t])))*+[ \t]*+(?=\[(?:[^\[\]\\]|\\[\s\S])*+\]:|\[[^\[\]\n]*+\]:)",
    re.MULTILINE)
_DEFINITION_MARK = re.compile("\ue000(\\d+)\ue001")
_DEFINITION_ROUNDS = 4


def escape_reference_definitions(text: str) -> str:
    """``text`` with the "[" of every link reference definition escaped ("\\[1]: https://…"), so that the
    line renders as the text it is and no "[1]" or "[label]" elsewhere becomes a link to its URL.

    Only lines the forum's renderer takes for definitions change: code and raw HTML stay byte for byte.
    Text that holds a definition renders differently wherever a character lands before its bracket (the
    review desk marks claims that way), so AI answers hold none (``aiassist.services``).
    """
    for _ in range(_DEFINITION_ROUNDS):
        starts = [match.end() for match in _DEFINITION_START.finditer(text)]
        defined = _defined(text, starts)
        if not defined:
            return text
        text = _escaped_at(text, [starts[index] for index in defined])
    return _escaped_at(text, [match.end() for match in _DEFINITION_START.finditer(text)])


def _defined(text: str, starts: list[int]) -> set[int]:
    """Which of the brackets at ``starts`` open a definition for the forum's renderer or for CommonMark (an API
    client's, ``_OTHER_RENDERERS``): each label gets its index as a prefix (no block is parsed differently for it) and
    the renderers' references say which they recorded."""
    if not starts:
        return set()
    parts, at = [], 0
    for index, start in enumerate(starts):
        parts += [text[at:start + 1], f"\ue000{index}\ue001"]
        at = start + 1
    parts.append(text[at:])
    marked = "".join(parts)
    return {index for index in _forum_defined(marked) | _commonmark_defined(marked) if index < len(starts)}


def _commonmark_defined(marked: str) -> set[int]:
    env: dict = {}
    try:
        _OTHER_RENDERERS[0].parse(marked, env)
    except Exception:  # noqa: BLE001 - a parser's failure on hostile text: every candidate is escaped then
        return set(range(marked.count("\ue000")))
    found = (_DEFINITION_MARK.match(label) for label in env.get("references", {}))
    return {int(match.group(1)) for match in found if match}


def _forum_defined(marked: str) -> set[int]:
    converter = _converter("definitions", **_FORUM)
    try:
        converter.convert(marked)
    except (RecursionError, TooMuchInline):
        # The forum shows such a text as written, but another renderer (an API client's) reads its definitions: the
        # ones the block parser recorded before it stopped (all of them when the inline step stopped it) are escaped.
        _converters.definitions = None
    except BaseException:
        _converters.definitions = None
        raise
    found = (_DEFINITION_MARK.match(label) for label in converter.references)
    return {int(match.group(1)) for match in found if match}


def _escaped_at(text: str, positions: list[int]) -> str:
    parts, at = [], 0
    for position in sorted(positions):
        parts += [text[at:position], "\\"]
        at = position
    parts.append(text[at:])
    return "".join(parts)


# Bidirectional overrides and isolates: they reorder what is shown ("\u202e2 fer" shows as "ref 2"), so the bytes a
# reviewer approves and what a reader sees could differ (Trojan Source). An AI answer holds none, nor their entities
# (removed until none is left: "&#82&#8238;38;" would otherwise close up into one).
# A numeric reference needs no semicolon in HTML: "&#8238 " is decoded by the sanitiser into a real override (round
# 40's review), so the number ends where its digits do, with or without one.
_BIDI_CONTROLS = re.compile(
    f"[{BIDI_CHARACTERS}]"
    "|&#(?:[xX]0*(?:202[a-eA-E]|206[6-9])(?![0-9a-fA-F])|0*(?:823[4-8]|829[4-7])(?![0-9]));?")


def without_bidi_controls(text: str) -> str:
    """``text`` without bidirectional overrides and isolates, as characters or character references, removed until
    none is left."""
    for _ in range(_BIDI_ROUNDS):
        stripped = _BIDI_CONTROLS.sub("", text)
        if stripped == text:
            return text
        text = stripped
    # Nested deeper than anything but a text built to close up: no character reference is left to form one.
    return _BIDI_CONTROLS.sub("", text).replace("&#", "&amp;#")


def machine_text_dropped(text: str) -> str:
    """``text`` without what ``machine_text`` drops before it reads the rest, and it only adds to a text from there
    (escapes, "&lt;"): a caller with a limit on what it stores may refuse a text beyond it before the rest is read.
    Dropped: bidirectional controls (``without_bidi_controls``); the private-use characters ``machine_text``'s
    steps mark positions with, which show nothing and in the text would pass for a mark (a link's text "source
    \ue0021\ue003" read as "source ", not as a citation: round 34's review); and what a browser shows as nothing but
    a client of the API's ``body`` reads (round 40's review): control characters, which people's posts refuse ("Never"
    backspaced over in a terminal), Unicode's tag characters outside an emoji's tag sequence (an instruction spelled in
    them quoted from a colleague's post reached every API client and any model given the answer) and interlinear
    annotation marks; and variation selectors and zero-width characters but where they shape what is shown
    (``_shaping_only``). A carriage return is a line feed (``lf_line_breaks``): Python-Markdown read a table's rows or a
    backslash's line break ending in one otherwise than CommonMark (round 46's fuzzing)."""
    text = _TAGS.sub(_emoji_tags_only, _OWN_MARKS.sub("", lf_line_breaks(text)))
    return without_bidi_controls(_shaping_only(_INVISIBLE.sub("", text)))


_INVISIBLE = re.compile(f"[{CONTROL_CHARACTERS}\ufff9-\ufffb]")
_TAGS = re.compile("\U0001f3f4?[\U000e0000-\U000e007f]+")
_EMOJI_TAGS = re.compile("\U0001f3f4[\U000e0020-\U000e007e]{1,30}\U000e007f")  # a subdivision's flag


# Variation selectors, zero-width and other default-ignorable characters show nothing, and a run of them spells any
# bytes (a selector a byte, two fillers a bit: "emoji smuggling"), as tag characters do: an instruction hidden so in a
# colleague's quoted reply reached every API client (round 45's review). The ignorable ones that shape nothing are
# dropped (``_IGNORABLE``: soft hyphen, combining grapheme joiner, direction marks, Hangul fillers, Khmer vowels
# inherent, Mongolian selectors, word joiner and invisible operators, byte order mark, shorthand format controls,
# musical formatting); then, in one pass over what is left, a variation selector is kept only right after a character
# it selects a form of, one at a time (``_selects``), and a zero-width joiner, non-joiner or space only between two
# characters beyond ASCII that show (an emoji sequence, a Persian or Indic word, a Thai word break; an emoji's
# selector before it counts as its emoji). What is left: one selector a character of an emoji's, a CJK ideograph's or
# a mathematical symbol's (a byte an ideograph, with the ideographic variants: only the registered sequences' data
# could tell which are real), and one joiner between two such letters (README's known gaps).
_IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200e\u200f\u2060-\u206f\u3164\ufeff\uffa0"
    "\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000\U000e0002-\U000e001f\U000e0080-\U000e00ff"
    "\U000e01f0-\U000e0fff]")
_SHAPING = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef\u200b-\u200d]")
_IDEOGRAPHS = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF))
# Characters with an emoji's text and emoji forms (Unicode's emoji-variation-sequences.txt, by block: keycaps' digits,
# "#" and "*", the symbols and arrows of U+2000-U+2BFF that have them, CJK's enclosed and wave marks, the emoji planes).
_EMOJI_BASES = ((0x23, 0x23), (0x2A, 0x2A), (0x30, 0x39), (0xA9, 0xA9), (0xAE, 0xAE), (0x203C, 0x203C),
                (0x2049, 0x2049), (0x2122, 0x2122), (0x2139, 0x2139), (0x2194, 0x21AA), (0x231A, 0x23FF),
                (0x24C2, 0x24C2), (0x25AA, 0x27BF), (0x2934, 0x2935), (0x2B05, 0x2B55), (0x3030, 0x3030),
                (0x303D, 0x303D), (0x3297, 0x3299), (0x1F000, 0x1FAFF))
# Standardised variants: VS1 of mathematical symbols, Myanmar and Phags-pa letters; VS1-3 of CJK compatibility forms.
_STANDARD_BASES = ((0x1000, 0x109F), (0x2200, 0x22FF), (0x2A00, 0x2AFF), (0xA840, 0xA877))


def _within(code: int, ranges) -> bool:
    return any(low <= code <= high for low, high in ranges)


def _selects(selector: int, base: int) -> bool:
    """Whether the variation selector ``selector`` selects a form of the character ``base``."""
    if selector in (0xFE0E, 0xFE0F):
        return _within(base, _EMOJI_BASES)
    if selector >= 0xE0100:
        return _within(base, _IDEOGRAPHS)
    if selector == 0xFE00 and _within(base, _STANDARD_BASES):
        return True
    return selector <= 0xFE02 and _within(base, _IDEOGRAPHS)


def _shows(char: str) -> bool:
    """A character beyond ASCII that shows (a joiner's neighbour)."""
    return ord(char) > 0x7F and not char.isspace() and not _SHAPING.match(char)


def _shaping_only(text: str) -> str:
    text = _IGNORABLE.sub("", text)
    if not _SHAPING.search(text):
        return text
    out: list[str] = []
    for at, char in enumerate(text):
        code = ord(char)
        if 0x200B <= code <= 0x200D:
            before = out[-1] if out else ""
            if before and 0xFE0E <= ord(before) <= 0xFE0F and len(out) > 1:  # an emoji's selector: its emoji
                before = out[-2]
            after = text[at + 1] if at + 1 < len(text) else ""
            if before and after and _shows(before) and _shows(after):  # a joiner before it does not show
                out.append(char)
        elif _SHAPING.match(char):
            before = out[-1] if out else ""
            if before and not _SHAPING.match(before) and _selects(code, ord(before)):
                out.append(char)
        else:
            out.append(char)
    return "".join(out)


def _emoji_tags_only(match: re.Match) -> str:
    found = match.group()
    return found if _EMOJI_TAGS.fullmatch(found) else found[:1] if found.startswith("\U0001f3f4") else ""


def has_bidi_controls(text: str) -> bool:
    """Whether ``text`` holds a bidirectional override or isolate, as a character or a character reference."""
    return _BIDI_CONTROLS.search(text) is not None


_BIDI_ROUNDS = 4  # removals until none is left, at most: each round is a pass over the text (a text nested k deep
# took k of them: 50,000 characters, 3 s)
_MARK, _MARK_END = "\ue002", "\ue003"
_OWN_MARKS = re.compile("[\ue000-\ue003]")  # _DEFINITION_MARK's and _MARK's characters
_CODE_OR_MARK = re.compile("<code\\b[^>]*>|</code>|\ue002(\\d+)\ue003(<a href=|<img)?")
# How an API client most likely renders an answer's ``body`` where the forum's renderer (Python-Markdown) reads it
# otherwise: CommonMark, and GitHub's tables on top (markdown-it-py, a port of the reference parser markdown-it).
# Raw HTML off: a "<" typed is text, and only Markdown's own code and links count. With raw HTML (``_RAW_RENDERERS``):
# whether a client that lets it through would show any. Their parse keeps no state between calls: shared by threads.
_OTHER_RENDERERS = (MarkdownIt("commonmark", {"html": False}),
                    MarkdownIt("commonmark", {"html": False}).enable("table"))
_RAW_RENDERERS = (MarkdownIt("commonmark", {"html": True}), MarkdownIt("commonmark", {"html": True}).enable("table"))


def machine_text(text: str) -> str:
    """An AI answer's Markdown as stored: nothing in it renders to nothing, or to something else than it reads.

    Raw HTML and images become the text they are, outside code (which stays byte for byte): the sanitiser drops an
    image, a comment, a ``<template>`` and what follows it, so the review desk showed nothing where the JSON API's
    ``body`` carried a remote image (a beacon for every reader whose client renders Markdown) and where the passage
    index, which renders each passage alone, showed readers a comment's text as a search snippet (round 29's
    review). Bidirectional overrides are dropped; link reference definitions escaped
    (``escape_reference_definitions``). The review desk, the public page, the API and the search index then all read the
    same text, because there is nothing left for one of them to hide. What is kept as written (code, autolinks) is what
    CommonMark, an API client's likely renderer of ``body``, reads so too: where the two disagree, it is neutralised."""
    text = machine_text_dropped(text or "")
    # Each step changes what the next reads (an escaped definition is paragraph text, where a backtick of its title
    # pairs with a later one and moves where code ends: round 33's review), so they run until nothing changes.
    for _ in range(_MACHINE_ROUNDS):
        before = text
        text = _fences_as_both_read(text)
        text = escape_reference_definitions(text)
        text = _footnote_definitions_as_text(text)
        # Before any "<" is closed, in each round: the steps above can take such a link out of code (a fence's info
        # string moved to a line of its own), and it is read again here (round 42's review: else not idempotent).
        text = _angle_addresses_bare(text)
        text = _references_read_differently(text)
        text = _references_to_what_they_show(text)
        # A backslash escapes "!" but not "<" (Python-Markdown's escapable characters): "\\<b>" is raw HTML still.
        candidates = [i for i, c in enumerate(text)
                      if c == "<" or (text.startswith("![", i) and not _escaped(text, i))]
        text = _neutralised(text, _not_kept(text, candidates))
        # What the rules above leave for either renderer is closed all the same (every "<", code included; every
        # image), inside the loop: closing them changes what the next round reads (a definition that sat in a raw
        # HTML block is paragraph text once its "<" is gone: the review of round 33's fixes).
        if "<" in text and (_rendered(text, raw_html=True) != _rendered(text, raw_html=False)
                            or _raw_html_elsewhere(text)):
            text = text.replace("<", "&lt;")
        if _images_anywhere(text):
            text = _neutralised(text, [i for i in range(len(text))
                                       if text.startswith("![", i) and not _escaped(text, i)])
        text = _escaped_at(text, _masked_links(text))
        text = _escaped_at(text, _not_kept(text, _backslashes_commonmark_reads_otherwise(text)))
        text = _tildes_as_text(text)
        text = _tables_as_text(text)
        text = _headings_as_both_read(text)
        if text == before:
            return text
    # Not settled after as many rounds as any text needs (none seen needs more than two): every line that may be a
    # definition is escaped, every "<" closed, every image neutralised.
    text = _escaped_at(text, [match.end() for match in _DEFINITION_START.finditer(text)]).replace("<", "&lt;")
    text = _neutralised(text, [i for i in range(len(text)) if text.startswith("![", i) and not _escaped(text, i)])
    return _escaped_at(text, [i for i in range(len(text)) if text[i] == "[" and not _escaped(text, i)])


_MACHINE_ROUNDS = 4

# A line GitHub's renderer (cmark-gfm, footnotes on, as github.com and many GitHub-style clients render the API's
# ``body``) reads as a footnote definition, "[^label]: text": one nothing refers to is dropped, a referenced one is
# moved to the document's end behind a superscript number that reads as one of the answer's citations. Neither the
# forum's renderer nor CommonMark reads footnotes, so the review desk showed such a line as text, a warning in it
# included (round 45's review). Its "[" is escaped outside code, as a reference definition's is: a text for every
# renderer.
_FOOTNOTE_START = re.compile(r"^(?:[ \t]*+(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t])))*+[ \t]*+(?=\[\^[^\] \t\r\n]++\]:)",
                             re.MULTILINE)


def _footnote_definitions_as_text(text: str) -> str:
    """Only a code block (a fence, an indented block) keeps such a line as it is, as CommonMark (GitHub's base) reads
    blocks: a definition line interrupts a paragraph for GitHub, a code span running over it included (round 45's
    review of the fix)."""
    starts = [match.end() for match in _FOOTNOTE_START.finditer(text) if not _escaped(text, match.end())]
    if not starts:
        return text
    try:
        tokens = _OTHER_RENDERERS[0].parse(text)
    except Exception:  # noqa: BLE001 - a parser's failure on hostile text: every candidate is escaped
        tokens = []
    code_lines = {line for token in tokens if token.type in ("fence", "code_block") and token.map
                  for line in range(*token.map)}
    return _escaped_at(text, [at for at in starts if text.count("\n", 0, at) not in code_lines])

# A link's address written in angle brackets, "[the runbook](<https://wiki.corp/x>)": its "<" was closed as any other
# ("&lt;"), which left a link to "%3Chttps://wiki.corp/x%3E", relative to the forum itself (round 41's known gap). An
# address that needs no brackets (no blank, bracket, parenthesis, backslash or backtick in it) loses them, outside
# code, its "]" not escaped. A backtick is left alone: Python-Markdown reads code spans before links, so it pairs with a
# later one where CommonMark reads a link (round 42's review).
_ANGLE_ADDRESS = re.compile(r"\]\(<([^\s<>()\\`]+)>\)")


def _read_outside_code(text: str, positions: list[int], *, inside: list | None = None) -> list[set[int]] | None:
    """For the forum's renderer (raw HTML off) and each CommonMark client, the indexes of ``positions`` whose marks it
    shows outside every code element (and in ``inside``, if given, those it shows in code); None if one fails."""
    marked = _marked(text, positions)
    readings = []
    for rendering in (lambda: _rendered(marked, raw_html=False), *(lambda md=md: md.render(marked)
                                                                   for md in _OTHER_RENDERERS)):
        try:
            rendered = rendering()
        except Exception:  # noqa: BLE001 - a parser's failure on hostile text
            return None
        depth, shown, coded = 0, set(), set()
        for found in _CODE_OR_MARK.finditer(rendered):
            if found.group(0).startswith("<code"):
                depth += 1
            elif found.group(0) == "</code>":
                depth = max(depth - 1, 0)
            else:
                (coded if depth else shown).add(int(found.group(1)))
        readings.append(shown)
        if inside is not None:
            inside.append(coded)
    return readings


# A character reference ("&#110;", "&#x336;", "&mdash;"): shown as written in code, decoded in text. Not "&amp;", what
# a neutralised one starts with: in code or not, it shows no other word.
_REFERENCE = re.compile(r"&(?!amp;)(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9]{1,31});")
_LOOSE_NUMERIC = re.compile(r"&(?=#[xX]?[0-9a-fA-F])(?!#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};)")


def _shows_a_word(reference: str) -> bool:
    """Whether a reference decodes to part of a word (a letter, a digit, a combining or invisible mark): only those
    change the words a renderer shows. "&lt;", which ``machine_text`` itself writes for every "<", "&gt;" or "&mdash;"
    do not, and are left without a rendering of the text to tell where they stand."""
    decoded = html.unescape(reference)
    # A sign too ("&minus;5", "&ndash;", "&euro;": round 46's fuzzing), but not what machine_text writes itself.
    return len(decoded) == 1 and (unicodedata.category(decoded)[0] in "LNMC"
                                  or (unicodedata.category(decoded) in ("Sm", "Sc", "Pd") and decoded not in "<>"))


def _references_read_differently(text: str) -> str:
    """``text`` with the "&" of each character reference written "&amp;" where one renderer reads it in code (shown as
    written) and another in text (decoded): the two disagree on where some code ends (Python-Markdown reads code spans
    before links, "[x](https://wiki.corp/`x) do &#110;ot ... `ok`"; "`a" and a next line "- ..."), so the review desk
    showed "do &#110;ot run it" where an API client's renderer showed "do not run it", or "n̶o̶t̶" struck with
    combining strokes (round 42's review). Where all read it alike it stays."""
    if "&" not in text:
        return text
    references = [match.start() for match in _REFERENCE.finditer(text) if _shows_a_word(match.group())]
    loose = [match.start() for match in _LOOSE_NUMERIC.finditer(text)]
    positions = sorted(set(references) | set(loose))
    if not positions:
        return text
    coded: list[set[int]] = []
    readings = _read_outside_code(text, positions, inside=coded)
    if readings is None:
        return text
    differ = set.union(*readings) & set.union(*coded)  # in text for one renderer, in code for another
    # A numeric reference CommonMark does not take (no ";", more than 7 digits or 6 hex digits) is text for it; the
    # forum's page decodes it wherever it is not code ("Do &#110ot run it": "Do not run it" on the desk).
    loose_at = set(loose)
    differ |= {index for index in readings[0] if positions[index] in loose_at}
    parts, at = [], 0
    for index in sorted(differ):
        parts += [text[at:positions[index]], "&amp;"]
        at = positions[index] + 1
    parts.append(text[at:])
    return "".join(parts)


# A reference outside code to a character ``machine_text_dropped`` drops (a tag character, a variation selector, a
# zero-width space, a soft hyphen: "&#xE0049;", "&ZeroWidthSpace;", "&shy;"), or one HTML and CommonMark read as two
# different characters: a number in U+0080-U+009F (HTML reads it through windows-1252, "&#x96;" a dash; CommonMark as
# the code point, a replacement character or an invisible control), zero, a surrogate or beyond Unicode. The first kind
# spelled an instruction the desk's browser showed as nothing and every API client read (round 46's review: round
# 45's fix dropped the characters, not their references); the second showed "–30" on the desk and "�30" to a client.
# Read outside code by every renderer, it becomes what the desk showed: the character (then dropped with the rest, or
# kept where it shapes what is shown) or windows-1252's; read in code by one of them, its "&" is written "&amp;".
_NUMERIC = re.compile(r"&#(?:([0-9]{1,8})|[xX]([0-9a-fA-F]{1,8}));")


def _hidden_by_reference(reference: str) -> str | None:
    """What the desk shows for ``reference`` if a renderer could read it otherwise or as a character AI text may not
    hold (else None): the windows-1252 character, or the decoded one."""
    if numeric := _NUMERIC.fullmatch(reference):
        code = int(numeric.group(1)) if numeric.group(1) else int(numeric.group(2), 16)
        if code == 0 or 0x80 <= code <= 0x9F or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
            return html.unescape(reference)  # the replacement character, or windows-1252's, as a browser reads it
    decoded = html.unescape(reference)
    if decoded == reference:
        return None
    if not decoded:  # a control character or a noncharacter: nothing for a browser, "\ufffd" for CommonMark
        return ""
    return decoded if machine_text_dropped(decoded) != decoded else None


# A name with its semicolon that is no reference but that HTML decodes by its prefix ("&notice;" is "¬ice;" to the
# sanitiser, which reads "&not" as HTML's legacy references are read; "&copy2024;" "©2024;"), where CommonMark shows the
# text as written: its "&" is written "&amp;" (round 46's fuzzing). Without a semicolon ("?id=3&region=eu") both read it
# alike (Python-Markdown escapes such an "&" itself), and an autolink's query stays as written (the review of the fix).
_NAMED = re.compile(r"&[A-Za-z][A-Za-z0-9]{0,31};")


def _prefix_decoded(match: re.Match) -> bool:
    whole = match.group()
    return whole[1:] not in html.entities.html5 and html.unescape(whole) != whole


def _references_to_what_they_show(text: str) -> str:
    if "&" not in text:
        return text
    references = list(_REFERENCE.finditer(text))
    found = [(match.start(), match.end(), shown) for match in references
             if (shown := _hidden_by_reference(match.group())) is not None]
    # A selector or a joiner decoded shapes the character beside it only if that one is a character too: a reference
    # next to it ("&#x2764;&#xFE0F;", "&#x1F468;&#x200D;&#x1F4BB;") is decoded with it (the review of the fix: an emoji
    # written so lost its form, or fell apart in two).
    shaping = {start for start, _, shown in found if shown and _SHAPING.fullmatch(shown)}
    ends = {match.end() for match in references if match.start() in shaping}
    decoded = {start for start, _, _ in found}
    for match in references:
        if match.start() not in decoded and (match.end() in shaping or match.start() in ends):
            if len(character := html.unescape(match.group())) == 1 and character != match.group():
                found.append((match.start(), match.end(), character))
    found += [(match.start(), match.start() + 1, "&amp;") for match in _NAMED.finditer(text) if _prefix_decoded(match)]
    found.sort()
    if not found:
        return text
    coded: list[set[int]] = []
    readings = _read_outside_code(text, [start for start, _, _ in found], inside=coded)
    if readings is None:  # a parser failed on hostile text: each is written as text
        return "".join(_spliced(text, [(start, start + 1, "&amp;") for start, _, _ in found]))
    everywhere, somewhere = set.intersection(*readings), set.union(*readings)
    changes = [(start, end, shown) if index in everywhere else (start, start + 1, "&amp;")
               for index, (start, end, shown) in enumerate(found) if index in somewhere]
    return machine_text_dropped("".join(_spliced(text, changes)))


def _spliced(text: str, changes: list[tuple[int, int, str]]):
    at = 0
    for start, end, replacement in changes:
        yield text[at:start]
        yield replacement
        at = end
    yield text[at:]


def _angle_addresses_bare(text: str) -> str:
    """``text`` with each link address in angle brackets that needs none written without them, where the forum's
    renderer and CommonMark both read its "]" outside code (a mark before it shows outside every code element);
    the link is then read as any other (the checks of ``_masked_links``)."""
    matches = [match for match in _ANGLE_ADDRESS.finditer(text) if not _escaped(text, match.start())]
    if not matches:
        return text
    readings = _read_outside_code(text, [match.start() for match in matches])
    if readings is None:
        return text
    outside = set.intersection(*readings)
    parts, at = [], 0
    for index, match in enumerate(matches):
        if index in outside:
            parts += [text[at:match.start()], f"]({match.group(1)})"]
            at = match.end()
    parts.append(text[at:])
    return "".join(parts)

# Python-Markdown's fenced code (``fenced_code``): a fence at the start of a line, then a language of these characters
# and nothing else on the line (``{attributes}`` too, not written by the assistant: moved like any other words), and a
# closing line of the very same fence.
_FORUM_LANGUAGE = re.compile(r"[ ]*(\.?[\w#.+-]*)")
_LIST_MARKER = re.compile(r"[-+*]|\d{1,9}[.)]")
_PM_ESCAPABLE = frozenset("\\`*_{}[]()>#+-.!~")


def _commonmark_fences(text: str) -> list:
    """CommonMark's fenced blocks in ``text`` (markdown-it tokens: ``map`` their first line and the line after the last,
    ``markup`` the fence's run, ``info`` its info string, ``level`` its depth in lists and quotes); none if it fails."""
    try:
        return [token for token in _OTHER_RENDERERS[0].parse(text) if token.type == "fence" and token.map]
    except Exception:  # noqa: BLE001 - a parser's failure on hostile text
        return []


def _fences_as_both_read(text: str) -> str:
    """Fenced code as both renderers read it (the fuzzing of round 41): CommonMark shows no word of a fence's info
    string but the language (its first word, as a class), where Python-Markdown takes a fence only if that line holds
    nothing else. "```bash do not run this on production" opened a code block for an API client, the warning gone,
    and on the review desk was a code span that showed it. CommonMark also closes a fence with a longer one, or with
    none at the end of the text, where Python-Markdown reads the fence lines as text. So an info string of more than a
    language (its first word may be one, "bash", or not, "do") is moved to a line of its own before the fence, shown by
    both (in a list or a quote, where Python-Markdown reads no fence, a language too), and a fence at the start of a
    line is closed as Python-Markdown closes one. Which lines are fences is read from CommonMark's own parse."""
    if "```" not in text and "~~~" not in text:
        return text
    text = lf_line_breaks(text)  # CommonMark's line numbers count "\r" as a break
    fences = _commonmark_fences(text)
    if not fences:  # none, or a parser's failure on hostile text: left to the other steps
        return text
    lines = text.split("\n")
    replaced: dict[int, list[str]] = {}
    unclosed = ""
    for fence in fences:
        start, end = fence.map
        opening, markup = lines[start], fence.markup
        prefix = opening[:opening.find(markup)]
        # A fence indented by one to three blanks, in no container, is code to CommonMark and text to Python-Markdown
        # (its stars read as emphasis: "2*3*4" shown as "234"): written at the line's start, its lines without the
        # blanks CommonMark takes off them, so both read the same code.
        indent = len(prefix) if prefix and not fence.level and not prefix.strip(" ") else 0
        if indent:
            opening, prefix = opening[indent:], ""
            replaced[start] = [opening]
            for i in range(start + 1, end):
                line = lines[i]
                replaced[i] = [line[min(indent, len(line) - len(line.lstrip(" "))):]]
        nested = bool(prefix or fence.level)  # Python-Markdown reads a fence only at a line's start, in no container
        info = opening[len(prefix) + len(markup):]  # as written (CommonMark's ``info`` is unescaped)
        language = "" if nested else _FORUM_LANGUAGE.match(info).group(1)
        rest = info.strip(" ")[len(language):]
        if rest.strip():  # more than a language: its first word may be one ("bash do not…") or not ("do not…")
            language, rest = "", info.strip(" ")
        if rest:  # what CommonMark hides, on a line before the fence (a list marker stays with it)
            rest = rest.strip()
            shown = "\\" + rest if rest and rest[0] in _PM_ESCAPABLE else rest
            continued = _LIST_MARKER.sub(lambda m: " " * len(m.group()), prefix)
            replaced[start] = [prefix + shown, continued + markup + language] if shown else [prefix + markup + language]
        if nested:
            continue
        closing = lines[end - 1].strip() if end - 1 > start else ""
        if closing and set(closing) == {markup[0]} and len(closing) >= len(markup):
            if lines[end - 1] != markup:
                replaced[end - 1] = [markup]
        else:
            unclosed = markup
    if not replaced and not unclosed:
        return text
    text = "\n".join(line for i, original in enumerate(lines) for line in replaced.get(i, [original]))
    return text + ("" if text.endswith("\n") else "\n") + unclosed if unclosed else text

# ASCII punctuation CommonMark lets a backslash escape and Python-Markdown does not (its escapable characters, with the
# tables extension's "|" and ``_TildeEscape``' "~"): "echo \\$TOKEN" showed on the desk as written and reached
# a CommonMark client of ``body`` as "echo $TOKEN" (round 40's review). Outside code such a backslash is written twice
# in an AI answer: one backslash shown by both renderers, then the character.
_COMMONMARK_ONLY_ESCAPES = frozenset("\"$%&',/:;<=?@^")


def _backslashes_commonmark_reads_otherwise(text: str) -> list[int]:
    """Also a backslash that ends a line: a line break for CommonMark, which shows no backslash, where the desk showed
    it ("docker run \\" then "--privileged" on the next line: a shell's continuation, round 41's fuzzing)."""
    return [i for i in range(len(text) - 1)
            if text[i] == "\\" and (text[i + 1] in _COMMONMARK_ONLY_ESCAPES or text[i + 1] == "\n")
            and not _escaped(text, i)]


_FENCE_LINE = re.compile(r"^[ \t>]*(?:~{3,}|`{3,}).*$", re.MULTILINE)


def _tildes_as_text(text: str) -> str:
    """Tildes outside code escaped, where two or more could pair: the forum's renderer has no strikethrough and
    GitHub's has (most API clients'), so "Do ~~not~~ disable TLS verification" read as a warning on the review desk
    and as advice to disable it for them (round 40's review). Escaped, a tilde is never a delimiter, and every renderer
    shows "~" (``_TildeEscape``). Fence lines are left alone, and code (``_not_kept``)."""
    if text.count("~") < 2:
        return text
    on_fence_lines = set()
    if any("~" in m.group() for m in _FENCE_LINE.finditer(text)):
        # The lines CommonMark reads as a fence's first or last: a line of tildes indented as code, or continuing a
        # paragraph, is text for it, and GitHub's renderers strike what its tildes enclose (round 41's fuzzing).
        starts = [0, *(m.end() for m in re.finditer("\n", text))]
        for start, end in (fence.map for fence in _commonmark_fences(text)):  # none read: every tilde is escaped
            for line in {start, end - 1}:
                stop = starts[line + 1] - 1 if line + 1 < len(starts) else len(text)
                on_fence_lines.update(range(starts[line], stop))
    candidates = [i for i, c in enumerate(text) if c == "~" and i not in on_fence_lines and not _escaped(text, i)]
    outside = _not_kept(text, candidates) if len(candidates) >= 2 else []
    return _escaped_at(text, outside) if len(outside) >= 2 else text


_WORD = re.compile(r"\w+")


def _tables_as_text(text: str) -> str:
    """Tables as the text they are when the renderings show different words: Python-Markdown (the desk) drops a row's
    cells beyond its header's, and so do GitHub's tables, where CommonMark without them shows the row as text; GitHub's
    split a cell at a "|" inside code and take a table right after a paragraph's line, where Python-Markdown keeps
    the line a paragraph (round 40's review: a warning the desk showed was dropped for an API client, a cell the desk
    dropped was shown to one). A "\\" before its delimiter row's first "-" makes it a line of text for all of them."""
    if "|" not in text or not _LOOSE_DELIMITER_ROW.search(text):
        return text
    try:
        words = {_words(_rendered(text, raw_html=False))} | {_words(md.render(text)) for md in _OTHER_RENDERERS}
    except Exception:  # noqa: BLE001 - a parser's failure on hostile text: as if they disagreed
        words = {(), ("",)}
    if len(words) == 1:
        return text
    # Any line a renderer may take for a delimiter row (round 46's fuzzing: "--" under "Option|", a "|" alone, which
    # Python-Markdown reads as one and drops a row's cells beyond the header's): its first "-" escaped, or, in a row of
    # pipes only, its first "|" written as a reference to it, text for every renderer.
    rows = [match.start() + len(match.group(1)) + _first_rule(match.group(2))
            for match in _LOOSE_DELIMITER_ROW.finditer(text)]
    outside = _not_kept(text, rows)  # a delimiter row in code stays byte for byte
    changes = [(at, at, "\\") if text[at] == "-" else (at, at + 1, "&#124;") for at in sorted(outside)]
    return "".join(_spliced(text, changes))


# A line a table's delimiter row may be for some renderer: after any blockquote or list markers, only "-", ":", "|" and
# blanks, with a "-" or a "|" (a stricter form, "|" and "-" both in it, missed "--" without a pipe and "|" alone).
_LOOSE_DELIMITER_ROW = re.compile(
    r"^((?:[ \t]*+(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t])))*+[ \t]*+)((?=[-:| \t]*?[-|])[-:| \t]*+)$", re.MULTILINE)


# ATX headings the forum's renderer and CommonMark read otherwise (round 46's fuzzing): Python-Markdown takes "#5 must
# not run" (no blank after the "#", or a no-break one) for a heading and CommonMark for text; CommonMark takes " # …"
# (indented by one to three blanks) for a heading and Python-Markdown for a paragraph, a link running on to the next
# line included; Python-Markdown strips a closing "#" run glued to a word ("## Upgrading C#" showed "Upgrading C"),
# which CommonMark keeps. The opening "#" of the first two is escaped (a line of text for both; after a quote's or a
# list's marker too, "> #5 …"), and each "#" of the closing run of the last (kept by both).
_HEADING_OPEN = re.compile(
    r"^(?: {1,3}#|(?:[ \t]*+(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t])))*+[ \t]*+#(?=#{0,5}[^# \t\n]))", re.MULTILINE)
_HEADING_GLUED_CLOSE = re.compile(r"^ {0,3}#{1,6}[ \t][^\n]*?[^\s#\\](#+)[ \t]*$", re.MULTILINE)


def _headings_as_both_read(text: str) -> str:
    if "#" not in text:
        return text
    positions = [match.end() - 1 for match in _HEADING_OPEN.finditer(text) if not _escaped(text, match.end() - 1)]
    positions += [at for match in _HEADING_GLUED_CLOSE.finditer(text) for at in range(*match.span(1))]
    if not positions:
        return text
    return _escaped_at(text, _not_kept(text, sorted(set(positions))))


def _first_rule(row: str) -> int:
    """Where a delimiter row's first "-" is, or its first "|" in a row of pipes only."""
    return row.index("-") if "-" in row else row.index("|")


def _words(rendered: str) -> tuple[str, ...]:
    return tuple(sorted(_WORD.findall(html.unescape(_TAG.sub(" ", _ANY_MARK.sub("", rendered))))))


def _images_anywhere(text: str) -> bool:
    """Whether the forum's renderer or a CommonMark client (raw HTML off) would show an image in ``text``."""
    if "![" not in text:
        return False
    try:
        return "<img" in _rendered(text, raw_html=False) or any("<img" in md.render(text) for md in _OTHER_RENDERERS)
    except Exception:  # noqa: BLE001 - a parser's failure on hostile text: as if it would
        return True


def _raw_html_elsewhere(text: str) -> bool:
    """Whether a CommonMark client that renders raw HTML would show any in ``text`` (or cannot parse it)."""
    try:
        return any(raw.render(text) != plain.render(text) for raw, plain in zip(_RAW_RENDERERS, _OTHER_RENDERERS,
                                                                               strict=True))
    except Exception:  # noqa: BLE001 - a parser's failure on hostile text: as if it would
        return True


def _masked_links(text: str) -> list[int]:
    """Where the "[" of each link stands that the forum's renderer or a CommonMark client (``_OTHER_RENDERERS``) shows
    as a citation or as another address than its own (``_looks_cited``, ``_shows_another_address``): escaped, it is
    the text it is, both its words and its address in view. The web pages show such a link's address in its place
    (``unmask_citation_links``), but an API client renders ``body`` itself: "[https://wiki.corp/runbook](https://evil
    .example/)" would show it an address no reviewer saw as the link's. Each "[" gets a numbered mark before it; a mark
    a rendering shows right before a link opens that link."""
    if "](" not in text:  # an inline link needs one (a reference link's definition is escaped before this)
        return []
    positions = [i for i, c in enumerate(text) if c == "[" and not _escaped(text, i)]
    marked = _marked(text, positions)
    masked = set()
    followed: dict[int, set[str]] = {}  # each link's address as a browser follows it, in each rendering
    renderings = [lambda: _rendered(marked, raw_html=False),
                  *(lambda md=md: md.render(marked) for md in _OTHER_RENDERERS)]
    linked: list[set[int]] = []  # the links each rendering made
    for rendering in renderings:
        try:
            rendered = rendering()
        except Exception:  # noqa: BLE001 - a parser's failure on hostile text: as if every link were masked
            return positions
        linked.append({int(match.group(1)) for match in _MARKED_LINK.finditer(rendered)})
        for match in _MARKED_LINK.finditer(rendered):
            if "<a" in match.group(3):  # Python-Markdown nested a link in this one: both are escaped
                masked.update(int(index) for index in (match.group(1), *_MARKED_LINK_START.findall(match.group(3))))
                continue
            found = _HREF.search(match.group(2))
            shown = html.unescape(_TAG.sub("", _ANY_MARK.sub("", match.group(3))))
            href = found.group(1) if found else ""
            followed.setdefault(int(match.group(1)), set()).add(_as_followed(href))
            if (_looks_cited(shown) or _shows_another_address(shown, href) or _USER_INFO.match(html.unescape(href))
                    or _TITLE.search(match.group(2)) or _SPACE_IN_ADDRESS.search(html.unescape(href))):
                masked.add(int(match.group(1)))
    # A link the renderings send to different addresses: the review desk and the thread page followed one, a client
    # rendering the API's ``body`` another ("[runbook](https://wiki.corp\@evil.example/)": Python-Markdown keeps the
    # backslash, which a browser reads as "/", to wiki.corp; CommonMark unescapes it, to evil.example as a user name's
    # host: round 39's review).
    masked.update(index for index, addresses in followed.items() if len(addresses) > 1)
    # A link one rendering makes and another shows as text ("[Restart](javascript:do-not-restart) now": the desk's
    # sanitiser keeps "Restart" as a link without its address, CommonMark refuses the scheme and shows it all: round
    # 46's fuzzing): the text it is for all.
    masked.update(set.union(*linked) - set.intersection(*linked))
    return [positions[i] for i in sorted(masked) if i < len(positions)]


# An address with a user name before its host ("https://wiki.corp@evil.example/"): a browser goes to the host after the
# "@", which its reader takes for the name before it. Such a link is shown as the text it is (round 40: once the forum
# read "\@" as CommonMark does, "[runbook](https://wiki.corp\@evil.example/)" led every renderer to evil.example).
# Matched at the start of the address, and its user name holds no "@": linear. A special scheme needs no slashes
# ("https:wiki.corp@evil.example" goes to evil.example), nor does an address relative to the page's scheme ("//").
_USER_INFO = re.compile(
    r"(?i)(?:[\s<]|%3C)*(?:(?:https?|wss?|ftp|file):[/\\]*|(?:[a-z][a-z0-9+.-]*:)?[/\\]{2})[^/\\?#\s@]*@")

# The URL standard's special schemes, where a browser reads "\" as "/" (between host and path, too).
_SPECIAL_SCHEME = re.compile(r"\s*(?:https?|wss?|ftp|file):", re.I)
_ANY_SCHEME = re.compile(r"\s*[a-z][a-z0-9+.-]*:", re.I)


def _as_followed(href: str) -> str:
    """A rendered link's address as a browser follows it, near enough to tell two renderings of one link apart:
    entities decoded, a backslash read as "/" where browsers read it so, and what URLs cannot hold encoded as
    CommonMark's renderer encodes it (so "Zürich" and "Z%C3%BCrich", a space and "%20", or "münchen.de" and its
    punycode are one address)."""
    href = html.unescape(href)
    # An address with no scheme is resolved against the page's, https: "/\\evil.example/x" is "//evil.example/x",
    # another host, where CommonMark encodes the backslash ("/%5Cevil.example/x", a path here: round 45's review).
    if _SPECIAL_SCHEME.match(href) or not _ANY_SCHEME.match(href):
        cut = re.search(r"[?#]", href)  # a query's or fragment's backslash is its own ("?q=C:\\temp")
        head, tail = (href[:cut.start()], href[cut.start():]) if cut else (href, "")
        href = head.replace("\\", "/") + tail
    try:
        return normalizeLink(href)  # markdown-it's own: a host in punycode, the rest percent-encoded
    except Exception:  # noqa: BLE001 - an address it cannot read: as it is, which tells it from any other
        return href


_MARKED_LINK = re.compile("\ue002(\\d+)\ue003<a\\b([^>]*)>(.*?)</a>", re.S)
# A link's title: words a reader sees only by hovering over it, the review desk's reviewer too (round 41's fuzzing:
# "[the runbook](https://wiki.corp/t 'never on production')"). Such a link is the text it is, its title in view.
_TITLE = re.compile(r'\btitle="')
# An address holding a blank: Python-Markdown reads "[x](https://wiki.corp/t (never))" as one address, its
# "(never)" shown to no reviewer, where a renderer reading no link there shows it (round 41's review).
_SPACE_IN_ADDRESS = re.compile(r"\s")
_ANY_MARK = re.compile("\ue002\\d+\ue003")
_MARKED_LINK_START = re.compile("\ue002(\\d+)\ue003<a\\b")


def _escaped(text: str, at: int) -> bool:
    """Whether the character at ``at`` follows an odd run of backslashes (read back from it, not from a copy of
    everything before it)."""
    start = at
    while start > 0 and text[start - 1] == "\\":
        start -= 1
    return (at - start) % 2 == 1


def _rendered(text: str, *, raw_html: bool) -> str:
    """The forum's rendering, unsanitised; without ``raw_html``, Markdown's own HTML only (a "<" typed is text)."""
    if raw_html:
        return markdown_html(text, converter="forum", **_FORUM)
    converter = getattr(_converters, "no_raw_html", None)
    if converter is None:
        converter = _markdown(**_FORUM)
        converter.preprocessors.deregister("html_block")
        converter.inlinePatterns.deregister("html")
        _converters.no_raw_html = converter
    try:
        return converter.reset().convert(text)
    except (RecursionError, TooMuchInline):
        _converters.no_raw_html = None
        return html_escape(text)
    except BaseException:
        _converters.no_raw_html = None
        raise


def _not_kept(text: str, positions: list[int]) -> list[int]:
    """Which of ``positions`` (each a "<" or the "!" of "![") are not kept as they are: kept is a "<" or "!" that
    the forum's renderer and CommonMark's (``_OTHER_RENDERERS``: an API client's), raw HTML off, both put in code, and
    a "<" that opens an autolink for both (its address is shown). Each gets a mark before it and each rendering says
    where the marks landed, in order; raw HTML off, only Markdown's own code counts (a typed "<code>" is text). The
    two disagree on where some code ends ("`a" and a next line "- <img>": one code span for Python-Markdown, a list
    item holding an image for CommonMark). A mark a rendering drops is not kept (``_kept``)."""
    if not positions:
        return []
    marked = _marked(text, positions)
    kept = _kept(text, positions, _rendered(marked, raw_html=False))
    for renderer in _OTHER_RENDERERS:
        if not kept:
            break
        try:
            kept &= _kept(text, positions, renderer.render(marked))
        except Exception:  # noqa: BLE001 - a parser's failure on hostile text: nothing is kept
            kept = set()
    return [position for i, position in enumerate(positions) if i not in kept]


def _marked(text: str, positions: list[int]) -> str:
    """``text`` with a numbered mark (``_MARK``, its index, ``_MARK_END``) before each of ``positions`` (ascending)."""
    parts, at = [], 0
    for index, position in enumerate(positions):
        parts += [text[at:position], f"{_MARK}{index}{_MARK_END}"]
        at = position
    parts.append(text[at:])
    return "".join(parts)


def _kept(text: str, positions: list[int], rendered: str) -> set[int]:
    """The indexes of ``positions`` whose marks ``rendered`` shows in code, or opening an autolink, and nowhere else.
    Each mark is numbered: one a renderer drops (a GitHub table drops a row's extra cells) or repeats decides for
    itself alone, never for the others."""
    depth, inside, outside = 0, set(), set()
    for match in _CODE_OR_MARK.finditer(rendered):
        found = match.group(0)
        if found.startswith("<code"):
            depth += 1
        elif found == "</code>":
            depth = max(depth - 1, 0)
        else:
            index = int(match.group(1))
            if index < len(positions) and (depth or (match.group(2) == "<a href=" and text[positions[index]] == "<"
                                                     and not _backslash_in_autolink(text, positions[index]))):
                inside.add(index)
            else:
                outside.add(index)
    return inside - outside


def _backslash_in_autolink(text: str, at: int) -> bool:
    """Whether the autolink opening at ``at`` holds a backslash: Python-Markdown keeps it in the address, which a
    browser reads as "/", and CommonMark encodes it ("%5C"), so the page and an API client's rendering of ``body``
    followed one autolink to different hosts ("<https://wiki.corp\\@evil.example/>": round 39's review). Such a "<"
    is not kept: the address is shown as the text it is."""
    end = text.find(">", at)
    # A percent escape too: CommonMark shows it decoded ("<https://wiki.corp/%6Eot-production>" as
    # ".../not-production"), the desk as written (round 46's fuzzing).
    address = html.unescape(text[at:end if end >= 0 else len(text)])  # "&#92;" too
    return "\\" in address or "%" in address


def _neutralised(text: str, positions: list[int]) -> str:
    parts, at = [], 0
    for position in sorted(positions):
        parts.append(text[at:position])
        if text[position] == "<":
            parts.append("&lt;")
            at = position + 1
        else:  # "![": an image, shown as the link it is ("!" and its alt text, or its address: unmask_citation_links)
            parts.append("\\")
            at = position
    parts.append(text[at:])
    return "".join(parts)


# A link in sanitised HTML (``href``, ``title`` and ``rel`` in any order: the sanitiser keeps no class) and its content.
_LINK = re.compile(r"<a\b([^>]*)>(.*?)</a>", re.S)
_HREF = re.compile(r'\bhref="([^"]*)"')
_TAG = re.compile(r"<[^>]+>")
# Link text a reader takes for a citation, once stripped of what does not show (``_visible``): text with no letter
# ("1", "[2]", "(3)", "¹", "①", "₁", "ⅱ", "→", nothing at all), or a number after a word that announces one ("source
# 4", "ref. 5", "note 6", "ref1"). Never longer than ``_CITED_MAX`` characters, which also bounds the match's cost.
_LOOKS_CITED = re.compile(r"\W*(?:source|ref|reference|cite|citation|note|fn|footnote)s?\W*\d{1,3}(?:\W+\d{1,3})*\W*",
                          re.IGNORECASE)
_CITED_MAX = 40
# Letters that show as blank space (Hangul fillers, the Braille blank) and Mongolian variation selectors: dropped
# with the format, control and combining characters.
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180b\u180c\u180d\u180e\u180f")


def _visible(text: str) -> str:
    """``text`` as a reader sees it, without what shows nothing: zero-width spaces and joiners, soft hyphens,
    bidirectional marks, combining marks, blank letters."""
    return "".join(c for c in text if c not in _BLANK and unicodedata.category(c) not in ("Cf", "Mn", "Me", "Cc"))


def _looks_cited(text: str) -> bool:
    # Blanks as shown: a run of them is one space ("[1" and 45 spaces and "2]" shows as "[1 2]": round 34's review).
    text = " ".join(_visible(text).split())
    if len(text) > _CITED_MAX:
        return False
    # A number beside a letter of another script than Latin may be a look-alike ("ѕource 2" in Cyrillic): no word of
    # ``_LOOKS_CITED`` is then matched as written, so any such text counts (its link shows where it leads).
    if any(c.isdigit() for c in text) and any(c.isalpha() and not unicodedata.name(c, "").startswith("LATIN")
                                              for c in text):
        return True
    # Letters as such (category L), before folding: "ⅱ" and "①" are numbers, their NFKC forms "ii" and "1" are not.
    if not any(unicodedata.category(c).startswith("L") for c in text):
        return True
    return bool(_LOOKS_CITED.fullmatch(unicodedata.normalize("NFKC", text)))


# An address in link text: a URL, "www.…", an e-mail address, or a host name with a path ("wiki.corp/runbook"; a bare
# dotted name is a module or a product as often as a host: "django.contrib.auth", "Vue.js", "ASP.NET"). Searched for
# anywhere in the text ("see wiki.corp/runbook"), once the text is read as shown: NFKC (a fullwidth "．", a "․" leader
# are dots), and the look-alikes NFKC leaves (a modifier-letter colon "꞉", a fraction slash "⁄", a middle dot "·").
# A host's labels may be of any script ("wiki.cοrp" with a Greek "ο" is an address, and not the link's own).
_ADDRESS = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|www\.|mailto:)[^\s<>\"']+"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?:[\w-]+\.)+[^\W\d_][\w-]+/[^\s<>\"']*", re.IGNORECASE)
_ADDRESS_LOOKALIKES = str.maketrans({"\ua789": ":", "\u02d0": ":", "\u0589": ":", "\u2236": ":", "\u05c3": ":",
                                     "\u2044": "/", "\u2215": "/", "\u29f8": "/", "\u3002": ".", "\u0701": ".",
                                     "\u0702": ".", "\u00b7": ".", "\ua60e": ".", "\u2e33": ".", "\u0387": "."})
_ADDRESS_MAX = 2000


def _shows_another_address(text: str, href: str) -> bool:
    """Whether a link's ``text`` shows an address other than its ``href`` ("[https://wiki.corp/runbook](https://
    evil.example/)": reviewer and reader alike would take it for the address it shows). Text longer than any link's
    need not be read: it shows its href (padding would otherwise hide an address from the check)."""
    text = " ".join(unicodedata.normalize("NFKC", _visible(text)).translate(_ADDRESS_LOOKALIKES).split())
    if len(text) > _ADDRESS_MAX:
        return True
    target = html.unescape(href).casefold().rstrip("/")
    for found in _ADDRESS.finditer(text):
        shown = found.group(0).casefold().rstrip("/.,;:!?)]")
        if target not in (shown, f"http://{shown}", f"https://{shown}", f"mailto:{shown}"):
            return True
    return False


def unmask_citation_links(fragment: str, *, keep=frozenset()) -> str:
    """Sanitised HTML whose links that read as citations (``_looks_cited``: "[1](https://…)", "[[2]](…)",
    "[source 3](#…)", invisible characters aside), or as another address than theirs (``_shows_another_address``),
    show their destination as their text. In an AI answer a citation is only a ``[n]`` marker the app links to one
    of its sources (``aiassist.desk.link_citations``, which passes the answer's own anchors as ``keep``): a reader,
    or a reviewer approving the text, must never take an outside page for a vetted source, nor one address for
    another."""

    def replace(match: re.Match) -> str:
        attributes, inner = match.groups()
        found = _HREF.search(attributes)
        href = found.group(1) if found else ""
        text = html.unescape(_TAG.sub("", inner))
        if href in keep or not (_looks_cited(text) or _shows_another_address(text, href)):
            return match.group(0)
        # The href (as the sanitiser escaped it) for the text; the content's tags stay, so that marks around a
        # part of the text (the review desk's claims) still open and close where they did.
        parts = re.split(r"(<[^>]+>)", inner)
        texts = [i for i, part in enumerate(parts) if part and not part.startswith("<") and part.strip()]
        for i in texts:
            parts[i] = href if i == texts[0] else ""
        return f'<a{attributes}>{"".join(parts)}{"" if texts else href}</a>'

    return _LINK.sub(replace, fragment)


def plain_text(text: str, limit: int | None = None) -> str:
    """Markdown source flattened to one line of plain (unescaped) text: snippets and engine input.

    The result is text, not HTML: templates escape it when they show it.
    """
    rendered = markdown_html(text, converter="plain", extensions=["fenced_code", TILDE_ESCAPE])
    flat = html.unescape(nh3.clean(rendered, tags=set()))
    flat = re.sub(r"\s+", " ", flat).strip()
    if limit and len(flat) > limit:
        flat = flat[: limit - 1].rsplit(" ", 1)[0] + "…"
    return flat
