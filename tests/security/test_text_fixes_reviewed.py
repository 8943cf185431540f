"""A review of round 46's own fixes (machine_text's new steps, the search snippet, the desk's preview): each "Problem"
was a regression or a gap that review found in them, fixed since (an autolink's query kept, an abbreviation no sentence
end, an emoji written as references kept whole, every "#" of a glued closing run, headings after quote and list
markers, the preview stripped before its cut); the "PROBE" tests pin what it checked and found right. The rewrite of
delimiter rows was quadratic in them (80,000 characters: ~15 s); it is one pass now (not a timed test: measured)."""

import html
import re

import pytest
from django.urls import reverse

from aiassist.retrieval.search import snippet
from forum.markup import _OTHER_RENDERERS, machine_text, render_markdown


def _hrefs(rendered: str) -> list[str]:
    """Each link's address as a browser follows it."""
    return [html.unescape(href) for href in re.findall(r'<a href="([^"]*)"', rendered)]


def _text(rendered: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()


# --- Problem 1 (medium): ``_NAMED`` ("&" + a name, ";" optional) writes "&amp;" for every "&region=", "&timestamp=",
# "&notify=", "&section=" ... (a legacy reference's name as a prefix) outside code, an autolink's address included.
# Python-Markdown escapes such an "&" itself (no ";": no reference), so both renderers read it alike before the change;
# CommonMark decodes no reference in an autolink, so its link now goes to ".../items?id=3&amp;region=eu-west-1" and
# shows that text, while the desk's goes to "...&region=eu-west-1". A legitimate answer's link is broken for API
# clients, and the desk and CommonMark follow different addresses. (Only "&name;" with its ";" is decoded otherwise.)
@pytest.mark.parametrize(
    "address",
    [
        "https://api.example.com/v1/items?id=3&region=eu-west-1",
        "https://grafana.example.com/d/x?orgId=1&timestamp=1700000000",
        "https://wiki.example.com/page?id=4&section=2",
    ],
)
def test_an_autolink_with_a_query_parameter_named_like_a_legacy_reference_is_kept(address):
    text = f"See <{address}> for the figures."
    stored = machine_text(text)
    assert _hrefs(render_markdown(stored)) == [address]
    assert _hrefs(_OTHER_RENDERERS[0].render(stored)) == [address], stored
    assert stored == text


# --- Problem 2 (low-medium): ``_references_to_what_they_show`` decodes a reference to a character
# ``machine_text_dropped`` drops and splices it in alone, so a variation selector or a zero-width joiner written as a
# reference loses the character it shapes: "&#x2764;&#xFE0F;" (❤️) becomes "&#x2764;" (❤, text form) and
# "&#x1F468;&#x200D;&#x1F4BB;" (👨‍💻) becomes two emoji. Both rendered alike before; the same emoji written as
# characters is kept.
@pytest.mark.parametrize(
    "text, shown",
    [
        ("Thanks &#x2764;&#xFE0F;", "Thanks \u2764\ufe0f"),
        ("Ping the &#x1F468;&#x200D;&#x1F4BB; on call", "Ping the \U0001f468\u200d\U0001f4bb on call"),
        ("Ping the &#128104;&zwj;&#128187; on call", "Ping the \U0001f468\u200d\U0001f4bb on call"),
    ],
)
def test_an_emoji_written_as_references_keeps_its_selector_and_joiner(text, shown):
    stored = machine_text(text)
    assert _text(render_markdown(stored)) == shown, stored
    assert _text(_OTHER_RENDERERS[0].render(stored)) == shown


# --- Problem 4 (low): ``_HEADING_GLUED_CLOSE`` escapes only the first "#" of a closing run glued to a word, and
# Python-Markdown strips what follows the escaped one: "## C##" is "C#" on the desk and "C##" for CommonMark (before
# the change "C" and "C##": the step meant to make them agree leaves them apart).
@pytest.mark.parametrize("text", ["## C##", "### Notes on F##"])
def test_a_heading_with_a_glued_closing_run_reads_alike(text):
    stored = machine_text(text)
    assert _text(render_markdown(stored)) == _text(_OTHER_RENDERERS[0].render(stored)), stored


# --- Problem 5 (low, a gap in the new step rather than a regression): ``_HEADING_OPEN`` is anchored at a line's
# start, so a heading inside a blockquote or a list item is missed: "> #5 must not run" is a heading "5 must not run"
# on the desk and the text "#5 must not run" for CommonMark; "- #tag" a heading in a list item on the desk.
@pytest.mark.parametrize("text", ["> #5 must not run it twice", "- #ops-oncall is the place\n- then page them"])
def test_a_heading_after_a_blockquote_or_list_marker_reads_alike(text):
    stored = machine_text(text)
    assert _text(render_markdown(stored)) == _text(_OTHER_RENDERERS[0].render(stored)), stored
    assert ("<h1>" in render_markdown(stored)) == ("<h1>" in _OTHER_RENDERERS[0].render(stored))


# --- Problem 6 (medium): the snippet starts at the match's sentence, found as text after any ".", "!" or "?" and a
# blank, so an abbreviation ("e.g.", "i.e.", "sec.", "approx.") counts as a sentence's end: "Never, e.g. during an
# incident, purge zqxbroker queues." is previewed "…during an incident, purge zqxbroker queues." — the warning's first
# word cut, the very hazard the change addresses. Before the change (60 characters before the match) it was shown
# whole.
@pytest.mark.parametrize(
    "text",
    [
        "Never, e.g. during an incident, purge zqxbroker queues.",
        "Do not (see sec. 4 of the runbook) purge zqxbroker queues.",
        "Never, i.e. not even once, restart zqxbroker during a deploy.",
    ],
)
def test_an_abbreviation_is_no_sentence_end_for_the_snippet(text):
    assert snippet(text, ["zqxbroker"]) == text


# PROBE (passes): the snippet's edge cases this round's code reads otherwise (no match, a match at 0, only a line
# break, only code, a match far into one long sentence).
def test_probe_snippet_edge_cases():
    assert snippet("", ["zqx"]) == ""
    assert snippet("\n", ["zqx"]) == "\n"
    assert snippet("zqx at the start. More.", ["zqx"]) == "zqx at the start. More."
    assert snippet("no match here", ["zqx"]) == "no match here"
    assert "zqx" in snippet("```\nrun zqx\n```", ["zqx"])
    long = "word " * 100 + "zqx tail"
    assert snippet(long, ["zqx"]).startswith("word") and "zqx" in snippet(long, ["zqx"])


# PROBE (passes): legitimate text the new steps must leave as written (entities used normally, "#" in prose, C# and
# F#, a table and a rule both renderers read alike, CRLF in a fence: code keeps its lines) and idempotence on them.
@pytest.mark.parametrize(
    "text, expected",
    [
        ("## Heading\n\nText.", None),
        ("## Heading ##\n\nText.", None),
        ("Ask in #ops-oncall first; C# and F# both work.", None),
        ("&copy; 2024 &mdash; 5&nbsp;% &euro;5 &minus;5 &ndash; AT&T R&D", None),
        ("| a | b |\n|---|---|\n| 1 | 2 |\n\n---\n\nTitle\n-----\n\nx", None),
        ("Run:\r\n\r\n```\r\nline1\r\nline2\r\n```\r\n", "Run:\n\n```\nline1\nline2\n```\n"),
        ("`&notice;` and `&#x96;` in code", None),
    ],
)
def test_probe_legitimate_text_is_kept_and_idempotent(text, expected):
    stored = machine_text(text)
    assert stored == (text if expected is None else expected)
    assert machine_text(stored) == stored


# --- Problem 7 (low): the desk's preview cuts what was posted at 2 * AI_ANSWER_POSTED_MAX + 2 characters before it
# strips the text, the store (``review._normalised``) strips the whole text first: an edit led by a run of blank
# lines past that cut (a paste) is previewed without its end, which the desk stores and publishes whole.
@pytest.mark.django_db
def test_the_preview_ends_where_the_stored_edit_ends(client, eng_moderator):
    from forum.views import AI_ANSWER_POSTED_MAX

    client.force_login(eng_moderator)
    body = "\n" * (2 * AI_ANSWER_POSTED_MAX) + "Restart the broker.\n\nNEVER purge the queues first."
    page = client.post(reverse("forum:preview"), {"body": body, "as": "ai-answer"}).content.decode()
    assert "NEVER purge the queues first." in page or "refused" in page, page[:300]


# PROBE (passes): a title of only direction overrides is a clear 400 in the API, not a 500; one with them is kept
# without them.
@pytest.mark.django_db
def test_probe_a_title_of_only_overrides_is_refused_clearly(employee, engineering):
    from tests.api.conftest import client_for

    client = client_for(employee)
    refused = client.post(
        "/api/v1/threads/", {"category": "engineering", "title": "\u202e\u2066 \u2069", "body": "b"}, format="json"
    )
    assert refused.status_code == 400, refused.content
    made = client.post(
        "/api/v1/threads/",
        {"category": "engineering", "title": "Restart \u202ewon\u202c the broker", "body": "b"},
        format="json",
    )
    assert made.status_code == 201 and made.json()["title"] == "Restart won the broker"


# PROBE (passes): ``answer_edit`` without a hash: the same reviewer may edit twice in a row; another reviewer's edit
# since refuses it (``TextChanged``) and changes nothing.
@pytest.mark.django_db
def test_probe_an_edit_without_a_hash_after_ones_own_passes_after_anothers_is_refused(employee, engineering):
    from aiassist import services
    from aiassist.models import AIAnswer
    from forum import policy
    from tests.factories import UserFactory, grant, make_thread

    make_thread(
        UserFactory(username="erin"),
        engineering,
        title="Celery retry backoff settings",
        body="Which settings control retry backoff?",
        replies=[(UserFactory(username="dana"), "Set autoretry_for and retry_backoff=True; the delay doubles.")],
    )
    question = make_thread(
        employee,
        engineering,
        title="How should celery retries back off?",
        body="My tasks fail on network errors. How do retries back off?",
    )
    answer = services.answer_generate(answer_id=services.answer_request(acting_user=employee, thread=question).pk)
    answer = services.answer_submit(acting_user=employee, answer=answer)
    rita, sam = UserFactory(username="rita"), UserFactory(username="sam")
    grant(policy.REVIEW, rita, engineering)
    grant(policy.REVIEW, sam, engineering)
    for addition in ("First note.", "Second note."):
        current = AIAnswer.objects.get(pk=answer.pk)
        services.answer_edit(acting_user=rita, answer=current, body=current.body + "\n\n" + addition)
    current = AIAnswer.objects.get(pk=answer.pk)
    assert current.body.endswith("First note.\n\nSecond note.")
    with pytest.raises(services.TextChanged):
        services.answer_edit(acting_user=sam, answer=current, body=current.body + "\n\nSam's.")
    assert AIAnswer.objects.get(pk=answer.pk).body == current.body
    services.answer_edit(
        acting_user=sam, answer=current, body=current.body + "\n\nSam's.", text_hash=services.body_hash(current.body)
    )
