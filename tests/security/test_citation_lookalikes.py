"""A link whose text reads as a citation ("[1](https://…)", "[[2]](…)", "[source 3](…)") in an AI answer looked like
one of the answer's vetted sources on the review desk and on the public page, while it led anywhere. In an AI answer
a citation is only a ``[n]`` marker the app links to one of the answer's sources: such a link now shows where it
leads, on every page that shows the answer (``forum.markup.unmask_citation_links``); other links keep their text.
"""
import html as htmllib
import re

import pytest
from django.urls import reverse
from markdown_it import MarkdownIt

from aiassist import services
from aiassist.desk import link_citations
from forum.markup import render_markdown, unmask_citation_links

from ..aiassist.test_engines_openai import chat_server  # noqa: F401 - fixture
from .routes import blocking_key
from .test_reference_definitions import (  # noqa: F401 - fixtures
    DRAFT,
    EVIL,
    URL,
    as_readers_see_it,
    desk,
    drafting,
    in_review,
    publish,
    signed_in,
)

LOOKALIKES = [f"[1]({EVIL})", f"[[2]]({EVIL})", f"[(3)]({EVIL})", f"[source 1]({EVIL})", f"[ref. 2]({EVIL})",
              f"[1, 2]({EVIL})", f"[¹]({EVIL})", f"[**1**]({EVIL})", f"<sup>[4]({EVIL})</sup>", f"[#5]({EVIL})",
              # what shows nothing does not hide one: zero-width space (raw and as an entity), word joiner, soft
              # hyphen, a right-to-left mark; other forms of a number; text that is no word at all
              f"[1\u200b]({EVIL})", f"[[1&#8203;]]({EVIL})", f"[1\u2060]({EVIL})", f"[1\u00ad]({EVIL})",
              f"[\u200f2]({EVIL})", f"[①]({EVIL})", f"[₁]({EVIL})", f"[ⅱ]({EVIL})",
              f"[→]({EVIL})", f"[\u200b]({EVIL})", f"[note 3]({EVIL})", f"[sources 1, 2]({EVIL})", f"[refs 2]({EVIL})",
              # letters that show as blank space (Hangul fillers); an href that is not the first attribute
              f"[[1]\u3164]({EVIL})", f"[1\u115f]({EVIL})", f'<a title="Source" href="{EVIL}">[2]</a>',
              # round 34's review: blanks a browser shows as one, a word run into its number
              f"[1{' ' * 45}2]({EVIL})", f"[source{' ' * 40}3]({EVIL})", f"[ref1]({EVIL})", f"[Source2]({EVIL})",
              f"[fn3]({EVIL})"]


def visible(html: str) -> str:
    """The text ``html`` shows, tags dropped."""
    return htmllib.unescape(re.sub(r"<[^>]+>", "", html))


def shows_where_it_leads(html: str, href: str) -> bool:
    """Whether every link to ``href`` in ``html`` shows ``href`` as its text, and ``href`` is in view."""
    return all(text == href for to, text in links(html) if to == href) and href in visible(html)


def links(html: str) -> list[tuple[str, str]]:
    """(href, text shown) of every link in ``html``, tags inside the text dropped."""
    return [(href, re.sub(r"<[^>]+>", "", text))
            for href, text in re.findall(r'<a [^>]*?href="([^"]*)"[^>]*>(.*?)</a>', html, re.S)]


@pytest.mark.parametrize("markdown", LOOKALIKES)
def test_a_link_dressed_as_a_citation_shows_where_it_leads(markdown):
    html = unmask_citation_links(render_markdown(f"Use retry_backoff {markdown}."))
    assert links(html) == [(EVIL, EVIL)]


def test_only_text_as_short_as_a_citation_is_read_as_one():
    """Link text past a citation's length is never one: the pattern then reads at most 40 characters, whatever
    the text (matched whole, 50,000 characters of punctuation took 40 s: the review, 2026-12-04)."""
    from forum.markup import _CITED_MAX, _looks_cited

    assert _looks_cited("[" + "1, " * 12 + "2]") and len("[" + "1, " * 12 + "2]") <= _CITED_MAX
    assert not _looks_cited("-" * 50_000 + "1")
    html = unmask_citation_links(render_markdown("[" + "-" * 1_900 + "1](https://example.com)"))
    assert 'href="https://example.com"' in html and "https://example.com</a>" not in html
    # Longer than any link's text: not read for an address either, it shows its own (round 33: padding hid one).
    html = unmask_citation_links(render_markdown("[" + "-" * 50_000 + "1](https://example.com)"))
    assert "https://example.com</a>" in html


@pytest.mark.parametrize("markdown, shown", [
    (f"[the retry guide]({EVIL})", "the retry guide"),
    (f"[RFC 9110]({EVIL})", "RFC 9110"),
    (f"[version 1.2]({EVIL})", "version 1.2"),
    (f"<{EVIL}>", EVIL),
    (f"[source code]({EVIL})", "source code"),
    (f"[Python 3]({EVIL})", "Python 3"),
    (f"[C]({EVIL})", "C"),  # a language; a letter is a word
    (f"[vi]({EVIL})", "vi"),
])
def test_other_links_keep_their_text(markdown, shown):
    assert links(unmask_citation_links(render_markdown(f"See {markdown}."))) == [(EVIL, shown)]


# Round 33's review: link text that reads as an address leads wherever its href says, and reviewer and reader alike
# take it for the address it shows.
ANOTHER_ADDRESS = ["https://wiki.corp.example/runbooks/celery", "wiki.corp.example/runbooks/celery",
                                  "www.corp.example", "HTTPS://EVIL.EXAMPLE/RETRY-GUIDE/extra", "ops@corp.example",
                                  "https://wiki.corp\u200b.example/x", "ftp://files.corp.example/",
                                  # the review of round 33's diff: look-alike colons and dots, an address among words
                                  "https\ua789//wiki.corp.example/runbook", "wiki\uff0ecorp.example/runbook",
                                  "wiki\u2024corp.example/runbook", "see wiki.corp.example/runbook for the steps",
                                  # the review of the fixes: a Greek letter, a middle dot, padding past the check
                                  "wiki.c\u03bfrp.example/runbook", "wiki\u00b7corp.example/runbook",
                                  "https://wiki.corp.example/runbook" + " " * 2001 + "."]


@pytest.mark.parametrize("text", ANOTHER_ADDRESS)
def test_a_link_showing_another_address_shows_its_own(text):
    html = unmask_citation_links(render_markdown(f"Follow [{text}]({EVIL})."))
    assert links(html) == [(EVIL, EVIL)]


@pytest.mark.parametrize("markdown, shown", [
    ("[https://example.com/a](https://example.com/a)", "https://example.com/a"),
    ("[example.com/a/](https://example.com/a)", "example.com/a/"),
    ("[WWW.Example.com](http://www.example.com)", "WWW.Example.com"),
    ("<https://example.com/a>", "https://example.com/a"),
    ("<ops@example.com>", "ops@example.com"),
    ("[the runbook at example.com/a](https://example.com/a)", "the runbook at example.com/a"),
    # Dotted names that are modules and products, not hosts (the review of the fixes: all were rewritten).
    ("[the django.contrib.auth docs](https://docs.example/auth)", "the django.contrib.auth docs"),
    ("[Vue.js guide](https://docs.example/vue)", "Vue.js guide"), ("[ASP.NET Core](https://docs.example/asp)",
                                                                   "ASP.NET Core"),
])
def test_a_link_showing_its_own_address_keeps_its_text(markdown, shown):
    assert [text for _, text in links(unmask_citation_links(render_markdown(f"See {markdown}.")))] == [shown]


def test_only_the_answers_own_sources_may_be_linked_under_a_number():
    html = render_markdown("Retry [1]. Also [2](#answer-7-source-2) and [1](#answer-99-source-1).")
    linked = link_citations(html, "answer-7-source", {1, 2})
    assert ("#answer-7-source-1", "1") in links(linked)  # the app's citation
    assert ("#answer-7-source-2", "2") in links(linked)  # a link into this answer's own sources list
    assert ("#answer-99-source-1", "#answer-99-source-1") in links(linked)  # another answer's: not a citation


def test_marks_inside_a_link_still_open_and_close():
    """The review desk wraps claims in spans that may start or end inside a link's text: they stay balanced."""
    html = f'<p><a href="{EVIL}" rel="x"><span class="claim">[1</span>]</a> and more</p>'
    unmasked = unmask_citation_links(html)
    assert unmasked == f'<p><a href="{EVIL}" rel="x"><span class="claim">{EVIL}</span></a> and more</p>'


@pytest.mark.django_db
def test_a_models_lookalike_shows_its_url_on_the_panel_desk_and_public_page(
        in_review, eng_moderator, security_reviewer, employee, other_employee):  # noqa: F811 - a fixture
    # A URL the source holds (the grounding check calls an unknown one, or a number the sources lack, invented).
    answer = in_review(f"Set retry_backoff=True so the delay doubles between retries [1] [¹]({URL}) [[²]]({URL}).")
    panel = signed_in(employee).get(f"/t/{answer.thread_id}/").content.decode()
    reviewed = desk(answer, eng_moderator)
    public = publish(answer, eng_moderator, security_reviewer).published_post.body_html
    thread_page = signed_in(other_employee).get(f"/t/{answer.thread_id}/").content.decode()
    for html in (answer.body_html, panel, reviewed, public, thread_page):
        assert shows_where_it_leads(html, URL)
    for html in (reviewed, public):  # the real citation still links to the answer's source
        assert (f"#answer-{answer.pk}-source-1", "1") in links(html)
    assert as_readers_see_it(reviewed) == public


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["edit", "approve"])
def test_a_reviewers_lookalike_gets_the_same_treatment(how, in_review, eng_moderator, security_reviewer):  # noqa: F811
    answer = in_review()
    edited = f"{answer.body}\n\nMore in {LOOKALIKES[1]} and [the guide]({EVIL})."
    act = services.answer_edit if how == "edit" else services.answer_approve
    answer = act(acting_user=eng_moderator, answer=answer, body=edited)
    # Stored as the text it is (its "[" escaped), so that an API client rendering ``body`` shows it so too.
    assert answer.body == edited.replace(LOOKALIKES[1], "\\" + LOOKALIKES[1])
    assert [text for href, text in links(answer.body_html) if href == EVIL] == ["the guide"]
    reviewed = desk(answer, security_reviewer)
    assert [text for href, text in links(reviewed) if href == EVIL] == ["the guide"]
    for html in (answer.body_html, reviewed, MarkdownIt("commonmark").render(answer.body)):
        assert LOOKALIKES[1] in visible(html)


def test_the_review_desks_live_preview_unmasks_too(client, eng_moderator):
    client.force_login(eng_moderator)
    body = f"Retry with backoff [1]({EVIL})."
    desk_preview = client.post(reverse("forum:preview"), {"body": body, "as": "ai-answer"}).content.decode()
    assert links(desk_preview) == [] and f"[1]({EVIL})" in visible(desk_preview)  # the text as it will be stored
    post_preview = client.post(reverse("forum:preview"), {"body": body}).content.decode()
    assert links(post_preview) == [(EVIL, "1")]  # a colleague's post is not an AI answer: no citations to fake


def test_the_desk_shows_a_claim_whose_edge_falls_in_a_link_without_marks():
    """A claim boundary inside a link's URL or title would put the desk's marker into the attribute, and its span
    into the href: the desk would show other text than the public page. It shows the plain rendering instead."""
    from aiassist.templatetags.claims import _marked

    body = 'Read [the guide](https://example.com/v1.2/docs "Guide v1.2") first. Then retry [1].'
    inside = body.index("v1.2/docs") + 3  # "https://example.com/v1." | "2/docs"
    claims = [{"index": 0, "start": 0, "end": inside, "status": "supported", "blocking": False, "confirmed": False,
               "label": "supported", "by_reviewer": False, "id": "claim-1-0"},
              {"index": 1, "start": inside, "end": len(body), "status": "supported", "blocking": False,
               "confirmed": False, "label": "supported", "by_reviewer": False, "id": "claim-1-1"}]
    html, marked = _marked(body, claims)
    assert (html, marked) == (render_markdown(body), set())
    # A claim wholly outside the link is marked as usual.
    after = body.index(" Then")
    html, marked = _marked(body, [{**claims[1], "start": after + 1}])
    assert marked == {1} and 'href="https://example.com/v1.2/docs"' in html


# Round 34: the pages show such a link's address in its place, but the JSON API's ``body`` is the stored Markdown, and
# a client rendering it showed the address the link's text names, which no reviewer saw as the link's.
CLIENTS = [("forum", render_markdown), ("CommonMark", MarkdownIt("commonmark").render),
           ("CommonMark with tables", MarkdownIt("commonmark").enable("table").render)]


@pytest.mark.parametrize("markdown", [*LOOKALIKES, *(f"[{text}]({EVIL})" for text in ANOTHER_ADDRESS),
                                      f"Use `a\n- [https://wiki.corp.example/x]({EVIL})` here.",  # code for one only
                                      f"`a | b\n-|-\n[1]({EVIL}) | c`",
                                      # round 34's review: the marks the check inserts, written into the text
                                      f"[source \ue0021\ue003]({EVIL})", f"[1\ue000\ue001]({EVIL})",
                                      # a link Python-Markdown nests in another, read as one (round 34's review)
                                      f"(([\\\n[x]({EVIL})*- \\[https://wiki.corp/x]({EVIL}(a))_&]",
                                      f"[the [1]({EVIL}) guide](https://x.example/)"])
def test_an_ai_answer_stores_a_masked_link_as_the_text_it_is(markdown):
    from forum.markup import machine_text

    stored = machine_text(f"Use retry_backoff {markdown}.")
    for client, render in CLIENTS:
        html = render(stored)
        assert shows_where_it_leads(html, EVIL), (client, stored, html)
    assert machine_text(stored) == stored


@pytest.mark.parametrize("text", [f"See [the retry guide]({EVIL}).", f"See [RFC 9110]({EVIL}).", f"See <{EVIL}>.",
                                  "See [example.com/a/](https://example.com/a).", f"See [{EVIL}]({EVIL}).",
                                  f"See `[1]({EVIL})`.", f"See:\n\n```\n[1]({EVIL})\n```", "See [1] and [2, 3]."])
def test_other_links_and_code_are_stored_as_written(text):
    from forum.markup import machine_text

    assert machine_text(text) == text


@pytest.mark.django_db
def test_an_api_client_gets_no_masked_link_where_the_desk_showed_its_address(
        in_review, eng_moderator, security_reviewer, other_employee):  # noqa: F811 - a fixture
    masked = f"[https://wiki.corp.example/runbook]({URL})"
    answer = in_review(f"Set retry_backoff=True so the delay doubles between retries [1]. Steps: {masked}.")
    reviewed = desk(answer, eng_moderator)
    assert masked in visible(reviewed) and not [href for href, _ in links(reviewed) if href == URL]
    # The address the text names is in view, so the grounding check reads it too: in no source, a claim to confirm.
    services.answer_confirm_claim(acting_user=eng_moderator, answer=answer, key=blocking_key(answer),
                                  reason="The wiki page exists")
    answer = publish(answer, eng_moderator, security_reviewer)
    posts = signed_in(other_employee).get(f"/api/v1/threads/{answer.thread_id}/posts/").json()["results"]
    body = next(post["body"] for post in posts if post["is_ai_generated"])
    for client, render in CLIENTS:
        html = render(body)
        assert shows_where_it_leads(html, URL) and masked in visible(html), (client, html)


# Round 39's review: a backslash in a link's address. Python-Markdown (the desk, the thread page) keeps it before a
# character it does not escape, and a browser reads it as "/"; CommonMark (an API client rendering ``body``) drops it
# or encodes it as "%5C". "https://wiki.corp\@evil.example/" then led the reviewers to wiki.corp, a client to
# evil.example ("wiki.corp" only a user name).
SPLIT_LINKS = ["See [the operations runbook](https://wiki.corp\\@evil.example/runbook).",
               "See [the runbook](https://wiki.corp\\:x@evil.example/runbook).",
               "See [the runbook](https://wiki.corp\\?@evil.example/).",
               "The runbook: <https://wiki.corp\\@evil.example/runbook>",
               "See [the runbook](<https://wiki.corp\\@evil.example/runbook>).",
               # the review of round 39's fixes: the backslash as an entity, which a browser decodes in an href
               "The runbook: <https://wiki.corp&#92;@evil.example/runbook>",
               "The runbook: <https://wiki.corp&#x5C;@evil.example/runbook>",
               "The runbook: <https://wiki.corp&bsol;@evil.example/runbook>"]
ONE_ADDRESS = ["See [Zürich](https://de.wikipedia.org/wiki/Zürich).", "See [q](https://x.example/a?b=1&c=2).",
               "See <https://ok.example/x?y=1&z=2>.", "See [paren](https://a.example/\\(b\\)).",
               "See [mail](mailto:ops@example.com).", "See [the city's page](https://münchen.de/verkehr).",
               "See [v6](http://[::1]:8080/x)."]


def host(href: str) -> str:
    """The host a browser goes to for an absolute ``href`` (the URL standard: the authority ends at the first "/",
    "\\", "?" or "#"; what comes before its last "@" is a user name)."""
    match = re.match(r"(?i)^\s*[a-z]+:[/\\]*([^/\\?#]*)", htmllib.unescape(href))
    if not match:
        return href
    name = match.group(1).rsplit("@", 1)[-1].split(":")[0].lower()
    try:
        return name.encode("idna").decode("ascii")  # as a browser looks it up: "münchen.de" is its punycode
    except UnicodeError:
        return name


@pytest.mark.parametrize("text", SPLIT_LINKS + ONE_ADDRESS)
def test_every_renderer_follows_a_stored_link_to_one_host(text):
    from forum.markup import machine_text

    stored = machine_text(text)
    followed = {name: sorted((shown, host(href)) for href, shown in links(render(stored)))
                for name, render in [("desk", render_markdown), *CLIENTS]}
    assert len({repr(found) for found in followed.values()}) == 1, (stored, followed)
    assert "evil.example" not in repr(followed)
    if text in ONE_ADDRESS:
        assert stored == text  # an address all of them follow alike is kept as written


@pytest.mark.django_db
def test_a_backslash_in_an_address_leads_no_api_client_elsewhere(in_review, eng_moderator, security_reviewer,  # noqa: F811
                                                                 other_employee):
    answer = in_review(f"Set retry_backoff=True so the delay doubles between retries [1]. {SPLIT_LINKS[0]}")
    reviewed = desk(answer, eng_moderator)
    assert "evil.example" in visible(reviewed) and not [href for href, _ in links(reviewed) if "evil" in href]
    for claim_key in [blocking_key(answer)] if services.unresolved_claims(answer) else []:
        services.answer_confirm_claim(acting_user=eng_moderator, answer=answer, key=claim_key, reason="The wiki.")
    answer = publish(answer, eng_moderator, security_reviewer)
    posts = signed_in(other_employee).get(f"/api/v1/threads/{answer.thread_id}/posts/").json()["results"]
    body = next(post["body"] for post in posts if post["is_ai_generated"])
    for client, render in CLIENTS:
        html = render(body)
        assert not [href for href, _ in links(html) if "evil.example" in htmllib.unescape(href)], (client, html)
        assert "evil.example" in visible(html)  # the address is in view, as on the desk
