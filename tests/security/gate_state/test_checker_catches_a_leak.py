"""The checker's own controls: a model that claims nobody may see an answer finds its text where it is shown, so
the property test's silence means something."""
import pytest

from aiassist.models import AIAnswer

from .gate_machine import Checker, Model, Sequence, build_world, clients_for


@pytest.mark.django_db
def test_the_checker_finds_text_the_model_forbids(monkeypatch):
    world = build_world()
    checker = Checker(world, clients_for(world))
    seq = Sequence(world, 0, risky=True)
    seq.ask()
    seq.submit(0)
    seq.edit(0, "maria")
    seq.approve(0, "maria")
    seq.approve(0, "sam")
    answer = seq.answer(0)
    assert answer.status == AIAnswer.Status.PUBLISHED and answer.risk == "high", seq.log

    def check(users):
        return checker.check(question=seq.question, source_thread=seq.source, answers=seq.answers, marker=seq.marker,
                             edits=seq.edits, users=users)

    assert check(["alice", "bob", "olive"]) == []
    monkeypatch.setattr(Model, "sees_answer", lambda self, user, answer, marker: False)
    found = {(v.what, v.user, v.url.split("?")[0]) for v in check(["bob"])}
    assert ("reviewer-edited answer text shown", "bob", f"/t/{seq.question.pk}/") in found
    assert ("source/answer text shown", "bob", f"/api/v1/threads/{seq.question.pk}/posts/") in found
    assert ("search shows unpublished answer text", "bob", "/api/v1/search/") in found
    assert ("search shows unpublished answer text", "bob", "/search/") in found
