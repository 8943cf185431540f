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


def _submitted(asker, answer) -> AIAnswer:
    ai_services.answer_generate(answer_id=answer.pk)
    ai_services.answer_submit(acting_user=asker, answer=reload(answer))
    return reload(answer)


def test_asking_afresh_after_a_retraction_still_shows_the_verdict(employee, other_employee, engineering, rita):
    """Round 43's review of the first version, which followed ``regenerated_from`` only: the asker, or anyone else
    who reads the thread, asking anew brought the retracted text back to the desk with no word of its retraction."""
    retracted = in_state(S.RETRACTED, employee, engineering, reviewers=[rita])
    for asker in (employee, other_employee):
        again = _submitted(asker, ai_services.answer_request(acting_user=asker, thread=retracted.thread))
        assert again.body == retracted.body and again.regenerated_from_id is None
        html = desk(rita, again)
        assert "was retracted" in html and "Outdated." in html and f"/ai/review/{retracted.pk}/" in html


def test_private_drafts_thrown_away_on_the_way_hide_nothing(employee, engineering, rita):
    """Regenerated privately six times before submitting (each draft thrown away by the next): the first version read
    five answers back along the chain, so the retraction dropped out of its reach."""
    retracted = in_state(S.RETRACTED, employee, engineering, reviewers=[rita])
    current = retracted
    for _ in range(6):
        current = ai_services.answer_regenerate(acting_user=employee, answer=reload(current))
        ai_services.answer_generate(answer_id=current.pk)
    ai_services.answer_submit(acting_user=employee, answer=reload(current))
    html = desk(rita, reload(current))
    assert "was retracted" in html and html.count("earlier-verdict") == 1


def test_the_verdicts_cost_one_query_whatever_the_thread_holds(employee, engineering, rita, django_assert_num_queries):
    from aiassist import selectors

    retracted = in_state(S.RETRACTED, employee, engineering, reviewers=[rita])
    for _ in range(3):
        again = _submitted(employee, ai_services.answer_request(acting_user=employee, thread=retracted.thread))
        ai_services.answer_reject(acting_user=rita, answer=again, reason="Still wrong.")
    current = reload(_submitted(employee, ai_services.answer_request(acting_user=employee, thread=retracted.thread)))
    rita = type(rita).objects.get(pk=rita.pk)
    warm = selectors.earlier_verdicts(rita, current)  # the user's permissions cached, as on a page
    assert len(warm) == 4
    with django_assert_num_queries(1):
        verdicts = selectors.earlier_verdicts(rita, current)
    assert [v["verdict"] for v in verdicts] == ["rejected", "rejected", "rejected", "retracted"]
    assert all(v["same_text"] for v in verdicts)


def test_the_api_gives_a_reviewer_the_same_verdicts(employee, other_employee, engineering, rita):
    from ..api.conftest import V1, client_for

    retracted = in_state(S.RETRACTED, employee, engineering, reviewers=[rita])
    again = _submitted(other_employee, ai_services.answer_request(acting_user=other_employee, thread=retracted.thread))
    detail = client_for(rita).get(f"{V1}/ai-answers/{again.pk}/").json()
    assert detail["earlier_verdicts"] == [{"answer": retracted.pk, "verdict": "retracted", "reason": "Outdated.",
                                           "same_text": True, "at": detail["earlier_verdicts"][0]["at"]}]
    assert detail["earlier_verdicts"][0]["at"]
    # The asker of the new answer is not a reviewer: the retracted answer is not theirs to open, nor its reason.
    own = client_for(other_employee).get(f"{V1}/ai-answers/{again.pk}/").json()
    assert own["earlier_verdicts"] == []
    queue = client_for(rita).get(f"{V1}/review-queue/").json()["results"]
    assert [a["earlier_verdicts"] for a in queue if a["id"] == again.pk] == [None]
