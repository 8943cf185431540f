"""``{% assistant_panel thread %}``: the asker's private AI panel on the thread page.

The forum's thread template shows the panel through this tag, so ``forum`` never imports ``aiassist``.
"""
from django import template

from .. import disclaimers, policy, selectors, services
from ..models import AIAnswer

register = template.Library()


def panel_context(user, thread) -> dict:
    answer = selectors.current_answer(user, thread)
    withheld = None
    if answer is not None and answer.withheld:  # it quotes a post the asker can no longer read: none of it is shown
        if answer.status != AIAnswer.Status.DISCARDED:  # one they threw away needs no notice (nor can be restored)
            withheld = answer.get_status_display()
        answer = None
    if answer is not None and (answer.grounding or {}).get("confirmed"):
        # Claims a reviewer confirmed show as confirmed only while the gate counts them (the reviewer still reviews
        # the answer's category): one query, only for an answer some reviewer confirmed a claim of.
        policy.load_standing_confirmations(answer)
    discarded = None
    if answer is not None and answer.status == AIAnswer.Status.DISCARDED:  # just discarded: offer to restore it
        discarded, answer = answer, None
    return {
        "thread": thread,
        "answer": answer,
        "discarded": discarded,
        "withheld": withheld,
        "restore_until": discarded.discarded_at + services.RESTORE_WINDOW if discarded else None,
        "paused": services.pause_message(thread.category) if answer is None or answer.status == "failed" else None,
        "disclaimer": disclaimers.disclaimer_for(answer.status) if answer else disclaimers.PRIVATE_DRAFT,
        "risk_banner": disclaimers.risk_notice(answer) if answer else "",
        "Status": AIAnswer.Status,
        "outside_sources": selectors.sources_outside_audience(answer, thread)
        if answer and answer.status == AIAnswer.Status.DRAFT else [],
    }


@register.inclusion_tag("aiassist/partials/answer_panel.html", takes_context=True)
def assistant_panel(context, thread):
    ctx = panel_context(context["request"].user, thread)
    ctx["csrf_token"] = context.get("csrf_token")
    return ctx


@register.inclusion_tag("aiassist/partials/published_meta.html", takes_context=True)
def ai_post_meta(context, post):
    """Disclaimer, reviewers and flags of a published AI post; one lookup per thread page, not per post."""
    request = context["request"]
    per_thread = request.__dict__.setdefault("_vetted_ai_post_meta", {})
    if post.thread_id not in per_thread:
        per_thread[post.thread_id] = selectors.published_meta_for_thread(post.thread)
    answer = per_thread[post.thread_id].get(post.pk)
    # A hidden AI post was withdrawn: retracted, or back in review after its sources left the audience.
    if answer is None:
        return {"answer": None, "disclaimer": disclaimers.RETRACTED if post.hidden else disclaimers.PUBLISHED}
    can_review = policy.can_review_answer(request.user, answer)
    return {
        "answer": answer,
        "post": post,
        "disclaimer": disclaimers.disclaimer_for(AIAnswer.Status.RETRACTED if post.hidden else answer.status),
        "reviewers": selectors.named_reviewers(answer),
        # A reader is shown only the sources they can open themselves (one may have moved since).
        # Only what the published text cites: the passages given but not cited were the reviewers' to see.
        "sources": policy.cited_sources_for(request.user, answer),
        "risk_banner": disclaimers.risk_notice(answer),
        "claims_notice": disclaimers.claims_confirmed_notice(answer),
        "attention_notice": disclaimers.attention_notice(answer),
        "can_review": can_review,
        "can_report": answer.status == AIAnswer.Status.PUBLISHED and not policy.is_asker(request.user, answer),
        # Reviewers retract on the review page; moderators and administrators who do not review, here.
        "can_withdraw": answer.status == AIAnswer.Status.PUBLISHED and not can_review
        and policy.can_withdraw_answer(request.user, answer),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("aiassist/partials/published_actions.html", takes_context=True)
def ai_post_actions(context, post):
    """Review link and report form under a published AI post (reuses the page's meta lookup)."""
    return ai_post_meta(context, post)


@register.inclusion_tag("aiassist/partials/published_sources.html", takes_context=True)
def ai_post_sources(context, post):
    """The sources under a published AI post, limited to those the reader can open."""
    return ai_post_meta(context, post)
