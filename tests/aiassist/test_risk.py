"""Risk classification: clearly risky advice is high with a reason naming topic and text; benign advice is low."""
import pytest

from aiassist import disclaimers
from aiassist.risk import classify

ACCESS = "Access control and permissions"
CREDENTIALS = "Credentials and secrets"
NETWORK = "Network exposure"
EXPORT = "Data export and personal data"
DESTRUCTIVE = "Destructive or production-changing commands"

RISKY = [
    (ACCESS, "chmod -R 777", "Run `chmod -R 777 /srv/data` so the service account can write there."),
    (ACCESS, "cluster-admin", "Bind the deploy service account to cluster-admin and the error goes away."),
    (ACCESS, '"Principal": "*"',
     'Add `{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}` to the bucket policy.'),
    (CREDENTIALS, "password", "Rotate the DB password in the staging database, then restart the app."),
    (CREDENTIALS, "API key", "Print the API key in the deploy log to check that it is loaded."),
    (NETWORK, "iptables", "Run `iptables -A INPUT -p tcp --dport 5432 -j ACCEPT` on the database host."),
    (NETWORK, "0.0.0.0/0", "Allow inbound 5432 from 0.0.0.0/0 on the instance so the laptop can connect."),
    (EXPORT, "pg_dump", "Run `pg_dump customers > customers.sql` and attach the file to the ticket."),
    (EXPORT, "personal data", "Exporting the personal data of every user to the vendor's sheet is the quickest way."),
    (DESTRUCTIVE, "rm -rf", "Clean the node with `rm -rf /var/lib/app` and redeploy."),
    (DESTRUCTIVE, "DROP TABLE", "Run `DROP TABLE orders;` and let the migration recreate it."),
    (DESTRUCTIVE, "kubectl delete", "Run `kubectl delete namespace payments` to start over."),
    (DESTRUCTIVE, "git push --force", "Rewrite the history and `git push --force origin main`."),
]

BENIGN = [
    "To write a pytest fixture, decorate a function with @pytest.fixture and yield the object; the code after "
    "the yield runs as teardown.",
    "A Python list comprehension such as [x * 2 for x in items if x] builds a new list in one expression.",
    "For Celery retry backoff set autoretry_for=(ConnectionError,) and retry_backoff=True; the countdown "
    "doubles on each retry up to retry_backoff_max.",
    "A CSS grid layout: display: grid; grid-template-columns: repeat(3, 1fr); gap: 1rem on the container.",
    "Read a stack trace from the bottom: the last frame is where the exception was raised; walk up to the "
    "first frame in your own code.",
]


def reason_for(assessment, topic):
    matching = [r for r in assessment.reasons if r.startswith(topic + " (")]
    assert len(matching) == 1, assessment.reasons
    return matching[0]


@pytest.mark.parametrize(("topic", "matched", "text"), RISKY, ids=[m for _, m, _ in RISKY])
def test_risky_advice_is_high_with_a_reason_naming_topic_and_text(topic, matched, text):
    assessment = classify(text)
    assert assessment.level == "high"
    assert f"“{matched}" in reason_for(assessment, topic)


@pytest.mark.parametrize("text", BENIGN, ids=["pytest-fixture", "list-comprehension", "celery-backoff", "css-grid",
                                             "stack-trace"])
def test_benign_advice_is_low_without_reasons(text):
    assessment = classify(text, "How do I do this properly?")
    assert assessment.level == "low"
    assert assessment.reasons == []


def test_a_risky_question_makes_a_bland_answer_high():
    assessment = classify("Follow the runbook linked below.", "How do I export the customers table for the vendor?")
    assert assessment.level == "high"
    assert "“export the customers" in reason_for(assessment, EXPORT)


def test_one_reason_per_topic_when_several_match():
    text = "Run `rm -rf /tmp/x`, then `DROP TABLE users;` and open the firewall for the new API key."
    assessment = classify(text)
    assert [r.split(" (")[0] for r in assessment.reasons] == [CREDENTIALS, NETWORK, DESTRUCTIVE]
    destructive = reason_for(assessment, DESTRUCTIVE)
    assert "“rm -rf”" in destructive and "“DROP TABLE”" in destructive


def test_matching_ignores_case():
    assert classify("then RM -RF the folder").level == "high"
    assert classify("Drop Table orders").level == "high"


def test_high_risk_banner_names_the_topics():
    banner = disclaimers.high_risk_banner(classify("Run chmod -R 777 and print the password.").reasons)
    assert "access control and permissions, credentials and secrets" in banner
    assert banner.startswith("High-risk advice")
