"""What the admin's grants page reads: a category's object permissions by holder, and who effectively reads it.

Reads only. Grants change through ``services.category_grant_add`` and ``services.category_grant_remove``,
which check policy and write the audit event. Who reads a category is ``policy``'s rule asked the other
way round (for every account at once instead of one); tests/forum/test_grants_admin.py holds the two equal.
Each function costs a fixed number of queries, however many grants, groups or members there are.
"""
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count

from . import policy
from .models import Category, CategoryGroupObjectPermission, CategoryUserObjectPermission

User = get_user_model()


@dataclass(frozen=True)
class PermissionInfo:
    codename: str
    label: str
    explanation: str


PERMISSIONS = (
    PermissionInfo(policy.VIEW, "View",
                   "Read the category while it is restricted: its threads, posts and published AI answers."),
    PermissionInfo(policy.POST, "Post",
                   "Start threads and reply while the category is restricted (and so read it)."),
    PermissionInfo(policy.MODERATE, "Moderate",
                   "Edit and hide posts, lock threads, withdraw a published AI answer (and read the category)."),
    PermissionInfo(policy.REVIEW, "Review AI answers",
                   "See AI answers submitted for review here; edit, approve, reject, publish and retract them. "
                   "Superusers too need this grant."),
    PermissionInfo(policy.APPROVE_HIGH_RISK, "Approve high risk",
                   "Give the second approval a high-risk AI answer needs, after another reviewer's. "
                   "Superusers too need this grant."),
)
assert tuple(p.codename for p in PERMISSIONS) == policy.CATEGORY_PERMISSIONS
LABELS = {p.codename: p.label for p in PERMISSIONS}


@dataclass
class Cell:
    codename: str
    label: str
    grant_id: str = ""  # the API's id of the grant ("u12", "g3") when held, else ""


@dataclass
class Holder:
    kind: str  # "user" or "group"
    name: str
    active: bool = True  # groups are always "active"; a deactivated user's grants do nothing
    members: int = 0  # groups: how many accounts belong to it
    cells: list[Cell] = field(default_factory=list)


@dataclass(frozen=True)
class StrayGrant:
    """An object permission on the category that Vetted's policy ignores (guardian's stock screen offered
    add/change/delete_category per object): it grants nothing, and may be revoked."""

    kind: str
    name: str
    codename: str
    grant_id: str


@dataclass
class GrantTable:
    holders: list[Holder]
    stray: list[StrayGrant]


def _grant_rows(category: Category):
    users = (CategoryUserObjectPermission.objects.filter(content_object=category)
             .values_list("pk", "user_id", "user__username", "user__is_active", "permission__codename"))
    groups = (CategoryGroupObjectPermission.objects.filter(content_object=category)
              .values_list("pk", "group_id", "group__name", "permission__codename"))
    return list(users), list(groups)


def grant_table(category: Category) -> GrantTable:
    """Every user and group holding a permission on ``category`` (users first, each by name), with one
    cell per Vetted permission, and the grants that do nothing; three queries."""
    user_rows, group_rows = _grant_rows(category)
    rows = [("user", pk, holder_id, name, active, codename) for pk, holder_id, name, active, codename in user_rows]
    rows += [("group", pk, holder_id, name, True, codename) for pk, holder_id, name, codename in group_rows]
    holders: dict[tuple[str, int], Holder] = {}
    held: dict[tuple[str, int], dict[str, str]] = {}
    stray = []
    for kind, pk, holder_id, name, active, codename in rows:
        grant_id = f"{kind[0]}{pk}"
        if codename not in policy.CATEGORY_PERMISSIONS:
            stray.append(StrayGrant(kind, name, codename, grant_id))
            continue
        holders.setdefault((kind, holder_id), Holder(kind=kind, name=name, active=active))
        held.setdefault((kind, holder_id), {})[codename] = grant_id
    group_ids = [holder_id for kind, holder_id in holders if kind == "group"]
    if group_ids:
        members = dict(User.groups.through.objects.filter(group_id__in=group_ids, user__is_active=True)
                       .values("group_id").annotate(n=Count("id")).values_list("group_id", "n"))
        for group_id in group_ids:
            holders[("group", group_id)].members = members.get(group_id, 0)
    for key, holder in holders.items():
        holder.cells = [Cell(p.codename, p.label, held[key].get(p.codename, "")) for p in PERMISSIONS]
    return GrantTable(holders=sorted(holders.values(), key=lambda h: (h.kind != "user", h.name.lower())),
                      stray=sorted(stray, key=lambda s: (s.kind != "user", s.name.lower(), s.codename)))


@dataclass(frozen=True)
class Reader:
    username: str
    reasons: tuple[str, ...]  # through what: "superuser", "direct grant: View, Post", "group secops: View"


@dataclass(frozen=True)
class Readers:
    """Who reads the category. An open one is read by every active account (``everyone`` of them, not
    listed); a restricted one by the accounts in ``readers`` alone."""

    open: bool
    everyone: int = 0
    readers: tuple[Reader, ...] = ()


def effective_readers(category: Category) -> Readers:
    """Who may read ``category`` under ``policy.can_view_category``, and through which grant.

    The rule (forum/policy.py): only active accounts; an open category is read by all of them; a
    restricted one by superusers and by holders of any permission in ``policy.READ_IMPLIED_BY``, granted
    to them directly or to one of their groups. Model-wide permissions grant nothing. Four queries."""
    if not category.restricted:
        return Readers(open=True, everyone=User.objects.filter(is_active=True).count())
    reasons: dict[str, list[str]] = {}
    for username in User.objects.filter(is_active=True, is_superuser=True).values_list("username", flat=True):
        reasons.setdefault(username, []).append("superuser (reads every category)")
    reading = {"permission__content_type__app_label": "forum", "permission__codename__in": policy.READ_IMPLIED_BY,
               "content_object": category}
    direct: dict[str, list[str]] = {}
    for username, codename in (CategoryUserObjectPermission.objects.filter(user__is_active=True, **reading)
                               .values_list("user__username", "permission__codename")):
        direct.setdefault(username, []).append(codename)
    for username, codenames in direct.items():
        reasons.setdefault(username, []).append(f"direct grant: {_labels(codenames)}")
    by_group: dict[int, tuple[str, list[str]]] = {}
    for group_id, name, codename in (CategoryGroupObjectPermission.objects.filter(**reading)
                                     .values_list("group_id", "group__name", "permission__codename")):
        by_group.setdefault(group_id, (name, []))[1].append(codename)
    if by_group:
        for username, group_id in (User.groups.through.objects
                                   .filter(group_id__in=by_group, user__is_active=True)
                                   .order_by("group__name").values_list("user__username", "group_id")):
            name, codenames = by_group[group_id]
            reasons.setdefault(username, []).append(f"group {name}: {_labels(codenames)}")
    return Readers(open=False, readers=tuple(Reader(username, tuple(why))
                                             for username, why in sorted(reasons.items(),
                                                                         key=lambda item: item[0].lower())))


def _labels(codenames) -> str:
    return ", ".join(LABELS[codename] for codename in policy.CATEGORY_PERMISSIONS if codename in codenames)
