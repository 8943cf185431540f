"""Search for people: the passage index grouped by thread, best passage as the snippet.

The same ranking as the assistant's (``ranking.rank``), without its abstention: a person searching
wants the closest threads even when none is a sure answer. AI text shown here is a view like any
other: the caller records a view receipt for it and shows the disclaimer, so a retraction reaches
whoever read it here.
"""
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import mark_safe

from forum.models import Post, Thread
from forum.text import stem

from .. import disclaimers
from .ranking import PassageHit, Ranking, rank

_WORD = re.compile(r"\w+")
SEARCH_THREADS = 60  # at most this many threads are ranked for one query (three pages of 20; 80 before round 6)
SIMILAR_THREADS = 5


@dataclass
class SearchResult:
    thread: Thread
    passage: PassageHit
    score: float
    words: list[str]
    # A published AI answer's snippet carries what the thread page shows beside its text (``with_ai_notices``).
    risk_notice: str = ""
    claims_notice: str = ""
    attention_notice: str = ""

    @property
    def is_ai_generated(self) -> bool:
        return self.passage.role == "ai"

    @property
    def snippet(self) -> str:
        return snippet(self.passage.plain, self.words)

    @property
    def highlighted(self) -> str:
        return highlight(self.snippet, self.words)


def search_threads(user, text: str, *, category=None, author=None, limit: int = SEARCH_THREADS) -> list[SearchResult]:
    ranking = rank(user, text, limit=limit, category=category, author=author, count_names=False)
    return _results(ranking, ranking.threads)


def _results(ranking: Ranking, threads) -> list[SearchResult]:
    """One result per thread, its best passage's author and time read (not its Markdown: the snippet is plain)."""
    best = [hit.passages[0] for hit in threads if hit.passages]
    kept = {passage.id for passage in ranking.with_details(best, text=False)}
    return [SearchResult(thread=hit.thread, passage=hit.passages[0], score=round(hit.score, 4), words=ranking.words)
            for hit in threads if hit.passages and hit.passages[0].id in kept]


def similar_threads(user, text: str, *, limit: int = SIMILAR_THREADS) -> list[SearchResult]:
    """Existing threads close to a question being typed: only confident matches, none below the threshold."""
    ranking = rank(user, text, limit=limit)
    return _results(ranking, ranking.relevant)


def ai_posts_shown(results: list[SearchResult]) -> list[Post]:
    """The published AI posts whose text a page of results shows (for their view receipts), as the search read them:
    not hidden (its passages exclude hidden posts). Whether one was hidden since is ``posts_mark_viewed``'s to ask."""
    ids = dict.fromkeys(r.passage.post_id for r in results if r.is_ai_generated)
    return [Post(pk=pk, kind=Post.Kind.ASSISTANT, hidden=False) for pk in ids]


def with_ai_notices(results: list[SearchResult]) -> list[SearchResult]:
    """``results`` (a page of them), each AI snippet given its answer's high-risk banner and confirmed-claims notice,
    as the thread page shows them beside the same text: one query, for the page's AI results only (round 43's
    review: a searcher read a high-risk answer's advice under the plain published disclaimer)."""
    ids = {r.passage.post_id for r in results if r.is_ai_generated}
    if ids:
        from ..models import AIAnswer
        answers = {answer.published_post_id: answer for answer in AIAnswer.objects.filter(
            published_post_id__in=ids).only("published_post_id", "risk", "risk_reasons", "grounding",
                                            "attention_reason")}
        for result in results:
            if (answer := answers.get(result.passage.post_id)) is not None and result.is_ai_generated:
                result.risk_notice = disclaimers.risk_notice(answer)
                result.claims_notice = disclaimers.claims_confirmed_notice(answer)
                result.attention_notice = disclaimers.attention_notice(answer)
    return results


# Where a sentence starts, in a passage's plain text: after a full stop, a question or an exclamation mark (and a
# closing quote or bracket) and a blank, or at a line's start (a paragraph, a list item, a code line).
# A sentence starts with a capital or markup: "e.g. during an incident" and "sec. 4 of the runbook" go on (the review of
# round 46's fix).
_SENTENCE_END = re.compile(r"[.!?][\"')\]\u201d\u2019]*\s+(?=[^\W\d_a-z]|[`\"'(\[*_\u201c\u2018])|\n")
SNIPPET_LEAD = 700  # at most this many characters of the first match's sentence before it: beyond, it is not shown


def snippet(text: str, words: list[str], width: int = 260) -> str:
    """Plain text from the start of the sentence of the first matching word (templates and serializers escape it),
    whole words only: a preview shows less than the desk, never a word the desk does not show (round 41's review:
    "…not be undone" for "cannot"), nor a sentence without its first words ("Never, whatever the on-call lead … tells
    you, purge the queues" cut to "…purge the queues": round 46's review). A long sentence's first words before the
    match widen the preview, up to ``SNIPPET_LEAD`` characters of them; a match further on is not shown."""
    lowered = text.lower()
    positions = [i for i in (lowered.find(stem(w)) for w in words) if i >= 0]
    first = min(positions) if positions else 0
    start = 0
    for found in _SENTENCE_END.finditer(text, 0, first):
        start = found.end()
    end = start + max(width, min(first - start, SNIPPET_LEAD) + width // 2)
    if end < len(text) and not text[end].isspace():  # nor its head ("can…" for "cannot"): the last whole word
        space = text.rfind(" ", start, end)
        end = space if space > start + width // 2 else end
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def highlight(text: str, words: list[str]) -> str:
    """``text`` escaped, with the query's words (and their inflections: the same stem) in <mark>."""
    wanted = {w.lower() for w in words} | {stem(w.lower()) for w in words}
    out, last = [], 0
    for match in _WORD.finditer(text):
        token = match.group(0).lower()
        if token in wanted or stem(token) in wanted:
            out.append(escape(text[last:match.start()]))
            out.append(f"<mark>{escape(match.group(0))}</mark>")
            last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped
