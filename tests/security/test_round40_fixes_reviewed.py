"""A review of round 40's own fixes: seven problems, each failing on the code before its fix.

A lock-order deadlock between a page recording its view of two AI posts and a hide that withdraws both; regexes and
loops of the new Markdown checks that took seconds on 20,000 characters; a link's address spelled so the grounding
check did not read it as one; charsets Django cannot decode with; code changed by the table check; human posts that
lost the backslashes their authors typed; and (from before the round) a line Python-Markdown hides as a link
definition that CommonMark shows.
"""
import logging
import threading
import time

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

MULTIPART_LOGIN = (b'--b\r\nContent-Disposition: form-data; name="username"\r\n\r\nalice\r\n'
                   b'--b\r\nContent-Disposition: form-data; name="password"\r\n\r\nnope\r\n--b--\r\n')


def _errors_logged(caplog):
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]


# 1. DeclaredCharsetMiddleware: a "text encoding" that cannot decode with errors="replace" ----------------------------

@pytest.mark.parametrize("content_type", [
    "multipart/form-data; boundary=b; charset=idna",
    "multipart/form-data; boundary=b; charset=undefined",
    "application/x-www-form-urlencoded; charset=idna",
    "application/x-www-form-urlencoded; charset=undefined",
])
def test_a_post_in_a_charset_django_cannot_decode_is_a_400_not_a_500_even_signed_out(content_type, caplog):
    body = MULTIPART_LOGIN if content_type.startswith("multipart") else b"username=alice%41&password=nope"
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)
    client.get("/accounts/login/")  # the CSRF cookie anyone gets: CsrfViewMiddleware then reads request.POST
    response = client.generic("POST", "/accounts/login/", body, content_type=content_type)
    assert response.status_code == 400, response.status_code
    assert _errors_logged(caplog) == []



# 2. _USER_INFO: a search over every start of a link's address, quadratic in its length ------------------------------

@pytest.mark.parametrize("body", [
    "[x](" + "a" * 19_990 + ")",                  # _USER_INFO.search: every start of the address, to its end
    "```\n" * 2_500 + "a" + "~" * 9_990,          # _tildes_as_text: every tilde against every fence line
], ids=["long link address", "tildes after many fence lines"])
def test_the_desk_preview_of_a_20000_character_text_takes_no_seconds(employee, body):
    """Any employee may POST 20,000 characters to /preview/ as="ai-answer" (machine_text); a reviewer's edit runs the
    same inside the audit chain's lock (answer_edit -> _set_body -> _normalised). Both texts took 0.01-0.04 s before
    this round; 2-6 s on HEAD."""
    from forum.markup import machine_text

    started = time.perf_counter()
    machine_text(body)
    took = time.perf_counter() - started
    assert took < 1.0, f"machine_text took {took:.1f} s"


# 3. grounding's link-address tokens: only an address spelled "http(s)://" in the raw Markdown is checked ------------

SOURCE = "Read the retry notes on the wiki before you restart the worker."


@pytest.mark.parametrize("address", [
    "//evil.example/retry",            # scheme-relative: the browser goes to https://evil.example/retry
    "https\\://evil.example/retry",    # "\:" is an escape now, on the desk as for CommonMark (this round)
    "https&#58;//evil.example/retry",  # an entity, decoded by both renderers
    "https:/evil.example/retry",       # one slash: a browser reads it as https://evil.example/retry
])
def test_an_invented_address_behind_link_words_blocks_however_it_is_spelled(address):
    from aiassist.services.drafting import ground
    from forum.markup import _OTHER_RENDERERS, machine_text, render_markdown

    body = machine_text(f"Read [the retry notes]({address}) before you restart the worker [1].")
    # Every renderer links the words to evil.example ...
    assert "evil.example/retry" in render_markdown(body)
    assert "evil.example/retry" in _OTHER_RENDERERS[0].render(body)
    # ... so the grounding gate must see an address the source does not hold, as it does for "https://evil...".
    checked = ground(body, {1: SOURCE})
    assert any(claim["blocking"] for claim in checked["claims"]), checked["claims"]


# 4. posts_mark_viewed's FOR SHARE, taken on several posts, against a writer that hides several ----------------------

def _two_published_answers_citing_one_reply(engineering, eng_moderator):
    """Two askers' questions in Engineering, both answered from dana's reply (the same source post) and published.
    Published in the order they were asked."""
    from aiassist import services as ai_services
    from aiassist.models import AIAnswer
    from forum.models import Post
    from tests.api.conftest import drafted, reload
    from tests.factories import UserFactory, make_thread
    from tests.security.test_withdrawal import MARKER, REPLY

    dana, erin = UserFactory(username="dana"), UserFactory(username="erin")
    source = make_thread(erin, engineering, title="Celery retry backoff settings", body="Which settings matter here?",
                         replies=[(dana, REPLY)])
    answers = []
    for name in ("alice", "amir"):
        asker = UserFactory(username=name)
        thread = make_thread(asker, engineering, title=f"How should celery retries back off for {name}?",
                             body="My celery tasks fail on network errors. How do retries back off?")
        answer = drafted(asker, thread)
        assert MARKER in answer.body
        ai_services.answer_submit(acting_user=asker, answer=answer)
        answers.append((asker, answer))
    for _asker, answer in answers:
        ai_services.answer_approve(acting_user=eng_moderator, answer=reload(answer))
    first, second = (reload(a) for _, a in answers)
    assert first.status == second.status == AIAnswer.Status.PUBLISHED
    assert first.published_post_id < second.published_post_id
    reply = Post.objects.filter(thread=source).order_by("-id").first()
    return first, second, reply


@pytest.mark.django_db(transaction=True)
def test_a_reader_of_two_ai_posts_and_a_hide_that_withdraws_both_do_not_deadlock(engineering, eng_moderator):
    """A moderator hides a reply two published answers quoted: answers_recheck_audience unpublishes both in one
    transaction, in the order _published_answers returns them (none asked for). A search page showing both AI posts
    marks them viewed: SELECT ... FOR SHARE over both, in the index's order. Opposite orders: a lock cycle, which
    PostgreSQL breaks after deadlock_timeout by failing one side ("deadlock detected": a 503, or the hide rolled
    back). Before this round, readers took no lock at all."""

    from django.db import connection

    from forum import services as forum_services
    from tests.factories import UserFactory

    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    first, second, reply = _two_published_answers_citing_one_reply(engineering, eng_moderator)
    victor = UserFactory(username="victor")
    errors, order = _a_withdrawal_and_a_reader_at_once(
        lambda: forum_services.post_hide(acting_user=eng_moderator, post=reply, reason="It leaked a token."),
        victor, [second.published_post, first.published_post])
    assert not errors, ({side: repr(exc) for side, exc in errors.items()}, order)


def _a_withdrawal_and_a_reader_at_once(change, victor, posts):
    """``change`` withdraws two answers in one transaction; once it has hidden the first, a reader of both records
    its view (``posts_mark_viewed``) and waits on a row lock; then the change goes on. Returns the errors of each
    side (a deadlock among them) and the order the posts were hidden in."""
    from django.db import connection

    from aiassist.services import review
    from forum import services as forum_services

    first_hidden, reader_waits = threading.Event(), threading.Event()
    errors, order = {}, []
    real_unpublish = review.answer_unpublish

    def unpublish_then_let_the_reader_in(**kwargs):
        result = real_unpublish(**kwargs)
        order.append(kwargs["answer"].published_post_id)
        if not first_hidden.is_set():
            first_hidden.set()
            reader_waits.wait(5)
        return result

    def writer():
        review.answer_unpublish = unpublish_then_let_the_reader_in
        try:
            change()
        except Exception as exc:  # noqa: BLE001
            errors["writer"] = exc
        finally:
            review.answer_unpublish = real_unpublish
            connection.close()

    def reader():
        try:
            forum_services.posts_mark_viewed(acting_user=victor, posts=posts)
        except forum_services.ShownPostWithdrawn:
            pass  # the expected outcome when the change wins: the page is built again
        except Exception as exc:  # noqa: BLE001
            errors["reader"] = exc
        finally:
            connection.close()

    w = threading.Thread(target=writer)
    w.start()
    assert first_hidden.wait(20)
    r = threading.Thread(target=reader)
    r.start()
    with connection.cursor() as cursor:  # the reader is waiting on a row lock
        for _ in range(100):
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                           "AND query ILIKE '%%FOR SHARE%%'")
            if cursor.fetchone()[0]:
                break
            time.sleep(0.05)
    reader_waits.set()
    w.join(20)
    r.join(20)
    connection.close()
    return errors, order


# 5. _tables_as_text escapes delimiter rows inside code -------------------------------------------------------------

def test_code_in_an_ai_answer_stays_byte_for_byte_when_a_table_beside_it_is_made_text():
    """machine_text's promise: code "stays byte for byte". _tables_as_text escapes every delimiter row the regex finds,
    fenced and indented code included, once any table in the text renders differently across renderers."""
    from forum.markup import machine_text, render_markdown

    code = "| Setting | Default |\n|---|---|\n| retry_backoff | False |\n"
    body = ("| Flag | Effect |\n|---|---|\n| `-v` | verbose | extra cell |\n\n"  # the desk drops the extra cell
            f"Your celeryconfig table in the README:\n\n```markdown\n{code}```\n")
    stored = machine_text(body)
    assert f"```markdown\n{code}```" in stored, stored
    assert "|\\---|" not in render_markdown(stored)


# 6. Human posts: every existing post re-renders under CommonMark's escapes -------------------------------------

@pytest.mark.parametrize("written, shown", [
    ('Clean up with find /tmp -name "*.tmp" -exec rm {} \\; then restart.', "-exec rm {} \\;"),
    ("In bash, echo \\$HOME prints the word, not the path.", "echo \\$HOME"),
    ('The JSON has {\\"path\\": \\"C:\\/temp\\"} in it.', '\\"path\\"'),
])
def test_a_human_post_shows_the_backslashes_its_author_typed_as_before(written, shown):
    """A product call more than a flaw, but one users see: posts written before this round (and every new one) lose
    a backslash before " $ % & ' , / : ; < = ? @ ^ ~ outside code, on the page, in snippets and notifications
    (plain_text). "-exec rm {} \\;" now reads "-exec rm {} ;", which find refuses. The AI pipeline needs the desk to
    read as CommonMark does; people's posts did not (their authors answer for them)."""
    import html

    from forum.markup import plain_text, render_markdown

    assert shown in html.unescape(render_markdown(written))
    assert shown in plain_text(written)


# 7. (pre-existing, found while checking the escapes) a definition whose label ends in a backslash -------------------

@pytest.mark.parametrize("line", [
    '[Then\\]: skip-the-backup "and delete the old keys right away"',
    '> [Then\\]: skip-the-backup "and delete the old keys right away"',
    '[Then\\]: <skip-the-backup> (and delete the old keys right away)',
])
def test_a_line_the_desk_does_not_show_is_never_stored_in_an_ai_answer(line):
    """Python-Markdown takes "[Then\\]: url "title"" for a link reference definition (its label "Then\\": a backslash
    is a label character to it) and shows nothing of the line: the review desk, the public thread page, the risk and
    grounding checks (they read the rendered text) all miss it. CommonMark reads "\\]" as an escaped bracket: no
    definition, the line is text, and every API client rendering ``body`` shows "skip-the-backup ... delete the old
    keys right away". escape_reference_definitions never looks at the line: _DEFINITION_START's lookahead reads labels
    as CommonMark does only."""
    import collections
    import html
    import re

    from forum.markup import _OTHER_RENDERERS, machine_text, render_markdown

    def words(rendered):
        return collections.Counter(re.findall(r"[A-Za-z]+", html.unescape(re.sub(r"<[^>]+>", " ", rendered))))

    stored = machine_text(f"Back up the keys first.\n\n{line}\n\nDone.")
    desk = words(render_markdown(stored))
    for renderer in _OTHER_RENDERERS:
        assert not (words(renderer.render(stored)) - desk), (stored, render_markdown(stored))


# 1. posts_mark_viewed: a change that unpublishes in two loops (thread_moved: answers citing the thread's posts, then
#    answers in the thread) hides the higher post first ----------------------------------------------------------

def _two_answers_a_move_withdraws_in_the_wrong_order(admin_user):
    from aiassist import services as ai_services
    from aiassist.models import AIAnswer, AnswerSource
    from forum import policy
    from tests.api.conftest import drafted, reload
    from tests.factories import UserFactory, grant, make_category, make_thread
    from tests.security.test_withdrawal import REPLY

    ops, vault = (make_category(admin_user, "Ops", restricted=True),
                  make_category(admin_user, "Vault", restricted=True))
    moderator = UserFactory(username="maria")
    dana, erin, alice, victor = (UserFactory(username=n) for n in ("dana", "erin", "alice", "victor"))
    for user in (moderator, dana, erin, alice, victor):
        grant(policy.VIEW, user, ops)
        grant(policy.POST, user, ops)
    rita = UserFactory(username="rita")
    grant(policy.VIEW, rita, ops)
    grant(policy.REVIEW, rita, ops)
    for perm in (policy.MODERATE, policy.REVIEW, policy.APPROVE_HIGH_RISK):
        grant(perm, moderator, ops)
    grant(policy.VIEW, moderator, vault)
    grant(policy.MODERATE, moderator, vault)
    make_thread(erin, ops, title="Celery retry backoff settings", body="Which settings matter here?",
                replies=[(dana, REPLY)])
    # erin's thread T: its answer (published first, the lower post id) quotes dana's reply in another Ops thread.
    moved = make_thread(erin, ops, title="How should celery retries back off?",
                        body="My celery tasks fail on network errors. How do retries back off?",
                        replies=[(dana, "Set broker_heartbeat=30 so numbat8heartbeat drops are noticed; "
                                        "the worker then reconnects.")])
    first = drafted(erin, moved)
    ai_services.answer_submit(acting_user=erin, answer=first)
    for reviewer in (moderator, rita):
        if reload(first).status != AIAnswer.Status.PUBLISHED:
            ai_services.answer_approve(acting_user=reviewer, answer=reload(first))
    # alice's answer in another Ops thread quotes the reply in T (published second, the higher post id).
    other = make_thread(alice, ops, title="What should broker_heartbeat be?",
                        body="Workers miss broker drops (numbat8heartbeat). What broker_heartbeat should I set?")
    second = drafted(alice, other)
    ai_services.answer_submit(acting_user=alice, answer=second)
    for reviewer in (moderator, rita):
        if reload(second).status != AIAnswer.Status.PUBLISHED:
            ai_services.answer_approve(acting_user=reviewer, answer=reload(second))
    first, second = reload(first), reload(second)
    assert first.status == second.status == AIAnswer.Status.PUBLISHED
    assert first.published_post_id < second.published_post_id
    assert AnswerSource.objects.filter(answer=second, post__thread=moved).exists()
    assert not AnswerSource.objects.filter(answer=first, post__thread=moved).exists()
    return first, second, moved, vault, moderator, victor


@pytest.mark.django_db(transaction=True)
def test_a_reader_of_two_ai_posts_and_a_move_that_withdraws_both_do_not_deadlock(admin_user):
    """thread_move runs answers_recheck_audience twice in one transaction (receivers.py): post_ids=the thread's posts
    (answers elsewhere citing them), then thread=the thread (answers published in it). Each loop is in
    published_post_id order, the two together are not: the higher post is hidden first. A page recording its view
    of both takes them FOR SHARE in id order: a lock cycle, "deadlock detected" after deadlock_timeout."""
    from django.db import connection

    from forum import services as forum_services
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    first, second, moved, vault, moderator, victor = _two_answers_a_move_withdraws_in_the_wrong_order(admin_user)
    errors, order = _a_withdrawal_and_a_reader_at_once(
        lambda: forum_services.thread_move(acting_user=moderator, thread=moved, category=vault),
        victor, [first.published_post, second.published_post])
    assert not errors, ({side: repr(exc) for side, exc in errors.items()}, order)
