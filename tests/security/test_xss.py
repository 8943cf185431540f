"""XSS beyond posts: the vectors of tests/data/xss_vectors.txt in AI output (a draft that repeats hostile
sources verbatim, and the extractive engine quoting them), reject, retract, report and hide reasons, user
names and thread titles, on every page that shows them to anyone: nothing executable comes out."""
from html.parser import HTMLParser

import pytest
from django.test import Client

from aiassist import services as ai_services
from aiassist.engines import Draft
from aiassist.models import AIAnswer
from forum import policy
from forum import services as forum_services
from forum.markup import machine_text

from ..factories import UserFactory, grant, make_admin, make_category, make_thread
from ..forum.test_markup import load_vectors, url_scheme

pytestmark = pytest.mark.django_db

VECTORS = load_vectors()
REASON_MAX = 1000


def _chunks(vectors: list[str], limit: int) -> list[str]:
    chunks, current = [], ""
    for vector in vectors:
        if current and len(current) + 2 + len(vector) > limit:
            chunks.append(current)
            current = ""
        current = f"{current}\n\n{vector}" if current else vector
    return [*chunks, current] if current else chunks


# Posts refuse NUL characters by design (reasons with one: test_nul_in_a_reason_is_refused below).
CHUNKS = _chunks([vector.replace("\x00", "") for vector in VECTORS], REASON_MAX)


class VerbatimEngine:
    """A model that repeats the question it was given word for word, raw markup included (sources reach
    engines as plain text; the question is the thread's own Markdown): whatever hostile text the asker
    wrote, the draft holds too. A test engine, loaded by dotted path like tests/engines.py's."""

    name = "verbatim"

    def __init__(self, **_config):
        pass

    def draft(self, question, sources):
        citations = "".join(f" [{source.number}]" for source in sources)
        return Draft(text=question + citations, model="verbatim-test", cited=[source.number for source in sources])


SAFE_SCHEMES = {"http", "https", "mailto"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background", "lowsrc", "dynsrc", "poster",
                  "data", "codebase", "cite", "srcset", "manifest", "ping"}
NEVER = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "math", "template", "portal",
         "bgsound", "xml", "import", "noscript", "xss", "img", "image", "video", "audio", "source", "isindex",
         "marquee", "layer", "ilayer", "body", "html", "head", "title", "meta", "link"}


class ExecutableFinder(HTMLParser):
    """What could run in a page: a script not from /static/, an on* handler, a javascript:/data:/vbscript:
    URL, a tag that loads or embeds something. The page's own frame (html, head, meta, link, one svg icon
    class) is allowed once, in its place."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.frame: dict[str, int] = {}
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("html", "head", "body", "title"):
            self.frame[tag] = self.frame.get(tag, 0) + 1
            if self.frame[tag] > 1:
                self.found.append(f"a second <{tag}>")
        elif tag in ("meta", "link") and self.frame.get("body", 0) == 0:
            pass  # the document head's own
        elif tag == "script":
            if not (attributes.get("src") or "").startswith("/static/"):
                self.found.append(f"<script {attrs}>")
        elif tag == "svg" and attributes.get("class") != "icon":
            self.found.append(f"<svg {attrs}>")
        elif tag in NEVER:
            self.found.append(f"<{tag} {attrs}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and url_scheme(value or "") not in (None, *SAFE_SCHEMES):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self.found.append(f"<{tag} style={value!r}>")

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def assert_nothing_executable(response, where: str) -> str:
    assert response.status_code == 200, (where, response.status_code)
    page = ExecutableFinder(response.content.decode())
    assert not page.found, (where, page.found[:5])
    return " ".join(" ".join(page.text).split())


@pytest.fixture
def people(db):
    admin = make_admin()
    engineering = make_category(admin, "Engineering")
    asker = UserFactory(username="x.y@z+-_alice", first_name="<img src=x onerror=alert(1)>",
                        last_name='"><script>alert(2)</script>')
    reader = UserFactory(username="bob", first_name="<svg/onload=alert(3)>")
    reviewer = UserFactory(username="maria", first_name="<a href='javascript:alert(4)'>Maria</a>")
    security = UserFactory(username="sam")
    for user in (reviewer, security):
        grant(policy.MODERATE, user, engineering)
        grant(policy.REVIEW, user, engineering)
        grant(policy.APPROVE_HIGH_RISK, user, engineering)
    return {"engineering": engineering, "asker": asker, "reader": reader, "reviewer": reviewer, "security": security}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _reason(text: str) -> str:
    return " ".join(text.split())[:REASON_MAX]


def _approve_until_published(answer, *reviewers):
    for claim in ai_services.unresolved_claims(answer):  # the vectors are in no source: confirmed (grounding gate)
        ai_services.answer_confirm_claim(acting_user=reviewers[0], answer=answer, key=claim["key"], reason="Checked.")
        answer = AIAnswer.objects.get(pk=answer.pk)
    for reviewer in reviewers:
        answer = ai_services.answer_approve(acting_user=reviewer, answer=answer)
        if answer.status == AIAnswer.Status.PUBLISHED:
            return answer
    raise AssertionError(f"still {answer.status}")


@pytest.mark.parametrize("chunk", CHUNKS, ids=[f"vectors-{n}" for n in range(1, len(CHUNKS) + 1)])
def test_ai_output_and_reasons_never_carry_anything_executable(settings, people, chunk):
    settings.ASSISTANT_ENGINE = "tests.security.test_xss.VerbatimEngine"
    asker, reader, reviewer, security = (people[k] for k in ("asker", "reader", "reviewer", "security"))
    engineering = people["engineering"]
    title = " ".join(chunk.split())[:200]
    source = make_thread(reader, engineering, title=title, body=f"Celery notes.\n\n{chunk}")
    question = make_thread(asker, engineering, title="How do I alert on XSS in celery tasks?",
                           body=f"Celery notes, as asked.\n\n{chunk}")
    as_asker, as_reader, as_reviewer = client_for(asker), client_for(reader), client_for(reviewer)
    thread_page = f"/t/{question.pk}/"

    # The private draft repeats the hostile sources: the asker's thread page and panel.
    answer = ai_services.answer_request(acting_user=asker, thread=question)
    answer = ai_services.answer_generate(answer_id=answer.pk)
    # As an AI answer stores it: raw HTML as the text it is (forum.markup.machine_text).
    assert answer.status == AIAnswer.Status.DRAFT and machine_text(chunk).split("\n\n")[0] in answer.body
    assert_nothing_executable(as_asker.get(thread_page), "draft on the thread page")
    assert_nothing_executable(as_asker.get(f"/ai/answers/{answer.pk}/panel/", headers={"HX-Request": "true"}),
                              "draft panel")

    # Review: the queue and the review page; then a rejection whose reason is the chunk.
    answer = ai_services.answer_submit(acting_user=asker, answer=answer)
    assert_nothing_executable(as_reviewer.get("/ai/review/"), "review queue")
    assert_nothing_executable(as_reviewer.get(f"/ai/review/{answer.pk}/"), "review page")
    reason = _reason(chunk)
    ai_services.answer_reject(acting_user=reviewer, answer=answer, reason=reason)
    text = assert_nothing_executable(as_asker.get(thread_page), "rejected panel")
    assert reason[:40] in text  # the reason is shown, as text
    assert reason[:40] in assert_nothing_executable(as_asker.get("/notifications/"), "asker's notifications")

    # Published, read, reported, retracted.
    answer = ai_services.answer_regenerate(acting_user=asker, answer=AIAnswer.objects.get(pk=answer.pk))
    answer = ai_services.answer_submit(acting_user=asker, answer=ai_services.answer_generate(answer_id=answer.pk))
    answer = _approve_until_published(answer, reviewer, security)
    assert_nothing_executable(as_reader.get(thread_page), "published post")
    ai_services.answer_report(acting_user=reader, answer=answer, reason=reason)
    assert reason[:40] in assert_nothing_executable(as_reviewer.get(thread_page), "reported post, reviewer")
    assert_nothing_executable(as_reviewer.get("/ai/review/"), "review queue with a report")
    assert_nothing_executable(as_reviewer.get(f"/ai/review/{answer.pk}/"), "review page with a report")
    ai_services.answer_retract(acting_user=reviewer, answer=AIAnswer.objects.get(pk=answer.pk), reason=reason)
    assert_nothing_executable(as_reviewer.get(thread_page), "retracted post, reviewer")
    assert reason[:40] in assert_nothing_executable(as_reader.get("/notifications/"), "reader's notifications")
    assert_nothing_executable(as_asker.get(thread_page), "retracted panel")

    # A moderator hides the hostile source with a hostile reason; titles on lists; search snippets.
    forum_services.post_hide(acting_user=reviewer, post=source.posts.get(), reason=reason[:500])
    assert reason[:40] in assert_nothing_executable(as_reviewer.get(f"/t/{source.pk}/"), "hidden post")
    for path in ("/", f"/c/{engineering.slug}/", "/search/?q=alert+script+xss+celery"):
        assert_nothing_executable(as_reader.get(path), path)
        assert_nothing_executable(as_reviewer.get(path), path)


def test_the_extractive_engine_quoting_hostile_posts_stays_inert(people):
    asker, reader = people["asker"], people["reader"]
    for chunk in CHUNKS:  # the hostile text in answers: the assistant quotes answers, not questions
        make_thread(people["security"], people["engineering"], title="Alerting on XSS script javascript",
                    body="Which payloads should the alerting catch?",
                    replies=[(reader, chunk.replace("\n\n", " Alert script XSS javascript onerror. "))])
    question = make_thread(asker, people["engineering"], title="How do I alert on XSS script javascript onerror?",
                           body="Which alert script XSS javascript onerror payloads matter?")
    answer = ai_services.answer_generate(answer_id=ai_services.answer_request(acting_user=asker,
                                                                              thread=question).pk)
    assert answer.status == AIAnswer.Status.DRAFT and answer.sources.filter(cited=True).exists()
    assert_nothing_executable(client_for(asker).get(f"/t/{question.pk}/"), "extractive draft")


def test_a_hostile_user_name_from_a_directory_is_escaped(people):
    """Django's forms refuse such a name, but accounts may come from elsewhere (an SSO sync): templates must
    escape it wherever it shows (thread author, post author, review queue, approvals, header menu)."""
    hostile = UserFactory(username='"><img src=x onerror=alert(5)>')
    engineering, reviewer = people["engineering"], people["reviewer"]
    make_thread(people["reader"], engineering, title="My celery tasks fail on network errors: how should retries "
                "back off?", body="Which settings control retry backoff?",
                replies=[(reviewer, "Celery retries back off with retry_backoff=True, doubling.")])
    thread = make_thread(hostile, engineering, title="Celery retries back off?", body="How do celery retries back off?",
                         replies=[(people["reader"], "Celery retries back off with retry_backoff=True, doubling.")])
    answer = ai_services.answer_generate(answer_id=ai_services.answer_request(acting_user=hostile, thread=thread).pk)
    assert not answer.declined, answer.body  # an answer to review (a draft that found none cannot be submitted)
    answer = ai_services.answer_submit(acting_user=hostile, answer=answer)
    as_hostile, as_reviewer = client_for(hostile), client_for(reviewer)
    for client, path in ((as_hostile, "/"), (as_hostile, f"/t/{thread.pk}/"), (as_reviewer, f"/t/{thread.pk}/"),
                         (as_reviewer, f"/c/{engineering.slug}/"), (as_reviewer, "/ai/review/"),
                         (as_reviewer, f"/ai/review/{answer.pk}/")):
        response = client.get(path)
        assert_nothing_executable(response, path)
        assert '&quot;&gt;&lt;img src=x onerror=alert(5)&gt;' in response.content.decode() or path == "/", path


def test_the_finder_finds(people):
    """The checker itself: each kind of problem it must report, in a page that is otherwise fine."""
    for snippet in ("<script>alert(1)</script>", '<a href="jav&#x09;ascript:alert(1)">x</a>', "<p onclick=x>",
                    "<img src=x>", '<form action="javascript:alert(1)">', "<svg onload=alert(1)>", '<b style="x">',
                    '<iframe src="https://example.com">', '<a href="data:text/html,x">x</a>', "<body onload=x>"):
        page = ExecutableFinder(f"<html><head></head><body><p>fine</p>{snippet}</body></html>")
        assert page.found, snippet
    assert not ExecutableFinder('<html><head><meta charset="utf-8"><link rel="stylesheet" href="/static/x.css">'
                                '<script src="/static/x.js"></script></head><body><svg class="icon"></svg>'
                                '<a href="https://example.com/">ok</a></body></html>').found


@pytest.mark.parametrize("action", ["reject", "retract", "report"])
def test_nul_in_a_reason_is_refused(world, action):
    client = Client(raise_request_exception=False)
    client.force_login(world.moderator)
    path = {"reject": f"/ai/review/{world.in_review.pk}/reject/",
            "retract": f"/ai/review/{world.published.pk}/retract/",
            "report": f"/ai/posts/{world.published.published_post_id}/report/"}[action]
    assert client.post(path, {"reason": "bad\x00reason"}).status_code == 400
