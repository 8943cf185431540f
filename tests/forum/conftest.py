"""Forum test fixtures on top of tests/conftest.py: a restricted thread carrying a unique marker,
an open thread with replies, a locked thread and a deactivated user, all built through the services."""
import pytest
from django.contrib.auth.models import Permission

from forum import policy, services

from ..factories import UserFactory, grant, make_category, make_thread

# One token ([a-z0-9]) so the search tokeniser keeps it whole; it appears nowhere else in the app.
MARKER = "quokka7marker"


@pytest.fixture
def author(secops_group):
    """Olga, a Security Ops member who writes the threads every role is checked against."""
    user = UserFactory(username="olga")
    user.groups.add(secops_group)
    return user


@pytest.fixture
def inactive_user(engineering, secops_group):
    """A former Engineering moderator and Security Ops member whose account was deactivated."""
    user = UserFactory(username="ivan")
    user.groups.add(secops_group)
    grant(policy.MODERATE, user, engineering)
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user


@pytest.fixture
def global_viewer(db):
    """An employee holding model-wide view/post/moderate permissions, which must grant nothing."""
    user = UserFactory(username="gloria")
    codenames = (policy.VIEW, policy.POST, policy.MODERATE)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="forum", codename__in=codenames))
    return user


@pytest.fixture
def legal(admin_user):
    """A second restricted category: grants on Security Ops must not reach it."""
    return make_category(admin_user, "Legal", restricted=True)


@pytest.fixture
def secret_thread(secops, secops_member, security_reviewer):
    """The restricted thread; its marker must never reach anyone outside Security Ops."""
    return make_thread(secops_member, secops, title=f"Rotating the {MARKER} vault root token",
                       body=f"The {MARKER} token is stored in the vault under ops/root.",
                       replies=[(security_reviewer, f"Rotate {MARKER} quarterly and after every departure.")])


@pytest.fixture
def secret_reply(secret_thread):
    return secret_thread.posts.order_by("id").last()


@pytest.fixture
def eng_thread(engineering, other_employee, employee):
    """Bob's open question with Alice's answer."""
    return make_thread(other_employee, engineering, title="Which Python version does the CI image use?",
                       body="The build fails with a syntax error on match statements.",
                       replies=[(employee, "The CI image is on Python 3.9; bump it to 3.11.")])


@pytest.fixture
def eng_question(eng_thread):
    return eng_thread.posts.order_by("id").first()


@pytest.fixture
def eng_answer(eng_thread):
    return eng_thread.posts.order_by("id").last()


@pytest.fixture
def locked_thread(engineering, other_employee, admin_user):
    thread = make_thread(other_employee, engineering, title="Deprecated: the old VPN setup guide",
                         body="Use the new zero-trust client instead.")
    return services.thread_lock(acting_user=admin_user, thread=thread)
