"""A regenerated draft's review desk says what reviewers decided about the answer it replaces (round 43's review).

The extractive engine drafts the same text from the same passages: without this, the second reviewer of an answer
retracted as wrong could approve the very same text again, unaware it had been retracted and why."""
import pytest

from aiassist import services as ai_services
from aiassist.models import AIAnswer

from ..api.conftest import in_state, make_reviewer, reload
from ..factories import signed_in

pytestmark = pytest.mark.django_db
S = AIAnswer.Status


@pytest.fixture
def rita(engineering):
    """A reviewer of Engineering (no approve_high_risk)."""
    return make_reviewer("rita", engineering)


def regenerated(answer, asker) -> AIAnswer:
    """The asker asks again from ``answer``; the worker drafts it; the asker submits it."""
    again = ai_services.answer_regenerate(acting_user=asker, answer=reload(answer))
    again = ai_services.answer_generate(answer_id=again.pk)
    ai_services.answer_submit(acting_user=asker, answer=reload(again))
    return reload(again)


def desk(user, answer) -> str:
    response = signed_in(user).get(f"/ai/review/{answer.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_desk_says_why_the_earlier_answer_was_retracted_and_that_the_text_is_the_same(employee, engineering, rita):
    retracted = in_state(S.RETRACTED, employee, engineering, reviewers=[rita])
    again = regenerated(retracted, employee)
    assert again.regenerated_from_id == retracted.pk and again.body == retracted.body
    html = desk(rita, again)
    assert "was retracted" in html and "Outdated." in html
    assert f"/ai/review/{retracted.pk}/" in html
    assert "This draft&#x27;s text is the same as that answer&#x27;s." in html or \
        "This draft's text is the same as that answer's." in html


def test_the_desk_says_why_the_earlier_answer_was_rejected_through_a_discarded_draft(employee, engineering, rita):
    """Rejected, asked again, the new draft thrown away by its asker, asked again: the rejection still shows; the
    private draft in between never does (it was never submitted)."""
    rejected = in_state(S.REJECTED, employee, engineering, reviewers=[rita])
    private = ai_services.answer_regenerate(acting_user=employee, answer=reload(rejected))
    private = ai_services.answer_generate(answer_id=private.pk)
    again = ai_services.answer_regenerate(acting_user=employee, answer=reload(private))
    ai_services.answer_generate(answer_id=again.pk)
    ai_services.answer_submit(acting_user=employee, answer=reload(again))
    html = desk(rita, reload(again))
    assert "was rejected" in html and "Not what was asked." in html
    assert f"/ai/review/{rejected.pk}/" in html and f"/ai/review/{private.pk}/" not in html
    assert html.count("earlier-verdict") == 1


def test_a_first_draft_shows_no_earlier_verdict(employee, engineering, rita):
    answer = in_state(S.IN_REVIEW, employee, engineering)
    assert "earlier-verdict" not in desk(rita, answer)


def test_a_discarded_draft_alone_is_never_mentioned(employee, engineering, rita):
    """A private draft the asker threw away was never any reviewer's to read: asking again from it says nothing."""
    draft = in_state(S.DRAFT, employee, engineering)
    again = ai_services.answer_regenerate(acting_user=employee, answer=reload(draft))
    ai_services.answer_generate(answer_id=again.pk)
    ai_services.answer_submit(acting_user=employee, answer=reload(again))
    html = desk(rita, reload(again))
    assert "earlier-verdict" not in html and f"/ai/review/{draft.pk}/" not in html
