"""Thin web views: parse, fetch through a selector (which authorises), call one service, render.

Service errors (``ApplicationError``) become responses in ``forum.middleware``.
"""
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views import View
from django.views.decorators.http import require_POST, require_safe

from common.exceptions import Forbidden, InvalidInput

from . import fragments, policy, querystring, selectors, services
from .forms import PostEditForm, ReasonForm, ReplyForm, ThreadStartForm
from .markup import machine_text, machine_text_dropped, render_markdown, unmask_citation_links
from .models import Post
from .text import lf_line_breaks


def _form_error(form) -> InvalidInput:
    return InvalidInput("Please correct the errors below.", details=form.errors.get_json_data())


@require_safe
def home(request):
    name = querystring.text(request.GET, "category", max_length=100)
    return render(request, "forum/home.html", {
        "page": selectors.home_categories_page(request.user, request.GET.get("page"), name=name),
        "category_filter": name,
        "category_query": "&" + urlencode({"category": name}) if name else "",
        "recent_threads": selectors.recent_threads(request.user),
    })


@require_safe
def category_detail(request, slug):
    category = selectors.category_for_user(request.user, slug)
    page = selectors.category_threads_page(request.user, category, request.GET.get("page"))
    return render(request, "forum/category_detail.html", {"category": category, "page": page})


class ThreadStartView(View):
    """The new-thread page. The assistant extends it (``aiassist.views``) without the forum knowing."""

    form_class = ThreadStartForm
    template_name = "forum/thread_start.html"

    def get_form(self, request):
        categories = selectors.postable_categories(request.user)
        slug = querystring.text(request.GET, "category", max_length=100)
        initial = {"category": categories.filter(slug=slug).first()}
        data = request.POST if request.method == "POST" else None  # an empty POST is still a submission
        return self.form_class(data, categories=categories, initial=initial)

    def get(self, request):
        return render(request, self.template_name, {"form": self.get_form(request)})

    def post(self, request):
        form = self.get_form(request)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        thread = self.start(request, form)
        return redirect("forum:thread", pk=thread.pk)

    def start(self, request, form, ahead=None):
        """``ahead``: the body rendered already (``services.rendered``), by a subclass that opens the transaction."""
        data = form.cleaned_data
        return services.thread_start(acting_user=request.user, category=data["category"], title=data["title"],
                                     body=data["body"], ahead=ahead)


@require_safe
def thread_detail(request, pk):
    return _thread_page(request, pk)


@services.rebuilt_if_withdrawn
def _thread_page(request, pk, *, reply_form=None, status=200):
    """The thread page; after a refused reply, with the reader's text and the reason beside the form."""
    thread = selectors.thread_for_user(request.user, pk, reader_wrote=True)
    posts = fragments.thread_posts_section(request, thread, request.GET.get("page"), post_id=request.GET.get("post"))
    if request.method != "HEAD":  # nothing is shown: no receipt, and the thread stays unread (round 42's review)
        services.posts_mark_viewed(acting_user=request.user, posts=posts.live_posts)
        services.thread_mark_read(acting_user=request.user, thread=thread)
    return render(request, "forum/thread_detail.html", {
        "thread": thread,
        "posts": posts,
        "reply_form": reply_form or ReplyForm(),
        "move_targets": selectors.move_targets(request.user, thread),
        "watching": thread.reader_watching,
    }, status=status)


@require_POST
def post_reply(request, pk):
    thread = selectors.thread_for_user(request.user, pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            post = services.post_reply(acting_user=request.user, thread=thread, body=form.cleaned_data["body"])
            return redirect(services.post_url(post))
        except InvalidInput as exc:  # the service's own checks (a control character ...): said beside the form
            form.add_error(None, exc.message)
    return _thread_page(request, pk, reply_form=form, status=400)


def post_edit(request, pk):
    post = selectors.post_for_user(request.user, pk)
    if not policy.can_edit_post(request.user, post):
        raise Forbidden("You may not edit this post.")
    is_opening = services.is_opening_post(post)
    form = PostEditForm(request.POST if request.method == "POST" else None,
                        initial={"body": post.body, "title": post.thread.title})
    form.fields["title"].required = is_opening
    if request.method == "POST" and form.is_valid():
        services.post_edit(acting_user=request.user, post=post, body=form.cleaned_data["body"],
                           title=form.cleaned_data["title"] if is_opening else None)
        messages.success(request, "Post updated.")
        return redirect(services.post_url(post))
    status = 400 if request.method == "POST" else 200
    # A published AI answer in the thread was reviewed for the question as it reads: changing it takes the answer
    # back to review (aiassist.receivers). Said before the edit, not discovered after.
    answered = is_opening and post.thread.posts.filter(kind=Post.Kind.ASSISTANT, hidden=False).exists()
    context = {"form": form, "post": post, "is_opening": is_opening, "ai_answered": answered}
    return render(request, "forum/post_edit.html", context, status=status)


@require_POST
def post_hide(request, pk):
    post = selectors.post_for_user(request.user, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        raise _form_error(form)
    hide = request.POST.get("action", "hide") == "hide"
    services.post_hide(acting_user=request.user, post=post, hidden=hide, reason=form.cleaned_data["reason"])
    messages.success(request, "Post hidden." if hide else "Post restored.")
    return redirect(services.post_url(post))


@require_POST
def thread_lock(request, pk):
    thread = selectors.thread_for_user(request.user, pk)
    lock = request.POST.get("action", "lock") == "lock"
    services.thread_lock(acting_user=request.user, thread=thread, locked=lock)
    messages.success(request, "Thread locked." if lock else "Thread unlocked.")
    return redirect("forum:thread", pk=thread.pk)


@require_POST
def thread_move(request, pk):
    thread = selectors.thread_for_user(request.user, pk)
    category = selectors.category_for_user(request.user, request.POST.get("category", ""))
    services.thread_move(acting_user=request.user, thread=thread, category=category)
    messages.success(request, f"Thread moved to {category.name}.")
    return redirect("forum:thread", pk=thread.pk)


@require_POST
def thread_accept(request, pk, post_pk):
    thread = selectors.thread_for_user(request.user, pk)
    post = selectors.post_for_user(request.user, post_pk) if post_pk else None
    services.thread_accept_answer(acting_user=request.user, thread=thread, post=post)
    messages.success(request, "Accepted answer updated.")
    return redirect(services.post_url(post) if post else services.thread_url(thread))


def _switch(request, name: str) -> bool:
    """A POSTed on/off field ("1" or "0"): anything else is a 400 naming the field, never a 500."""
    value = request.POST.get(name)
    if value not in ("0", "1"):
        raise InvalidInput("Please choose on or off.", details={name: ["Send 1 or 0."]})
    return value == "1"


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


@require_POST
def thread_watch(request, pk):
    thread = selectors.thread_for_user(request.user, pk)
    watch = services.thread_watch(acting_user=request.user, thread=thread, watching=_switch(request, "watching"))
    if _is_htmx(request):
        return render(request, "forum/partials/watch_button.html", {"thread": thread, "watching": watch.watching})
    messages.success(request, "You are watching this thread: you will hear of new posts." if watch.watching
                     else "You stopped watching this thread.")
    return redirect("forum:thread", pk=thread.pk)


@require_POST
def post_vote(request, pk):
    post = selectors.post_for_user(request.user, pk)
    helpful = _switch(request, "helpful")
    post = services.post_vote(acting_user=request.user, post=post, helpful=helpful)
    if _is_htmx(request):
        return render(request, fragments.VOTE_TEMPLATE, {"post_pk": post.pk, "count": post.helpful_count,
                                                         "voted": helpful, "own": False})
    messages.success(request, "Marked as helpful." if helpful else "Vote taken back.")
    return redirect(services.post_url(post))


PROFILE_TABS = ("threads", "posts")


@require_safe
def profile(request, username):
    person = selectors.profile_user(username)
    tab = request.GET.get("show") if request.GET.get("show") in PROFILE_TABS else "threads"
    pages = {"threads": selectors.profile_threads_page, "posts": selectors.profile_posts_page}
    return render(request, "forum/profile.html", {
        "person": person, "tab": tab, "page": pages[tab](request.user, person, request.GET.get("page")),
        "page_query": "&show=posts" if tab == "posts" else "",
    })


@require_safe
def watched_threads(request):
    page = selectors.watched_threads_page(request.user, request.GET.get("page"))
    return render(request, "forum/watch_list.html", {"page": page})


AI_ANSWER_PREVIEW_MAX = 20_000
# What the desk accepts as posted, before what machine_text drops is gone (the assistant's ``STORED_MAX``): the preview
# reads as much, not the forum's own limit.
AI_ANSWER_POSTED_MAX = 4 * AI_ANSWER_PREVIEW_MAX


@require_POST
def markdown_preview(request):
    posted = request.POST.get("body", "")
    if request.POST.get("as") == "ai-answer":  # the review desk: the text as an AI answer stores it
        # At most an AI answer's length (the assistant's BODY_MAX: the forum does not import the assistant): a text
        # built to keep machine_text busy costs it about 0.15 s of CPU a thousand characters (round 34's review).
        # As the desk stores an edit: line breaks as LF (a browser posts CRLF, two characters a line) and what
        # machine_text drops gone before the limit is counted, so the preview ends where the stored edit ends (round
        # 41's review: an edit of 680 lines was previewed without its last ones, then approved whole). Nor is the
        # posted text cut at the forum's limit first: an edit padded with invisible characters past it was previewed
        # without its end, which the desk stored and published (round 46's review).
        text = lf_line_breaks(posted).strip()  # the whole of it, as the desk stores it (a request's size is bounded)
        refused = len(text) > AI_ANSWER_POSTED_MAX
        text = machine_text_dropped(text[:AI_ANSWER_POSTED_MAX])
        html = unmask_citation_links(render_markdown(machine_text(text[:AI_ANSWER_PREVIEW_MAX])))
        if refused or len(text) > AI_ANSWER_PREVIEW_MAX:
            html += (f'<p class="muted">Only the first {AI_ANSWER_PREVIEW_MAX:,} characters are shown: an answer is '
                     "at most that long, and a longer edit is refused.</p>")
        return HttpResponse(html or '<p class="muted">Nothing to preview yet.</p>')
    html = render_markdown(posted[: services.BODY_MAX])
    return HttpResponse(html or '<p class="muted">Nothing to preview yet.</p>')


@require_safe
def notification_list(request):
    page = selectors.notifications_page(request.user, request.GET.get("page"))
    return render(request, "forum/notification_list.html", {"page": page})


@require_POST
def notification_read(request, pk=None):
    notification = selectors.notification_for_user(request.user, pk) if pk else None
    count = services.notification_mark_read(acting_user=request.user, notification=notification)
    if _is_htmx(request):  # social.js, when a notice's link is opened in a new tab
        return HttpResponse(status=204)
    if notification is None:
        messages.success(request, f"{count} notice{'s' if count != 1 else ''} marked read." if count
                         else "Nothing was unread.")
    if notification is not None and request.POST.get("follow") and url_has_allowed_host_and_scheme(
            notification.shown_url, allowed_hosts=None, require_https=request.is_secure()):
        return redirect(notification.shown_url)
    return redirect("forum:notifications")
