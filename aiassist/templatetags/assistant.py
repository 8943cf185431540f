"""``{% assistant_panel thread %}``: the asker's private AI panel on the thread page.

The forum's thread template shows the panel through this tag, so ``forum`` never imports ``aiassist``.
"""
from django import template

from .. import disclaimers, selectors, services
from ..models import AIAnswer

register = template.Library()


def panel_context(user, thread) -> dict:
    answer = selectors.current_answer(user, thread)
    return {
        "thread": thread,
        "answer": answer,
        "paused": services.pause_message(thread.category) if answer is None or answer.status == "failed" else None,
        "disclaimer": disclaimers.disclaimer_for(answer.status) if answer else disclaimers.PRIVATE_DRAFT,
        "risk_banner": disclaimers.high_risk_banner(answer.risk_reasons) if answer and answer.risk == "high" else "",
        "Status": AIAnswer.Status,
    }


@register.inclusion_tag("aiassist/partials/answer_panel.html", takes_context=True)
def assistant_panel(context, thread):
    ctx = panel_context(context["request"].user, thread)
    ctx["csrf_token"] = context.get("csrf_token")
    return ctx
