"""Thin web views for the assistant: the private panel and its buttons, and the new-thread option."""
import re

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe

from common.exceptions import InvalidInput, NotFound, RateLimited
from forum import policy as forum_policy
from forum import selectors as forum_selectors
from forum import services as forum_services
from forum.audit import audited
from forum.markup import render_markdown
from forum.views import ThreadStartView

from . import desk, disclaimers, policy, selectors, services
from .forms import AskingThreadStartForm, FeedbackForm, QueueFilterForm, ReasonForm, RegenerateForm
from .models import Approval
from .templatetags.assistant import panel_context


class AskingThreadStartView(ThreadStartView):
    """The forum's new-thread page with "Get a private AI draft" (on by default)."""

    form_class = AskingThreadStartForm
    template_name = "aiassist/thread_start.html"

    def start(self, request, form, ahead=None):
        ahead = ahead or forum_services.rendered(form.cleaned_data["body"])  # before the audit chain's lock
        with audited():
            thread = super().start(request, form, ahead=ahead)
            if form.cleaned_data["ask_assistant"]:
                try:
                    with transaction.atomic():
                        services.answer_request(acting_user=request.user, thread=thread)
                except (services.AssistantPaused, RateLimited) as exc:
                    messages.warning(request, f"{exc.message} Your question was posted.")
        return thread


def _panel_or_thread(request, answer_or_thread):
    """htmx callers get the refreshed panel; plain form posts go back to the thread page."""
    thread = getattr(answer_or_thread, "thread", answer_or_thread)
    if request.headers.get("HX-Request"):
        # The panel the asker just acted in stays open (on a page load, one already read is folded).
        return render(request, "aiassist/partials/answer_panel.html",
                      {**panel_context(request.user, thread), "keep_open": True})
    return redirect(reverse("forum:thread", args=[thread.pk]) + "#ai-panel")


@require_POST
def answer_ask(request, thread_pk):
    thread = forum_selectors.thread_for_user(request.user, thread_pk)
    answer = services.answer_request(acting_user=request.user, thread=thread)
    return _panel_or_thread(request, answer)


@require_safe
def answer_panel(request, pk):
    try:
        thread = selectors.answer_for_user(request.user, pk).thread
    except NotFound:
        # The asker's panel polls its answer while it drafts: an answer stored withheld (what it drew on was taken
        # back meanwhile) is 404 here, which htmx does not swap, and the spinner stayed. Its asker gets the thread's
        # panel instead, which says it is withheld (none of its text); anyone else the 404.
        thread = selectors.withheld_answer_thread(request.user, pk)
    return render(request, "aiassist/partials/answer_panel.html", panel_context(request.user, thread))


@require_POST
def answer_discard(request, pk):
    answer = selectors.answer_for_user(request.user, pk)
    services.answer_discard(acting_user=request.user, answer=answer)
    return _panel_or_thread(request, answer)


@require_POST
def answer_restore(request, pk):
    answer = selectors.answer_for_user(request.user, pk)
    services.answer_restore(acting_user=request.user, answer=answer)
    return _panel_or_thread(request, answer)


@require_POST
def answer_retry(request, pk):
    answer = selectors.answer_for_user(request.user, pk)
    services.answer_retry(acting_user=request.user, answer=answer)
    return _panel_or_thread(request, answer)


@require_POST
def answer_regenerate(request, pk):
    answer = selectors.answer_for_user(request.user, pk)
    form = RegenerateForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("Choose whose readable posts the new draft may use.", details=form.errors.get_json_data())
    new = services.answer_regenerate(acting_user=request.user, answer=answer, audience=form.cleaned_data["audience"])
    return _panel_or_thread(request, new)


@require_POST
def answer_feedback(request, pk):
    answer = selectors.answer_for_user(request.user, pk)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("Rate the answer helpful or not helpful.", details=form.errors.get_json_data())
    services.answer_feedback(acting_user=request.user, answer=answer, rating=form.cleaned_data["rating"])
    return _panel_or_thread(request, answer)


# Review -----------------------------------------------------------------------------------------


@require_safe
def review_queue(request):
    user = request.user
    categories = list(forum_policy.reviewed_categories(user).order_by("position", "name"))
    form = QueueFilterForm(request.GET, categories=categories)
    filters = form.filters()
    page = Paginator(selectors.review_queue(user, **filters, for_page=True), 25).get_page(request.GET.get("page"))
    for answer in page:
        forum_policy.remember_access(user, answer, answer.thread.category)
        answer.needed = services.approvals_needed(answer)
        current = services.body_hash(answer.body)
        answer.you_approved = any(a.reviewer_id == user.pk and a.body_hash == current for a in answer.approvals.all())
        answer.is_own = answer.asker_id == user.pk
    query = {key: value for key, value in (("category", filters["category"] and filters["category"].slug),
                                           ("risk", filters["risk"])) if value}
    return render(request, "aiassist/review_queue.html", {
        "page": page, "form": form, "filtered": bool(query),
        "page_query": "&" + urlencode(query) if query else "", "reviews_any": bool(categories),
    })


@require_safe
def review_metrics(request):
    """Counts per category the viewer reviews; someone who reviews nothing gets a 404 (there is no page for them)."""
    metrics = selectors.review_metrics(request.user)
    if not metrics:
        raise NotFound("No such page.")
    return render(request, "aiassist/metrics.html", {"metrics": metrics})


@require_safe
def answer_review(request, pk):
    return _review_page(request, pk)


@forum_services.rebuilt_if_withdrawn
def _review_page(request, pk, *, kept_body: str | None = None, status: int = 200):
    """The review page; ``kept_body``: the text a reviewer sent that was refused because someone changed the text
    since they read it (``services.TextChanged``), kept in the editor, with the text as it now stands above it."""
    answer = selectors.reviewable_answer(request.user, pk)
    if answer.status == answer.Status.PUBLISHED and answer.published_post_id and request.method != "HEAD":
        # The published text, read here: a retraction must reach this reader too (round 29's review).
        forum_services.posts_mark_viewed(acting_user=request.user, posts=[answer.published_post])
    outside = {s.pk for s in services.sources_outside_audience(answer)}
    # Every passage the engine was given, cited first: a model can copy what it does not cite. Each named in the
    # category it was drafted from when the reviewer may read that one, else where its post is now
    # (``policy.shown_category``); the audience check asks where it is now, whatever the name shown.
    sources = [{"source": s, "category": policy.shown_category(request.user, s), "audience_ok": s.pk not in outside,
                "passage_html": render_markdown(s.text)}
               for s in answer.sources.select_related("category", "post__author", "post__thread__category")]
    current = services.body_hash(answer.body)
    # One read of the approvals, with what each is worth now: the list shown, the counts and the
    # "Approve and publish" label all come from it (policy.standing_approvals_of uses the prefetch).
    prefetch_related_objects([answer], Prefetch(
        "approvals", queryset=policy.standing_approvals(Approval.objects.select_related("reviewer"))),
        policy.prefetch_standing_confirmations())  # what the claims show as confirmed: what the gate counts
    approvals = list(answer.approvals.all())
    for approval in approvals:
        approval.current = approval.body_hash == current
    # Which approvals the post names (``Approval.counted``) once published; before, which ones count now.
    published_once = answer.status in (answer.Status.PUBLISHED, answer.Status.RETRACTED)
    needed = services.approvals_needed(answer)
    can_act = policy.can_review_answer(request.user, answer)
    security_reviewers = []
    if can_act and needed["needs_security_reviewer"] and answer.status == answer.Status.IN_REVIEW:
        holders = forum_policy.holders_of(forum_policy.APPROVE_HIGH_RISK, answer.thread.category)
        security_reviewers = list(holders.exclude(pk=answer.asker_id).order_by("username")
                                  .values_list("username", flat=True)[:5])
    state = desk.approval_state(user=request.user, approvals=approvals, needed=needed, can_act=can_act,
                                security_reviewers=security_reviewers, status=answer.status)
    # The question's post, unless a moderator has hidden it (a pasted credential, say): not shown here then, to
    # moderators either (they read it on the thread page), and the question is its title alone (``question_of``).
    opening = answer.thread.posts.order_by("created_at", "id").select_related("thread__category").first()
    question_hidden = opening is not None and (opening.hidden or not forum_policy.can_view_post(request.user, opening))
    # What the draft was written from and has changed since (services.DraftOutdated): it cannot be approved. The
    # question is shown as it now stands, whatever the answer's status: the asker may have taken something out of it
    # (a pasted credential), and the forum keeps no earlier text of a post. The answer keeps the question it was
    # drafted from (``AIAnswer.question``), which no page shows once it has changed.
    question = services.question_of(answer.thread)
    outdated = services.outdated(answer, question) if answer.status == answer.Status.IN_REVIEW else []
    return render(request, "aiassist/answer_review.html", {
        "answer": answer,
        "question_html": "" if question_hidden else render_markdown(question),
        "question_hidden": question_hidden,
        "question_edited": question != answer.question,
        "outdated": outdated,
        "disclaimer": disclaimers.disclaimer_for(answer.status),
        "risk_banner": disclaimers.risk_notice(answer),
        "earlier_verdicts": selectors.earlier_verdicts(request.user, answer),
        "sources": sources,
        "approvals": approvals,
        "published_once": published_once,
        "needed": needed,
        "state": state,
        "unresolved": len(services.unresolved_claims(answer)) if answer.status == answer.Status.IN_REVIEW else 0,
        "sources_by_number": [row["source"] for row in sources],
        "approval_publishes": services.approvals_needed(answer, adding=request.user)["complete"],
        "reports": answer.reports.filter(resolved_at__isnull=True).select_related("reporter"),
        "can_act": can_act,
        "is_asker": policy.is_asker(request.user, answer),
        # What the reviewer read: an approval or edit sent with it is refused once the text changes (TextChanged).
        "text_hash": current,
        "kept_body": kept_body,
    }, status=status)


def _after_review(request, answer, message):
    messages.success(request, message)
    if answer.status == answer.Status.PUBLISHED and answer.published_post_id:
        return redirect(reverse("forum:thread", args=[answer.thread_id]) + f"?post={answer.published_post_id}"
                        f"#post-{answer.published_post_id}")
    return redirect("assistant:review", pk=answer.pk)


@require_POST
def answer_approve(request, pk):
    answer = selectors.reviewable_answer(request.user, pk)
    try:
        answer = services.answer_approve(acting_user=request.user, answer=answer, body=request.POST.get("body"),
                                         text_hash=_text_hash(request))
    except services.TextChanged as exc:
        return _changed_since_read(request, pk, exc)
    except services.UnresolvedClaims as exc:
        # Back to the page that lists them, each with its Confirm form (an edit sent along is not kept:
        # "Save edit and check again" keeps it).
        messages.error(request, exc.message)
        return redirect("assistant:review", pk=pk)
    published = answer.status == answer.Status.PUBLISHED
    return _after_review(request, answer, "Approved and published." if published
                         else "Approved. It needs another reviewer's approval before it is published.")


def _text_hash(request) -> str | None:
    """The ``body_hash`` of the text the review page served (its form's ``text_hash``); None from an older page or a
    client that sends none, which the service then judges as before."""
    value = request.POST.get("text_hash", "")
    return value if re.fullmatch(r"[0-9a-f]{64}", value) else None


def _changed_since_read(request, pk, exc):
    """Someone edited the text since this reviewer's page was served: nothing is approved or saved, and the page
    comes back (409) with the text as it stands now and, in the editor, what they sent, so nothing they typed is
    lost."""
    messages.error(request, f"{exc.message} Nothing was saved: your text is kept in the editor below, the text as "
                            "it now stands is above it.")
    return _review_page(request, pk, kept_body=request.POST.get("body"), status=409)


def _reason_input(request) -> dict:
    form = ReasonForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("Choose a reason from the list.", details=form.errors.get_json_data())
    return {"code": form.cleaned_data["code"] or None, "reason": form.cleaned_data["reason"]}


@require_POST
def answer_edit(request, pk):
    answer = selectors.reviewable_answer(request.user, pk)
    try:
        answer = services.answer_edit(acting_user=request.user, answer=answer, body=request.POST.get("body", ""),
                                      text_hash=_text_hash(request))
    except services.TextChanged as exc:
        return _changed_since_read(request, pk, exc)
    return _after_review(request, answer, f"Saved and checked again: {answer.grounding['summary']}.")


@require_POST
def answer_confirm_claim(request, pk):
    answer = selectors.reviewable_answer(request.user, pk)
    confirmation = services.answer_confirm_claim(acting_user=request.user, answer=answer,
                                                 key=request.POST.get("key", ""), reason=request.POST.get("reason", ""))
    return _after_review(request, confirmation.answer, "Claim confirmed; your reason is in the audit log.")


@require_POST
def answer_reject(request, pk):
    answer = selectors.reviewable_answer(request.user, pk)
    answer = services.answer_reject(acting_user=request.user, answer=answer, **_reason_input(request))
    return _after_review(request, answer, "Rejected; the asker has been told why.")


@require_POST
def answer_retract(request, pk):
    # Reviewers retract from the review page; moderators and administrators may from the thread page too.
    answer = selectors.reviewable_answer(request.user, pk, or_withdrawable=True)
    answer = services.answer_retract(acting_user=request.user, answer=answer, **_reason_input(request))
    if policy.can_view_answer(request.user, answer):
        return _after_review(request, answer, "Retracted; everyone who read it has been told.")
    messages.success(request, "Retracted; everyone who read it has been told.")
    return redirect(reverse("forum:thread", args=[answer.thread_id]) + f"?post={answer.published_post_id}"
                    f"#post-{answer.published_post_id}")


@require_POST
def answer_confirm(request, pk):
    answer = selectors.reviewable_answer(request.user, pk)
    answer = services.answer_confirm(acting_user=request.user, answer=answer)
    return _after_review(request, answer, "Checked again and kept published.")


@require_POST
def answer_submit(request, pk):
    answer = selectors.answer_for_user(request.user, pk)
    services.answer_submit(acting_user=request.user, answer=answer)
    return _panel_or_thread(request, answer)


@require_POST
def answer_withdraw(request, pk):
    answer = selectors.answer_for_user(request.user, pk)
    services.answer_withdraw(acting_user=request.user, answer=answer)
    return _panel_or_thread(request, answer)


@require_POST
def answer_report(request, pk):
    post = forum_selectors.post_for_user(request.user, pk)
    answer = selectors.published_answer_for_post(request.user, post)
    services.answer_report(acting_user=request.user, answer=answer, **_reason_input(request))
    messages.success(request, "Thank you. The reviewers will look at this answer again.")
    return redirect(reverse("forum:thread", args=[post.thread_id]) + f"?post={post.pk}#post-{post.pk}")
