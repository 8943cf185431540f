"""The review desk's reading aids: the diff of an edited answer, citation links, the approval state.

Pure presentation helpers over data the selectors already loaded; they decide no access.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from forum.markup import unmask_citation_links

# Citation markers in rendered HTML: "[1]", "[2][3]" and "[1, 2]" outside tags, code and links.
_TAG = re.compile(r"<[^>]+>")
_MARKER = re.compile(r"\[(\d{1,2}(?:\s*,\s*\d{1,2})*)\]")
_SKIP = {"code", "pre", "a"}
_TAG_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z0-9]+)")


def source_anchor(answer) -> str:
    """The id prefix of an answer's sources list items (``{prefix}-{n}``), the same on every page."""
    return f"answer-{answer.pk}-source"


def link_citations(html: str, prefix: str, numbers: set[int] | frozenset[int]) -> str:
    """``[n]`` markers in sanitised HTML become links to ``#{prefix}-n`` for the sources that exist.

    Markers inside code, preformatted text or an existing link stay text; a number with no source
    stays text too (so a stray "[7]" never links nowhere). The answer's own links dressed as citations
    show where they lead instead (``forum.markup.unmask_citation_links``).
    """
    html = unmask_citation_links(html, keep={f"#{prefix}-{n}" for n in numbers})
    out: list[str] = []
    skip = 0
    position = 0
    for tag in _TAG.finditer(html):
        out.append(html[position:tag.start()] if skip else _link(html[position:tag.start()], prefix, numbers))
        name = _TAG_NAME.match(tag.group(0))
        if name and name.group(2).lower() in _SKIP and not tag.group(0).endswith("/>"):
            skip = max(0, skip - 1) if name.group(1) else skip + 1
        out.append(tag.group(0))
        position = tag.end()
    rest = html[position:]
    out.append(rest if skip else _link(rest, prefix, numbers))
    return "".join(out)


def _link(text: str, prefix: str, numbers) -> str:
    def replace(match: re.Match) -> str:
        cited = [int(n) for n in re.split(r"\s*,\s*", match.group(1))]
        if not all(n in numbers for n in cited):
            return match.group(0)
        links = ", ".join(f'<a class="cite" href="#{prefix}-{n}" aria-label="source {n}">{n}</a>' for n in cited)
        return f'<sup class="cite-group">[{links}]</sup>'

    return _MARKER.sub(replace, text)


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed"
    text: str
    old: int | None
    new: int | None

    @property
    def label(self) -> str:
        return {"added": "Added", "removed": "Removed", "same": "Unchanged"}[self.kind]

    @property
    def sign(self) -> str:
        return {"added": "+", "removed": "−", "same": " "}[self.kind]


DIFF_EXACT_LINES = 1_000  # lines of both texts together that are diffed exactly


def body_diff(original: str, current: str, *, context: int = 2) -> list[DiffLine | None]:
    """Line diff of the machine's original against the current text; ``None`` marks skipped lines."""
    old, new = original.splitlines(), current.splitlines()
    rows: list[DiffLine | None] = []
    # Exact (no line treated as junk) for texts of ordinary length; beyond, difflib's heuristic ignores the lines that
    # recur most (blank ones): matching every pair of equal lines made a page of many short lines take seconds.
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=len(old) + len(new) > DIFF_EXACT_LINES)
    for group in matcher.get_grouped_opcodes(context):
        if rows:
            rows.append(None)
        for op, a1, a2, b1, b2 in group:
            if op == "equal":
                rows += [DiffLine("same", old[a1 + i], a1 + i + 1, b1 + i + 1) for i in range(a2 - a1)]
                continue
            rows += [DiffLine("removed", old[i], i + 1, None) for i in range(a1, a2)]
            rows += [DiffLine("added", new[i], None, i + 1) for i in range(b1, b2)]
    return rows


def approval_state(*, user, approvals, needed: dict, security_reviewers: list[str], can_act: bool,
                   status: str) -> dict:
    """What the reviewer looking at the page can still do, in words.

    ``approvals`` carry ``current`` (they cover today's text); ``needed`` is ``approvals_needed``.
    """
    mine = next((a for a in approvals if a.reviewer_id == user.pk and a.current), None)
    waiting: list[str] = []
    missing = needed["need"] - needed["have"]
    if needed.get("needs_security_reviewer"):
        names = ", ".join(security_reviewers[:4]) + (", …" if len(security_reviewers) > 4 else "")
        waiting.append(f"a security reviewer ({names})" if names else "a security reviewer (nobody holds that "
                                                                      "permission on this category yet)")
    elif missing > 0:
        waiting.append("another reviewer" if missing == 1 else f"{missing} more reviewers")
    text = ""
    if status == "in_review" and mine:
        text = "You approved this text" + (f"; waiting for {' and '.join(waiting)}." if waiting else ".")
    elif status == "in_review" and waiting and needed["have"]:
        text = f"Approved {needed['have']} of {needed['need']}; waiting for {' and '.join(waiting)}."
    return {"text": text, "may_approve": can_act and status == "in_review" and mine is None,
            "approved_by_me": mine is not None}

