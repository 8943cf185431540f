"""Markdown rendering: XSS vectors never reach a page as markup; ordinary Markdown survives."""
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template import Context, Template
from django.urls import reverse

from common.exceptions import InvalidInput
from forum import services
from forum.markup import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, plain_text, render_markdown
from forum.models import Thread

from ..factories import UserFactory, make_category

VECTORS_FILE = Path(__file__).resolve().parent.parent / "data" / "xss_vectors.txt"
_ESCAPE = re.compile(r"\\(\\|n|t|r|x[0-9a-fA-F]{2})")
_ESCAPES = {"\\": "\\", "n": "\n", "t": "\t", "r": "\r"}


def _decode(line: str) -> str:
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1)) or chr(int(m.group(1)[1:], 16)), line)


def load_vectors() -> list[str]:
    lines = VECTORS_FILE.read_text(encoding="utf-8").splitlines()
    return [_decode(line) for line in lines if line.strip() and not line.startswith("# ")]


VECTORS = load_vectors()
VECTOR_IDS = [f"v{n:03d}" for n in range(1, len(VECTORS) + 1)]

SAFE_SCHEMES = {"http", "https", "mailto"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background", "lowsrc", "dynsrc", "poster",
                  "data", "codebase", "cite", "srcset", "manifest", "ping"}
NEVER_IN_A_PAGE = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "svg", "math", "style",
                   "bgsound", "xml", "import", "noscript", "xss", "template", "portal"}
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")


def url_scheme(value: str) -> str | None:
    """The scheme a browser would see: it drops whitespace and control characters first."""
    match = _SCHEME.match(_CONTROL.sub("", value).lower())
    return match.group(1) if match else None


class TagCollector(HTMLParser):
    """Every start tag with its attributes (names lowercased, values entity-decoded) and every comment."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str]]]] = []
        self.comments: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, [(name, value or "") for name, value in attrs]))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data):
        self.comments.append(data)


def problems_in(html: str, *, page: bool, baseline: Counter | None = None) -> list[str]:
    """What an XSS check objects to in ``html``: a rendered fragment, or a whole page.

    For a page, ``baseline`` counts the tags of the same page showing harmless content; any tag
    beyond those must be one the Markdown allow-list produces.
    """
    found = []
    collected = TagCollector(html)
    if page and baseline is not None:
        extra = Counter(tag for tag, _ in collected.tags) - baseline
        found += [f"tag <{tag}> beyond the page's own" for tag in extra if tag not in ALLOWED_TAGS]
    for tag, attrs in collected.tags:
        attributes = dict(attrs)
        if tag == "script" and not (page and attributes.get("src", "").startswith("/static/")):
            found.append(f"script tag {attrs}")
        if (not page and tag in NEVER_IN_A_PAGE) or ":" in tag:
            found.append(f"forbidden tag <{tag}>")
        own_stylesheet = (attributes.get("rel") in ("stylesheet", "icon")
                          and attributes.get("href", "").startswith("/static/"))
        if tag == "link" and not own_stylesheet:
            found.append(f"foreign link {attrs}")
        if tag == "meta" and set(attributes) - {"charset", "name", "content"}:
            found.append(f"meta {attrs}")
        if not page and tag not in ALLOWED_TAGS:
            found.append(f"tag <{tag}> outside the allow-list")
        for name, value in attrs:
            if re.fullmatch(r"on\w+", name):
                found.append(f"event handler {name}={value!r} on <{tag}>")
            if name in URL_ATTRIBUTES and url_scheme(value) not in (None, *SAFE_SCHEMES):
                found.append(f"{name}={value!r} on <{tag}>")
            if name == "srcdoc" or (name == "style" and re.search(r"url\(|expression|script|binding|behavior",
                                                                    _CONTROL.sub("", value).lower())):
                found.append(f"{name}={value!r} on <{tag}>")
            renderer_added = (tag == "a" and name == "rel") or (tag == "pre" and (name, value) == ("tabindex", "0"))
            if not page and not renderer_added and name not in ALLOWED_ATTRIBUTES.get(tag, set()):
                found.append(f"attribute {name} on <{tag}> outside the allow-list")
    for comment in collected.comments:
        found.append(f"comment {comment!r}")
    return found


# The checker itself ------------------------------------------------------------------------------


@pytest.mark.parametrize("html", [
    '<script>alert(1)</script>',
    '<script src="https://evil.example/x.js"></script>',
    '<img src=x onerror=alert(1)>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href=" JAVASCRIPT:alert(1)">x</a>',
    '<a href="data:text/html,x">x</a>',
    '<iframe src="https://example.com"></iframe>',
    '<svg><a xlink:href="https://example.com">x</a></svg>',
    '<p style="background:url(javascript:alert(1))">x</p>',
])
def test_checker_catches_known_bad_markup(html):
    assert problems_in(html, page=True, baseline=Counter())
    assert problems_in(html, page=False)


def test_vectors_file_is_big_enough():
    assert len(VECTORS) >= 60
    assert len(set(VECTORS)) == len(VECTORS)
    assert any("\x00" in v for v in VECTORS) and any("\n" in v for v in VECTORS) and any("\t" in v for v in VECTORS)


# Rendering ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("vector", VECTORS, ids=VECTOR_IDS)
def test_render_markdown_neutralises_vector(vector):
    html = render_markdown(vector)
    assert problems_in(html, page=False) == []
    assert problems_in(render_markdown(f"Some text first.\n\n{vector}\n\nAnd after."), page=False) == []


@pytest.mark.parametrize("vector", VECTORS, ids=VECTOR_IDS)
def test_plain_text_is_inert_where_it_is_shown(vector):
    # plain_text returns text, not HTML; snippets and notifications show it autoescaped.
    shown = Template("{{ text }}").render(Context({"text": plain_text(vector)}))
    assert "<" not in shown


def test_plain_text_flattens_markdown():
    assert plain_text("**bold** and `a < b`\n\n- item") == "bold and a < b item"


_BASELINES: dict[str, Counter] = {}


@pytest.fixture
def probe_pages(client, employee, other_employee, engineering):
    """Starts a thread with the vector as title and body; returns the pages another user sees."""

    def start_and_load(vector):
        title = f"xssprobe {vector}"[:200]
        thread = services.thread_start(acting_user=employee, category=engineering, title=title,
                                       body=f"xssprobe\n\n{vector}")
        client.force_login(other_employee)
        pages = {
            "thread": client.get(reverse("forum:thread", args=[thread.pk])),
            "search": client.get(reverse("retrieval:search"), {"q": "xssprobe"}),
            "home": client.get(reverse("forum:home")),
        }
        return thread, pages

    return start_and_load


@pytest.mark.django_db
@pytest.mark.parametrize("vector", VECTORS, ids=VECTOR_IDS)
def test_vector_as_title_and_body_is_inert_on_every_page(probe_pages, vector):
    if "\x00" in vector:
        with pytest.raises(InvalidInput):
            probe_pages(vector)
        assert not Thread.objects.exists()
        vector = vector.replace("\x00", "")

    if not _BASELINES:
        _, harmless = probe_pages("plain words")
        _BASELINES.update({name: Counter(t for t, _ in TagCollector(r.content.decode()).tags)
                           for name, r in harmless.items()})
        Thread.objects.all().delete()
    thread, pages = probe_pages(vector)

    link = f'href="/t/{thread.pk}/'.encode()
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert link in response.content or name == "thread", name
        html = response.content.decode()
        assert problems_in(html, page=True, baseline=_BASELINES[name]) == [], name
        scripts = [dict(attrs) for tag, attrs in TagCollector(html).tags if tag == "script"]
        assert scripts and all(s["src"].startswith("/static/") for s in scripts), name
    assert b'class="prose"' in pages["thread"].content


@pytest.mark.django_db
def test_nul_in_title_is_refused(employee, engineering):
    with pytest.raises(InvalidInput):
        services.thread_start(acting_user=employee, category=engineering, title="a\x00<script>", body="body")
    assert not Thread.objects.exists()


# Ordinary Markdown survives ----------------------------------------------------------------------


def test_fenced_code_block_keeps_language_and_escapes_content():
    html = render_markdown("```python\nif a < b and c > d:\n    print('<b>')\n```")
    assert html.startswith('<pre tabindex="0"><code class="language-python">')
    assert "if a &lt; b and c &gt; d:" in html
    assert "print('&lt;b&gt;')" in html


def test_indented_code_and_inline_code():
    html = render_markdown("Run `rm -rf <dir>` carefully.\n\n    docker ps -a\n")
    assert "<code>rm -rf &lt;dir&gt;</code>" in html
    assert '<pre tabindex="0"><code>docker ps -a\n</code></pre>' in html


def test_https_and_mailto_links_survive_with_safe_rel():
    html = render_markdown('[docs](https://docs.example.com/a?b=1&c=2 "The docs") and [mail](mailto:ops@example.com)')
    link, mail = (dict(attrs) for tag, attrs in TagCollector(html).tags if tag == "a")
    assert link["href"] == "https://docs.example.com/a?b=1&c=2"
    assert link["title"] == "The docs"
    assert set(link["rel"].split()) == {"noopener", "noreferrer", "nofollow"}
    assert mail["href"] == "mailto:ops@example.com"


def test_tables_survive_with_alignment():
    html = render_markdown("| name | size |\n|:-----|-----:|\n| a | 1 |\n| b | 22 |")
    assert "<table>" in html and "<thead>" in html and "<tbody>" in html
    assert '<th align="left">name</th>' in html
    assert '<td align="right">22</td>' in html
    assert problems_in(html, page=False) == []


def test_emphasis_lists_quotes_headings():
    html = render_markdown("# Title\n\n*em* **strong** ***both***\n\n- one\n- two\n\n1. first\n\n> quoted")
    for fragment in ("<h1>Title</h1>", "<em>em</em>", "<strong>strong</strong>", "<li>one</li>", "<ol>",
                     "<blockquote>", "quoted"):
        assert fragment in html


def test_code_class_is_limited_to_languages():
    assert 'class="language-python"' in render_markdown('<code class="language-python">x</code>')
    assert "class=" not in render_markdown('<code class="hidden">x</code>')
    assert "class=" not in render_markdown('<p class="language-python">x</p>')


def test_reused_converter_carries_nothing_from_one_text_to_the_next():
    """render_markdown reuses one converter per thread: a text renders the same after any other text,
    in any thread, as with a fresh converter (no stashed code block or reference link leaks over)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    texts = [
        "```sh\nrm -rf /tmp/cache\n```\n\nthen [the docs][d]\n\n[d]: https://example.com/docs",
        "plain [the docs][d] with no definition",
        "| a | b |\n|:--|--:|\n| 1 | 2 |",
        "- one\n- two\n\n```\nkeep\n  indent\n```",
    ]

    def first_in_a_new_thread(text):  # a new thread builds a fresh converter for its first text
        out = {}
        worker = threading.Thread(target=lambda: out.setdefault("html", render_markdown(text)))
        worker.start()
        worker.join()
        return out["html"]

    fresh = {text: first_in_a_new_thread(text) for text in texts}
    for _ in range(3):  # reused here, after every other text
        for text in texts:
            assert render_markdown(text) == fresh[text]
    assert "keep\n  indent" in fresh[texts[3]]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(render_markdown, texts * 25)) == [fresh[t] for t in texts * 25]


def test_markdown_too_deep_to_parse_is_shown_as_text_and_breaks_nothing_after_it():
    """Python-Markdown recurses once per nesting level: "- " a few thousand times raises RecursionError.
    The text is then shown escaped (never a 500), and the thread's converter is replaced, because a
    converter that raised keeps parser state that ``reset()`` does not clear."""
    deep = "- " * 3000 + "x <script>"
    html = render_markdown(deep)
    assert "<script>" not in html and "&lt;script&gt;" in html and "<li>" not in html
    assert plain_text(deep).endswith("x <script>")
    assert render_markdown("para one\n\npara two") == "<p>para one</p>\n<p>para two</p>"
    assert render_markdown("- a\n- b") == "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"


def test_a_post_too_deep_to_parse_is_saved_and_the_next_post_renders(client, db):
    author = UserFactory(username="deep")
    category = make_category(UserFactory(username="cat-admin", is_superuser=True), "Deep")
    client.force_login(author)
    deep = services.thread_start(acting_user=author, category=category, title="Nested", body="- " * 3000 + "x")
    assert deep.posts.get().body_html.startswith("<p>- - -")
    after = services.thread_start(acting_user=author, category=category, title="After", body="one\n\ntwo")
    assert after.posts.get().body_html == "<p>one</p>\n<p>two</p>"
    assert client.post(reverse("forum:preview"), {"body": "- " * 3000 + "x"}).status_code == 200
