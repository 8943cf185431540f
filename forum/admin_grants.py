"""The admin's grants page for one category: Vetted's five object permissions by user and group, granted
and revoked through the audited services, and who effectively reads the category and through what.

It replaces django-guardian's stock object-permission screen, which listed Django's meaningless
add/change/delete columns and carried an inline <style> the Content-Security-Policy blocks. Reached from
the category's change page (``CategoryAdmin.get_urls``) behind the admin's login; only those
``policy.can_manage_categories`` allows (superusers) may open it, everyone else signed in to the admin
gets 403, whether the category exists or not.
"""
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from common.exceptions import ApplicationError, NotFound

from . import grants, policy, selectors, services
from .models import Category, CategoryUserObjectPermission

HOLDER_KINDS = [("user", "User"), ("group", "Group")]
READERS_PER_PAGE = 100


class GrantForm(forms.Form):
    kind = forms.ChoiceField(choices=HOLDER_KINDS, label="Grant to")
    holder = forms.CharField(max_length=150, label="Username or group name", strip=True)
    permission = forms.ChoiceField(choices=[(p.codename, p.label) for p in grants.PERMISSIONS], label="Permission")

    def clean(self):
        cleaned = super().clean()
        kind, name = cleaned.get("kind"), cleaned.get("holder")
        if kind and name:
            try:
                cleaned["holder_object"] = selectors.grant_holder(**{kind: name})
            except NotFound as missing:
                self.add_error("holder", missing.message)
        return cleaned


class RevokeForm(forms.Form):
    grant = forms.CharField(max_length=24)

    def __init__(self, *args, category: Category, **kwargs):
        super().__init__(*args, **kwargs)
        self.category = category

    def clean_grant(self):
        try:
            return selectors.category_grant(self.category, self.cleaned_data["grant"])
        except NotFound:
            raise forms.ValidationError("No such grant on this category (it may have been revoked already).") from None


def _act(request, category: Category, form: forms.Form) -> str | None:
    """Run the service the valid ``form`` asks for; the success message, or None with the error on the form."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        if isinstance(form, GrantForm):
            holder = data["holder_object"]
            services.category_grant_add(acting_user=request.user, category=category, permission=data["permission"],
                                        **{data["kind"]: holder})
            return f"Granted “{grants.LABELS[data['permission']]}” to {data['kind']} “{holder}”."
        grant = data["grant"]
        kind = "user" if isinstance(grant, CategoryUserObjectPermission) else "group"
        label = grants.LABELS.get(grant.permission.codename, grant.permission.codename)
        services.category_grant_remove(acting_user=request.user, category=category, grant=grant)
        return f"Revoked “{label}” from {kind} “{getattr(grant, kind)}”."
    except ApplicationError as refused:
        form.add_error(None, refused.message)
        return None


def category_grants_view(model_admin, request, object_id):
    if not policy.can_manage_categories(request.user):
        raise PermissionDenied
    category = Category.objects.filter(pk=object_id).first() if selectors.is_row_id(object_id) else None
    if category is None:
        raise Http404("No such category.")
    grant_form, revoke_form, status = GrantForm(), None, 200
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            revoke_form = RevokeForm(request.POST, category=category)
            form = revoke_form
        else:
            grant_form = form = GrantForm(request.POST)
        done = _act(request, category, form)
        if done:
            messages.success(request, done)
            return HttpResponseRedirect(request.path)
        status = 400
    table = grants.grant_table(category)
    readers = grants.effective_readers(category)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": f"Grants: {category.name}",
        "category": category,
        "permissions": grants.PERMISSIONS,
        "table": table,
        "readers": readers,
        # A group of thousands reads a restricted category: the list is paged, not one table of them all.
        "readers_page": Paginator(readers.readers, READERS_PER_PAGE).get_page(request.GET.get("readers")),
        "grant_form": grant_form,
        "revoke_form": revoke_form,
        "audit_url": reverse("admin:forum_auditevent_changelist") + f"?category__id__exact={category.pk}",
    }
    return TemplateResponse(request, "admin/forum/category/grants.html", context, status=status)
