"""A retry drafts again, so it counts against the hourly quota of drafts (ASSISTANT_QUOTA_PER_HOUR).

Round 29's review: only ``answer_request`` counted; once the quota was used up a new ask was refused (429) while
retrying a failed answer went on sending it to the engine, as often as it failed.
"""
import pytest

from aiassist import services as ai_services
from aiassist.models import AIAnswer
from common.exceptions import RateLimited
from forum.models import AuditEvent

from ..api.conftest import V1, ask, client_for, error_of, reload

pytestmark = pytest.mark.django_db
S = AIAnswer.Status
FAILURE = "The model endpoint kept timing out."


def _failed(asker, thread) -> AIAnswer:
    answer = ai_services.answer_request(acting_user=asker, thread=thread)
    ai_services.answer_fail(answer_id=answer.pk, message=FAILURE)
    return reload(answer)


def test_retries_count_against_the_quota_and_a_refused_retry_changes_nothing(settings, employee, engineering):
    settings.ASSISTANT_QUOTA_PER_HOUR = 3
    thread, _ = ask(employee, engineering)
    answer = _failed(employee, thread)  # 1
    for _ in range(2):  # 2, 3
        ai_services.answer_retry(acting_user=employee, answer=reload(answer))
        ai_services.answer_claim(answer_id=answer.pk)
        ai_services.answer_fail(answer_id=answer.pk, message=FAILURE)
    events = AuditEvent.objects.count()
    with pytest.raises(RateLimited) as refused:
        ai_services.answer_retry(acting_user=employee, answer=reload(answer))
    assert refused.value.retry_after > 0
    answer = reload(answer)
    assert answer.status == S.FAILED and answer.error == FAILURE
    assert AuditEvent.objects.count() == events  # the retry and its event rolled back
    with pytest.raises(RateLimited):  # and a new ask is refused as before
        ai_services.answer_request(acting_user=employee, thread=thread)


def test_a_retry_within_the_quota_is_not_refused(settings, employee, engineering):
    settings.ASSISTANT_QUOTA_PER_HOUR = 2
    thread, _ = ask(employee, engineering)
    answer = _failed(employee, thread)
    assert ai_services.answer_retry(acting_user=employee, answer=answer).status == S.QUEUED


def test_the_api_and_the_page_answer_429_for_a_retry_past_the_quota(settings, client, employee, engineering):
    settings.ASSISTANT_QUOTA_PER_HOUR = 1
    thread, _ = ask(employee, engineering)
    answer = _failed(employee, thread)
    response = client_for(employee).post(f"{V1}/ai-answers/{answer.pk}/retry/", {}, format="json")
    error_of(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    client.force_login(employee)
    page = client.post(f"/ai/answers/{answer.pk}/retry/")
    assert page.status_code == 429
    assert reload(answer).status == S.FAILED
