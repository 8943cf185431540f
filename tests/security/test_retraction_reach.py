"""Everyone who read a published AI answer is told when it is withdrawn: reviewers too.

Round 29's review: the JSON API's answer detail and the review page show a published answer's text but recorded
no view receipt, and the reviewer whose approval published it was not among those told when someone else
retracted it. Now both surfaces record the reading, and the approvers are always told.
"""
import pytest

from aiassist import services as ai_services
from aiassist.models import AIAnswer
from forum.models import Notification, PostViewReceipt

from ..api.conftest import V1, client_for, in_state, make_reviewer, reload
from ..factories import signed_in

pytestmark = pytest.mark.django_db
S = AIAnswer.Status


@pytest.mark.parametrize("surface", ["api", "review page"])
def test_a_reviewer_who_read_the_published_text_is_told_of_its_retraction(surface, employee, engineering,
                                                                          eng_moderator):
    rita = make_reviewer("rita", engineering)
    answer = in_state(S.PUBLISHED, employee, engineering, reviewers=[eng_moderator])
    if surface == "api":
        shown = client_for(rita).get(f"{V1}/ai-answers/{answer.pk}/")
        assert shown.status_code == 200 and shown.json()["body"] == answer.body
    else:
        assert signed_in(rita).get(f"/ai/review/{answer.pk}/").status_code == 200
    assert PostViewReceipt.objects.filter(post=answer.published_post, user=rita).exists()

    ai_services.answer_retract(acting_user=eng_moderator, answer=reload(answer), reason="It is wrong.")
    told = Notification.objects.get(recipient=rita, verb="ai_retracted")
    assert "It is wrong." in told.text


def test_a_reviewer_who_only_saw_it_in_review_is_not_counted_a_reader(employee, engineering, eng_moderator):
    """Before publication the review page shows a draft, not the post: no receipt, no notice."""
    rita = make_reviewer("rita", engineering)
    answer = in_state(S.IN_REVIEW, employee, engineering)
    assert signed_in(rita).get(f"/ai/review/{answer.pk}/").status_code == 200
    assert client_for(rita).get(f"{V1}/ai-answers/{answer.pk}/").status_code == 200
    assert not PostViewReceipt.objects.filter(user=rita).exists()


def test_the_approving_reviewer_is_told_when_someone_else_retracts(admin_user, employee, engineering):
    rita = make_reviewer("rita", engineering)
    answer = in_state(S.PUBLISHED, employee, engineering, reviewers=[rita])
    assert not PostViewReceipt.objects.filter(post=answer.published_post, user=rita).exists()
    ai_services.answer_retract(acting_user=admin_user, answer=reload(answer), reason="It is wrong.")
    assert Notification.objects.filter(recipient=employee, verb="ai_retracted").exists()
    assert Notification.objects.filter(recipient=rita, verb="ai_retracted").exists()


def test_the_reviewer_who_retracts_is_not_told_of_their_own_retraction(employee, engineering):
    rita = make_reviewer("rita", engineering)
    answer = in_state(S.PUBLISHED, employee, engineering, reviewers=[rita])
    ai_services.answer_retract(acting_user=rita, answer=reload(answer), reason="It is wrong.")
    assert not Notification.objects.filter(recipient=rita, verb="ai_retracted").exists()


def test_a_reviewer_who_read_a_flagged_answer_in_the_queue_is_told(employee, other_employee, engineering,
                                                                   eng_moderator):
    """The API's review queue holds flagged published answers with their text: reading it there is a reading."""
    rita = make_reviewer("rita", engineering)
    answer = in_state(S.PUBLISHED, employee, engineering, reviewers=[eng_moderator])
    ai_services.answer_report(acting_user=other_employee, answer=reload(answer), reason="Looks wrong.")
    queue = client_for(rita).get(f"{V1}/review-queue/")
    assert queue.status_code == 200
    assert [a["id"] for a in queue.json()["results"]] == [answer.pk]
    assert PostViewReceipt.objects.filter(post=answer.published_post, user=rita).exists()
    ai_services.answer_retract(acting_user=eng_moderator, answer=reload(answer), reason="It is wrong.")
    assert Notification.objects.filter(recipient=rita, verb="ai_retracted").exists()
