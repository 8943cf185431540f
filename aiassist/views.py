"""Thin web views for the assistant: the private panel and its buttons, and the new-thread option."""
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from forum import selectors as forum_selectors
from forum.exceptions import InvalidInput, RateLimited
from forum.views import ThreadStartView

from . import selectors, services
from .forms import AskingThreadStartForm, FeedbackForm, RegenerateForm
from .templatetags.assistant import panel_context


class AskingThreadStartView(ThreadStartView):
    """The forum's new-thread page with "Get a private AI draft" (on by default)."""

    form_class = AskingThreadStartForm
    template_name = "aiassist/thread_start.html"

    def start(self, request, form):
        with transaction.atomic():
            thread = super().start(request, form)
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
        return render(request, "aiassist/partials/answer_panel.html", panel_context(request.user, thread))
    return redirect(reverse("forum:thread", args=[thread.pk]) + "#ai-panel")


@require_POST
def answer_ask(request, thread_pk):
    thread = forum_selectors.thread_for_user(request.user, thread_pk)
    answer = services.answer_request(acting_user=request.user, thread=thread)
    return _panel_or_thread(request, answer)


@require_GET
def answer_panel(request, pk):
    answer = selectors.answer_for_user(request.user, pk)
    return render(request, "aiassist/partials/answer_panel.html", panel_context(request.user, answer.thread))


@require_POST
def answer_discard(request, pk):
    answer = selectors.answer_for_user(request.user, pk)
    services.answer_discard(acting_user=request.user, answer=answer)
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
