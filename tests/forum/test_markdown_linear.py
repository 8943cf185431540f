"""Markdown without quadratic corners (forum/markdown_linear.py): a post of BODY_MAX characters built to make
Python-Markdown scan the rest of the text once per character took minutes of a web worker to save or preview (8,000
"[": 9 s, 50,000: about five minutes). Every text renders as upstream's renderer would, within the budgets."""
import random
import time

import markdown
import pytest
from django.urls import reverse

from forum import markup, services
from forum.markdown_linear import LINK_SCAN_BUDGET, START_TAG_MAX, LinearExtension
from forum.models import Post

from ..factories import make_thread, signed_in

# Tokens that open and close every construct the replaced processors read: brackets, parentheses and quotes of
# links, images and references, headings and rules of both kinds, tables of one and two columns, raw HTML.
TOKENS = ["[", "]", "(", ")", "#", "# ", "-", "---", "=", "===", "|", "| a | b |", "|-|-|", "\n", "\n\n", "<a href=",
          "<div>", "</div>", ">", "'", '"', "`", "```", "a", "b c", " ", "!", "*", "  ", "1. ", "- ", "> ", "\\",
          "http://x.y/(z)", "[x]: http://a", "&amp;", "<", "_", "    ", "\t", "![i](", '"t")', "[r][x]"]

# Each makes upstream scan to the end of the text from each of its repeats.
HOSTILE = ["[", "![", "[a](", "[[a]](b)", "[[a](b)", "-\n", "\n-", "---\n", "a\n---\n", "a\n===\n", "* * *\n",
           "<a href=", "|a\n", "# a\n"]


@pytest.mark.parametrize("options", [markup._FORUM, {"extensions": ["fenced_code"]}], ids=["forum", "plain"])
def test_every_text_renders_as_upstream_renders_it(options):
    """Differential: 4,000 random documents of the tokens above (seeded), upstream's renderer against this one."""
    upstream = markdown.Markdown(**options)
    linear = markdown.Markdown(**{**options, "extensions": [*options.get("extensions", ()), LinearExtension()]})
    rng = random.Random(20261204)
    for _ in range(4000):
        text = "".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 200)))
        assert linear.reset().convert(text) == upstream.reset().convert(text), text


def test_the_forums_converters_are_the_linear_ones():
    markup.render_markdown("warm up")
    markup.plain_text("warm up")
    converters = [markup._converter("forum", **markup._FORUM), markup._converter("plain", extensions=["fenced_code"])]
    for converter in converters:
        assert any(isinstance(ext, LinearExtension) for ext in converter.registeredExtensions)
        assert type(converter.inlinePatterns["link"]).__name__ == "LinearLinkInlineProcessor"


@pytest.mark.parametrize("repeat", HOSTILE)
def test_a_hostile_post_of_body_max_characters_renders_in_linear_time(repeat):
    """CPU, not wall time, and a bound some hundred times the measured cost (0.01-0.4 s on a 2-core CI machine), where
    upstream takes from seconds to minutes: what fails here is the complexity, not a slow machine."""
    text = (repeat * (services.BODY_MAX // len(repeat) + 1))[:services.BODY_MAX]
    started = time.process_time()
    html = markup.render_markdown(text)
    markup.plain_text(text)
    assert time.process_time() - started < 10.0
    assert html


def test_beyond_a_budget_what_is_left_stays_text_and_ordinary_links_still_render():
    """Past the link budget a hostile post's remaining "[text](" stay text; a link the quick path closes still renders,
    in the same post."""
    hostile = "[a](" * (LINK_SCAN_BUDGET // 40_000 + 20) + "x" * 40_000  # each open address reads 40,000 characters
    html = markup.render_markdown("[docs](https://example.com/docs)\n\n" + hostile)
    assert '<a href="https://example.com/docs"' in html
    assert "[a](" in html  # shown as written


@pytest.mark.parametrize("text", [
    # A pasted log of bracketed timestamps (no "(" after them: nothing of the link budget spent), then a link.
    "My worker prints this, then stops:\n" + "\n".join(
        f"[2024-05-01 12:{i // 60:02d}:{i % 60:02d}] INFO worker: job {i} done" for i in range(400))
    + "\n\nI followed [the guide](https://example.com/guide). Any idea?",
    # 1,200 lines and no blank line: one paragraph of 3,600 inline matches (code, emphasis, nl2br's line breaks).
    "Output of `pip list`:\n" + "\n".join(f"package-{i:04d} `1.{i}.0` *ok*" for i in range(1200)),
], ids=["log then link", "one long paragraph"])
def test_long_ordinary_posts_stay_within_the_budgets(text):
    upstream = markdown.Markdown(**markup._FORUM)
    assert markup.markdown_html(text, converter="forum", **markup._FORUM) == upstream.reset().convert(text)


def test_raw_html_tags_longer_than_the_window_render_as_upstream_renders_them():
    """The block reader leaves a start tag longer than START_TAG_MAX to the inline reader, which finds the same tag."""
    upstream = markdown.Markdown(**markup._FORUM)
    long = "x" * (START_TAG_MAX + 100)
    for text in (f'<div title="{long}">inside</div>\n\nafter', f'text <a href="http://x/{long}">link</a> more',
                 f'<a title="{long}'):
        assert markup.markdown_html(text, converter="forum", **markup._FORUM) == upstream.reset().convert(text)


@pytest.mark.django_db
def test_a_hostile_reply_is_saved_and_previewed_without_tying_up_the_worker(employee, engineering):
    thread = make_thread(employee, engineering, title="Brackets", body="Opening post.")
    body = "[" * services.BODY_MAX
    client = signed_in(employee)
    started = time.process_time()
    response = client.post(reverse("forum:reply", args=[thread.pk]), {"body": body})
    assert response.status_code == 302
    preview = client.post(reverse("forum:preview"), {"body": body})
    assert preview.status_code == 200 and preview.content.count(b"[") == services.BODY_MAX
    assert time.process_time() - started < 20.0
    reply = Post.objects.filter(thread=thread).latest("pk")
    assert reply.body == body and reply.body_html.count("[") == services.BODY_MAX
