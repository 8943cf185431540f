"""Notifications: who is told what, e-mail after commit, the header count, marking read."""
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.urls import reverse

from common.exceptions import NotFound
from forum import services
from forum.models import Notification

from ..factories import UserFactory, make_thread

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Incident 4711: leaked deploy key"


class HeaderBell(HTMLParser):
    """The notifications link in the page header: its aria-label and the unread badge's text."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.label = None
        self.badge = ""
        self._in_link = self._in_badge = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href") == reverse("forum:notifications") and self.label is None:
            self.label, self._in_link = attrs.get("aria-label", ""), True
        if self._in_link and tag == "span" and "badge-count" in (attrs.get("class") or ""):
            self._in_badge = True

    def handle_endtag(self, tag):
        if tag == "span":
            self._in_badge = False
        if tag == "a":
            self._in_link = False

    def handle_data(self, data):
        if self._in_badge:
            self.badge += data.strip()


def _texts(user):
    return list(Notification.objects.filter(recipient=user).values_list("text", flat=True))


# Who is notified -------------------------------------------------------------------------------


def test_reply_notifies_the_thread_author_not_the_replier(employee, other_employee, engineering):
    thread = make_thread(employee, engineering, title="Flaky CI job")
    post = services.post_reply(acting_user=other_employee, thread=thread, body="Retry it.")

    notification = Notification.objects.get(recipient=employee)
    assert notification.verb == "reply"
    assert notification.text == "bob replied to your thread “Flaky CI job”"
    assert notification.url == f"/t/{thread.pk}/?post={post.pk}#post-{post.pk}"
    assert notification.read_at is None
    assert not Notification.objects.filter(recipient=other_employee).exists()


def test_a_retitled_thread_s_notices_name_it_by_its_new_title(client, employee, other_employee, engineering):
    """An author who takes a name out of their thread's title takes it off their readers' notice lists too."""
    thread = make_thread(employee, engineering, title=SECRET_TITLE)
    other = make_thread(employee, engineering, title=f"Postmortem of “{SECRET_TITLE}”")  # another thread quoting it
    services.post_reply(acting_user=other_employee, thread=thread, body="Rotate it now.")
    services.post_reply(acting_user=other_employee, thread=other, body="Draft attached.")
    services.post_reply(acting_user=employee, thread=thread, body="Done, @bob.")
    opening = thread.posts.order_by("created_at", "id").first()

    services.post_edit(acting_user=employee, post=opening, body=opening.body, title="Incident 4711: a deploy key")

    texts = _texts(employee) + _texts(other_employee)
    assert "bob replied to your thread “Incident 4711: a deploy key”" in texts
    assert "alice replied in “Incident 4711: a deploy key”, a thread you watch" in texts
    # Only the retitled thread's notices change; the other thread's title is its own.
    assert texts.count(f"bob replied to your thread “Postmortem of “{SECRET_TITLE}””") == 1
    assert sum(SECRET_TITLE in text for text in texts) == 1
    client.force_login(other_employee)
    page = client.get(reverse("forum:notifications")).content.decode()
    assert "Incident 4711: a deploy key" in page and "leaked" not in page


def test_replying_to_your_own_thread_notifies_nobody(employee, engineering):
    thread = make_thread(employee, engineering)
    services.post_reply(acting_user=employee, thread=thread, body="Bump, and @alice myself.")
    assert not Notification.objects.exists()


def test_mention_notifies_the_mentioned_user(employee, other_employee, engineering):
    carol = UserFactory(username="carol")
    thread = make_thread(employee, engineering, title="Who owns the VPN?", body="@bob and @carol. Any idea?")

    for user in (other_employee, carol):
        notification = Notification.objects.get(recipient=user)
        assert (notification.verb, notification.text) == ("mention", "alice mentioned you in “Who owns the VPN?”")
        assert notification.url.startswith(f"/t/{thread.pk}/")
    assert not Notification.objects.filter(recipient=employee).exists()


def test_mentioning_the_author_in_a_reply_notifies_once(employee, other_employee, engineering):
    thread = make_thread(employee, engineering)
    services.post_reply(acting_user=other_employee, thread=thread, body="@alice see above, @alice.")
    assert [n.verb for n in Notification.objects.filter(recipient=employee)] == ["reply"]


@pytest.mark.parametrize("body", ["write to ops@alice.example.com", "`code` with email bob@alice", "@nobody-here",
                                  "@@alice"])
def test_things_that_are_not_mentions(employee, other_employee, engineering, body):
    make_thread(other_employee, engineering, body=body)
    assert not Notification.objects.exists()


def test_inactive_users_are_not_notified(employee, other_employee, engineering):
    thread = make_thread(employee, engineering, body="Ping @bob")
    assert Notification.objects.filter(recipient=other_employee).count() == 1
    employee.is_active = False
    employee.save(update_fields=["is_active"])
    services.post_reply(acting_user=other_employee, thread=thread, body="Answer.")
    assert not Notification.objects.filter(recipient=employee).exists()


def test_mention_of_user_who_cannot_read_the_thread_creates_nothing(
        employee, secops_member, security_reviewer, secops, other_employee):
    thread = make_thread(secops_member, secops, title=SECRET_TITLE, body="@alice @sam please look.")
    services.post_reply(acting_user=secops_member, thread=thread, body="Also @bob, and @alice again.")

    for outsider in (employee, other_employee):
        assert not Notification.objects.filter(recipient=outsider).exists()
    assert not Notification.objects.filter(text__contains="4711").exclude(recipient=security_reviewer).exists()
    # A reader of the category is told (the filter is about access, not about mentions in general).
    assert [n.verb for n in Notification.objects.filter(recipient=security_reviewer)] == ["mention"]


def test_mention_of_outsider_sends_no_mail(employee, secops_member, secops, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_thread(secops_member, secops, title=SECRET_TITLE, body="@alice please look.")
    assert mail.outbox == []


def test_outsider_sees_nothing_of_the_thread_on_their_notification_page(client, employee, secops_member, secops):
    make_thread(secops_member, secops, title=SECRET_TITLE, body="@alice please look.")
    client.force_login(employee)
    for url in (reverse("forum:notifications"), reverse("forum:home")):
        page = client.get(url)
        assert page.status_code == 200
        assert b"4711" not in page.content
        assert HeaderBell(page.content.decode()).badge == ""


# E-mail copies -----------------------------------------------------------------------------------


def test_email_copy_is_sent_after_commit(employee, other_employee, engineering, site_url,
                                        django_capture_on_commit_callbacks):
    thread = make_thread(employee, engineering, title="Flaky CI job")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.post_reply(acting_user=other_employee, thread=thread, body="Retry it.")
    assert mail.outbox == []
    assert len(callbacks) == 1

    callbacks[0]()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    assert message.subject == "[Vetted] bob replied to your thread “Flaky CI job”"
    assert f"\nhttp://testserver.example/t/{thread.pk}/?post=" in message.body  # a link a mail client opens


@pytest.fixture
def site_url(settings):
    settings.SITE_URL = "http://testserver.example"


def test_a_long_notice_is_cut_after_a_whole_word_in_the_subject(employee, other_employee, engineering, site_url,
                                                              django_capture_on_commit_callbacks):
    title = "Why does the nightly reindex of the search cluster stall for hours whenever the snapshot job overlaps it"
    thread = make_thread(employee, engineering, title=title)
    with django_capture_on_commit_callbacks(execute=True):
        services.post_reply(acting_user=other_employee, thread=thread, body="Retry it.")
    subject = mail.outbox[-1].subject
    words = f"bob replied to your thread “{title}”".split()
    assert subject.startswith("[Vetted] bob replied") and subject.endswith("…") and "\n" not in subject
    kept = subject.removeprefix("[Vetted] ").removesuffix("…").split()
    assert kept == words[:len(kept)] and len(kept) < len(words)  # whole words only (before: cut mid-word)
    assert len(subject) <= len("[Vetted] ") + 121
    assert f"“{title}”" in mail.outbox[-1].body  # the body keeps the whole notice


def test_email_copies_for_reply_and_mention(employee, other_employee, engineering, django_capture_on_commit_callbacks):
    carol = UserFactory(username="carol")
    thread = make_thread(employee, engineering)
    with django_capture_on_commit_callbacks(execute=True):
        services.post_reply(acting_user=other_employee, thread=thread, body="cc @carol")
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com", carol.email]


def test_failed_service_sends_no_email(employee, other_employee, engineering, django_capture_on_commit_callbacks):
    from common.exceptions import InvalidInput

    thread = make_thread(employee, engineering)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(InvalidInput):
        services.post_edit(acting_user=employee, post=thread.posts.get(), body="@bob look", title="")
    assert callbacks == [] and mail.outbox == []


def test_no_email_when_disabled_or_no_address(settings, employee, other_employee, engineering,
                                              django_capture_on_commit_callbacks):
    thread = make_thread(employee, engineering)
    settings.EMAIL_NOTIFICATIONS = False
    with django_capture_on_commit_callbacks(execute=True):
        services.post_reply(acting_user=other_employee, thread=thread, body="One.")
    settings.EMAIL_NOTIFICATIONS = True
    employee.email = ""
    employee.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        services.post_reply(acting_user=other_employee, thread=thread, body="Two.")
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=employee).count() == 2


# The header, the list, marking read ---------------------------------------------------------------


@pytest.fixture
def two_for_alice(employee, other_employee, engineering):
    thread = make_thread(employee, engineering, title="Flaky CI job")
    services.post_reply(acting_user=other_employee, thread=thread, body="First.")
    services.post_reply(acting_user=other_employee, thread=thread, body="Second.")
    return list(Notification.objects.filter(recipient=employee).order_by("id"))


@pytest.fixture
def one_for_bob(employee, other_employee, general):
    make_thread(employee, general, title="Lunch on Friday", body="@bob are you in?")
    return Notification.objects.get(recipient=other_employee)


def test_unread_count_in_the_header(client, employee, two_for_alice, one_for_bob):
    client.force_login(employee)
    bell = HeaderBell(client.get(reverse("forum:home")).content.decode())
    assert bell.badge == "2"
    assert "2 unread" in bell.label

    services.notification_mark_read(acting_user=employee, notification=two_for_alice[0])
    bell = HeaderBell(client.get(reverse("forum:home")).content.decode())
    assert bell.badge == "1"

    services.notification_mark_read(acting_user=employee)
    bell = HeaderBell(client.get(reverse("forum:home")).content.decode())
    assert bell.badge == ""
    assert "0 unread" in bell.label


def test_mark_one_read(client, employee, two_for_alice):
    first, second = two_for_alice
    client.force_login(employee)
    response = client.post(reverse("forum:notification_read", args=[first.pk]))
    assert response.status_code == 302
    assert response.url == reverse("forum:notifications")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None


def test_mark_one_read_and_follow(client, employee, two_for_alice):
    first = two_for_alice[0]
    client.force_login(employee)
    response = client.post(reverse("forum:notification_read", args=[first.pk]), {"follow": "1"})
    assert response.status_code == 302
    assert response.url == first.url


def test_mark_all_read_touches_only_own(client, employee, two_for_alice, one_for_bob):
    client.force_login(employee)
    response = client.post(reverse("forum:notifications_read_all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=employee, read_at__isnull=True).exists()
    one_for_bob.refresh_from_db()
    assert one_for_bob.read_at is None


def test_cannot_mark_someone_elses_notification(client, employee, other_employee, two_for_alice):
    target = two_for_alice[0]
    client.force_login(other_employee)
    response = client.post(reverse("forum:notification_read", args=[target.pk]), {"follow": "1"})
    assert response.status_code == 404
    assert b"Flaky CI job" not in response.content
    target.refresh_from_db()
    assert target.read_at is None

    with pytest.raises(NotFound):
        services.notification_mark_read(acting_user=other_employee, notification=target)
    target.refresh_from_db()
    assert target.read_at is None


def test_missing_notification_is_404(client, employee):
    client.force_login(employee)
    assert client.post(reverse("forum:notification_read", args=[999_999])).status_code == 404


def test_marking_read_needs_post(client, employee, two_for_alice):
    client.force_login(employee)
    assert client.get(reverse("forum:notification_read", args=[two_for_alice[0].pk])).status_code == 405
    assert client.get(reverse("forum:notifications_read_all")).status_code == 405
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_notification_page_lists_only_own(client, employee, other_employee, two_for_alice, one_for_bob):
    client.force_login(employee)
    page = client.get(reverse("forum:notifications"))
    assert page.status_code == 200
    assert page.content.count("bob replied to your thread “Flaky CI job”".encode()) == 2
    assert b"Lunch on Friday" not in page.content

    client.force_login(other_employee)
    page = client.get(reverse("forum:notifications"))
    assert b"alice mentioned you in \xe2\x80\x9cLunch on Friday\xe2\x80\x9d" in page.content
    assert b"Flaky CI job" not in page.content


def test_notification_page_requires_login(client):
    response = client.get(reverse("forum:notifications"))
    assert response.status_code == 302
    assert "login" in response.url


def test_production_e_mail_copies_link_to_the_forums_own_host_over_https(tmp_path):
    """Round 42's review: with DEBUG=False and no SITE_URL, e-mail copies linked to http://127.0.0.1:8000."""
    from tests.security.servers import manage, production_env

    def site_url(**overrides):
        env = production_env(tmp_path, **overrides)
        env.pop("SITE_URL", None) if "SITE_URL" not in overrides else None
        return manage("shell", "-c", "from django.conf import settings; print(settings.SITE_URL)", env=env)

    assert site_url(ALLOWED_HOSTS="vetted.corp.example,10.0.0.5").stdout.split()[-1] == "https://vetted.corp.example"
    assert site_url(ALLOWED_HOSTS="*", SITE_URL="https://forum.example/").stdout.split()[-1] == "https://forum.example"
    refused = site_url(ALLOWED_HOSTS="*")
    assert refused.returncode != 0 and "needs SITE_URL" in refused.stderr
