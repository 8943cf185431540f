"""Signals the forum sends after a change commits to its transaction.

They exist for the dependency direction: ``aiassist`` imports ``forum``, never the reverse, yet
must hear when a post an AI answer cites is edited, hidden or moved, or when a category's
audience changes. Receivers run inside the service's transaction.
"""
from django.dispatch import Signal

# post=... (a new post: an opening post, a reply, a published AI answer)
post_created = Signal()
# post=..., change="edit" | "hide" | "unhide" | "move", acting_user=...
post_changed = Signal()
# category=..., before={field: old value}, acting_user=...
category_changed = Signal()
# thread=..., source=<the category it left>, acting_user=...
thread_moved = Signal()
