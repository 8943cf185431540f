"""The offline, deterministic default engine: colleagues' answers quoted whole, each with its citation.

It writes nothing of its own but a framing line and the attributions: every passage is quoted as
its author wrote it (code byte for byte in its fences, lists intact), so it shows what the source
post showed. It quotes answers, never questions: a source thread's opening post, its asker's
follow-ups and other AI answers are not advice. When nothing is left to quote it says so.
"""
import re
from urllib.parse import quote

from aiassist.retrieval.passages import close_open_blocks, sub_outside_code

from .base import NOTHING_FOUND, Draft, SourceDoc

__all__ = ["NOTHING_FOUND", "ExtractiveEngine"]
ROLE_LABELS = {"accepted": "accepted answer", "reply": "reply"}

# Another answer's citation marker, e.g. "[2]": this draft's citations are the only bare ones.
_CITATION = re.compile(r"\[(\d+)\]")
# A reference-style link definition, "[id]: url" (Python-Markdown's pattern, also inside a blockquote
# or a list item), and the links that use one.
_REFERENCE_DEFINITION = re.compile(
    r"^((?:[ \t]*>)*[ \t]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)?\[)([^\[\]]*)"
    r"(\]:[ ]*(?:\n[ ]*)?[^\s]+[ ]*(?:\n[ ]*)?(?:([\"'])(?:.*)\4[ ]*|\((?:.*)\)[ ]*)?)$",
    re.MULTILINE,
)
_REFERENCE_USE = re.compile(r"(?<!\\)(!?\[)([^\[\]\n]*)\](?:( ?)\[([^\[\]\n]*)\])?(?![(:\[])")
_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]])")
_URL_SAFE = ":/?#@!$&'*+,;=%~"
_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)+")


class ExtractiveEngine:
    name = "extractive"
    model = "extractive-v2"

    def __init__(self, max_passages: int = 4, max_chars: int = 4000, **_config):
        self.max_passages = max_passages
        self.max_chars = max_chars

    def draft(self, question: str, sources: list[SourceDoc]) -> Draft:
        chosen = self._choose(sources)
        if not chosen:
            return Draft.nothing_found(self.model)
        posts = len({_post_key(source) for source in chosen})
        parts = [
            f"Colleagues wrote the following in {posts} post{'s' if posts != 1 else ''} you can read; it is quoted "
            "as they wrote it and nobody has checked it for your case, so verify it before you rely on it."
        ]
        framing = [parts[0]]
        for source in chosen:
            parts.append(_quotable(source))
            parts.append(attribution(source))
            framing.append(parts[-1])
        return Draft(text="\n\n".join(parts), model=self.model, cited=sorted({s.number for s in chosen}),
                     framing=tuple(framing))

    def _choose(self, sources: list[SourceDoc]) -> list[SourceDoc]:
        """Answers only, accepted ones first, then by relevance; a post's passages together; within budget."""
        answers = [s for s in sources if s.role in ROLE_LABELS and not s.thread_asker and s.text.strip()]
        answers.sort(key=lambda s: s.role != "accepted")  # stable: relevance order within each role
        posts: dict = {}
        for source in answers:
            posts.setdefault(_post_key(source), []).append(source)
        chosen, used, seen = [], 0, set()
        for passages in posts.values():
            for source in passages:
                size = len(source.text)
                fits = len(chosen) < self.max_passages and used + size <= self.max_chars
                if (fits or not chosen) and (_post_key(source), source.text) not in seen:
                    chosen.append(source)
                    seen.add((_post_key(source), source.text))
                    used += size
        return chosen


def _post_key(source: SourceDoc):
    return source.url or ("number", source.number)


def _quotable(source: SourceDoc) -> str:
    """The passage as written, made safe to stand next to other text without changing how it renders.

    Open fences and raw HTML blocks are closed (they would swallow what follows); reference-style
    link ids get the passage's own suffix (a "[1]: url" in a post would otherwise turn this draft's
    citation [1] into that link, or another post's [docs] into this one's); and another answer's
    citation markers are escaped so that only this draft's citations read as citations.
    """
    text = _LEADING_BLANK_LINES.sub("", close_open_blocks(source.text)).rstrip()
    suffix = f"-src{source.number}"
    defined = set()

    def define(match: re.Match) -> str:
        defined.add(_label(match.group(2)))
        return f"{match.group(1)}{match.group(2)}{suffix}{match.group(3)}"

    text = sub_outside_code(_REFERENCE_DEFINITION, define, text)
    if defined:

        def use(match: re.Match) -> str:
            opening, label, space, reference = match.groups()
            if reference is None or reference == "":  # shortcut [id] or collapsed [id][]
                if _label(label) in defined:
                    return f"{opening}{label}][{label}{suffix}]"
            elif _label(reference) in defined:
                return f"{opening}{label}]{space}[{reference}{suffix}]"
            return match.group(0)

        text = sub_outside_code(_REFERENCE_USE, use, text)
    return sub_outside_code(_CITATION, lambda m: _escape_citation(text, m), text)


def _label(label: str) -> str:
    return " ".join(label.split()).lower()


def _escape_citation(text: str, match: re.Match) -> str:
    """The marker changed so that it renders exactly as before but no longer reads as a citation."""
    backslashes = 0
    while match.start() - backslashes > 0 and text[match.start() - backslashes - 1] == "\\":
        backslashes += 1
    digits = match.group(1)
    if backslashes % 2:  # "\[2]" already shows "[2]": escape its other bracket too
        return f"[{digits}\\]"
    if text[match.end():match.end() + 1] in ("(", "[") or text[match.end():match.end() + 2] == " [":
        # The text of a link: an entity for its first digit keeps the link and what it shows.
        return f"[&#{ord(digits[0])};{digits[1:]}]"
    return f"\\[{digits}\\]"


def _inline(text: str) -> str:
    """Plain text (a title, a name) as Markdown inline text that shows exactly that text."""
    text = " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;")
    return _INLINE_SPECIALS.sub(r"\\\1", text)


def attribution(source: SourceDoc) -> str:
    """The line under a quote of ``source``: who wrote it, where, and its number (a line the engine writes itself:
    the grounding check reads such a line as an attribution only when the engine wrote it, ``Draft.framing``)."""
    who = f"*{_inline(source.author)}*" if source.author.strip() else "a colleague"
    title = _inline(source.title) or "a thread"
    where = f"[{title}]({quote(source.url, safe=_URL_SAFE)})" if source.url else f"“{title}”"
    return f"— {who}, {ROLE_LABELS[source.role]} in {where} [{source.number}]"
