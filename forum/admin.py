"""Django admin: categories with their grants page (forum.admin_grants), and a read-only audit log."""
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP
from django.urls import path, reverse
from django.utils.html import format_html

from . import policy, services
from .admin_grants import category_grants_view
from .audit import audit_record, audited
from .models import AuditEvent, Category, CategoryGroupObjectPermission, Notification, Post, Thread


class AuditedForms:
    """A form sent to the admin opens the transaction that its changes and their audit events are written in with
    the audit chain's lock (``audited``): the admin's own transaction would otherwise lock rows first."""

    def _posted(self, view, request, *args, **kwargs):
        if request.method != "POST":
            return view(request, *args, **kwargs)
        with audited():
            return view(request, *args, **kwargs)

    # add_view too: the user admin's opens a transaction of its own before it calls changeform_view.
    def add_view(self, request, *args, **kwargs):
        return self._posted(super().add_view, request, *args, **kwargs)

    def changeform_view(self, request, *args, **kwargs):
        return self._posted(super().changeform_view, request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        return self._posted(super().delete_view, request, *args, **kwargs)

    def lookup_allowed(self, lookup, value, request=None):
        """A change list filters from the query string on its model's own fields and what they point to, never on
        what points to it: Django takes a reverse relation too, so ``/admin/auth/user/?ai_answers=<id>`` named the
        asker of any private draft, ``?ai_answers__isnull=False`` everyone who ever asked the assistant,
        ``/admin/forum/thread/?ai_answers=<id>`` the thread it was about, ``/admin/forum/post/?ai_citations__isnull=
        False`` the posts drafts drew on and ``?notifications=<id>`` the recipient of a private notice (round 47's
        review; DESIGN.md: not admins). Refused as Django refuses any lookup it does not allow (400)."""
        first = lookup.split(LOOKUP_SEP, 1)[0]
        try:
            field = self.model._meta.get_field(first)
        except FieldDoesNotExist:
            field = None
        if field is not None and field.auto_created and not field.concrete:  # a reverse relation
            return False
        return super().lookup_allowed(lookup, value, request)


class PolicyAdmin(AuditedForms, admin.ModelAdmin):
    """An admin over what the access policy guards: ``allowed`` (forum.policy) decides who may use it at all,
    Django's model permissions only narrow it further.

    The stock admin answers to model-wide permissions alone, which the policy says grant nothing: a staff
    user holding ``forum.view_post`` read restricted posts, thread titles and the audit log here while the
    forum answered 404 and the API 403. Administrators (superusers) keep the whole admin."""

    @staticmethod
    def allowed(user) -> bool:
        return policy.can_manage_categories(user)

    def has_module_permission(self, request):
        return self.allowed(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self.allowed(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return self.allowed(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.allowed(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.allowed(request.user) and super().has_delete_permission(request, obj)


@admin.register(Category)
class CategoryAdmin(PolicyAdmin):
    """Not guardian's GuardedModelAdmin: its object-permission screen offered Django's add/change/delete
    permissions per category (which Vetted's policy ignores) and an inline <style> the CSP blocks. Grants
    are managed on the category's grants page instead. Like that page, this one is the administrators'
    (``policy.can_manage_categories``): a model-wide ``change_category`` showed restricted categories' names
    to a staff user and let them rename or delete one outside the forum's services and their audit."""

    list_display = ("name", "slug", "restricted", "position", "thread_count", "post_count", "grants_link")
    list_filter = ("restricted",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("thread_count", "post_count", "last_post_at")

    def get_urls(self):
        grants = path("<path:object_id>/grants/", self.admin_site.admin_view(self.grants_view),
                      name="forum_category_grants")
        return [grants, *super().get_urls()]

    def grants_view(self, request, object_id):
        return category_grants_view(self, request, object_id)

    @admin.display(description="Grants")
    def grants_link(self, obj):
        return format_html('<a href="{}">Grants</a>', reverse("admin:forum_category_grants", args=[obj.pk]))

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        return shown if policy.can_manage_categories(request.user) else [f for f in shown if f != "grants_link"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_manage_grants": policy.can_manage_categories(request.user)}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_readonly_fields(self, request, obj=None):
        # The slug is the category's address: set once, when it is made.
        return (*self.readonly_fields, "slug") if obj else self.readonly_fields

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj else self.prepopulated_fields

    def save_model(self, request, obj, form, change):
        # Through the services, audited, with what follows from a change (restricting a category withdraws a
        # published AI answer quoting it) in this same transaction: the admin saved a new category, or a new name,
        # description or position, with no audit event (round 29's review).
        if not change:
            created = services.category_create(acting_user=request.user, name=obj.name, slug=obj.slug,
                                               description=obj.description, restricted=obj.restricted,
                                               position=obj.position)
            obj.pk, obj.name, obj.slug = created.pk, created.name, created.slug
            obj._state.adding, obj._state.db = False, created._state.db
            return
        editable = ("name", "description", "restricted", "position")
        changes = {field: getattr(obj, field) for field in form.changed_data if field in editable}
        if changes:
            services.category_update(acting_user=request.user, category=Category.objects.get(pk=obj.pk), **changes)


@admin.register(Thread)
class ThreadAdmin(PolicyAdmin):
    """A thread changes in the forum, through the services that audit it and keep what depends on it in step: a
    new title is a new question for the AI answers published in it (flagged for another look), a lock and an
    accepted answer are audited. Here only its category changes (a move, through ``thread_move``); threads are
    started and never deleted in the forum. The admin saved a new title with no audit event and no flag (round 29's
    review)."""

    list_display = ("title", "category", "author", "post_count", "locked", "last_post_at")
    list_filter = ("category", "locked")
    search_fields = ("title",)
    fields = ("title", "category", "author", "locked", "accepted_post", "post_count", "last_post_at")
    readonly_fields = ("title", "author", "locked", "accepted_post", "post_count", "last_post_at")
    list_select_related = ("category", "author")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if "category" in form.changed_data:
            target, obj.category = obj.category, Category.objects.get(pk=form.initial["category"])
            services.thread_move(acting_user=request.user, thread=obj, category=target)


@admin.register(Post)
class PostAdmin(PolicyAdmin):
    """Read-only. Posts change through the forum's services (edit, hide, move; retraction for AI posts),
    which check policy, audit, and keep the passage index, the rendered pages and the AI answers that
    cite or are a post in step: an admin form un-hiding a retracted AI post put its text back in front
    of readers with nobody's approval (the adversarial review of the gate)."""

    list_display = ("id", "thread", "author", "kind", "hidden", "created_at")
    list_filter = ("kind", "hidden")
    list_select_related = ("thread", "author")

    def get_exclude(self, request, obj=None):
        # An AI post's text is read in its thread, with its disclaimer and a view receipt (a retraction must reach
        # every reader), never here: the admin showed it without either, and went on showing it once withdrawn,
        # which the thread page shows nobody (round 43's review).
        if obj is not None and obj.kind == Post.Kind.ASSISTANT:
            return ("body", "body_html")
        return super().get_exclude(request, obj)

    def lookup_allowed(self, lookup, value, request=None):
        # Nor filtered by it from the query string ("?body__contains=…" would answer yes or no for each guess at a
        # withdrawn answer's text: round 43's review of the exclusion above).
        if lookup.split("__", 1)[0] in ("body", "body_html"):
            return False
        return super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(PolicyAdmin):
    list_display = ("recipient", "verb", "text", "created_at", "read_at")
    raw_id_fields = ("recipient",)

    def get_queryset(self, request):
        # A notice about a private AI draft is its recipient's alone, as the draft is.
        return super().get_queryset(request).filter(private=False)


@admin.register(AuditEvent)
class AuditEventAdmin(PolicyAdmin):
    """Read-only: the log is append-only, even for administrators. Private events (an AI draft before
    its asker submits it) are left out of every list, filter, search and detail page: the change list
    takes any lookup on the model's fields from the query string, so showing them redacted would let
    a filter on their hidden fields tell what they hold."""

    list_display = ("id", "created_at", "actor_name", "verb", "target_type", "target_id", "category")
    list_filter = ("verb", "category")
    search_fields = ("actor_name", "verb", "target_id")
    list_select_related = ("category",)

    @staticmethod
    def allowed(user) -> bool:
        return policy.can_read_audit_log(user)

    def get_queryset(self, request):
        return super().get_queryset(request).shown()

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(AuditedForms, DjangoUserAdmin):
    """Django's user admin, with what changes someone's access written to the audit log in the same transaction:
    joining or leaving a group (a group's grants are its members'), and the active, staff and superuser flags.
    (The whole admin is the administrators', ``config.admin``.)"""

    AUDITED_FLAGS = ("is_active", "is_staff", "is_superuser")

    def has_delete_permission(self, request, obj=None):
        # People are deactivated, never deleted: the audit log keeps who did what (``AuditEvent.actor`` is
        # PROTECT), and Django's delete page would list what a deletion takes along, an asker's private drafts and
        # their events among them, which no administrator may know of (round 39's review: "Cannot delete user ...
        # audit event" for a member whose only events were private).
        return False

    def save_model(self, request, obj, form, change):
        before = User.objects.filter(pk=obj.pk).first() if change else None
        form.access_before = (
            {flag: getattr(before, flag) for flag in self.AUDITED_FLAGS} if before else {},
            set(before.groups.values_list("name", flat=True)) if before else set(),
        )
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        flags_before, groups_before = getattr(form, "access_before", ({}, set()))
        groups = set(user.groups.values_list("name", flat=True))
        data = {flag: [flags_before.get(flag), getattr(user, flag)] for flag in self.AUDITED_FLAGS
                if flags_before.get(flag, False) != getattr(user, flag)}
        if groups - groups_before:
            data["groups_joined"] = sorted(groups - groups_before)
        if groups_before - groups:
            data["groups_left"] = sorted(groups_before - groups)
        if data:
            audit_record(actor=request.user, verb="user.access_change", target=user, data=data)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedForms, DjangoGroupAdmin):
    """Django's group admin, with a group's deletion written to the audit log in the same transaction: it takes along
    the group's category grants and its members' share of them (round 40's review: members lost their review rights
    with no event). Deleted one at a time, from its own page (no bulk action, which no audited transaction opens)."""

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_model(self, request, obj):
        grants = CategoryGroupObjectPermission.objects.filter(group=obj).select_related("content_object", "permission")
        audit_record(actor=request.user, verb="group.delete", target=obj, data={
            "name": obj.name,
            "members": sorted(obj.user_set.values_list("username", flat=True)),
            "grants": sorted([grant.content_object.slug, grant.permission.codename] for grant in grants),
        })
        super().delete_model(request, obj)
