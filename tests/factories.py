"""Test data, built through the real services wherever a service exists."""
import factory
from django.contrib.auth import get_user_model
from django.test import Client
from guardian.shortcuts import assign_perm

from forum import services
from forum.models import Category

User = get_user_model()
PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)


def make_admin(username="admin"):
    return UserFactory(username=username, is_staff=True, is_superuser=True)


def make_category(admin, name, *, restricted=False, slug=None, description=""):
    return services.category_create(acting_user=admin, name=name, slug=slug or "", restricted=restricted,
                                    description=description or f"About {name}.")


def grant(perm, user_or_group, category):
    assign_perm(perm, user_or_group, category)
    for_user = getattr(user_or_group, "__dict__", {})
    for_user.pop("_vetted_access", None)


def make_thread(author, category, title="How do I rotate the staging database password?", body="Question body.",
                replies=()):
    thread = services.thread_start(acting_user=author, category=category, title=title, body=body)
    for replier, text in replies:
        services.post_reply(acting_user=replier, thread=thread, body=text)
    return thread


def signed_in(user, **client_options) -> Client:
    """A test client signed in as ``user`` (``client_options``: ``Client``'s, e.g. ``raise_request_exception``)."""
    client = Client(**client_options)
    client.force_login(user)
    return client


def fresh(user):
    """The same user without per-request caches (as on the next request)."""
    return User.objects.get(pk=user.pk)


__all__ = ["PASSWORD", "Category", "UserFactory", "fresh", "grant", "make_admin", "make_category", "make_thread",
           "signed_in"]
