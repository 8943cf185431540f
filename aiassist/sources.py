"""What an answer may draw on: passages found *as the asker*, through the shared passage index.

For the asker's own draft: anything the asker may read. For a draft meant for the thread's
audience: only what everyone who can read the thread can read as well. The thread itself is not a
source for its own answer. When nothing readable is relevant enough, there are no sources and the
engine says so (``Ranking.relevant`` is empty below the calibrated threshold).
"""
import hashlib
from dataclasses import dataclass
from html.parser import HTMLParser

from django.conf import settings

from forum import policy as forum_policy
from forum.markup import has_bidi_controls, render_markdown
from forum.models import Post, Thread
from forum.services import post_url

from . import risk
from .engines import SourceDoc
from .models import AIAnswer
from .retrieval.models import Passage
from .retrieval.passages import normalised_body
from .retrieval.ranking import RUNNER_UP_SHARE, PassageHit, Ranking, ThreadHit, question_vector, rank

POSTS_PER_THREAD = 2


@dataclass(frozen=True)
class Retrieved:
    doc: SourceDoc
    post: Post
    content_hash: str
    # The risk encoder's reading of the passage as the index stored it (``Passage.risk_read_by``, ``risk_logit``).
    risk_read_by: str = ""
    risk_logit: float | None = None


def content_hash(post: Post) -> str:
    return _content_hash(post.thread.title, post.body)


def _content_hash(title: str, body: str) -> str:
    return hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()


def _from_asker(thread: ThreadHit, passage: PassageHit) -> bool:
    """A follow-up by the source thread's own asker ("thanks, that worked", a further question) is
    not an answer, unless it was accepted as one."""
    return passage.author_id == thread.thread.author_id and passage.role != "accepted"


def _quotable(thread: ThreadHit) -> list[list[PassageHit]]:
    """A relevant thread's answers, post by post: the accepted answer first, then the replies closest
    to the question. The thread's question, its asker's follow-ups and machine answers are not advice."""
    by_post: dict[int, list[PassageHit]] = {}
    for passage in thread.passages:
        if thread.quotable(passage):
            by_post.setdefault(passage.post_id, []).append(passage)

    def order(passages):
        best = max((p.dense if p.dense is not None else p.lexical) for p in passages)
        return (not any(p.role == "accepted" for p in passages), -best, passages[0].post_id)

    return [sorted(group, key=lambda p: p.position) for group in sorted(by_post.values(), key=order)]


def select_passages(ranking: Ranking, *, limit: int) -> list[tuple[ThreadHit, PassageHit]]:
    """The passages to give the engine, best thread first: the answers of the relevant threads."""
    if not ranking.confident:
        return []
    # The cut is relative to the best thread that has an answer: an unanswered duplicate of the question
    # (the closest match, with nothing to quote) must not push the answered ones out.
    # The threads come distinct first (ranking._distinct_first), not strictly by score: the cut is relative to
    # the best score among them, and a thread below it is skipped, not the end of the list.
    answered = [(thread, groups) for thread in ranking.threads if (groups := _quotable(thread))]
    best = max((thread.score for thread, _ in answered), default=0.0)
    chosen = []
    for thread, groups in answered:
        if thread.score < RUNNER_UP_SHARE * best:
            continue
        for group in groups[:POSTS_PER_THREAD]:
            chosen.extend((thread, passage) for passage in group)
        if len(chosen) >= limit:
            break
    return chosen[:limit]


def retrieve(*, asker, thread: Thread, question: str, audience: str) -> list[Retrieved]:
    within = (forum_policy.audience_readable_categories(thread.category)
              if audience == AIAnswer.Audience.THREAD else None)
    # Enough threads that answered ones still count when unanswered duplicates of the question rank first.
    # The question is the thread's own (title and opening post): its vector is in the index already.
    ranking = rank(asker, question, within=within, exclude_thread=thread, limit=20,
                   query_vector=question_vector(thread, question))
    picked = select_passages(ranking, limit=settings.ASSISTANT_MAX_SOURCES)
    # Each source's ``content_hash`` and title are of the post as its passage was read, in the same statement
    # (``made_from``: ``with_details`` keeps only passages made from the post as it then stands): an edit committed
    # at any moment of the draft leaves the answer outdated (refused at submission, approval and publication). Hashed
    # from the post read apart, the new text's hash went with the old text, and a passage its author had just taken
    # out was published (round 35's reviews).
    kept = {passage.id for passage in ranking.with_details([passage for _, passage in picked], made_from=True)}
    picked = [(hit, passage) for hit, passage in picked if passage.id in kept]
    posts = Post.objects.select_related("thread__category", "author").in_bulk({p.post_id for _, p in picked})
    picked = [(hit, passage) for hit, passage in picked if passage.post_id in posts]  # not deleted meanwhile
    results = []
    for number, (hit, passage) in enumerate(picked, start=1):
        post, (title, body) = posts[passage.post_id], passage.made_from
        doc = SourceDoc(number=number, title=title, text=passage.text, category=post.thread.category.name,
                        role=passage.role, author=passage.author, url=post_url(post),
                        score=round(hit.score, 4), thread_asker=_from_asker(hit, passage))
        results.append(Retrieved(doc=doc, post=post, content_hash=_content_hash(title, body),
                                 risk_read_by=passage.risk_read_by, risk_logit=passage.risk_logit))
    return results


def stored_risk_readings(drew_on: list[tuple[int | None, str]]) -> dict[str, float | None]:
    """The index's risk readings of the passages an answer drew on ((post id, text) pairs), by their text, where the
    index still holds that text for the same post (``risk.stored_readings``): a reviewer's edit is classified without
    a model pass for what it quotes unchanged. A passage re-indexed since (its post edited) holds other text, and is
    read again."""
    texts = {text for post_id, text in drew_on if post_id is not None}
    rows = Passage.objects.filter(post_id__in={post_id for post_id, _ in drew_on if post_id is not None}).values_list(
        "text", "risk_read_by", "risk_logit")
    return risk.stored_readings(row for row in rows if row[0] in texts)


_START, _END = "\ue004", "\ue005"


def still_shown(passage: str, body: str) -> bool:
    """Whether ``passage`` is still in ``body`` as written (a passage is a verbatim slice of its post, line endings
    aside: ``retrieval.passages``) and shown to the post's readers there: rendered in the post, not in a comment or an
    attribute, not struck through, not reordered by a bidirectional override (the reviews of round 33's diff and
    fixes: an author who took back what an answer quoted that way left the answer published). The passage is marked
    where it stands and the whole post rendered, so what it shows in context (a reference link defined further on,
    emphasis across a cut) is what counts."""
    body = normalised_body(body).replace(_START, "").replace(_END, "")
    at = body.find(passage)
    if at < 0 or has_bidi_controls(body):  # an override reorders what is shown: a passage inside one reads reversed
        return False
    shown = _unstruck_text(render_markdown(f"{body[:at]}{_START}{passage}{_END}{body[at + len(passage):]}"))
    start, end = shown.find(_START), shown.find(_END)
    return 0 <= start < end and bool(shown[start + 1:end].strip()) or not passage.strip()


class _UnstruckText(HTMLParser):
    """The text of sanitised HTML outside any ``del`` or ``s`` element, however nested."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth, self.parts = 0, []

    def handle_starttag(self, tag, attrs):
        self.depth += tag in ("del", "s")

    def handle_endtag(self, tag):
        if tag in ("del", "s") and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def _unstruck_text(html: str) -> str:
    parser = _UnstruckText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)
