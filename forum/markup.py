"""Markdown to safe HTML: the one rendering pipeline for posts and AI answers."""
import html
import re
import threading
from html import escape as html_escape

import markdown
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "code": {"class"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
_CODE_CLASS = re.compile(r"^language-[\w+-]{1,30}$")


def _attribute_filter(tag, attribute, value):
    if tag == "code" and attribute == "class":
        return value if _CODE_CLASS.match(value) else None
    return value


_converters = threading.local()


def _converter(name: str, **options) -> markdown.Markdown:
    """One Markdown converter per thread and configuration, reset before each use: building one loads
    its extensions, which costs more than converting a post (the assistant's worker renders hundreds of
    passages and claims a minute)."""
    converter = getattr(_converters, name, None)
    if converter is None:
        converter = markdown.Markdown(**options)
        setattr(_converters, name, converter)
    return converter.reset()


def markdown_html(text: str, *, converter: str, **options) -> str:
    """``text`` as (unsanitised) HTML by this thread's converter named ``converter`` (built with
    ``options`` the first time). A converter that raised is thrown away: ``reset()`` does not clear all of
    a parser's state (a RecursionError leaves its block state behind, and every later text would render
    wrong). Markdown nested deeper than Python-Markdown's recursion allows ("- " a few thousand times)
    comes back as its text, escaped, in one paragraph: shown as written rather than failing the request
    that saves, previews or indexes it."""
    try:
        return _converter(converter, **options).convert(text or "")
    except RecursionError:
        setattr(_converters, converter, None)
        return "<p>" + html_escape(text or "").replace("\n", "<br>\n") + "</p>"
    except BaseException:
        setattr(_converters, converter, None)
        raise


def render_markdown(text: str) -> str:
    """Render Markdown, then sanitise with an allow-list: no script, no handlers, no foreign URLs schemes."""
    html = markdown_html(
        text,
        converter="forum",
        extensions=["fenced_code", "tables", "sane_lists", "nl2br"],
        # align="..." rather than style="text-align: ...": the sanitiser keeps the former, drops all styles.
        extension_configs={"tables": {"use_align_attribute": True}},
        output_format="html",
    )
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    # A code block scrolls sideways on narrow screens: keyboard users must be able to focus it to
    # scroll (WCAG 2.1.1). Markup cannot carry tabindex (the sanitiser drops it), so every <pre> here
    # is one the sanitiser produced.
    return clean.replace("<pre>", '<pre tabindex="0">')


def plain_text(text: str, limit: int | None = None) -> str:
    """Markdown source flattened to one line of plain (unescaped) text: snippets and engine input.

    The result is text, not HTML: templates escape it when they show it.
    """
    flat = html.unescape(nh3.clean(markdown_html(text, converter="plain", extensions=["fenced_code"]), tags=set()))
    flat = re.sub(r"\s+", " ", flat).strip()
    if limit and len(flat) > limit:
        flat = flat[: limit - 1].rsplit(" ", 1)[0] + "…"
    return flat
