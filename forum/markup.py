"""Markdown to safe HTML: the one rendering pipeline for posts and AI answers."""
import html
import re
import threading

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


def render_markdown(text: str) -> str:
    """Render Markdown, then sanitise with an allow-list: no script, no handlers, no foreign URLs schemes."""
    html = _converter(
        "forum",
        extensions=["fenced_code", "tables", "sane_lists", "nl2br"],
        # align="..." rather than style="text-align: ...": the sanitiser keeps the former, drops all styles.
        extension_configs={"tables": {"use_align_attribute": True}},
        output_format="html",
    ).convert(text or "")
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
    flat = html.unescape(nh3.clean(_converter("plain", extensions=["fenced_code"]).convert(text or ""), tags=set()))
    flat = re.sub(r"\s+", " ", flat).strip()
    if limit and len(flat) > limit:
        flat = flat[: limit - 1].rsplit(" ", 1)[0] + "…"
    return flat
