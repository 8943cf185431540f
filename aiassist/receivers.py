"""Published answers go back to review when what they cite changes under them.

The forum announces changes through ``forum.signals`` (it never imports the assistant); these
receivers run inside the forum service's transaction.
"""
from django.dispatch import receiver

from forum.signals import category_changed, post_changed, thread_moved

from .services import answers_flag_for_sources

_POST_CHANGES = {"edit": "A cited post was edited", "hide": "A cited post was hidden"}


@receiver(post_changed)
def flag_answers_citing_changed_post(sender, post, change, acting_user=None, **kwargs):
    if change in _POST_CHANGES:
        answers_flag_for_sources(post_ids=[post.pk], reason=f"{_POST_CHANGES[change]} (post {post.pk}).")


@receiver(thread_moved)
def flag_answers_citing_moved_thread(sender, thread, source, acting_user=None, **kwargs):
    answers_flag_for_sources(post_ids=list(thread.posts.values_list("pk", flat=True)),
                             reason=f"A cited thread moved from {source.name} to {thread.category.name}.")
    # The answers published in the moved thread now speak to another audience than the one they were vetted for.
    answers_flag_for_sources(thread=thread,
                             reason=f"The answer's thread moved from {source.name} to {thread.category.name}.")


@receiver(category_changed)
def flag_answers_citing_newly_restricted_category(sender, category, before, acting_user=None, **kwargs):
    if before.get("restricted") is False and category.restricted:
        answers_flag_for_sources(category=category,
                                 reason=f"A cited post's category ({category.name}) became restricted.")
