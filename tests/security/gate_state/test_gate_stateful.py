"""An adversarial stateful property test of the gate: random lifecycle steps through the real services, and after every
step what every member of the cast is shown, on every surface that can carry AI text, checked against a model of the
policy (``gate_machine``: the invariants are listed there).

Each example runs in its own savepoint (rolled back in ``teardown``), on a world built once per test. The machine
starts each example from a chosen state (a draft, one in review, published, rejected or retracted, each reached
through the services) so every state is covered however few examples run, then takes random steps: asking (the asker
or another employee), submitting, withdrawing, discarding, regenerating, reviewer edits, approvals and rejections by
reviewers and by people who may not, retraction by reviewers, moderators, administrators and others, hiding and
restoring the source reply, moving the source or the question thread into a restricted category and back, editing
the source (keeping or dropping the quoted words) and the question, withdrawing and restoring grants, deactivating
and reactivating accounts. After each step one member of the cast (in turn) is checked on every surface; at the end of
each example, all of them.
"""
import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from aiassist.models import AIAnswer

from .gate_machine import CAST, Checker, Sequence, build_world, clients_for

S = AIAnswer.Status
INDEX = st.integers(min_value=0, max_value=3)
REVIEWERS = st.sampled_from(["maria", "sam"])
ANYONE = st.sampled_from(["maria", "sam", "admin", "bob", "alice", "olive"])
STARTS = ["draft", "in_review", "published", "rejected", "retracted", "published_high_risk"]


class GateMachine(RuleBasedStateMachine):
    world = checker = None
    counter = 0
    covered: set = set()

    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint()
        self.seq = None
        self.turn = 0

    @initialize(start=st.sampled_from(STARTS))
    def start(self, start):
        GateMachine.counter += 1
        seq = self.seq = Sequence(self.world, GateMachine.counter, risky=start == "published_high_risk")
        seq.ask()
        if start != "draft":
            seq.submit(0)
        if start.startswith("published") or start == "retracted":
            seq.approve(0, "maria")
            if start == "published_high_risk":
                seq.approve(0, "sam")
        if start == "rejected":
            seq.reject(0, "sam")
        if start == "retracted":
            seq.retract(0, "sam")
        expected = {"draft": S.DRAFT, "in_review": S.IN_REVIEW, "published": S.PUBLISHED, "rejected": S.REJECTED,
                    "retracted": S.RETRACTED, "published_high_risk": S.PUBLISHED}[start]
        assert seq.answer(0).status == expected, seq.log
        if start == "published_high_risk":
            assert seq.answer(0).risk == AIAnswer.Risk.HIGH, "the risky reply makes a high-risk answer"

    # The asker's verbs.
    @rule(asker=st.sampled_from(["alice", "alice", "bob"]))
    def ask(self, asker):
        self.seq.ask(asker)

    @rule(i=INDEX)
    def submit(self, i):
        self.seq.submit(i)

    @rule(i=INDEX)
    def withdraw(self, i):
        self.seq.withdraw(i)

    @rule(i=INDEX)
    def discard(self, i):
        self.seq.discard(i)

    @rule(i=INDEX, audience=st.sampled_from(["asker", "thread"]))
    def regenerate(self, i, audience):
        self.seq.regenerate(i, audience)

    # Reviewers, and people who are not.
    @rule(i=INDEX, reviewer=REVIEWERS)
    def edit(self, i, reviewer):
        self.seq.edit(i, reviewer)

    @rule(i=INDEX, actor=ANYONE)
    def approve(self, i, actor):
        self.seq.approve(i, actor)

    @rule(i=INDEX, actor=REVIEWERS)
    def reject(self, i, actor):
        self.seq.reject(i, actor)

    @rule(i=INDEX, actor=ANYONE)
    def retract(self, i, actor):
        self.seq.retract(i, actor)

    # The forum under the answers.
    @rule(hidden=st.booleans())
    def hide_source(self, hidden):
        self.seq.hide_source(hidden)

    @rule(which=st.sampled_from(["source", "source", "question"]), to=st.sampled_from(["sec", "eng"]))
    def move(self, which, to):
        self.seq.move(which, to)

    @rule(keep=st.booleans())
    def edit_source(self, keep):
        self.seq.edit_source(keep)

    @rule()
    def edit_question(self):
        self.seq.edit_question()

    # Grants and accounts.
    @rule(grant=st.sampled_from([("maria", "review_ai_answers"), ("sam", "approve_high_risk"),
                                 ("sam", "review_ai_answers"), ("maria", "moderate_category")]),
          held=st.booleans())
    def set_grant(self, grant, held):
        self.seq.set_grant(*grant, held)

    @rule(name=st.sampled_from(["maria", "sam", "alice", "bob"]), active=st.booleans())
    def set_active(self, name, active):
        self.seq.set_active(name, active)

    def _check(self, users):
        if self.seq is None:
            return
        seq = self.seq
        GateMachine.covered.update(a.status for a in AIAnswer.objects.filter(pk__in=[a.pk for a in seq.answers]))
        violations = self.checker.check(question=seq.question, source_thread=seq.source, answers=seq.answers,
                                        marker=seq.marker, edits=seq.edits, users=users)
        assert not violations, "\n".join(["steps:", *seq.log, "violations:", *map(str, violations[:10])])

    @invariant()
    def one_member_sees_only_what_they_may(self):
        self.turn += 1
        self._check([CAST[(GateMachine.counter + self.turn) % len(CAST)]])

    def teardown(self):
        try:
            if self.seq is not None:
                self._check([name for name in CAST if name != "anonymous"])
        finally:
            transaction.savepoint_rollback(self.savepoint)


@pytest.mark.django_db
def test_the_gate_holds_under_random_lifecycles():
    GateMachine.world = world = build_world()
    GateMachine.checker = Checker(world, clients_for(world))
    GateMachine.covered = set()
    run_state_machine_as_test(GateMachine, settings=settings(
        max_examples=6, stateful_step_count=6, derandomize=True, database=None, deadline=None,
        suppress_health_check=list(HealthCheck), report_multiple_bugs=False))
    # The run reached every state it is meant to check (the checks above are not vacuous).
    assert {S.DRAFT, S.IN_REVIEW, S.PUBLISHED, S.RETRACTED} <= GateMachine.covered, GateMachine.covered
