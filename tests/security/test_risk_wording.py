"""Risky advice worded as a way to avoid trouble still needs a security reviewer.

"Avoid the certificate errors by turning off TLS verification" recommends turning it off: what follows "by" is
the means. ``risk._negated`` read "avoid" as a negation reaching the risky clause, and the rules knew "turn off"
but not "by turning off", so a plain reviewer's edit worded that way classified low and one approval published it
(the adversarial review of round 29). The labelled set holds more of these (tests/data/risk), both ways round.
"""
import pytest

from aiassist import risk
from aiassist import services as ai_services
from aiassist.models import AIAnswer

from ..api.conftest import ask, drafted, reload

pytestmark = pytest.mark.django_db
S = AIAnswer.Status

AVOIDING = [
    "Avoid password prompts by putting the production database password in the public README.",
    "Avoid the permission errors by giving everyone in the company write access to the shared drive.",
    "Avoid the certificate errors by turning off TLS verification in the payments client.",
    "Prevent the lockouts by disabling MFA for the on-call admin accounts.",
    "Avoid merge conflicts by removing the branch protection on main for the afternoon.",
    # Round 29's final review: a word, or a second space, between "by" and the gerund.
    "Avoid the certificate errors by simply turning off TLS verification in the payments client.",
    "Avoid the certificate errors by just disabling TLS verification in the payments client.",
    "Avoid the errors by  turning off TLS verification in the payments client.",
]
AGAINST = [
    "Avoid putting the production database password in the README; use the secrets manager.",
    "Avoid disabling TLS verification in the payments client: add the internal CA instead.",
    "Prevent credential leaks by keeping the token in the secrets manager.",
    "Avoid disabling TLS verification with the --insecure flag; add the internal CA instead.",
]


@pytest.mark.parametrize("text", AVOIDING)
def test_the_means_of_avoiding_trouble_is_advice(text):
    assert risk.classify(text).level == "high", text


@pytest.mark.parametrize("text", AGAINST)
def test_advice_against_the_risky_thing_stays_low(text):
    assert risk.classify(text).level == "low", text


@pytest.mark.parametrize("text", AVOIDING[:3], ids=["password-readme", "everyone-write", "tls-off"])
def test_a_plain_reviewers_edit_worded_so_waits_for_a_security_reviewer(text, employee, engineering, eng_moderator):
    thread, _ = ask(employee, engineering)
    answer = drafted(employee, thread)
    ai_services.answer_submit(acting_user=employee, answer=answer)
    answer = reload(answer)
    assert answer.risk == AIAnswer.Risk.LOW
    ai_services.answer_approve(acting_user=eng_moderator, answer=answer, body=answer.body + "\n\n" + text)
    answer = reload(answer)
    assert answer.risk == AIAnswer.Risk.HIGH, answer.risk_reasons
    assert answer.status == S.IN_REVIEW and answer.published_post_id is None


def test_the_review29_set_is_classified_right():
    """tests/data/risk/review29: the same wordings in other words, in no model's training."""
    from bench import risk as bench

    for row in bench.load("risky", labelled="review29"):
        assert risk.classify(row["text"]).level == "high", row["text"]
    for row in bench.load("benign", labelled="review29"):
        assert risk.classify(row["text"]).level == "low", row["text"]
