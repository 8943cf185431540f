"""Risky advice found by retrieval makes the draft high risk: posted in one thread, retrieved for a reworded
question in another, drafted by the extractive engine, classified on what the reader will see."""
import pytest

from aiassist import services
from aiassist.models import AIAnswer

from ..factories import UserFactory, make_thread

pytestmark = pytest.mark.django_db

RISKY_REPLY = """The reporting job can't read the new tables. Quickest fix:

```sql
GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO PUBLIC;
```

That gives every role read access, so the job works again."""


def test_advice_retrieved_for_a_reworded_question_makes_the_draft_high_risk(employee, engineering):
    source = make_thread(UserFactory(username="analyst"), engineering,
                         title="Reporting job gets permission denied on the new reporting tables",
                         body="Since the migration the reporting job fails with permission denied on reporting tables.",
                         replies=[(UserFactory(username="dba"), RISKY_REPLY)])
    question = make_thread(employee, engineering, title="Our nightly reporting job cannot read the reporting tables "
                                                        "after the migration, permission denied",
                           body="What is the fix for the reporting job?")
    answer = services.answer_generate(answer_id=services.answer_request(acting_user=employee, thread=question).pk)
    assert answer.status == AIAnswer.Status.DRAFT
    assert answer.sources.filter(cited=True, thread=source).exists()
    assert "GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO PUBLIC;" in answer.body
    assert answer.risk == AIAnswer.Risk.HIGH, answer.risk_reasons
    assert any("Access control" in reason for reason in answer.risk_reasons), answer.risk_reasons


def test_a_reviewers_edit_that_hides_the_command_behind_entities_stays_high_risk(employee, engineering,
                                                                                  eng_moderator):
    """Finding 2's attack: an edit at approval that spells the command with entities is classified as rendered."""
    make_thread(UserFactory(username="analyst"), engineering, title="Cleaning the build cache on runners",
                body="How do we free disk on the CI runners?",
                replies=[(UserFactory(username="ops"),
                          "Prune old images with `docker image prune --filter until=72h`.")])
    question = make_thread(employee, engineering, title="CI runners run out of disk, how to clean the build cache",
                           body="Disk full on the runners again.")
    answer = services.answer_generate(answer_id=services.answer_request(acting_user=employee, thread=question).pk)
    assert answer.risk == AIAnswer.Risk.LOW
    services.answer_submit(acting_user=employee, answer=answer)
    edited = "Free the disk: sudo rm &#45;rf /var/lib/docker &mdash; it is only cache [1]."
    services.answer_approve(acting_user=eng_moderator, answer=AIAnswer.objects.get(pk=answer.pk), body=edited)
    answer = AIAnswer.objects.get(pk=answer.pk)
    assert answer.risk == AIAnswer.Risk.HIGH, answer.risk_reasons
    assert answer.status == AIAnswer.Status.IN_REVIEW  # one approval is not enough for high-risk advice
