"""Every renderer of an AI answer shows the words the review desk showed (round 41: the seams found by fuzzing).

Rounds 29-40 closed, one report at a time, the ways the stored Markdown of an AI answer read one way on the desk
(Python-Markdown) and another for an API client rendering ``body`` (CommonMark, GitHub's tables and strikethrough, raw
HTML on or off). Here Hypothesis composes texts from the pieces those reports were made of (fences, code spans,
escapes, entities, links, definitions, images, raw HTML, tables, tildes, list and quote markers, line ends) and checks
what the reports checked, for every text: no image, no struck word, no warning word shown by one and not the other,
and no link address a client follows that the desk neither linked nor showed. Its first run found the seams the tests
after it pin: a fence's info string ("```bash do not run this on production": CommonMark shows only the language), a
fence CommonMark closes and Python-Markdown does not, a backslash at a line's end (a line break for CommonMark), a
link's title (words shown only on hovering, on the desk too) and tildes on a line indented as code.
"""
import html
import re
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from forum.markup import _as_followed, machine_text, render_markdown

CLIENTS = {"commonmark": MarkdownIt("commonmark", {"html": False}),
           "github": MarkdownIt("js-default"),  # tables and strikethrough, raw HTML off
           "commonmark with raw html": MarkdownIt("commonmark", {"html": True})}
WARNING_WORDS = ("never", "not", "do", "production", "TOKEN", "run")

PIECES = [
    "run", "rm -rf /tmp/x", "never", "do not", "$TOKEN", "production", "wiki.corp",
    "*", "**", "_", "__", "`", "```", "~~~", "~", "~~", "\\", "[", "]", "(", ")", "<", ">", "!", "|", "#", "# ",
    "- ", "* ", "+ ", "1. ", "2) ", "> ", "    ", "\t", "===", "---", "&", "&amp;", "&#92;", "&lt;", "&#58;", ";", ":",
    '"', "'", "\\*", "\\`", "\\[", "\\<", "\\\\", "\\$", "\\~", "\\|", "\\!", "\\\n", "  \n", "\u00a0", "\u200b",
    "```bash do not", "``` never", "~~~ never", "```py", "```{.py}", "`code`", "``co`de``",
    "[a](https://wiki.corp/a)", "[a](<https://wiki.corp/a>)", "[x](<https://evil.example/x>)",
    "[x](https://wiki.corp/t 'never')", "[x](https://wiki.corp/t (never))", "[source 1](https://evil.example/s)",
    "[https://wiki.corp](https://evil.example/w)", "[t](https://wiki.corp\\@evil.example/)", "[x](//evil.example)",
    "[b]: https://evil.example/b", "[b]", "[x][y]", "[y]: <https://evil.example/y>", "<https://wiki.corp/x>",
    "https://evil.example/z", "<me@x.example>", "![img](https://evil.example/i.png)",
    "<div>", "</div>", "<b>", "<!--", "-->", '<a href="https://evil.example">t</a>',
    "| a | b |", "|---|---|", "a | b", "--- | ---",
]
SEPARATORS = ["", " ", "\n", "\n\n", "  ", "\n    "]
_TAG = re.compile(r"<[^>]+>")
_HREF = re.compile(r'<a\b[^>]*\bhref="([^"]*)"')
_TITLE = re.compile(r'\btitle="([^"]*)"')
_STRUCK = re.compile(r"<(?:del|s)>")


def shown_words(markup: str) -> Counter:
    """The warning words a reader sees (a link's title counts: it shows on hovering)."""
    markup = _TITLE.sub(lambda match: ">" + match.group(1) + "<", markup)
    words = re.findall(r"\w+", html.unescape(_TAG.sub(" ", markup)))
    return Counter(word for word in words if word in WARNING_WORDS)


def disagreements(text: str) -> list[tuple]:
    stored = machine_text(text)
    desk = render_markdown(stored)
    desk_words, desk_text = shown_words(desk), html.unescape(_TAG.sub(" ", desk))
    desk_links = {_as_followed(href) for href in _HREF.findall(desk)}
    found = []
    for name, client in CLIENTS.items():
        rendered = client.render(stored)
        if "<img" in rendered:
            found.append((name, "image"))
        if _STRUCK.search(rendered):
            found.append((name, "struck"))
        if shown_words(rendered) != desk_words:
            found.append((name, "words", desk_words, shown_words(rendered)))
        for href in map(_as_followed, _HREF.findall(rendered)):
            # Followed where the desk linked it, or its address was in view there. A "<" machine_text closed in a
            # link's "<address>" makes a relative address of it ("%3C..."): a broken link, to the forum itself.
            seen = href.removeprefix("mailto:") in desk_text or html.unescape(href) in desk_text
            if href not in desk_links and not seen and not href.startswith("%3C"):
                found.append((name, "address", href))
    return found


@hypothesis_settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(SEPARATORS)), min_size=1, max_size=14))
def test_every_renderer_shows_what_the_desk_showed(pieces):
    text = "".join(piece + separator for piece, separator in pieces)
    assert disagreements(text) == [], (text, machine_text(text))


@hypothesis_settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(SEPARATORS)), min_size=1, max_size=14))
def test_an_answer_stored_once_is_stored_as_it_is(pieces):
    """The desk posts an unedited answer back for approval: read again, it must be the text the reviewer read."""
    stored = machine_text("".join(piece + separator for piece, separator in pieces))
    assert machine_text(stored) == stored


def both(stored: str) -> tuple[str, str]:
    return render_markdown(stored), CLIENTS["commonmark"].render(stored)


def visible(markup: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", markup)).split())


def code_blocks(markup: str) -> list[str]:
    return [html.unescape(block) for block in re.findall(r"<pre[^>]*><code[^>]*>(.*?)</code></pre>", markup, re.S)]


@pytest.mark.parametrize("opening", ["```bash do not run this against production",
                                     "~~~ sh do not run this against production",
                                     "```  do not run this against production"])
def test_a_fences_info_string_is_shown_to_every_reader(opening):
    """CommonMark shows a fence's language only (as a class); Python-Markdown took no fence there and showed the whole
    line as code: the warning reached the desk and no API client. It is now a line of its own before the fence (the
    language with it: whether a first word is one, "bash", or not, "do", no renderer can tell)."""
    fence = opening[:3]
    stored = machine_text(f"Purge the queue:\n\n{opening}\nrm -rf /var/lib/rabbitmq/mnesia\n{fence}\n")
    for rendered in both(stored):
        assert "do not run this against production" in visible(rendered), stored
        assert code_blocks(rendered) == ["rm -rf /var/lib/rabbitmq/mnesia\n"], rendered


def test_a_fence_in_a_list_keeps_its_words_for_both():
    stored = machine_text("1. Purge the queue:\n\n   ```bash never on production\n   rm -rf /var/lib/x\n   ```\n")
    for rendered in both(stored):
        assert "never on production" in visible(rendered) and "rm -rf /var/lib/x" in visible(rendered), rendered


@pytest.mark.parametrize("text", ["Run:\n\n```\nrm -rf /tmp/cache\n",
                                  "Run:\n\n```\nrm -rf /tmp/cache\n`````\nThen wait."],
                         ids=["unclosed", "closed-by-a-longer-fence"])
def test_a_fence_commonmark_closes_is_code_on_the_desk_too(text):
    stored = machine_text(text)
    for rendered in both(stored):
        assert code_blocks(rendered) and code_blocks(rendered)[0].startswith("rm -rf /tmp/cache\n"), (stored, rendered)


def test_an_ordinary_fence_is_stored_as_written():
    text = "Run:\n\n```bash\nrm -rf /tmp/cache\n```\n\n~~~\nSELECT 1;\n~~~\n\nThen wait."
    assert machine_text(text) == text


def test_a_backslash_ending_a_line_shows_on_both():
    """A shell's line continuation in prose: CommonMark reads it as a line break and shows no backslash."""
    stored = machine_text("Then run docker run \\\n  --rm worker and wait.")
    for rendered in both(stored):
        assert "docker run \\ --rm worker" in visible(rendered), (stored, rendered)


def test_a_links_title_is_shown_as_text():
    """A title shows only on hovering, on the desk too: "never on production" was a tooltip on advice to use it."""
    stored = machine_text("Use [the runbook](https://wiki.corp/t 'never on production') for this.")
    for rendered in both(stored):
        assert "title=" not in rendered and "never on production" in visible(rendered), rendered


def test_tildes_on_a_line_indented_as_code_strike_nothing():
    stored = machine_text("Options:\n    ~~~only~~~ when the broker is down")
    assert not _STRUCK.search(CLIENTS["github"].render(stored)), stored
    assert "~~~only~~~" in visible(render_markdown(stored))


def test_a_link_address_in_angle_brackets_is_followed_where_it_says():
    """"[the runbook](<https://wiki.corp/x>)" had its "<" closed as any other: a link to "%3Chttps://wiki.corp/x%3E",
    relative to the forum itself, for every reader (round 41's known gap). In code it stays byte for byte."""
    stored = machine_text("See [the runbook](<https://wiki.corp/x>) first; in `[y](<https://wiki.corp/y>)` no link.")
    for rendered in both(stored):
        assert _HREF.findall(rendered) == ["https://wiki.corp/x"], rendered
        assert "[y](&lt;https://wiki.corp/y&gt;)" in rendered, rendered
    assert machine_text(stored) == stored
    masked = machine_text("[https://wiki.corp/x](<https://evil.example/x>)")  # checked as any other link
    for rendered in both(masked):
        assert "evil.example" in visible(rendered) and not _HREF.findall(rendered), rendered


@pytest.mark.parametrize("text", [
    "``` never ](<https://evil.example/q>)\nrm -rf /\n```\n",  # the info string moved out of the fence
    "``` never \\](<https://evil.example/q>)\n",  # an escaped "]"
    "[b]: https://evil.example/b\\](<https://evil.example/q>)\n",  # a definition escaped into text
])
def test_an_angle_address_taken_out_of_code_is_stored_as_it_is(text):
    """Round 42's review: the brackets came off before the steps that take text out of code, so a second reading
    took them off again (the desk's preview of the stored text was not the text stored)."""
    stored = machine_text(text)
    assert disagreements(text) == [] and machine_text(stored) == stored, stored


def test_a_link_in_a_fences_info_string_is_followed_where_it_says():
    stored = machine_text("``` see [the runbook](<https://wiki.corp/x>)\nrm -rf /tmp/x\n```\n")
    for rendered in both(stored):
        assert _HREF.findall(rendered) == ["https://wiki.corp/x"], (stored, rendered)


@pytest.mark.parametrize("text", [
    "See [the runbook](<https://wiki.corp/`x>) and do &#110;ot run it on production `ok`",
    "See [the runbook](https://wiki.corp/`x) and do &#110;ot run it on production `ok`",
    "Keep `a\n- do &#110;ot run it on production `",
    "Keep `a\n- do n&#x336;o&#x336;t&#x336; run it on production `",
    "See [it](https://wiki.corp/`x) do n&#x336;o&#x336;t&#x336; disable TLS `ok`",
    "Do &#110ot run it on production.",  # no ";": text for CommonMark, decoded by the forum's page
    "Do &#00000110;ot run it on production.",  # more digits than CommonMark reads
    "Do &#x0000006E;ot run it on production.",
])
def test_a_character_reference_one_renderer_reads_as_code_is_shown_as_written_by_all(text):
    """Python-Markdown reads code spans before links and ends some code where CommonMark does not, so the desk showed
    "do &#110;ot run it" (code, as written) where an API client showed "do not run it", or "n̶o̶t̶" struck by combining
    strokes (round 42's review). Such a reference is written "&amp;...": no renderer decodes it."""
    stored = machine_text(text)
    desk = html.unescape(_TAG.sub("", render_markdown(stored)))
    for client in CLIENTS.values():
        shown = html.unescape(_TAG.sub("", client.render(stored)))
        for word in ("not", "never", "n\u0336o\u0336t\u0336"):
            assert (word in desk) == (word in shown), (stored, desk, shown)
    assert machine_text(stored) == stored
    assert machine_text("AT&amp;T &mdash; see [x](https://a.b/?a=1&amp;b=2) and `&lt;`") == (
        "AT&amp;T &mdash; see [x](https://a.b/?a=1&amp;b=2) and `&lt;`")  # read alike by all: as written
