"""Search and "similar threads" pages over the passage index. Thin: parse, rank as the reader, render."""
from html import escape

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from forum import policy
from forum import selectors as forum_selectors
from forum import services as forum_services

from .. import disclaimers
from . import search
from .forms import SearchForm, SimilarForm


@require_safe
@forum_services.rebuilt_if_withdrawn
def search_page(request):
    form = SearchForm(request.GET)
    valid = form.is_valid()
    context = {"form": form, "query": "", "ai_disclaimer": disclaimers.PUBLISHED,
               "category_options": _category_options(request.user, form.cleaned_data.get("category"))}
    if not valid:
        return render(request, "retrieval/search.html", context, status=400)
    data = form.cleaned_data
    query = data["q"]
    category = forum_selectors.category_for_user(request.user, data["category"]) if data["category"] else None
    author = get_user_model().objects.filter(username=data["author"]).first() if data["author"] else None
    results = []
    if query and (author is not None or not data["author"]):
        results = search.search_threads(request.user, query, category=category, author=author)
    page = Paginator(results, settings.FORUM_SEARCH_RESULTS).get_page(request.GET.get("page"))
    search.with_ai_notices(page.object_list)
    forum_services.posts_mark_shown(request, search.ai_posts_shown(page.object_list))
    filters = {k: v for k, v in (("q", query), ("category", data["category"]), ("author", data["author"])) if v}
    context.update(query=query, page=page, category=category, author=data["author"],
                   page_query="&" + urlencode(filters), empty_query=not query and "q" in request.GET)
    return render(request, "retrieval/search.html", context)


def _category_options(user, selected: str | None):
    """The filter's ``<option>``s, one per category the user may read (hundreds for some readers: built here
    in one pass; as a template loop it was most of the template's time at seed_scale, bench/README.md round 6).
    Escaped by the standard library's ``html.escape`` (what Django's ``escape`` calls): ``format_html_join`` took
    4 ms for 347 options, most of it checking each value for laziness and safeness (round 14)."""
    return mark_safe("".join(  # noqa: S308 - every value is escaped
        f'<option value="{escape(slug)}"{" selected" if slug == selected else ""}>{escape(name)}</option>'
        for slug, name in policy.visible_categories(user).values_list("slug", "name")))


@require_safe
def similar_threads(request):
    """The new-thread form's suggestions as the title is typed (an htmx fragment)."""
    form = SimilarForm(request.GET)
    text = (form.cleaned_data["title"] or form.cleaned_data["q"]) if form.is_valid() else ""
    results = search.similar_threads(request.user, text) if len(text.strip()) >= 8 else []
    # Titles only, no AI text (the API's results carry snippets, and record their reading): nothing to record here,
    # or a retraction would tell someone who was never shown its text (round 43's review).
    return render(request, "retrieval/partials/similar_threads.html",
                  {"results": results, "query": text, "ai_disclaimer": disclaimers.PUBLISHED})
