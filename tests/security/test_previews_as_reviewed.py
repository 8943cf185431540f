"""What a search snippet or the desk's live preview shows of an AI answer is what its reviewer read (round 41).

A helper fuzzed the surfaces derived from a published answer's text against the desk's full rendering (as
tests/security/test_renderers_agree.py does for API clients) and found four ways a reader saw what the reviewer did
not: the passage index ended a fenced block on a line of backticks indented as code (a README's own code block quoted
in a fence), cutting the block, so the passage after the cut was read as Markdown and a warning in an HTML comment the
desk showed as code was dropped from the snippet; a snippet cut in the middle of a word ("… over the primary can…" for
"cannot"); a long paragraph cut right before a line Python-Markdown reads as a link reference definition when it starts
a text, which then vanished from the index; and the live preview of a reviewer's edit counted the browser's CRLF line
breaks against the answer's limit, so it ended before the last lines of an edit the desk then stored and published.
"""
import html
import re

import pytest
from django.urls import reverse

from aiassist.models import AIAnswer
from aiassist.retrieval.passages import plain_text, split_markdown
from aiassist.retrieval.search import snippet
from aiassist.services import BODY_MAX
from aiassist.services.review import _normalised
from forum.markup import machine_text, render_markdown, unmask_citation_links
from forum.views import AI_ANSWER_PREVIEW_MAX

from ..aiassist.test_engines_openai import chat_server  # noqa: F401 - fixture
from ..factories import signed_in
from .test_ai_text_as_reviewed import drafting, published  # noqa: F401 - fixtures
from .test_ai_text_as_reviewed import visible_text as shown
from .test_reader_sees_what_reviewer_saw import desk_body


@pytest.fixture
def published_text(published):  # noqa: F811
    """``publish(reply)``: ``test_ai_text_as_reviewed``'s ``published``, with what the desk showed as the visible text
    of its "As readers will see it" alone (the answer's words, not the page's)."""

    def publish(reply: str) -> tuple[AIAnswer, str]:
        answer, page = published(reply)
        return answer, shown(desk_body(page))

    return publish


def snippets(reader, answer: AIAnswer, query: str) -> list[str]:
    """The search API's snippets of ``answer``'s post for ``query``, as ``reader`` gets them."""
    return [hit["snippet"] for hit in signed_in(reader).get("/api/v1/search/", {"q": query}).json()["results"]
            if hit["post"] == answer.published_post_id]


# A fenced block cut by the passage index ------------------------------------------------------------

WARNING = "Never on the primary: it holds the only WAL copy."
STEPS = "\n".join(f"    systemctl stop app-worker-{n}  # queue {n} drains first" for n in range(1, 16))
README = f"""To keep the runbook in step, paste this into its README:

```markdown
1. Stop the workers:

    ```
{STEPS}
    ```

2. Clear the zqxarchives with `rm -f /srv/app/archive/old.tar.gz`. <!-- {WARNING} --> Then start the workers again.
```

That is all the runbook needs."""


def test_the_desk_shows_the_warning_in_code_and_every_passage_keeps_it():
    stored = machine_text(README)
    assert stored == README  # kept byte for byte: code for both renderers
    desk = unmask_citation_links(render_markdown(stored))
    assert WARNING in shown(desk) and "&lt;!--" in desk  # the comment is code on the desk, shown as written
    plain = " ".join(plain_text(passage) for passage in split_markdown(stored))
    assert WARNING in plain, [plain_text(p) for p in split_markdown(stored)]


def test_no_passage_cuts_a_code_block_the_desk_shows_whole():
    stored = machine_text(README)
    code = re.findall(r"<pre[^>]*><code[^>]*>(.*?)</code></pre>", render_markdown(stored), re.S)
    assert len(code) == 1 and "zqxarchives" in html.unescape(code[0])
    holding = [p for p in split_markdown(stored) if "zqxarchives" in p]
    assert holding and "```markdown" in holding[0], holding  # the passage holding it also holds the fence opening it


@pytest.mark.django_db
def test_the_search_snippet_keeps_the_warning_its_reviewer_read(published_text, other_employee):  # noqa: F811
    answer, desk = published_text(f"Set retry_backoff=True so the delay doubles between retries [1].\n\n{README}")
    assert WARNING in desk
    found = snippets(other_employee, answer, "zqxarchives")
    assert found and "Then start the workers again" in found[0]
    assert WARNING in found[0], found[0]  # before: the sentence the warning sat in the middle of, without it


def test_the_snippet_over_the_index_text_keeps_it_too():
    stored = machine_text(README)
    best = next(plain_text(p) for p in split_markdown(stored) if "zqxarchives" in p)
    assert WARNING in snippet(best, ["zqxarchives"]), snippet(best, ["zqxarchives"])


# Snippets cut in a word; a paragraph cut before a definition ----------------------------------------

CITED = "Set retry_backoff=True so the delay doubles between retries [1]."
WIDTH = 260  # snippet()'s default
FILLER = "The nightly job copies the base backup to the archive host and checks its size against the last one. "


EXTRAS = ("", "s", "a ", "on ", "its ", "some ", "these ", "several ", "on-call ", "the other ")


def padded_to(text: str, word: str, at: int) -> str:
    """``text`` after an opening sentence and whole words of filler, so that ``word`` starts ``at`` characters into
    its plain text."""
    words = ("The restore runs from the archive host and " * 20).split()
    for extra in EXTRAS:
        for count in range(len(words)):
            candidate = f"Zqxrestore notes for the operator{extra}. {' '.join(words[:count])} {text}"
            if plain_text(candidate).find(word) == at:
                return candidate
    raise AssertionError("no padding fits")


def words_not_on_desk(preview: str, desk: str) -> set[str]:
    shown_words = set(re.findall(r"\w+", desk))
    return {w for w in re.findall(r"\w+", preview.replace("…", " ")) if w not in shown_words}


@pytest.mark.parametrize(("sentence", "word", "cut"), [
    ("Restoring the snapshot over the primary cannot be undone.", "cannot", "can"),
    ("You shouldn't run it while replicas lag.", "shouldn't", "should"),
    ("Never run it against the primary.", "Never", "N"),
])
def test_a_snippet_shows_no_word_the_desk_does_not_show(sentence, word, cut):
    body = machine_text(padded_to(sentence, word, WIDTH - len(cut)))
    desk = shown(unmask_citation_links(render_markdown(body)))
    passage = split_markdown(body)[0]
    preview = snippet(plain_text(passage), ["zqxrestore"])
    assert preview.endswith("…") and not preview.endswith(f" {cut}…")  # before: "… over the primary can…"
    assert words_not_on_desk(preview, desk) == set(), preview[-80:]


@pytest.mark.django_db
def test_the_search_api_shows_no_word_cut_short(published_text, other_employee):  # noqa: F811
    sentence = "Restoring the snapshot over the primary cannot be undone, so take a fresh base backup first."
    answer, desk = published_text(padded_to(sentence, "cannot", WIDTH - 3) + f"\n\n{CITED}")
    assert "primary cannot be undone" in desk
    [found] = snippets(other_employee, answer, "zqxrestore")
    assert not found.endswith("over the primary can…")  # what a reader of the search page and the API was shown
    assert words_not_on_desk(found, desk) == set(), found[-60:]


DEFINITION_LINE = "[Backup]: /srv/backup (never restore it over the live primary)"
LONG_PARAGRAPH = (FILLER * 6 + "Keep that copy until the next one has been checked. " + DEFINITION_LINE
                  + "\nThen rotate the older copies. " + FILLER * 12)


def test_a_cut_paragraph_keeps_the_line_the_desk_shows():
    body = machine_text(LONG_PARAGRAPH)
    assert body == LONG_PARAGRAPH  # no definition in the whole text: nothing to escape
    assert "never restore it over the live primary" in shown(unmask_citation_links(render_markdown(body)))
    passages = split_markdown(body)
    assert len(passages) > 1 and not any(p.startswith("[Backup]:") for p in passages)  # before: a cut right there
    index_text = " ".join(plain_text(p) for p in passages)
    assert "never restore it over the live primary" in index_text, [plain_text(p)[:60] for p in passages]


@pytest.mark.django_db
def test_the_search_api_finds_and_shows_that_line(published_text, other_employee):  # noqa: F811
    answer, desk = published_text(LONG_PARAGRAPH + f"\n\n{CITED}")
    assert "never restore it over the live primary" in desk
    assert answer.body.startswith(LONG_PARAGRAPH)
    assert snippets(other_employee, answer, "rotate the older copies")  # the post is found by the words around it
    found = snippets(other_employee, answer, "never restore live primary")
    assert found, "the words the desk showed are in no passage of the index"


# The live preview of a reviewer's edit ------------------------------------------------------------

LAST = "Then run the cleanup against the primary as well."


@pytest.mark.django_db
def test_the_live_preview_shows_the_end_of_an_edit_the_desk_accepts(client, django_user_model):
    lines = [f"Step {n:04d}: drain queue {n:04d}." for n in range(1, 680)] + [LAST]
    posted = "\r\n".join(lines)  # as a browser posts a textarea: CRLF line breaks
    assert len(posted) > AI_ANSWER_PREVIEW_MAX
    stored = _normalised(posted)  # what "Save edit" or "Edit and approve" stores: accepted, under the limit
    assert len(stored) <= BODY_MAX and LAST in stored
    client.force_login(django_user_model.objects.create_user("rev", password="x"))
    preview = client.post(reverse("forum:preview"), {"body": posted, "as": "ai-answer"}).content.decode()
    assert "Step 0001" in shown(preview)
    assert LAST in shown(preview), shown(preview)[-120:]
