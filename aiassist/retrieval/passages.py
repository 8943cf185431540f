"""Posts split into passages that respect Markdown, and passages flattened for indexing. No Django here.

A passage is a verbatim slice of its post (only line endings are normalised to "\\n"), cut only
where the post has a blank line that ends a block, so a passage quoted on its own renders as it did
in its post: a code block is never cut, a list, a table or a blockquote stays whole, a heading stays
with what follows it, a paragraph that introduces a list or code stays with it, and a warning stays
with the advice it qualifies.

The block rules follow Python-Markdown (``forum.markup``, the one renderer) where it differs from
CommonMark and the difference decides a cut: a fence closes only on the same run of backticks or
tildes, blockquotes separated by blank lines are one blockquote, and a list goes on across blank
lines while what follows is indented or another item.
"""
import bisect
import html
import re
from collections import deque
from dataclasses import dataclass, field

import markdown
import nh3

from forum.markup import TILDE_ESCAPE, markdown_html
from forum.text import lf_line_breaks

_FENCE_OPEN = re.compile(r"^[ \t]*(?P<run>`{3,}|~{3,})(?P<info>.*)$")
_FENCE_CLOSE = re.compile(r"^[ \t]*(?P<run>`{3,}|~{3,})[ \t]*$")
_ATX = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")
_SETEXT = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
_HR = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")
_QUOTE = re.compile(r"^ {0,3}>")
# Possessive throughout: each part's characters differ from the next part's, so no match needs a part to give any back,
# and a line of spaces ending in something else fails at once (it backtracked quadratically: 20 s at 50,000).
_TABLE_DELIMITER = re.compile(r"^[ \t]*+\|?+[ \t]*+:?+-++:?+[ \t]*+(?:\|[ \t]*+:?+-++:?+[ \t]*+)*+\|?+[ \t]*+$")
_HTML_BLOCK = re.compile(r"^ {0,3}<(?P<tag>[A-Za-z][A-Za-z0-9-]*)(?=[\s/>]|$)")
# The elements Python-Markdown treats as raw HTML blocks, which run to their closing tag.
_HTML_BLOCK_TAGS = frozenset(markdown.Markdown().block_level_elements)
# A paragraph that warns or negates qualifies the advice next to it, before or after. The leading marks are read
# possessively (what follows them starts with a letter or a sign): a run of "*" backtracked over every split of itself
# between the two classes (50,000 of them: 171 s of the index task).
_WARNING = re.compile(
    r"^[\s>*_]*+(?:[⚠❗🛑]\ufe0f?\s*+)?[*_]*+(?:please[ \t]+)?"
    r"(?:don['’]?t|do[ \t]+not|never|instead|before[ \t]+you|warning|careful|be[ \t]+careful|make[ \t]+sure"
    r"|only[ \t]+after|caution|avoid|important)\b",
    re.IGNORECASE,
)
_BACKTICKS = re.compile(r"`+")
# Links, autolinks and tags (bounded, so that a line of unmatched brackets stays linear): a sentence
# never ends inside one, nor inside inline code.
_LINK_OR_TAG = re.compile(r"!?\[[^\]\n]{0,500}\]\([^)\n]{0,1000}\)|<[^>\n]{1,500}>")
# What would start a block at the beginning of a line: a long paragraph is never cut right before it.
_BLOCK_START = re.compile(r"(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)|[>#|=<\[]|```|~~~")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]*_]*(?P<gap>\s+)(?=[^\sa-z])")
_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|etc|vs|cf|approx|incl|Mr|Mrs|Ms|Dr|No|Fig)\.)$", re.IGNORECASE)
_PROSE = ("paragraph", "quote")


def normalised_body(body: str) -> str:
    """``body`` as its passages are slices of it: line endings normalised to "\\n"."""
    return lf_line_breaks(body)


def _blank(line: str) -> bool:
    return not line.strip()


def _indent(line: str) -> int:
    """Width of the leading whitespace, tabs to the next multiple of four as Markdown counts them."""
    width = 0
    for char in line:
        if char == " ":
            width += 1
        elif char == "\t":
            width += 4 - width % 4
        else:
            break
    return width


def _fence_opener(line: str, *, nested: bool = False) -> str | None:
    """The fence run a line opens (``` or ~~~, any length), or None."""
    match = _FENCE_OPEN.match(line)
    if not match or (not nested and _indent(line) > 3):
        return None
    if match["run"][0] == "`" and "`" in match["info"]:
        return None  # inline code, not a fence
    return match["run"]


def _closes(line: str, run: str, *, nested: bool = False) -> bool:
    # Python-Markdown closes a fence only on the very same run: ``` does not close ````. Outside a list, a line indented
    # four spaces or more is the fence's code for both renderers, a run there included (a README's own code block
    # quoted in a fence): round 41's review found the index cutting such a block, and a snippet dropping a warning.
    match = _FENCE_CLOSE.match(line)
    return bool(match) and match["run"] == run and (nested or _indent(line) <= 3)


@dataclass
class _Block:
    kind: str  # paragraph, heading, fence, code, list, quote, table, hr, html
    first: int  # first line
    end: int  # line after the last
    tight: bool = False  # no blank line between it and the block before
    code: list[tuple[int, int]] = field(default_factory=list)  # fenced lines inside a list


class _Scanner:
    def __init__(self, text: str):
        self.lines = text.split("\n")
        self.n = len(self.lines)
        self.closings: dict[str, list[int]] = {}

    def blocks(self) -> list[_Block]:
        out, i, previous_end = [], 0, None
        while i < self.n:
            if _blank(self.lines[i]):
                i += 1
                continue
            block = self._block_at(i)
            while block.end > block.first + 1 and _blank(self.lines[block.end - 1]):
                block.end -= 1  # an unterminated fence ends at the last non-blank line
            block.tight = previous_end == i
            out.append(block)
            previous_end = i = block.end
        return out

    def _next_nonblank(self, k: int) -> int | None:
        while k < self.n and _blank(self.lines[k]):
            k += 1
        return k if k < self.n else None

    def _block_at(self, i: int) -> _Block:
        line = self.lines[i]
        if _indent(line) >= 4:
            return _Block("code", i, self._indented_end(i))
        run = _fence_opener(line)
        if run:
            return _Block("fence", i, self._fence_end(i, run))
        if _ATX.match(line):
            return _Block("heading", i, i + 1)
        if _HR.match(line):
            return _Block("hr", i, i + 1)
        if _LIST_ITEM.match(line):
            return self._list(i)
        if _QUOTE.match(line):
            return _Block("quote", i, self._quote_end(i))
        if self._table_starts(i):
            return _Block("table", i, self._until_blank(i))
        match = _HTML_BLOCK.match(line)
        if match and match["tag"].lower() in _HTML_BLOCK_TAGS:
            return _Block("html", i, self._html_end(i, match["tag"]))
        return self._paragraph(i)

    def _fence_end(self, i: int, run: str) -> int:
        for k in range(i + 1, self.n):
            if _closes(self.lines[k], run):
                return k + 1
        return self.n  # unterminated: it runs to the end

    def _indented_end(self, i: int) -> int:
        k = i + 1
        while k < self.n:
            if _blank(self.lines[k]):
                m = self._next_nonblank(k)
                if m is None or _indent(self.lines[m]) < 4:
                    return k
                k = m
            elif _indent(self.lines[k]) >= 4:
                k += 1
            else:
                return k
        return k

    def _until_blank(self, i: int) -> int:
        k = i + 1
        while k < self.n and not _blank(self.lines[k]):
            k += 1
        return k

    def _table_starts(self, i: int) -> bool:
        return "|" in self.lines[i] and i + 1 < self.n and "|" in self.lines[i + 1] and bool(
            _TABLE_DELIMITER.match(self.lines[i + 1]))

    def _quote_end(self, i: int) -> int:
        k = i + 1
        while k < self.n:
            if _blank(self.lines[k]):
                # Python-Markdown makes blockquotes separated by blank lines one blockquote.
                m = self._next_nonblank(k)
                if m is None or not _QUOTE.match(self.lines[m]):
                    return k
                k = m
            k += 1
        return k

    def _html_end(self, i: int, tag: str) -> int:
        closings = self._closing_lines(tag)
        at = bisect.bisect_left(closings, i)
        if at < len(closings):
            return max(closings[at] + 1, self._until_blank(i))
        return self._until_blank(i)

    def _closing_lines(self, tag: str) -> list[int]:
        """The lines holding ``tag``'s closing tag, in order: found once per tag (block tags are a few dozen), where a
        search from each opening line to the end made a text of unclosed blocks quadratic."""
        tag = tag.lower()
        if tag not in self.closings:
            closing = re.compile(rf"</{re.escape(tag)}\s*>", re.IGNORECASE)
            self.closings[tag] = [k for k, line in enumerate(self.lines) if closing.search(line)]
        return self.closings[tag]

    def _list(self, i: int) -> _Block:
        block, k, run, fence_start = _Block("list", i, i + 1), i + 1, None, 0
        while k < self.n:
            line = self.lines[k]
            if run:
                if _closes(line, run, nested=True):
                    block.code.append((fence_start, k + 1))
                    run = None
                k += 1
                continue
            if _blank(line):
                m = self._next_nonblank(k)
                if m is None or not (_LIST_ITEM.match(self.lines[m]) or _indent(self.lines[m]) >= 2):
                    break
                k = m
                continue
            if _indent(line) < 2 and (_fence_opener(line) or _ATX.match(line) or (
                    _HR.match(line) and not _LIST_ITEM.match(line))):
                break  # a new block right under the list
            run = _fence_opener(line, nested=True)
            fence_start = k
            k += 1
        if run:
            block.code.append((fence_start, self.n))
        block.end = k
        return block

    def _paragraph(self, i: int) -> _Block:
        k = i + 1
        while k < self.n and not _blank(self.lines[k]):
            line = self.lines[k]
            if _SETEXT.match(line):
                return _Block("heading", i, k + 1)
            if (_indent(line) < 4 and (_fence_opener(line) or _ATX.match(line) or _HR.match(line)
                                       or _LIST_ITEM.match(line) or _QUOTE.match(line))) or self._table_starts(k):
                break
            k += 1
        return _Block("paragraph", i, k)


@dataclass
class _Unit:
    start: int  # character offsets in the normalised text
    end: int
    bonded: bool  # must stay in the passage of the unit before it


def _bonded(text_of, before: _Block, after: _Block) -> bool:
    if after.tight or before.kind == "heading":
        return True
    if after.kind in ("heading", "hr") or before.kind == "hr":
        return False
    if before.kind == "paragraph" and _introduces(text_of(before)):
        return True
    # Which neighbour a warning qualifies cannot be read from the text, so it keeps both; but an
    # "Instead ..." answers what came before it, and a warning ending in ':' introduces what follows.
    if after.kind in _PROSE and _WARNING.match(text_of(after)) and not _introduces(text_of(after)):
        return True
    warning = _WARNING.match(text_of(before)) if before.kind in _PROSE else None
    return bool(warning) and not warning.group(0).rstrip().lower().endswith("instead")


def _introduces(text: str) -> bool:
    return text.rstrip().rstrip("*_ \t").endswith(":")


def split_markdown(body: str, *, target_chars: int = 700, max_chars: int = 1500) -> list[str]:
    """A post's Markdown as passages, in order: verbatim slices, joined by blank lines they give its blocks back.

    Small neighbouring blocks merge up to ``target_chars``; a paragraph longer than ``max_chars``
    is split at sentence boundaries. Anything that must stay together (a code block, a list, a
    table, a heading and its section's first block, an intro and its list, a warning and its
    advice) does, however long.
    """
    text = normalised_body(body or "")
    scanner = _Scanner(text)
    offsets = [0]
    for line in scanner.lines:
        offsets.append(offsets[-1] + len(line) + 1)

    def span(block: _Block) -> tuple[int, int]:
        return offsets[block.first], offsets[block.end] - 1

    def text_of(block: _Block) -> str:
        start, end = span(block)
        return text[start:end]

    blocks = scanner.blocks()
    units: list[_Unit] = []
    for index, block in enumerate(blocks):
        bonded = index > 0 and _bonded(text_of, blocks[index - 1], block)
        start, end = span(block)
        pieces = [(start, end)]
        if block.kind == "paragraph" and end - start > max_chars:
            pieces = _sentence_pieces(text, start, end, target_chars, max_chars)
        units.extend(_Unit(s, e, bonded and n == 0) for n, (s, e) in enumerate(pieces))

    passages: list[list[int]] = []
    group: list[int] | None = None
    for unit in units:
        if group is not None and unit.bonded:
            group[1] = unit.end
            continue
        if group is not None:
            _pack(passages, group, target_chars)
        group = [unit.start, unit.end]
    if group is not None:
        _pack(passages, group, target_chars)
    return [text[start:end] for start, end in passages]


def _pack(passages: list[list[int]], group: list[int], target_chars: int) -> None:
    if passages and group[1] - passages[-1][0] <= target_chars:
        passages[-1][1] = group[1]
    else:
        passages.append(group)


def _sentence_pieces(text: str, start: int, end: int, target: int, limit: int) -> list[tuple[int, int]]:
    """A long paragraph cut at sentence ends (then line breaks, then spaces) into pieces of about ``target``."""
    inside = _within(_inline_code(text, start, end) + [m.span() for m in _LINK_OR_TAG.finditer(text, start, end)])

    sentences, cursor = [], start
    for match in _SENTENCE_END.finditer(text, start, end):
        stop = match.start("gap")
        if (inside(stop) or _ABBREVIATION.search(text, max(cursor, stop - 12), stop)
                or _BLOCK_START.match(text, match.end("gap"))):
            continue
        sentences.append((cursor, stop))
        cursor = match.end("gap")
    sentences.append((cursor, end))

    units = []
    for a, b in sentences:
        units.extend(_soft_pieces(text, a, b, target, inside) if b - a > limit else [(a, b)])
    pieces = [list(units[0])]
    for a, b in units[1:]:
        if b - pieces[-1][0] <= target:
            pieces[-1][1] = b
        else:
            pieces.append([a, b])
    return [(a, b) for a, b in pieces]


def _within(spans: list[tuple[int, int]]):
    """A test for "strictly inside one of ``spans``", in logarithmic time."""
    touches = _touches(spans)
    return lambda position: touches(position, position)  # a span that starts before it and ends after it


def _touches(spans: list[tuple[int, int]]):
    """A test for "the range [start, end) overlaps one of ``spans``", in logarithmic time."""
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    starts = [a for a, _ in merged]

    def touches(start: int, end: int) -> bool:
        i = bisect.bisect_left(starts, end) - 1  # the last span that starts before ``end``
        return i >= 0 and merged[i][1] > start

    return touches


_SPACE_GAP = re.compile(r"\s+")
_LINE_GAP_PATTERN = r"[ \t]*\n\s*"  # what ``_line_gaps`` finds (tests/security/test_superlinear_inputs.py)


def _line_gaps(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Each line break with the spaces and tabs before it and the whitespace after it, within [start, end): the
    matches of the pattern they replace (``_LINE_GAP_PATTERN``), found from each line break, where the pattern read a
    long run of blanks without one once from each of its blanks (50,000 spaces: 2 s)."""
    gaps = []
    at = text.find("\n", start, end)
    while at != -1:
        left = at
        while left > start and text[left - 1] in " \t":
            left -= 1
        right = at + 1
        while right < end and text[right].isspace():
            right += 1
        gaps.append((left, right))
        at = text.find("\n", right, end)
    return gaps


def _soft_pieces(text: str, start: int, end: int, target: int, inside) -> list[tuple[int, int]]:
    """A sentence too long for a passage cut at line breaks, else at spaces, never inside code or a link."""
    for found in (_line_gaps(text, start, end), [m.span() for m in _SPACE_GAP.finditer(text, start, end)]):
        gaps = [(a, b) for a, b in found if not inside(a) and not _BLOCK_START.match(text, b)]
        if gaps:
            break
    pieces, cursor, k = [], start, 0
    while end - cursor > target:
        while k < len(gaps) and gaps[k][0] <= cursor:
            k += 1
        if k == len(gaps):
            break
        while k + 1 < len(gaps) and gaps[k + 1][0] - cursor <= target:
            k += 1  # the last gap that keeps the piece within the target, else the first one after it
        pieces.append((cursor, gaps[k][0]))
        cursor = gaps[k][1]
        k += 1
    pieces.append((cursor, end))
    return pieces


def close_open_blocks(passage: str) -> str:
    """The passage with an unterminated fence or raw HTML block closed, so it cannot swallow what follows it.

    Quoted next to other text, an open ``` would pair with the next fence and an open <div> would
    turn everything after it into raw text.
    """
    text = normalised_body(passage)
    scanner = _Scanner(text)
    closing = []
    for block in scanner.blocks():
        lines = scanner.lines[block.first:block.end]
        if block.kind == "fence":
            run = _fence_opener(lines[0])
            if len(lines) == 1 or not _closes(lines[-1], run):
                closing.append(run)
        elif block.kind == "list" and block.code and block.code[-1][1] == scanner.n:
            closing.append(_fence_opener(scanner.lines[block.code[-1][0]], nested=True))
        elif block.kind == "html":
            tag = _HTML_BLOCK.match(lines[0])["tag"]
            # The scanner ran the block on to its closing tag, if there is one.
            if not re.search(rf"</{re.escape(tag)}\s*>", "\n".join(lines), re.IGNORECASE):
                closing.append(f"</{tag}>")
    return "\n".join([text.rstrip("\n"), *closing]) if closing else text


def code_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` (Markdown) holds code: fenced and indented blocks and inline code, as sorted offsets."""
    scanner = _Scanner(text)
    offsets = [0]
    for line in scanner.lines:
        offsets.append(offsets[-1] + len(line) + 1)
    spans = []
    for block in scanner.blocks():
        start, end = offsets[block.first], offsets[block.end] - 1
        if block.kind in ("fence", "code"):
            spans.append((start, end))
            continue
        inner = [(offsets[a], offsets[b] - 1) for a, b in block.code]
        spans.extend(inner)
        cursor = start
        for a, b in [*inner, (end, end)]:
            spans.extend(_inline_code(text, cursor, a))
            cursor = b
    return sorted(spans)


def _inline_code(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Inline code spans in ``text[start:end]``: a run of n backticks up to the next run of exactly n.

    A scan over the runs rather than a backtracking pattern, which takes quadratic time on a
    paragraph full of unmatched backticks.
    """
    runs = [m.span() for m in _BACKTICKS.finditer(text, start, end)]
    later: dict[int, deque] = {}
    for index, (a, b) in enumerate(runs):
        later.setdefault(b - a, deque()).append(index)
    spans, i = [], 0
    while i < len(runs):
        a, b = runs[i]
        backslashes = 0
        while a - backslashes > start and text[a - backslashes - 1] == "\\":
            backslashes += 1
        same = later[b - a]
        while same and same[0] <= i:
            same.popleft()
        if backslashes % 2 == 0 and same:
            j = same.popleft()
            spans.append((a, runs[j][1]))
            i = j + 1
        else:
            i += 1
    return spans


def sub_outside_code(pattern: re.Pattern, repl, text: str) -> str:
    """``pattern.sub(repl, text)`` but for matches that touch code, which must stay byte for byte."""
    in_code = _touches(code_spans(text))
    out, cursor = [], 0
    for match in pattern.finditer(text):
        if in_code(match.start(), match.end()):
            continue
        out.append(text[cursor:match.start()])
        out.append(repl(match) if callable(repl) else match.expand(repl))
        cursor = match.end()
    out.append(text[cursor:])
    return "".join(out)


def plain_text(passage: str) -> str:
    """The passage as one line of plain text for lexical indexing and embeddings.

    Rendered and stripped rather than pattern-matched: what is left is what a reader sees, code
    included (its line breaks become spaces), with escapes and entities resolved.
    """
    rendered = markdown_html(close_open_blocks(passage or ""), converter="passages",
                             extensions=["fenced_code", "tables", "sane_lists", TILDE_ESCAPE])
    return " ".join(html.unescape(nh3.clean(rendered, tags=set())).split())
