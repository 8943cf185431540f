"""``{% claims_of answer as claims %}``: an answer's checked claims for the page, and its body rendered
with each claim marked (``aiassist/partials/claims.html`` shows them; ``static/js/grounding.js`` shows
the passage a focused or hovered claim rests on).

Reads only what is stored with the answer (``AIAnswer.grounding``, which carries each claim's excerpt of
its passage) and the titles of its sources: no query when the sources were prefetched.
"""
import re

from django import template
from django.utils.html import format_html

from aiassist.desk import link_citations, source_anchor
from aiassist.policy import shown_confirmed_keys
from forum.markup import render_markdown

register = template.Library()

LABELS = {"supported": "supported", "weak": "weakly supported", "invented": "invented",
          "contradicted": "contradicted", "uncited": "uncited"}
# Markers put around each claim in the Markdown before rendering, found again in the HTML: characters a
# draft practically never holds (a body that does is shown without inline marks), that Markdown leaves
# alone and the sanitiser keeps.
_OPEN, _CLOSE = "\u27e6", "\u27e7"
_MARKER = re.compile(r"\u27e6([+-])(\d+)\u27e7")
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(/?)>")
_VOID = frozenset("br hr img input wbr".split())


@register.simple_tag
def claims_of(answer, sources=None):
    """The view of ``answer``'s grounding, or None when it has not been checked."""
    data = answer.grounding or {}
    if "claims" not in data:
        return None
    titles = {source.number: source.title for source in (answer.sources.all() if sources is None else sources)}
    confirmed = shown_confirmed_keys(answer)
    claims = []
    for index, item in enumerate(data["claims"]):
        status = item["status"]
        claims.append({
            "index": index, "id": f"claim-{answer.pk}-{index}", "key": item["key"], "text": item["text"],
            "kind": item["kind"], "status": status, "label": LABELS.get(status, status), "reason": item["reason"],
            "blocking": item.get("blocking", status in ("invented", "contradicted")),
            "confirmed": item["key"] in confirmed, "citations": item["citations"], "passage": item["passage"],
            "passage_title": titles.get(item["passage"], ""), "excerpt": item.get("excerpt"),
            "start": item["start"], "end": item["end"], "by_reviewer": item.get("by_reviewer", False),
        })
    html, marked = _marked(answer.body, claims)
    html = link_citations(html, source_anchor(answer), frozenset(titles))
    for claim in claims:
        claim["marked"] = claim["index"] in marked
    return {
        "summary": data.get("summary", ""), "claims": claims, "html": html,
        "blocking": list({c["key"]: c for c in reversed(claims) if c["blocking"]}.values())[::-1],
        "unresolved": list({c["key"]: c for c in claims if c["blocking"] and not c["confirmed"]}.values()),
        "confirmed_count": sum(1 for c in claims if c["blocking"] and c["confirmed"]),
        "checker": data.get("checker", ""),
    }


MARKED_MAX = 500  # claims marked in a body, at most (an answer of 20,000 characters holds a few hundred sentences)


def _marked(body: str, claims: list[dict]):
    """``body`` rendered as everywhere else, each claim wrapped in a focusable span; returns the HTML and
    the indexes of the claims marked (a claim whose span would cut across the rendered elements, such as a
    table row spanning cells, is left unmarked: the list of claims still shows it).

    A body the markers would render differently is shown without inline marks: what reviewers approve is
    what readers get (a marker after a setext heading's underline makes it a paragraph, one before a raw
    HTML block makes it Markdown, one before "[1]: url" shows a link reference definition as text)."""
    plain = render_markdown(body)
    if _OPEN in body or _CLOSE in body:
        return plain, set()
    accepted: list[tuple[int, int, int]] = []
    # The first MARKED_MAX claims in the text get marks (each is checked against those marked before it); a body with
    # more lists the others unmarked, as it does a claim across a table's cells.
    for claim in sorted(claims, key=lambda c: (c["start"], -c["end"]))[:MARKED_MAX]:
        start, end = claim["start"], claim["end"]
        while start < end and body[start] in "| \t":  # a table row's leading pipe belongs to the table
            start += 1
        if start >= end or any(a < start < b < end or start < a < end < b for _, a, b in accepted):
            continue
        accepted.append((claim["index"], start, end))
    events = []
    for index, start, end in accepted:
        events.append((start, 1, -end, f"{_OPEN}+{index}{_CLOSE}"))
        events.append((end, 0, -start, f"{_OPEN}-{index}{_CLOSE}"))
    events.sort()
    parts, at = [], 0
    for position, _, _, marker in events:
        parts.append(body[at:position])
        parts.append(marker)
        at = position
    parts.append(body[at:])
    html = render_markdown("".join(parts))
    if _MARKER.sub("", html) != plain or any(_MARKER.search(tag.group(0)) for tag in _TAG.finditer(html)):
        return plain, set()  # (a marker inside a tag: a claim's edge fell in a link's URL or title)

    positions: dict[int, dict[str, list[int]]] = {}
    for match in _MARKER.finditer(html):
        positions.setdefault(int(match.group(2)), {"+": [], "-": []})[match.group(1)].append(match.start())
    marked = set()
    for index, found in positions.items():
        if len(found["+"]) == 1 and len(found["-"]) == 1 and found["+"][0] < found["-"][0] \
                and _balanced(_MARKER.sub("", html[found["+"][0]:found["-"][0]])):
            marked.add(index)
    by_index = {claim["index"]: claim for claim in claims}

    def replace(match):
        index = int(match.group(2))
        if index not in marked:
            return ""
        claim = by_index[index]
        confirmed = claim["blocking"] and claim["confirmed"]
        if match.group(1) == "-":
            if claim["status"] == "supported":
                return "</span>"
            # The status in words beside the colour (screen readers have it from the hidden prefix).
            return format_html('<span class="claim-tag" aria-hidden="true">{}{}</span></span>', claim["label"],
                               " · confirmed" if confirmed else " · a reviewer's edit" if claim["by_reviewer"] else "")
        return format_html('<span class="claim claim-{}{}" id="{}" tabindex="0" data-claim="{}" '
                           'aria-describedby="{}-detail"><span class="visually-hidden">[{}{}] </span>',
                           claim["status"], " claim-confirmed" if confirmed else "", claim["id"], claim["id"],
                           claim["id"], claim["label"], ", confirmed by a reviewer" if confirmed else "")

    html = _MARKER.sub(replace, html)
    return html, marked


def _balanced(fragment: str) -> bool:
    stack = []
    for match in _TAG.finditer(fragment):
        closing, name, selfclosing = match.group(1), match.group(2).lower(), match.group(3)
        if name in _VOID or selfclosing:
            continue
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack
