"""Python-Markdown without its quadratic corners, so that no post of BODY_MAX characters costs more to render than a
long ordinary one (``tests/forum/test_markdown_linear.py``, ``tests/security/test_superlinear_inputs.py``,
``bench/hostile_markdown.py``).

Upstream, these scans restart from each candidate to the end of the text:

* a link's or an image's text: for every "[" the parser looks for its closing "]" by counting brackets up to the end
  of the paragraph, so a paragraph of 50,000 "[" took minutes (8,000: 9 s);
* a link's address: for every "[text](" it counts parentheses up to the end of the paragraph;
* the tables extension's test splits and strips every line of the block it is asked about, the "#" heading test
  searches all of it, and a setext heading splits and joins all of it; the block parser asks again about what is
  left each time a heading or a rule takes its first lines (25,000 "-" lines: 14 s);
* the standard library's raw HTML reader reads each "<" and a letter as far as a tag's attributes could go;
* each inline match (an escape, an entity, a code span...) rebuilds its paragraph's whole text around a placeholder.

Here a link text's closing "]" is found by string search when no bracket is nested in it (every ordinary link), and
otherwise by counting the brackets alone, within a budget of brackets per conversion; an address's scan shares a
budget of characters per conversion; beyond either budget, what is left of a hostile text stays text. The block tests
read the lines they decide on, a block already searched in vain for a "#" heading is not searched again, a start tag
is read within START_TAG_MAX characters, and the bytes inline matches rewrite are counted against a budget
(beyond it the caller shows the text as written: ``TooMuchInline``). Output is upstream's for every text within the
budgets, which ordinary posts stay inside by orders of magnitude.
"""
import re
import sys
import xml.etree.ElementTree as etree  # noqa: N813 - Python-Markdown's name for it

from markdown import Extension, Markdown
from markdown.blockprocessors import HashHeaderProcessor, SetextHeaderProcessor
from markdown.extensions.tables import TableProcessor
from markdown.htmlparser import HTMLExtractor, htmlparser
from markdown.inlinepatterns import (
    IMAGE_LINK_RE,
    IMAGE_REFERENCE_RE,
    LINK_RE,
    REFERENCE_RE,
    ImageInlineProcessor,
    ImageReferenceInlineProcessor,
    InlineProcessor,
    LinkInlineProcessor,
    ReferenceInlineProcessor,
    ShortImageReferenceInlineProcessor,
    ShortReferenceInlineProcessor,
)
from markdown.preprocessors import HtmlBlockPreprocessor

LINK_SCAN_BUDGET = 250_000  # characters of link addresses scanned per conversion, at most
BRACKET_SCAN_BUDGET = 100_000  # brackets visited per conversion to match nested ones, at most
START_TAG_MAX = 1_024  # characters of one raw HTML start tag, at most: a longer one is text
# Bytes rewritten by inline matches per conversion, at most. Each match (an escape, an entity, a code span, a line
# break under nl2br...) rebuilds the whole text of its paragraph around a placeholder, so a paragraph of 25,000
# escapes rebuilt 50,000 characters 25,000 times: 0.4 s in ASCII, 6.8 s with one emoji in it (four bytes a character,
# and strings too large for the allocator's pools). Counted in bytes (``sys.getsizeof``) for that reason. A post of
# 1,000 lines without a blank line, each with a code span, emphasis and a line break, is one paragraph that rewrites
# about 100 MB; the budget is ten times that (at most ~0.4 s of ASCII, ~1.4 s of four-byte text).
INLINE_REWRITE_BUDGET = 1_000_000_000


class TooMuchInline(Exception):
    """A text whose inline matches would rewrite more than INLINE_REWRITE_BUDGET bytes: the caller shows it as
    the text it is (``forum.markup.markdown_html``)."""


_BRACKET = re.compile(r"[\[\]]")


class LinearExtension(Extension):
    """Registers the processors below in place of upstream's, at upstream's priorities; load it after ``tables``."""

    # name: (replacement, pattern, priority), as markdown.inlinepatterns.build_inlinepatterns registers them
    INLINE = {
        "reference": (ReferenceInlineProcessor, REFERENCE_RE, 170),
        "link": (LinkInlineProcessor, LINK_RE, 160),
        "image_link": (ImageInlineProcessor, IMAGE_LINK_RE, 150),
        "image_reference": (ImageReferenceInlineProcessor, IMAGE_REFERENCE_RE, 140),
        "short_reference": (ShortReferenceInlineProcessor, REFERENCE_RE, 130),
        "short_image_ref": (ShortImageReferenceInlineProcessor, IMAGE_REFERENCE_RE, 125),
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.reset()

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        md.registerExtension(self)  # for reset()
        for name, (upstream, pattern, priority) in self.INLINE.items():
            if name in md.inlinePatterns:
                md.inlinePatterns.register(_linear(upstream)(pattern, md, self), name, priority)
        if "table" in md.parser.blockprocessors:
            tables = md.parser.blockprocessors["table"]
            md.parser.blockprocessors.register(_Table(md.parser, tables.config), "table", 75)
        if "hashheader" in md.parser.blockprocessors:
            md.parser.blockprocessors.register(_HashHeader(md.parser), "hashheader", 70)
        if "setextheader" in md.parser.blockprocessors:
            md.parser.blockprocessors.register(_Setext(md.parser), "setextheader", 60)
        if "html_block" in md.preprocessors:
            md.preprocessors.register(_HtmlBlockPreprocessor(md), "html_block", 20)
        for processor in md.inlinePatterns:  # last, so that every extension's processors are counted
            if isinstance(processor, InlineProcessor):
                self._counted(processor)

    def reset(self) -> None:
        self.bracket_budget = BRACKET_SCAN_BUDGET
        self.link_budget = LINK_SCAN_BUDGET
        self.rewrite_budget = INLINE_REWRITE_BUDGET

    def _counted(self, processor: InlineProcessor) -> None:
        """``processor`` charging each match it makes with the length of the text rebuilt around it."""
        handle = processor.handleMatch

        def handleMatch(match, data):  # noqa: N802 - Python-Markdown's name
            node, start, end = handle(match, data)
            if node is not None and start is not None and end is not None:
                self.rewrite_budget -= sys.getsizeof(data)
                if self.rewrite_budget < 0:
                    raise TooMuchInline(f"inline matches would rewrite over {INLINE_REWRITE_BUDGET:,} bytes")
            return node, start, end

        processor.handleMatch = handleMatch


_LINEAR_CLASSES: dict[type, type] = {}


def _linear(upstream: type[LinkInlineProcessor]) -> type:
    """``upstream`` with getText's and getLink's scans within the conversion's budgets. getText's result is upstream's
    (the text up to the "]" that brings the count of brackets opened since the "[" back to zero), found by string
    search when no bracket is nested, else by visiting only the brackets."""
    if upstream in _LINEAR_CLASSES:
        return _LINEAR_CLASSES[upstream]

    class Linear(upstream):
        def __init__(self, pattern: str, md: Markdown, extension: LinearExtension):
            super().__init__(pattern, md)
            self.extension = extension

        def getText(self, data: str, index: int) -> tuple[str, int, bool]:  # noqa: N802
            close = data.find("]", index)
            if close == -1:
                return "", len(data), False  # no "]" left: unclosed, as upstream finds by reading to the end
            if data.find("[", index, close) == -1:
                return data[index:close], close + 1, True  # the first "]" closes it
            # Brackets inside: counted as upstream does, visiting only the brackets, within the conversion's budget.
            depth = 1
            for bracket in _BRACKET.finditer(data, index):
                self.extension.bracket_budget -= 1
                if self.extension.bracket_budget < 0:
                    return "", len(data), False
                depth += 1 if bracket.group() == "[" else -1
                if depth == 0:
                    return data[index:bracket.start()], bracket.end(), True
            return "", len(data), False

        def getLink(self, data: str, index: int) -> tuple[str, str | None, int, bool]:  # noqa: N802
            if not data.startswith("(", index):  # upstream's pattern needs the "(" here: nothing scanned nor charged
                return "", None, index, False
            budget = self.extension.link_budget
            if budget <= 0:
                return "", None, index, False
            window = data[index:index + budget]
            href, title, end, handled = super().getLink(window, 0)
            self.extension.link_budget -= end if handled and end >= 0 else len(window)
            if end < 0:  # upstream's index counted from the end (an unclosed title, backtracked): the same in ``data``
                return (href, title, end, handled) if index + len(window) == len(data) else ("", None, index, False)
            return href, title, index + end, handled

    Linear.__name__ = Linear.__qualname__ = "Linear" + upstream.__name__
    _LINEAR_CLASSES[upstream] = Linear
    return Linear


class _Table(TableProcessor):
    """Upstream's test on the two lines that decide (the header and the separator), reading further only for a
    single-column table with borders, and then only until a line without a border."""

    def test(self, parent, block: str) -> bool:
        head = block.split("\n", 2)
        if len(head) < 2 or not super().test(parent, "\n".join(head[:2])):
            return False  # upstream's verdict on the whole block too: its other lines only ever turn a table down
        if len(self._split_row(head[0].strip(" "))) > 1 or len(head) < 3:
            return True
        start = len(head[0]) + len(head[1]) + 2
        while start <= len(block):
            end = block.find("\n", start)
            end = len(block) if end == -1 else end
            row = block[start:end].strip(" ")
            if not row.startswith("|") and self.RE_END_BORDER.search(row) is None:
                return False
            start = end + 1
        return True


class _HashHeader(HashHeaderProcessor):
    """Upstream's, minus the search of a block that is the end of one already searched in vain: a heading or a rule
    that takes a block's first line leaves the rest to be asked about again, and upstream searched the whole rest
    each time. The rest of a block without a "#" heading, cut at a line's start, has none either (the pattern starts
    a heading at the text's start or after a newline, and reads to its end the same way in both)."""

    def __init__(self, parser):
        super().__init__(parser)
        self.searched = ""  # the last block found to hold no heading

    def test(self, parent, block: str) -> bool:
        searched, n = self.searched, len(block)
        if n <= len(searched) and (n == len(searched) or searched[-n - 1] == "\n") and searched.endswith(block):
            return False
        if self.RE.search(block):
            return True
        self.searched = block
        return False


class _Setext(SetextHeaderProcessor):
    """Upstream's, splitting off the heading's two lines alone (upstream split the whole block into lines and joined
    the rest again, for each heading)."""

    def run(self, parent, blocks: list[str]) -> None:
        text, underline, *rest = blocks.pop(0).split("\n", 2)
        heading = etree.SubElement(parent, "h1" if underline.startswith("=") else "h2")
        heading.text = text.strip()
        if rest:
            blocks.insert(0, rest[0])


class _HTMLExtractor(HTMLExtractor):
    """Upstream's raw HTML reader, a start tag read within START_TAG_MAX characters. The standard library's reads each
    "<" followed by a letter as far as its attributes go, so "<a href=" repeated read the rest of the text once per
    tag (50,000 characters: 6 s; in a window of 1,024: 0.3 s); a tag that does not end within the window is text, as an
    unfinished one is (the sanitiser would keep none of its attributes that long anyway but ``href`` and ``title``)."""

    def check_for_whole_start_tag(self, i: int) -> int:
        rawdata = self.rawdata
        if len(rawdata) - i <= START_TAG_MAX:
            return super().check_for_whole_start_tag(i)
        # The same pattern, stopped at the window's end: a tag that ends before it matches as in the whole text.
        match = htmlparser.locatestarttagend_tolerant.match(rawdata, i, i + START_TAG_MAX)
        if match is None or match.end() >= i + START_TAG_MAX:
            return -1
        return super().check_for_whole_start_tag(i)


class _HtmlBlockPreprocessor(HtmlBlockPreprocessor):
    def run(self, lines: list[str]) -> list[str]:
        parser = _HTMLExtractor(self.md)
        parser.feed("\n".join(lines))
        parser.close()
        return "".join(parser.cleandoc).split("\n")
