"""Template tags of the review desk: citation links into the sources list, the diff of an edit."""
from django import template
from django.utils.safestring import mark_safe

from aiassist import desk

register = template.Library()


@register.simple_tag
def cited_html(html, prefix, sources):
    """Sanitised answer HTML with its ``[n]`` markers linking to ``#{prefix}-n`` (``sources``: rows with a
    ``number``, or numbers). The input is the stored, sanitised rendering; only anchors are added."""
    numbers = frozenset(getattr(s, "number", getattr(getattr(s, "source", None), "number", s)) for s in sources)
    return mark_safe(desk.link_citations(html or "", prefix, numbers))  # noqa: S308 - sanitised input


@register.inclusion_tag("aiassist/partials/review_diff.html")
def review_diff(original, current):
    rows = desk.body_diff(original or "", current or "")
    return {"rows": rows, "changed": sum(1 for row in rows if row and row.kind != "same")}
