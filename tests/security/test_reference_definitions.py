"""F5: a link reference definition ("[1]: https://…") in an AI answer rendered differently on the review desk
than on the public page: the desk's claim markers broke it into a line of text, the public page took it for a
definition and made the citation [1] a link to its URL. An AI answer's Markdown now holds no definition, from
the engine or from a reviewer's edit (``forum.markup.escape_reference_definitions``): the line is text on both
pages. Code keeps its bytes; and the desk shows a body its markers would render differently without them.
"""
import re

import markdown
import pytest
from django.urls import reverse

from aiassist import services
from aiassist.engines import TransientEngineError
from aiassist.models import AIAnswer
from forum.markup import _FORUM, escape_reference_definitions, render_markdown

from ..aiassist.test_engines_openai import SOURCES, chat_server, completion, engine_for  # noqa: F401 - fixture
from ..factories import UserFactory, make_thread, signed_in

URL = "https://celery-docs.example.net/retries"
EVIL = "https://evil.example/guide"
DRAFT = "Set retry_backoff=True so the delay doubles between retries [1]."
# What the review desk adds around each claim: its span, the status for screen readers, the status in words.
_CLAIM_MARKS = re.compile(r'<span class="visually-hidden">[^<]*</span>|<span class="claim-tag"[^>]*>[^<]*</span>'
                          r"|<span[^>]*>|</span>")


def definitions(text: str) -> dict:
    """The link references the forum's renderer records for ``text``."""
    converter = markdown.Markdown(**_FORUM)
    converter.convert(text)
    return dict(converter.references)


def desk(answer, reviewer) -> str:
    """The review page's "As readers will see it": the body with its claims marked."""
    page = signed_in(reviewer).get(f"/ai/review/{answer.pk}/").content.decode()
    return re.search(r'<div class="prose ai-body claims-draft"[^>]*>(.*?)</div>\n', page, re.S).group(1)


def as_readers_see_it(desk_html: str) -> str:
    return _CLAIM_MARKS.sub("", desk_html)


def publish(answer, *reviewers) -> AIAnswer:
    for reviewer in reviewers:
        answer = services.answer_approve(acting_user=reviewer, answer=AIAnswer.objects.get(pk=answer.pk))
        if answer.status == AIAnswer.Status.PUBLISHED:
            return answer
    raise AssertionError(f"not published: {answer.status}")


def drafter(settings, server, category, source_reply: str):
    """A function drafting an answer for an asker through the OpenAI-compatible engine, the model replying what it is
    given; the forum holds one source thread in ``category`` answered by ``source_reply``."""
    settings.ASSISTANT_ENGINE = "openai"
    settings.ASSISTANT_ENGINE_CONFIG = {"openai": {"base_url": server.url, "api_key": "k", "model": "m",
                                                   "timeout": 2}}
    make_thread(UserFactory(username="erin"), category, title="Celery retry backoff settings",
                body="Which settings control retry backoff?", replies=[(UserFactory(username="dana"), source_reply)])

    def draft(asker, reply: str) -> AIAnswer:
        question = make_thread(asker, category, title="How should celery retries back off?",
                               body="My tasks fail on network errors. How do retries back off?")
        server.reply(completion(reply))
        answer = services.answer_generate(answer_id=services.answer_request(acting_user=asker, thread=question).pk)
        assert answer.status == AIAnswer.Status.DRAFT, answer.error
        return answer

    return draft


@pytest.fixture
def drafting(settings, chat_server, engineering):  # noqa: F811
    """Draft an answer for the asker through the OpenAI-compatible engine, the model replying ``reply``."""
    return drafter(settings, chat_server, engineering,
                   f"Set autoretry_for and retry_backoff=True; the delay doubles. Background: {URL}")


@pytest.fixture
def in_review(drafting, employee):
    def submit(reply: str = DRAFT) -> AIAnswer:
        answer = drafting(employee, reply)
        services.answer_submit(acting_user=employee, answer=answer)
        return AIAnswer.objects.get(pk=answer.pk)

    return submit


# The model's reply, reviewed and published --------------------------------------------------------


@pytest.mark.django_db
def test_a_models_reference_definition_is_a_line_of_text_on_the_desk_and_on_the_public_page(
        in_review, eng_moderator, security_reviewer, other_employee):
    answer = in_review(f"{DRAFT}\n\n[1]: {URL}")
    assert answer.body == f"{DRAFT}\n\n\\[1]: {URL}"
    assert not definitions(answer.body)
    reviewed = desk(answer, eng_moderator)
    public = publish(answer, eng_moderator, security_reviewer).published_post.body_html
    # [1] links to the answer's own source, on both pages; the definition is a line everyone reads.
    assert as_readers_see_it(reviewed) == public
    for html in (reviewed, public):
        assert f'href="{URL}"' not in html
        assert f'href="#answer-{answer.pk}-source-1"' in html
    assert public.endswith(f"</sup>: {URL}</p>")
    thread_page = signed_in(other_employee).get(f"/t/{answer.thread_id}/").content.decode()
    assert f'<div class="prose">{public}</div>' in thread_page
    assert f'href="{URL}"' not in thread_page


def test_the_engine_does_not_count_a_definition_as_a_citation(chat_server):  # noqa: F811
    chat_server.reply(completion(f"Use retry_backoff=True.\n\n[1]: {URL}"))
    with pytest.raises(TransientEngineError, match="cited none"):
        engine_for(chat_server).draft("How do celery retries back off?", SOURCES)
    chat_server.reply(completion(f"Use retry_backoff=True [2].\n\n[1]: {URL}\n> [9]: {EVIL}"))
    draft = engine_for(chat_server).draft("How do celery retries back off?", SOURCES)
    assert draft.cited == [2]
    assert draft.text == f"Use retry_backoff=True [2].\n\n\\[1]: {URL}\n> : {EVIL}"
    assert not definitions(draft.text)


@pytest.mark.django_db
def test_a_definition_made_by_dropping_a_marker_is_text_as_well(drafting, employee):
    # [9] points at nothing the asker was shown: dropping it leaves "[1]: url" at the start of the line.
    answer = drafting(employee, f"{DRAFT}\n\n[9][1]: {URL}")
    assert not definitions(answer.body)
    assert f'href="{URL}"' not in answer.body_html


# A reviewer's edit ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["edit", "approve"])
def test_a_reviewers_definition_gets_the_same_treatment(how, in_review, eng_moderator, security_reviewer):
    answer = in_review()
    edited = (f"{answer.body}\n\nSee [the guide][guide] for the rest [1].\n\n[1]: {EVIL}\n"
              f"> - [guide]: {EVIL} \"The guide\"")
    if how == "edit":
        answer = services.answer_edit(acting_user=eng_moderator, answer=answer, body=edited)
    else:
        answer = services.answer_approve(acting_user=eng_moderator, answer=answer, body=edited)
    assert answer.body == edited.replace("\n[1]:", "\n\\[1]:").replace("> - [guide]:", "> - \\[guide]:")
    assert not definitions(answer.body)
    assert EVIL not in re.findall(r'href="([^"]*)"', answer.body_html)
    reviewed = desk(answer, security_reviewer)
    assert as_readers_see_it(reviewed) == answer.body_html.replace(
        "[1]", f'<sup class="cite-group">[<a class="cite" href="#answer-{answer.pk}-source-1" '
               'aria-label="source 1">1</a>]</sup>')
    # Sent again as it now stands, the text is no edit: the approval covers it.
    for reviewer in (eng_moderator, security_reviewer):
        if answer.status != AIAnswer.Status.PUBLISHED and not answer.approvals.filter(reviewer=reviewer).exists():
            answer = services.answer_approve(acting_user=reviewer, answer=AIAnswer.objects.get(pk=answer.pk),
                                             body=answer.body, text_hash=services.body_hash(answer.body))
    assert answer.status == AIAnswer.Status.PUBLISHED
    public = answer.published_post.body_html
    assert as_readers_see_it(reviewed) == public
    assert EVIL not in re.findall(r'href="([^"]*)"', public) and f": {EVIL}" in public


@pytest.mark.django_db
def test_a_setext_heading_is_a_heading_on_the_desk_as_on_the_public_page(in_review, eng_moderator):
    # The desk's marker after the underline would make the heading a paragraph: the desk shows the body as
    # readers get it, without inline marks, rather than something else.
    answer = in_review()
    answer = services.answer_edit(acting_user=eng_moderator, answer=answer,
                                  body=f"Retry settings\n==============\n\n{answer.body}")
    reviewed = desk(answer, eng_moderator)
    assert "<h1>Retry settings</h1>" in reviewed
    assert as_readers_see_it(reviewed) == answer.body_html.replace(
        "[1]", f'<sup class="cite-group">[<a class="cite" href="#answer-{answer.pk}-source-1" '
               'aria-label="source 1">1</a>]</sup>')


# Code keeps its bytes ---------------------------------------------------------------------------------


CODE = (
    "Pin the link targets in the config [1]:\n\n"
    "```ini\n[1]: https://fenced.example/a\n[docs]: https://fenced.example/b\n```\n\n"
    "or in the old format:\n\n"
    "    [2]: https://indented.example/c\n\n"
    "- Inside a list, as code:\n\n"
    "        [ci]: https://listed.example/d\n\n"
    "~~~\n> [4]: https://tilde.example/e\n~~~"
)


@pytest.mark.django_db
def test_code_holding_definition_lines_stays_byte_for_byte(in_review, drafting, employee, eng_moderator):
    assert escape_reference_definitions(CODE) == CODE and not definitions(CODE)
    answer = services.answer_edit(acting_user=eng_moderator, answer=in_review(), body=CODE)
    assert answer.body == CODE
    for line in ("[1]: https://fenced.example/a", "[2]: https://indented.example/c",
                 "[ci]: https://listed.example/d", "&gt; [4]: https://tilde.example/e"):
        assert line in answer.body_html
    assert drafting(employee, CODE).body == CODE
    # Beside a live definition, only the definition changes.
    mixed = f"{CODE}\n\n[1]: {EVIL}"
    assert escape_reference_definitions(mixed) == f"{CODE}\n\n\\[1]: {EVIL}"


# What the renderer takes for a definition, and only that ------------------------------------------


@pytest.mark.parametrize("text, escaped", [
    (f"Text [1].\n\n[1]: {EVIL}", f"Text [1].\n\n\\[1]: {EVIL}"),
    (f"Text [1].\n[1]: {EVIL}", f"Text [1].\n\\[1]: {EVIL}"),  # inside the paragraph
    (f"Text [1].\n\n   [1]: <{EVIL}>", f"Text [1].\n\n   \\[1]: <{EVIL}>"),
    (f"> [1]: {EVIL}\n\nText [1]", f"> \\[1]: {EVIL}\n\nText [1]"),
    (f"1. [1]: {EVIL}\n\nText [1]", f"1. \\[1]: {EVIL}\n\nText [1]"),
    (f"- item\n\n    [1]: {EVIL}\n\nText [1]", f"- item\n\n    \\[1]: {EVIL}\n\nText [1]"),
    (f"- a\n    - b\n\n        [1]: {EVIL}\n\n[1]", f"- a\n    - b\n\n        \\[1]: {EVIL}\n\n[1]"),
    (f"[One\nTwo]: {EVIL}\n  \"Title\"\n\n[one two]", f"\\[One\nTwo]: {EVIL}\n  \"Title\"\n\n[one two]"),
    (f"[a]: {EVIL}\n[b]: {EVIL}\n\n[a] [b]", f"\\[a]: {EVIL}\n\\[b]: {EVIL}\n\n[a] [b]"),
    (f"`x\n[1]: {EVIL}`\n\n[1]", f"`x\n\\[1]: {EVIL}`\n\n[1]"),  # definitions come before inline code
    (f"Text [1].\r\n\r\n[1]: {EVIL}\r\n", f"Text [1].\r\n\r\n\\[1]: {EVIL}\r\n"),
    # Not definitions: left as they are.
    (f"<div>\n[1]: {EVIL}\n</div>\n\n[1]", None),
    (f"| a | b |\n|---|---|\n[1]: {EVIL}\n\n[1]", None),
    (f"Text \\[1]: {EVIL}\n\n\\[1]: {EVIL}", None),
    ("[1]: \n\nText [1]:", None),
    ("-    " * 300 + "[1]", None),  # no backtracking over the markers
])
def test_only_definitions_are_escaped_and_none_is_left(text, escaped):
    result = escape_reference_definitions(text)
    assert result == (text if escaped is None else escaped)
    assert not definitions(result)
    assert escape_reference_definitions(result) == result
    # A link to the URL shows the URL (an autolink), never "1" or a label.
    links = re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', render_markdown(result))
    assert all(shown == href for href, shown in links)


def test_the_review_desks_live_preview_shows_a_definition_as_text_too(client, eng_moderator):
    """The editor's live preview renders what will be stored: a reviewer never sees a link there that readers would
    not get. Other posts' previews keep Markdown's definitions (no desk marks them)."""
    client.force_login(eng_moderator)
    body = "Retry with backoff [1].\n\n[1]: https://celery-docs.example.net/retries"
    desk = client.post(reverse("forum:preview"), {"body": body, "as": "ai-answer"}).content.decode()
    assert "celery-docs.example.net/retries" in desk and 'href="https://celery-docs' not in desk
    post = client.post(reverse("forum:preview"), {"body": body}).content.decode()
    assert 'href="https://celery-docs.example.net/retries"' in post
