"""Published answers go back to review when what they cite changes under them.

A change that takes a source outside the thread's audience (a thread moved, a category became
restricted, a post hidden) unpublishes the answer at once, as does an edit that changes its question or a
passage it was given (``answers_recheck_edit``); any other change to a source flags it for another look.
The forum announces changes through ``forum.signals`` (it never imports the assistant); these
receivers run inside the forum service's transaction, so the answer leaves with the change.
"""
from django.dispatch import receiver

from forum.services import is_opening_post
from forum.signals import category_changed, post_changed, thread_moved

from .services import (
    answers_lock_posts,
    answers_mark_question_taken_back,
    answers_recheck_audience,
    answers_recheck_edit,
    sources_mark_retitled,
    sources_mark_taken_back,
)

_POST_CHANGES = {"edit": "A cited post was edited", "hide": "A cited post was hidden"}
# The reasons below are stored on the answer and shown to its asker and its reviewers, who may not read
# the categories involved: they name none. The move's and the change's own audit events keep the names.


@receiver(post_changed)
def flag_answers_citing_changed_post(sender, post, change, acting_user=None, retitled=False, body_changed=True,
                                     **kwargs):
    opening = change in _POST_CHANGES and is_opening_post(post)
    if retitled or opening:  # more than one pass below: their posts locked in one order first
        answers_lock_posts({"post_ids": [post.pk]}, *([{"source_thread": post.thread}] if retitled else []),
                           *([{"thread": post.thread}] if opening else []))
    if change == "hide":
        # A hidden post is read by nobody but moderators: an answer quoting it must not stay in front of readers
        # (a moderator hides a post that leaked a token; the answer that quoted it goes with it).
        answers_recheck_audience(acting_user=acting_user, post_ids=[post.pk],
                                 reason=f"{_POST_CHANGES[change]} (post {post.pk}).")
    elif change in _POST_CHANGES:
        # What its author took back (edited out of the passage an answer quoted) reaches nobody through any answer:
        # not the asker's draft, not the review desk or the API (``sources_mark_taken_back``), not the public page.
        sources_mark_taken_back(post=post, body_changed=body_changed)
        answers_recheck_edit(acting_user=acting_user, post_ids=[post.pk],
                             reason=f"{_POST_CHANGES[change]} (post {post.pk}).")
    if retitled:
        # The thread's title is in every answer quoting any of its posts (each quote's attribution, the sources listed
        # under the answer, cited or not): retitled, what its author took back leaves the answers showing it, drafts
        # and answers in review withheld (``sources_mark_retitled``), published ones unpublished (``taken_back``).
        sources_mark_retitled(thread=post.thread)
        answers_recheck_edit(acting_user=acting_user, source_thread=post.thread, reason="A cited thread was retitled.")
    if opening:
        # The question every answer in the thread was drafted from, and may restate: hidden, the answers that
        # restate it leave with it (``question_withheld``); edited (or retitled), the answers vetted for the question
        # as it read leave too, rather than stand as reviewed under another question.
        reason = f"The thread's question was {'hidden' if change == 'hide' else 'edited'}."
        if change == "hide":
            answers_recheck_audience(acting_user=acting_user, thread=post.thread, reason=reason)
        else:
            # An answer restating what the question's author took out of it reaches nobody (as a quote would not).
            answers_mark_question_taken_back(thread=post.thread)
            answers_recheck_edit(acting_user=acting_user, thread=post.thread, reason=reason)


@receiver(thread_moved)
def recheck_answers_citing_moved_thread(sender, thread, source, acting_user=None, **kwargs):
    post_ids = list(thread.posts.values_list("pk", flat=True))
    answers_lock_posts({"post_ids": post_ids}, {"thread": thread})  # two passes: their posts locked in one order
    answers_recheck_audience(acting_user=acting_user, post_ids=post_ids,
                             reason="A cited thread moved to another category.")
    # The answers published in the moved thread now speak to another audience than the one they were vetted for.
    answers_recheck_audience(acting_user=acting_user, thread=thread,
                             reason="The answer's thread moved to another category.")


@receiver(category_changed)
def recheck_answers_citing_newly_restricted_category(sender, category, before, acting_user=None, **kwargs):
    if before.get("restricted") is False and category.restricted:
        answers_recheck_audience(acting_user=acting_user, category=category,
                                 reason="A cited post's category became restricted.")
