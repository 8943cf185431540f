"""The review desk's paths around an AI answer's text (round 46's second review): the live preview of an edit padded
with invisible characters, and a web edit without the hash of the text it started from."""

import html
import re

from django.urls import reverse

from aiassist import services as ai_services
from aiassist.models import AIAnswer
from aiassist.services import BODY_MAX
from aiassist.services.review import _normalised, body_hash
from forum import policy

from ..factories import UserFactory, grant, signed_in

TAIL = "Then run `rm -rf /srv/app/archive` on the primary while the workers run."


def shown(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


# The desk's live preview cuts an edit at 50,000 characters as posted, before dropping invisible ones ----------------
#
# Attack: the review desk's "Live preview" (POST /preview/ with as=ai-answer) is the reviewer's view of what their edit
# will publish. forum.views.markdown_preview cuts the posted body at the forum's BODY_MAX (50,000) characters *before*
# machine_text_dropped removes zero-width characters, while the service (review._normalised) accepts up to 80,000
# characters as posted and only limits what is left after the drop (20,000). A text pasted into the editor with a run
# of zero-width spaces (copied from a chat or a document that pads with them; invisible in the textarea) puts
# everything after the run beyond the preview's cut: the preview shows "Drain the queue first." and no "only the first
# N characters" note (what is left after the drop is short), while "Edit and approve" stores and publishes the
# destructive command after it. Round 41 fixed the same class for CRLF line breaks; this is the drop's twin.


def test_the_live_preview_shows_what_an_edit_padded_with_invisible_characters_stores(client, django_user_model):
    posted = "Drain the queue first." + "\u200b" * 50_100 + "\n\n" + TAIL
    stored = _normalised(posted)  # what "Save edit" / "Edit and approve" stores: accepted, and short
    assert len(stored) <= BODY_MAX and TAIL in stored
    client.force_login(django_user_model.objects.create_user("rev", password="x"))
    preview = client.post(reverse("forum:preview"), {"body": posted, "as": "ai-answer"}).content.decode()
    assert "Drain the queue first." in shown(preview)
    # The preview ended before the command the desk then stores and publishes, and says nothing of a cut.
    assert "rm -rf /srv/app/archive" in shown(preview), shown(preview)


# The web's "Save edit and check again" without text_hash silently undoes another reviewer's edit -------------------
#
# Attack: answer_edit promises "refused (TextChanged) when the text changed since, so an edit never silently undoes
# another reviewer's", and the API enforces it (body_hash is required by EditSerializer). The web view passes
# ``text_hash=None`` when the form field is missing or malformed (``_text_hash``), and ``_check_read(answer, None)``
# accepts anything: a reviewer posting the desk's edit form without text_hash (a stale page from before the field, a
# crafted request) overwrites a colleague's edit that took out a dangerous command, with no 409 and no notice to
# the colleague. ``answer_approve`` refuses exactly this case (``edited_by`` is someone else and no hash); once the
# overwrite lands, ``edited_by`` is the overwriter and their own approval without a hash passes too.


def test_a_web_edit_without_text_hash_cannot_undo_another_reviewers_edit(world):
    answer = world.in_review
    colleague = UserFactory(username="rita")
    grant(policy.REVIEW, colleague, world.engineering)
    original = answer.body
    fixed = ai_services.answer_edit(
        acting_user=colleague, answer=answer, body=original + "\n\nNever on the primary.", text_hash=body_hash(original)
    )
    assert fixed.edited_by_id == colleague.pk
    response = signed_in(world.moderator).post(reverse("assistant:edit", args=[answer.pk]), {"body": original})
    answer.refresh_from_db()
    # The edit was saved (302) over rita's, which nobody on the page showed maria; now 409, as approving.
    assert response.status_code == 409 and "Never on the primary." in answer.body, (
        response.status_code,
        answer.edited_by.username,
    )


def test_a_web_approval_without_text_hash_after_another_reviewers_edit_is_refused(world):
    """The approve path refuses the same case."""
    answer = world.in_review
    colleague = UserFactory(username="rita")
    grant(policy.REVIEW, colleague, world.engineering)
    ai_services.answer_edit(
        acting_user=colleague,
        answer=answer,
        body=answer.body + "\n\nNever on the primary.",
        text_hash=body_hash(answer.body),
    )
    response = signed_in(world.moderator).post(reverse("assistant:approve", args=[answer.pk]))
    answer.refresh_from_db()
    assert response.status_code == 409 and answer.status == AIAnswer.Status.IN_REVIEW
