"""The review desk in every page's header, the reason choices of the reject/retract/report forms, and
the thread page's order (the question, then the asker's private panel, then the replies)."""
from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from .. import selectors
from ..models import AIAnswer
from .assistant import panel_context

register = template.Library()

# forum/partials/thread_posts.html leaves this after the question (page 1 only); the panel goes there.
AFTER_QUESTION = "<!--vetted:after-question-->"


@register.simple_tag(takes_context=True)
def review_desk(context):
    """``(reviews anything, answers awaiting the user)`` for the header, in one query per request (never
    shared between users: it is kept on the request)."""
    request = context.get("request")
    if request is None:
        return False, 0
    if not hasattr(request, "_vetted_review_desk"):
        request._vetted_review_desk = selectors.review_desk(request.user)
    return request._vetted_review_desk


@register.simple_tag
def reason_choices():
    return AIAnswer.Reason.choices


@register.simple_tag(takes_context=True)
def posts_with_panel(context, posts_html, thread):
    """The posts section with the asker's private AI panel after the question (before the posts on a
    later page, which has no question)."""
    ctx = {**panel_context(context["request"].user, thread), "csrf_token": context.get("csrf_token")}
    panel = render_to_string("aiassist/partials/answer_panel.html", ctx)
    html = str(posts_html)
    if AFTER_QUESTION in html:
        return mark_safe(html.replace(AFTER_QUESTION, panel, 1))
    return mark_safe(panel + html)


@register.filter
def duration_text(value) -> str:
    """A timedelta as people say it: "under a minute", "45 min", "3 h 20 min", "2 days 4 h"."""
    minutes = int(value.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    return f"{minutes} min"
