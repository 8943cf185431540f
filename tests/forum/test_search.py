"""Search: ranking over any meaningful word, the policy filter, narrowing, re-indexing, hostile queries."""
import pytest
from django.urls import reverse

from forum import services
from forum.models import Post
from forum.search import search_posts

from ..factories import make_thread

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Vault firewall rotation runbook"


def _thread_ids(hits):
    return [hit.post.thread_id for hit in hits]


def _post_ids(hits):
    return {hit.post.pk for hit in hits}


@pytest.fixture
def secret_thread(secops_member, secops):
    """A restricted thread that matches the probe query better than anything else."""
    return make_thread(secops_member, secops, title=SECRET_TITLE,
                       body="Rotate the vault firewall keys with the rotation runbook; vault firewall rotation.")


# Ranking ------------------------------------------------------------------------------------


def test_more_matching_words_rank_higher_than_fewer(employee, engineering):
    both = make_thread(employee, engineering, title="Cluster notes", body="The ingress timeout happens at noon.")
    one = make_thread(employee, engineering, title="Other notes", body="The ingress controller restarted.")
    make_thread(employee, engineering, title="Unrelated", body="Lunch menu for Friday.")

    hits = search_posts(employee, "ingress timeout")

    # The one-word match is newer, so only relevance can put the two-word match first.
    assert _thread_ids(hits) == [both.pk, one.pk]
    assert hits[0].rank > hits[1].rank


def test_any_meaningful_word_matches_not_all(employee, engineering):
    thread = make_thread(employee, engineering, title="Notes", body="Our kafka consumer lags behind.")
    hits = search_posts(employee, "why is the kafka broker slow on mondays")
    assert _thread_ids(hits) == [thread.pk]


@pytest.mark.parametrize("query", ["how do I", "the and of to", "what is it", "please help me with this",
                                   "a", "", "   "])
def test_stop_words_alone_return_nothing(employee, engineering, query):
    make_thread(employee, engineering, title="How do I do this", body="What is it and how do I use it with the thing?")
    assert search_posts(employee, query) == []


def test_title_words_match_every_post_of_the_thread(employee, other_employee, engineering):
    thread = make_thread(employee, engineering, title="Rotating PostgreSQL credentials", body="See the runbook.",
                         replies=[(other_employee, "Ask the platform team first.")])
    hits = search_posts(other_employee, "credentials")
    assert _post_ids(hits) == set(thread.posts.values_list("pk", flat=True))
    assert len(hits) == 2


def test_title_match_outranks_body_only_match(employee, engineering):
    body_only = make_thread(employee, engineering, title="Weekly notes", body="We touched terraform once.")
    in_title = make_thread(employee, engineering, title="Terraform state locking", body="It hangs sometimes.")
    hits = search_posts(employee, "terraform")
    assert _thread_ids(hits)[:2] == [in_title.pk, body_only.pk]


def test_unicode_words_are_searchable(employee, engineering):
    thread = make_thread(employee, engineering, title="Büroschlüssel für Zürich",
                         body="Wer hat den Schlüssel für das Büro in Zürich?")
    make_thread(employee, engineering, title="Rich text editor", body="The rich text editor is broken.")
    assert _thread_ids(search_posts(employee, "Zürich")) == [thread.pk]


# Visibility ---------------------------------------------------------------------------------


def test_hidden_posts_are_never_returned(employee, other_employee, eng_moderator, engineering):
    thread = make_thread(employee, engineering, title="Notes", body="Opening post.",
                         replies=[(other_employee, "Paste your zeppelin token here.")])
    reply = thread.posts.order_by("-id").first()
    assert _post_ids(search_posts(employee, "zeppelin")) == {reply.pk}

    services.post_hide(acting_user=eng_moderator, post=reply, reason="credential")

    for user in (employee, other_employee, eng_moderator):
        assert search_posts(user, "zeppelin token") == []


def test_restricted_best_match_is_never_returned_to_outsiders(employee, engineering, secret_thread, secops_member):
    public = make_thread(employee, engineering, title="Vault basics", body="Vault stores secrets.")
    query = "vault firewall rotation runbook"

    outsider_hits = search_posts(employee, query)
    assert _thread_ids(outsider_hits) == [public.pk]
    assert all(not hit.post.thread.category.restricted for hit in outsider_hits)
    assert search_posts(employee, "firewall rotation runbook") == []

    member_hits = search_posts(secops_member, query)
    assert _thread_ids(member_hits) == [secret_thread.pk, public.pk]


def test_search_page_hides_restricted_match_from_outsiders(client, employee, secops_member, secret_thread):
    client.force_login(employee)
    page = client.get(reverse("retrieval:search"), {"q": "vault firewall rotation"})
    assert page.status_code == 200
    assert SECRET_TITLE.encode() not in page.content
    assert b"Nothing matched" in page.content

    client.force_login(secops_member)
    page = client.get(reverse("retrieval:search"), {"q": "vault firewall rotation"})
    assert SECRET_TITLE.encode() in page.content


def test_anonymous_user_finds_nothing(employee, engineering):
    from django.contrib.auth.models import AnonymousUser

    make_thread(employee, engineering, title="Public kubernetes notes", body="kubernetes")
    assert search_posts(AnonymousUser(), "kubernetes") == []


# Narrowing ------------------------------------------------------------------------------------


def test_within_narrows_and_never_widens(employee, secops_member, engineering, general, secret_thread):
    first = make_thread(employee, engineering, title="Redis eviction", body="maxmemory policy for redis")
    second = make_thread(employee, general, title="Redis at home", body="redis on a raspberry pi")

    hits = search_posts(employee, "redis", within=Post.objects.filter(thread=second))
    assert _thread_ids(hits) == [second.pk]

    # Passing every post cannot add what the user may not read.
    hits = search_posts(employee, "redis vault", within=Post.objects.all())
    assert set(_thread_ids(hits)) == {first.pk, second.pk}
    assert secret_thread.pk not in _thread_ids(search_posts(employee, "vault", within=Post.objects.all()))
    assert search_posts(secops_member, "vault", within=Post.objects.none()) == []


def test_category_narrows(employee, engineering, general):
    eng = make_thread(employee, engineering, title="Grafana alerting", body="grafana alert rules")
    gen = make_thread(employee, general, title="Grafana dashboard for coffee", body="grafana and coffee")
    assert _thread_ids(search_posts(employee, "grafana", category=engineering)) == [eng.pk]
    assert _thread_ids(search_posts(employee, "grafana", category=general)) == [gen.pk]


def test_restricted_category_filter_does_not_bypass_policy(employee, secops, secret_thread):
    assert search_posts(employee, "vault firewall", category=secops) == []


def test_exclude_thread(employee, other_employee, engineering):
    asking = make_thread(employee, engineering, title="Nginx buffering", body="proxy_buffering off?",
                         replies=[(other_employee, "nginx buffering is on by default")])
    answered = make_thread(employee, engineering, title="Nginx tuning", body="nginx worker settings")
    hits = search_posts(employee, "nginx buffering", exclude_thread=asking)
    assert set(_thread_ids(hits)) == {answered.pk}


def test_limit(employee, engineering):
    for n in range(5):
        make_thread(employee, engineering, title=f"Ansible playbook {n}", body="ansible")
    assert len(search_posts(employee, "ansible", limit=3)) == 3


# Re-indexing ------------------------------------------------------------------------------------


def test_body_edit_reindexes(employee, engineering):
    thread = make_thread(employee, engineering, title="Coordination service", body="We use zookeeper quorum reads.")
    post = thread.posts.get()
    assert _post_ids(search_posts(employee, "zookeeper")) == {post.pk}

    services.post_edit(acting_user=employee, post=post, body="We moved to etcd raft.")

    assert search_posts(employee, "zookeeper") == []
    assert search_posts(employee, "quorum") == []
    assert _post_ids(search_posts(employee, "etcd")) == {post.pk}
    assert _post_ids(search_posts(employee, "raft")) == {post.pk}


def test_title_edit_reindexes_every_post_of_the_thread(employee, other_employee, engineering):
    thread = make_thread(employee, engineering, title="Marmalade pipeline", body="Opening.",
                         replies=[(other_employee, "First reply."), (employee, "Second reply.")])
    opening = thread.posts.order_by("created_at", "id").first()
    all_posts = set(thread.posts.values_list("pk", flat=True))
    assert _post_ids(search_posts(other_employee, "marmalade")) == all_posts

    services.post_edit(acting_user=employee, post=opening, body="Opening.", title="Heliotrope pipeline")

    assert search_posts(other_employee, "marmalade") == []
    assert _post_ids(search_posts(other_employee, "heliotrope")) == all_posts


def test_snippet_is_escaped_once(client, employee, engineering):
    make_thread(employee, engineering, title="Comparison", body="Check that limit < quota && quota > 0 holds.")
    client.force_login(employee)
    page = client.get(reverse("retrieval:search"), {"q": "quota"})
    assert b"limit &lt; quota &amp;&amp; quota &gt; 0" in page.content
    assert b"&amp;lt;" not in page.content


# Hostile and odd queries ------------------------------------------------------------------------

WEIRD_QUERIES = [
    "'", '"', "''", '""', "'kubernetes", 'kubernetes"', '"unterminated phrase',
    "&|!():*", "!!!", "(((", ")))", "a & b | !c", "kubernetes & | ! ( ) : *",
    "'; DROP TABLE forum_post; --", "1' OR '1'='1", "\" OR 1=1 --", "UNION SELECT password FROM auth_user",
    "%", "_", "__", "___init___", "%_%", "\\", "\\'", "$$", "$1", "?", "%s", "%(name)s", "{}", "[]",
    "é", "Zürich Straße", "東京 サーバー", "кубернетес", "🔥🚀", "ﬁle", "\u200b", "\u202ekubernetes",
    "\x00", "kubernetes\x00ingress", "\t\n\r",
    "x" * 5000, ("kubernetes ingress " * 300)[:5000], ("ab" * 2500),
    ".,;:-!?", "---", "***", "...", "<>", "<script>alert(1)</script>",
    "NEAR", "NEAR(kubernetes ingress)", "NEAR(kubernetes ingress, 2)", "kubernetes NEAR ingress",
    "AND", "OR", "NOT", "kubernetes AND ingress", "kubernetes OR", "NOT kubernetes", "AND OR NOT",
    "title:kubernetes", "body:ingress", "title:", ":", "{title body}:kubernetes", "- title : x",
    "kube*", "*", "* *", "^kubernetes", "+kubernetes", "-kubernetes", "kubernetes:*", "kubernetes <-> ingress",
    "kubernetes <2> ingress", "'kubernetes':* & !'ingress'", "to_tsquery('x')",
]


@pytest.fixture
def searchable(employee, engineering, secret_thread):
    return make_thread(employee, engineering, title="Kubernetes ingress", body="Kubernetes ingress notes.")


@pytest.mark.parametrize("query", WEIRD_QUERIES)
def test_weird_queries_never_crash(employee, searchable, query):
    hits = search_posts(employee, query)
    assert isinstance(hits, list)
    assert all(not hit.post.thread.category.restricted for hit in hits)


@pytest.mark.parametrize("query", ["title:kubernetes", "NEAR(kubernetes ingress)", "kubernetes AND ingress",
                                   "'kubernetes", "kubernetes OR", "kubernetes:*", "kubernetes\x00ingress"])
def test_operator_syntax_is_treated_as_words(employee, searchable, query):
    assert _thread_ids(search_posts(employee, query)) == [searchable.pk]


@pytest.mark.parametrize("query", WEIRD_QUERIES)
def test_search_page_survives_weird_queries(client, employee, searchable, query):
    client.force_login(employee)
    page = client.get(reverse("retrieval:search"), {"q": query})
    assert page.status_code == 200
    assert SECRET_TITLE.encode() not in page.content
    assert b"<script>alert(1)</script>" not in page.content


def test_search_page_without_query(client, employee):
    client.force_login(employee)
    assert client.get(reverse("retrieval:search")).status_code == 200
    assert client.get(reverse("retrieval:search") + "?q=&q=kubernetes").status_code == 200


def test_search_page_requires_login(client):
    page = client.get(reverse("retrieval:search"), {"q": "kubernetes"})
    assert page.status_code == 302
