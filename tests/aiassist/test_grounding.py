"""Claim-level grounding: the splitter, each status, the storage API, and the labelled set's targets."""
import functools
import html
import json
import re
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from aiassist.engines.base import SourceDoc
from aiassist.engines.extractive import NOTHING_FOUND, ExtractiveEngine
from aiassist.grounding import SUPPORT_THRESHOLD, ClaimKind, Grounding, Status, check, split_claims
from bench.grounding import BLIND_SETS, TARGETS, calibrated_threshold, evaluate, load
from forum.markup import machine_text, render_markdown

VACUUM = """Don't run `VACUUM FULL` on the big tables during business hours: it takes an `ACCESS EXCLUSIVE` lock and \
rewrites the whole table. We use pg_repack instead, which rebuilds the table online:

```sh
pg_repack --no-order --table public.orders -d shop
```
"""
HBA = ("Access rules live in `/etc/postgresql/15/main/pg_hba.conf`. After editing, reload instead of restarting: "
       "`systemctl reload postgresql`.")
LLM_DRAFT = """pg_repack rebuilds the table online [1].

- Rebuild the table with pg_repack instead of `VACUUM FULL` [1].
- Run `pg_repack --no-order --table public.orders -d shop --force-all` [1].
- Edit `/etc/postgresql/16/main/pg_hba.conf`, then reload with `systemctl reload postgresql` [2].
- It is safe to run `VACUUM FULL` on the big tables during business hours [1].

Ask the on-call DBA before touching production.

Verify before acting.
"""


def between(text: str, span) -> str:
    return text[span[0]:span[1]]


# --- The labelled set and its targets --------------------------------------------------------------


@pytest.fixture(scope="module")
def labelled():
    return load()


@pytest.fixture(scope="module")
def figures(labelled):
    return evaluate(labelled)


def test_the_labelled_set_is_large_varied_and_every_item_cites_its_passage(labelled):
    assert len(labelled) >= 250
    labels = Counter(item["label"] for item in labelled)
    assert set(labels) == {"supported", "unsupported", "invented", "contradicted"}
    assert min(labels.values()) >= 40
    topics = {item["topic"] for item in labelled}
    assert {"postgresql", "kubernetes", "ci", "git", "secrets", "networking", "django"} <= topics
    assert len({item["id"] for item in labelled}) == len(labelled)
    for item in labelled:
        claims = split_claims(item["claim"])
        assert claims, item["id"]
        assert all(claim.citations == (1,) for claim in claims), item["id"]


def test_invented_commands_are_caught(figures):
    assert figures["invented_caught"] >= TARGETS["invented_caught"]


def test_contradicted_claims_are_caught(figures):
    assert figures["contradicted_caught"] >= TARGETS["contradicted_caught"]


def test_supported_claims_are_rarely_flagged(figures):
    assert figures["supported_flagged"] <= TARGETS["supported_flagged"]


def test_unsupported_claims_mostly_come_out_weak(figures):
    assert figures["unsupported_flagged"] >= 0.75
    assert figures["unsupported_weak"] >= 0.6


def test_the_threshold_is_within_one_step_of_the_calibration_rules_pick_on_the_set(labelled):
    """The rule's pick, or the step below it (aiassist.grounding: the pick sits at the budget's edge)."""
    budget = TARGETS["supported_flagged"] / 2
    assert evaluate(labelled, SUPPORT_THRESHOLD)["supported_flagged"] <= budget
    assert evaluate(labelled, round(SUPPORT_THRESHOLD + 0.10, 2))["supported_flagged"] > budget
    pick = calibrated_threshold(labelled)
    assert round(SUPPORT_THRESHOLD, 2) in (pick, round(pick - 0.05, 2))


# --- Splitting drafts into claims ------------------------------------------------------------------


@functools.cache
def _blind_figures(n: int) -> dict:
    return evaluate(load(BLIND_SETS[n]))


@pytest.fixture(scope="module", params=sorted(BLIND_SETS), ids=lambda n: f"blind{n}")
def blind(request):
    return _blind_figures(request.param)


# Round 16's sets name products, days and channels ("scanned with Trivy", "every Sunday", "in #ci-flaky"): read with
# lexical-3, 74.5 and 70.9 % of their invented claims were caught; lexical-4 reads such names (bench/README.md,
# round 16). Set 8 (round 44, scored with lexical-11 before anything was read from it): 53 of 55, two whose new item
# is written in plain words. Set 9 (round 45, scored with lexical-12 and 13 before anything was read from it): 50 of
# 55, the five invented claims a review or a summary at a meeting the passage never names, in plain words. Set 10
# (round 45, scored with lexical-12 to 14 before anything was read from it): 42 of 55, the others invented in plain
# words too (a team, a step, a tool named as a common noun). Lexical-15 (round 45) was written from sets 2-10's
# misses: sets 6 to 9 meet the target since, set 10 holds 50 of 55. Set 11 (round 45, scored with lexical-12 to 15
# before anything was read from it): 43 of 55 with lexical-14, 48 with lexical-15. Set 12 (round 45, the same): 42
# of 55 with lexical-12, 46 with lexical-15. Set 13 (round 45, the same): 38 with lexical-12, 44 with lexical-15.
# Round 46 made the labels' convention precise (another value of something the passage gives a value for is
# contradicted, as sets 7-13 had it) and relabelled 123 items of the main set and sets 2-6: set 2 keeps 35 of its 36
# invented claims (97.2 %, the same one missed). Set 14 (round 46, scored with lexical-18 before anything was read from
# it): 49 of 55, as with round 45's checker. Set 15 (round 46, scored with lexical-19 before anything was read from it):
# 46 of 54 (48 with round 45's checker: two of its invented values lexical-18 reads as changed ones, still blocked).
# Set 16 (round 47, scored with lexical-19 before anything was read from it): 43 of 54.
INVENTED_FLOOR = {2: 0.97, 10: 0.90, 11: 0.87, 12: 0.83, 13: 0.80, 14: 0.89, 15: 0.85, 16: 0.79}


@pytest.mark.parametrize("n", sorted(BLIND_SETS), ids=lambda n: f"blind{n}")
def test_on_the_blind_sets_invented_claims_are_caught(n):
    """Each written by a helper who saw neither the checker nor any other set (236 and 240 items, 40 passages each)."""
    assert _blind_figures(n)["invented_caught"] >= INVENTED_FLOOR.get(n, TARGETS["invented_caught"])


@pytest.mark.xfail(strict=True, reason="Known gap (bench/README.md round 16; round 45): sets 10 to 13 hold "
                                      "invented facts written as ordinary words (an attribute, a new object, a "
                                      "permission)")
@pytest.mark.parametrize("n", sorted(INVENTED_FLOOR), ids=lambda n: f"blind{n}")
def test_on_the_newest_blind_sets_invented_claims_meet_the_target(n):
    assert _blind_figures(n)["invented_caught"] >= TARGETS["invented_caught"]


@pytest.mark.xfail(strict=True, reason="Known gap (bench/README.md rounds 13-16, 46): on the blind sets the checker "
                                      "catches 29-63 % of the contradicted claims (target 80 %) and flags 10-40 % of "
                                      "the supported ones (target at most 10 %): paraphrase and reversal in other "
                                      "words")
def test_on_the_blind_sets_contradictions_are_caught_and_paraphrases_pass(blind):
    assert blind["contradicted_caught"] >= TARGETS["contradicted_caught"]
    assert blind["supported_flagged"] <= TARGETS["supported_flagged"]


def test_an_extractive_quoted_yaml_block_and_its_attribution_make_one_supported_code_claim():
    passage = "Set the memory request equal to the limit:\n\n```yaml\nresources:\n  limits:\n    memory: 1Gi\n```\n"
    draft = ("Colleagues wrote the following in 1 post you can read; it is quoted as they wrote it and nobody has "
             "checked it for your case, so verify it before you rely on it.\n\n"
             "> ```yaml\n> resources:\n>   limits:\n>     memory: 1Gi\n> ```\n\n"
             "— *alice*, accepted answer in [API pods OOMKilled](/t/1/?post=2#post-2) [1]\n")
    (claim,) = split_claims(draft)
    assert claim.kind == ClaimKind.CODE_BLOCK
    assert claim.citations == (1,) and claim.cited_by == "attribution"
    assert claim.text == "resources:\n  limits:\n    memory: 1Gi"
    assert between(draft, claim.span) == "resources:\n>   limits:\n>     memory: 1Gi"

    (checked,) = check(draft, {1: passage}).claims
    assert checked.status == Status.SUPPORTED
    assert checked.passage == 1
    assert between(passage, checked.passage_span) == "resources:\n  limits:\n    memory: 1Gi"


def test_the_extractive_engines_own_drafts_are_supported_claim_by_claim():
    sources = [
        SourceDoc(number=1, title="Bloat on orders", text=VACUUM, role="accepted", author="alice",
                  url="/t/1/?post=2#post-2", score=2.0),
        SourceDoc(number=2, title="pg_hba for app_db", text=HBA, role="reply", author="bob",
                  url="/t/2/?post=7#post-7", score=1.0),
    ]
    draft = ExtractiveEngine().draft("how do I rebuild the orders table and reload pg_hba", sources)
    result = check(draft.text, {source.number: source.text for source in sources})
    assert result.claims
    assert all(c.status == Status.SUPPORTED for c in result.claims), result.summary()
    assert {c.citations for c in result.claims} == {(1,), (2,)}
    assert {c.claim.cited_by for c in result.claims} == {"attribution"}
    assert split_claims(NOTHING_FOUND) == []


def test_citation_rules_paragraph_intro_follow_up_attribution_and_what_is_not_a_citation():
    draft = """Stop the worker. Then drain the queue [1].

Run this first:

```sh
celery -A app control shutdown
```

That stops every worker gracefully [2].

> Workers finish their current task before exiting.

— *bob*, reply in [Shutting down Celery](/t/3/?post=4#post-4) [3]

See [the runbook](/t/4/?post=1[5]), [7](/t/7/) and `retries[6]` here.
"""
    claims = split_claims(draft)
    got = [(c.kind, c.citations, c.cited_by, between(draft, c.span)) for c in claims]
    assert got == [
        (ClaimKind.SENTENCE, (1,), "paragraph", "Stop the worker."),
        (ClaimKind.SENTENCE, (1,), "own", "Then drain the queue [1]."),
        (ClaimKind.CODE_BLOCK, (2,), "following", "celery -A app control shutdown"),
        (ClaimKind.SENTENCE, (2,), "own", "That stops every worker gracefully [2]."),
        (ClaimKind.SENTENCE, (3,), "attribution", "Workers finish their current task before exiting."),
        (ClaimKind.SENTENCE, (), "", "See [the runbook](/t/4/?post=1[5]), [7](/t/7/) and `retries[6]` here."),
    ]
    assert claims[-1].text == "See [the runbook](/t/4/?post=1[5]), [7](/t/7/) and `retries[6]` here."


def test_a_code_block_takes_the_citation_of_its_intro_sentence():
    draft = "Restart the deployment one pod at a time [1]:\n\n```sh\nkubectl rollout restart deployment/web\n```\n"
    sentence, code = split_claims(draft)
    assert sentence.citations == (1,) and sentence.cited_by == "own"
    assert code.kind == ClaimKind.CODE_BLOCK and code.citations == (1,) and code.cited_by == "intro"


@pytest.mark.parametrize("framing", [
    "Here is what colleagues have written in 2 posts you can read that look relevant to your question:",
    "Verify before acting.",
    "Please double-check these steps before running them in production.",
    "I hope this helps!",
    "Colleagues wrote the following in 3 posts you can read; it is quoted as they wrote it and nobody has checked "
    "it for your case, so verify it before you rely on it.",
    "Note:",
])
def test_framing_is_not_a_claim(framing):
    assert split_claims(framing) == []


def test_a_framing_opener_with_content_after_it_is_a_claim():
    (claim,) = split_claims("Here is the fix: restart the pod [1].")
    assert claim.text == "Here is the fix: restart the pod." and claim.citations == (1,)


# --- Statuses ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def llm_result():
    return check(LLM_DRAFT, {1: VACUUM, 2: HBA})


def test_an_llm_draft_is_classified_claim_by_claim(llm_result):
    got = [(c.kind, c.status, between(LLM_DRAFT, c.span)) for c in llm_result.claims]
    assert got == [
        (ClaimKind.SENTENCE, Status.SUPPORTED, "pg_repack rebuilds the table online [1]."),
        (ClaimKind.LIST_ITEM, Status.SUPPORTED, "Rebuild the table with pg_repack instead of `VACUUM FULL` [1]."),
        (ClaimKind.COMMAND, Status.SUPPORTED, "VACUUM FULL"),
        (ClaimKind.COMMAND, Status.INVENTED, "pg_repack --no-order --table public.orders -d shop --force-all"),
        (ClaimKind.LIST_ITEM, Status.INVENTED,
         "Edit `/etc/postgresql/16/main/pg_hba.conf`, then reload with `systemctl reload postgresql` [2]."),
        (ClaimKind.COMMAND, Status.SUPPORTED, "systemctl reload postgresql"),
        (ClaimKind.LIST_ITEM, Status.CONTRADICTED,
         "It is safe to run `VACUUM FULL` on the big tables during business hours [1]."),
        (ClaimKind.COMMAND, Status.SUPPORTED, "VACUUM FULL"),
        (ClaimKind.SENTENCE, Status.UNCITED, "Ask the on-call DBA before touching production."),
    ]


def test_invented_tokens_and_passage_spans_point_at_the_right_text(llm_result):
    claims = llm_result.claims
    flag = claims[3]
    assert [(t.kind, between(LLM_DRAFT, (t.start, t.end))) for t in flag.invented] == [("flag", "--force-all")]
    assert "`--force-all`" in flag.reason and "[1]" in flag.reason
    assert between(VACUUM, flag.passage_span).endswith("pg_repack --no-order --table public.orders -d shop")

    path = claims[4]
    assert [(t.kind, between(LLM_DRAFT, (t.start, t.end))) for t in path.invented] == [
        ("path", "/etc/postgresql/16/main/pg_hba.conf")]
    assert path.category == "path"

    reversed_warning = claims[6]
    assert reversed_warning.passage == 1
    assert between(VACUUM, reversed_warning.passage_span).startswith("Don't run `VACUUM FULL` on the big tables")
    assert "reverses [1]" in reversed_warning.reason

    supported = claims[0]
    assert supported.passage == 1 and supported.score >= SUPPORT_THRESHOLD
    assert between(VACUUM, supported.passage_span) == "pg_repack instead, which rebuilds the table online"
    assert claims[8].citations == () and claims[8].passage is None


def test_summary_and_blocking(llm_result):
    assert llm_result.summary() == (
        "5 of 9 claims supported; 1 invented command; 1 invented path; 1 contradicted; 1 uncited")
    assert [c.status for c in llm_result.blocking] == [Status.INVENTED, Status.INVENTED, Status.CONTRADICTED]
    assert [c.category for c in llm_result.blocking] == ["command", "path", ""]
    assert check("", {}).summary() == "No claims to check."


def test_confirming_a_blocking_claim_by_its_key_resolves_it(llm_result):
    first, *rest = llm_result.blocking
    assert llm_result.unresolved() == llm_result.blocking
    assert llm_result.unresolved([first.claim.key]) == rest
    edited = check(LLM_DRAFT.replace("Ask the on-call DBA", "Ask the DBA on call"), {1: VACUUM, 2: HBA})
    assert [c.claim.key for c in edited.blocking] == [c.claim.key for c in llm_result.blocking]


def test_json_round_trip(llm_result):
    text = llm_result.to_json()
    data = json.loads(text)
    assert data["summary"] == llm_result.summary() and data["checker"] == llm_result.checker
    assert data["claims"][3]["invented"][0]["text"] == "--force-all"
    assert data["claims"][6]["status"] == "contradicted" and data["claims"][6]["passage"] == 1
    again = Grounding.from_json(text)
    assert again == llm_result
    assert again.summary() == llm_result.summary()
    assert again.blocking == llm_result.blocking


def test_code_is_checked_word_by_word_and_neighbouring_words_together():
    passage = "Delete it in staging only:\n\n```sh\nkubectl -n staging delete pod web-1\n```\n\nprod is separate."
    same = check("```sh\nkubectl  -n staging delete pod web-1\n```\n\n[1]", {1: passage})
    assert [c.status for c in same.claims] == [Status.SUPPORTED]
    wrong_target = check("```sh\nkubectl -n prod delete pod web-1\n```\n\n[1]", {1: passage})
    (claim,) = wrong_target.claims
    assert claim.status == Status.INVENTED
    assert [t.text for t in claim.invented] == ["-n prod delete"]


@pytest.mark.parametrize(("claim", "invented", "status"), [
    ("Keep the sessions for 2 weeks [1].", [], None),
    ("The TTL is 60s [1].", [], None),
    # Another value of something the source gives one for contradicts it (round 46's convention, lexical-18).
    ("The TTL is 90 seconds [1].", [], Status.CONTRADICTED),
    ("It runs on PostgreSQL 16.1 [1].", [], Status.CONTRADICTED),
    ("It runs on PostgreSQL 15 [1].", [], None),
    ("Allow 10.20.0.0/16 on port 5432 [1].", [], None),
    ("Allow 10.0.0.0/8 on port 5432 [1].", ["10.0.0.0/8"], Status.INVENTED),
    ("Set `statement_timeout` for the role [1].", [], None),
    ("Set `lock_timeout` for the role [1].", ["lock_timeout"], Status.INVENTED),
])
def test_numbers_versions_addresses_and_identifiers_must_appear_in_the_source(claim, invented, status):
    passage = ("Keep the sessions for two weeks; the TTL is 60 seconds on PostgreSQL 15.4. Allow 10.20.0.0/16 on "
               "port 5432. Set `statement_timeout` for the role, not globally.")
    (checked,) = check(claim, {1: passage}).claims
    assert [token.text for token in checked.invented] == invented
    # None: neither blocks (supported, or weak where the words differ)
    assert checked.status == status if status else checked.status not in (Status.INVENTED, Status.CONTRADICTED), (
        checked.reason)


def test_the_digits_of_a_name_are_no_number():
    passage = "Pin `actions/cache@v4` and key it on the lockfile; the build went from 14m to 6m."
    (checked,) = check("With the lockfile key the build takes 4m [1].", {1: passage}).claims
    assert [token.text for token in checked.invented] == ["4m"]
    (checked,) = check("With the lockfile key the build takes 6m [1].", {1: passage}).claims
    assert checked.status != Status.INVENTED


def _statuses(claim, passage):
    """The statuses of a one-sentence claim's checks against one passage, its inline commands left out."""
    return {c.status for c in check(claim, {1: passage}).claims if c.kind != ClaimKind.COMMAND}


GATEWAY = ("The 502s come from the gateway's idle limit closing pooled connections. Either turn keepalives on in "
           "the client library, or lower `idle_timeout` for the upstream so the gateway closes first.")


@pytest.mark.parametrize(("passage", "claim", "status"), [
    ("Never commit the `.env` file.", "Always commit the `.env` file [1].", Status.CONTRADICTED),
    ("It is not safe to run migrations during a deploy.", "It is safe to run migrations during a deploy [1].",
     Status.CONTRADICTED),
    ("Running migrations during a deploy is unsafe.", "It is not safe to run migrations during a deploy [1].",
     Status.SUPPORTED),
    ("Disable the query cache on the replicas.", "Enable the query cache on the replicas [1].", Status.CONTRADICTED),
    ("Take a backup before the upgrade.", "Take a backup after the upgrade [1].", Status.CONTRADICTED),
    ("Install the dependencies before copying the source.", "Copy the source before installing the dependencies [1].",
     Status.CONTRADICTED),
    ("Install the dependencies before copying the source.", "Copy the source after installing the dependencies [1].",
     Status.SUPPORTED),
    ("Don't run `VACUUM FULL` on busy tables; use pg_repack instead.",
     "Use pg_repack rather than `VACUUM FULL` on busy tables [1].", Status.SUPPORTED),
    ("If the lag is more than a few seconds, don't promote the replica.",
     "If the lag is more than a few seconds, promote the replica anyway [1].", Status.CONTRADICTED),
    # An antonym on the same object, in a sentence the short claim shares little else with: a contradiction.
    (GATEWAY, "Raise `idle_timeout` for the upstream so pooled connections survive longer [1].", Status.CONTRADICTED),
    (GATEWAY, "Lower `idle_timeout` for the upstream [1].", Status.SUPPORTED),
    # Another sentence uses the claim's own word on that object: no reversal, whether that sentence is the closer one
    # (``_agrees`` weighs the antonym's stem) or no sentence is aligned (``_same_word``).
    (GATEWAY + " Teams with long polls raise `idle_timeout` for the upstream instead of touching the client.",
     "Raise `idle_timeout` for the upstream so pooled connections survive longer and clients stop failing [1].",
     Status.SUPPORTED),
    # Orders are not read this loosely: an unaligned sentence may order another step the other way round.
    ("Drain the node first. Restart the pods after the upgrade.",
     "Snapshot the volume before the upgrade so a rollback stays cheap and quick for everyone [1].", Status.WEAK),
])
def test_reversed_negations_are_contradictions_and_faithful_rewordings_are_not(passage, claim, status):
    assert _statuses(claim, passage) == {status}


ROTATION = ("A leaked deploy key has to be dealt with in this order:\n\n1. Revoke the key in the provider's console.\n"
            "2. Search the audit log for anything the key did since the push.\n3. Purge the file from the history "
            "with `git filter-repo`.\n\nAfter editing the unit, run `systemctl daemon-reload` before "
            "`systemctl restart`. Warm the cache (hit `/warmup` once) before switching traffic.")
PROBES = ("If the service boots slowly, add a `startupProbe` rather than inflating `initialDelaySeconds`. Use an "
          "SSH agent sparingly, or better, `ProxyJump`. Label by the route template, not the raw path.")


@pytest.mark.parametrize(("passage", "claim", "status"), [
    # The order of two steps, stated in a numbered list, with "before", "then", "first", "once" or "afterwards".
    (ROTATION, "Purge the file from the history first, and then revoke the key [1].", Status.CONTRADICTED),
    (ROTATION, "Revoke the key first, then purge the file from the history [1].", Status.SUPPORTED),
    (ROTATION, "Purge the file from the history, and revoke the key once that is done [1].", Status.CONTRADICTED),
    (ROTATION, "Search the audit log only after the file is purged from the history [1].", Status.CONTRADICTED),
    (ROTATION, "Run `systemctl restart` first and then `systemctl daemon-reload` [1].", Status.CONTRADICTED),
    (ROTATION, "Run `systemctl daemon-reload`, then `systemctl restart` [1].", Status.SUPPORTED),
    (ROTATION, "Switch traffic and warm the cache afterwards [1].", Status.CONTRADICTED),
    (ROTATION, "Before switching traffic, warm the cache [1].", Status.SUPPORTED),
    # A condition's "then" orders nothing.
    (ROTATION, "If the key leaked, then revoke the key in the provider's console [1].", Status.SUPPORTED),
    # A choice between two things, swapped.
    (PROBES, "For slow services, raise `initialDelaySeconds` rather than adding a `startupProbe` [1].",
     Status.CONTRADICTED),
    (PROBES, "Instead of inflating `initialDelaySeconds`, add a `startupProbe` [1].", Status.SUPPORTED),
    (PROBES, "An SSH agent is preferable to `ProxyJump` [1].", Status.CONTRADICTED),
    (PROBES, "Prefer `ProxyJump` over the SSH agent [1].", Status.SUPPORTED),
    (PROBES, "Label by the raw path, not the route template [1].", Status.CONTRADICTED),
])
def test_a_swapped_order_of_steps_or_a_swapped_choice_is_a_contradiction(passage, claim, status):
    assert _statuses(claim, passage) == {status}


RESTORE = ("To load one table from the nightly dump into staging, use `pg_restore --data-only`. Empty the table first, "
           "or the restore stops on duplicate keys. The deploy job is manual and only unlocks after the smoke job "
           "passes. Then `systemctl daemon-reload && systemctl restart exporter`. Never squash the release branches; "
           "merge them instead.")


@pytest.mark.parametrize(("claim", "status"), [
    # "X first" with nothing after it in its sentence: before what the sentence before it is about.
    ("Run the `pg_restore --data-only` restore first and empty the table afterwards [1].", Status.CONTRADICTED),
    ("Empty the table before the `pg_restore --data-only` restore [1].", Status.SUPPORTED),
    # A "before"/"after" reads its whole main clause, commas and "and" included.
    ("Run the deploy job first and then the smoke job [1].", Status.CONTRADICTED),
    # Commands chained in code run in their order.
    ("Run `systemctl restart exporter` first, then `systemctl daemon-reload` [1].", Status.CONTRADICTED),
    # "Never A; B instead": B is chosen over A.
    ("Squash the release branches instead of merging them [1].", Status.CONTRADICTED),
    ("Merge the release branches rather than squashing them [1].", Status.SUPPORTED),
])
def test_orders_and_choices_stated_across_a_passage_are_read(claim, status):
    assert _statuses(claim, RESTORE) == {status}


SLOW_LOG = ("Turn the slow query log on without a restart:\n\n```sql\nSET GLOBAL slow_query_log = 'ON';\n"
            "SET GLOBAL long_query_time = 1;\n```\n\nPut the same lines in `my.cnf` or they are gone after a restart.")
SLOW_LOG_CODE = "```sql\nSET GLOBAL slow_query_log = 'ON';\nSET GLOBAL long_query_time = 1;\n```"


@pytest.mark.parametrize(("lead_in", "status"), [
    ("You can enable it on the live server [1]:", Status.SUPPORTED),
    ("Switch it on for the running instance [1]:", Status.SUPPORTED),
    # A condition, a negation or a limit of its own is a claim a reviewer must weigh: graded on its words.
    ("Only on the read replicas, turn the slow log on [1]:", Status.WEAK),
    ("When traffic peaks, turn the slow log on [1]:", Status.WEAK),
    ("Never turn the slow log on for the primary [1]:", Status.CONTRADICTED),
    # So is one adding what the passage never mentions, or one too long to be only a lead-in.
    ("Log the slow statements of the primary database server [1]:", Status.WEAK),
    ("You can enable it on the live server and it costs nothing at all on busy hosts with many users [1]:",
     Status.WEAK),
])
def test_a_short_lead_in_rests_on_the_code_block_it_introduces(lead_in, status):
    lead, code = check(f"{lead_in}\n\n{SLOW_LOG_CODE}", {1: SLOW_LOG}).claims
    assert code.status == Status.SUPPORTED and code.kind == ClaimKind.CODE_BLOCK
    assert lead.status == status, lead.reason
    if status == Status.SUPPORTED:
        assert "introduces the code block" in lead.reason and lead.passage == 1 and lead.passage_span


def test_a_lead_in_to_invented_code_stays_weak_and_the_code_invented():
    lead, code = check("You can enable it on the live server [1]:\n\n```sql\nSET GLOBAL general_log = 'ON';\n```",
                       {1: SLOW_LOG}).claims
    assert (lead.status, code.status) == (Status.WEAK, Status.INVENTED)


def test_an_uncited_claim_with_something_no_source_has_is_invented():
    (claim,) = check("To start over:\n\n```sh\nrm -rf /var/lib/postgresql\n```\n", {1: VACUUM}).claims
    assert claim.status == Status.INVENTED and claim.citations == ()
    assert claim.reason.startswith("no citation applies to it, and")
    assert claim.blocking


def test_a_citation_to_a_missing_passage_leaves_the_claim_uncited():
    (claim,) = check("pg_repack rebuilds the table online [4].", {1: VACUUM}).claims
    assert claim.status == Status.UNCITED
    assert claim.reason.startswith("cites [4], which is not among the sources")
    assert claim.passage == 1  # the closest source, as a hint


def test_the_semantic_hook_may_raise_a_weak_score_but_never_clears_an_invented_claim():
    draft = "Batch jobs tolerate longer statements [1].\n\nRun `pg_repack --jobs 8` [1]."
    passage = "Set `statement_timeout` per role rather than globally, so reporting queries can run longer."
    plain = check(draft, {1: passage})
    assert [c.status for c in plain.claims] == [Status.WEAK, Status.INVENTED]

    calls = []

    def embed(texts):
        calls.append(list(texts))
        return [[1.0, 0.0] for _ in texts]  # everything identical: cosine 1

    boosted = check(draft, {1: passage}, embed=embed, semantic_weight=0.9)
    assert len(calls) == 1 and calls[0][0] == "Batch jobs tolerate longer statements."
    assert [c.status for c in boosted.claims] == [Status.SUPPORTED, Status.INVENTED]
    assert boosted.claims[0].score > plain.claims[0].score
    assert "semantic" in boosted.claims[0].reason


def test_the_check_is_deterministic():
    assert check(LLM_DRAFT, {1: VACUUM, 2: HBA}) == check(LLM_DRAFT, {2: HBA, 1: VACUUM})


# Round 16 (lexical-4): names, values said of the wrong thing, and two subjects' attributes swapped, each in words of
# its own here (the rules came from blind set 6's misses).
SCANNING = ("Images are scanned in CI before they reach `registry.internal`; the job fails on any critical CVE. "
            "Old tags are garbage-collected every night, and the report goes to #platform-builds.")


@pytest.mark.parametrize(("claim", "invented"), [
    ("Images are scanned with Grype before they reach `registry.internal` [1].", "Grype"),
    ("Old tags are garbage-collected every Saturday [1].", "Saturday"),
    ("The scan report goes to #sec-builds [1].", "#sec-builds"),
])
def test_a_name_day_or_channel_the_passage_never_mentions_is_invented(claim, invented):
    (checked,) = check(claim, {1: SCANNING}).claims
    assert checked.status == Status.INVENTED
    assert [token.text for token in checked.invented] == [invented]


@pytest.mark.parametrize("claim", [
    "Images get scanned in CI before they reach `registry.internal` [1].",
    "Every night, old tags are garbage-collected [1].",  # a capital opening the sentence names nothing
    "Images with a critical CVE fail the CI job [1].",  # "CVE" and "CI" are in the passage
    "The report goes to #platform-builds [1].",
])
def test_names_and_channels_the_passage_holds_are_not_invented(claim):
    (checked,) = check(claim, {1: SCANNING}).claims
    assert checked.status != Status.INVENTED, checked.reason


CACHES = ("The session cache is capped at 8 GB and evicts the least recently used keys; the feature-flag instance is "
          "capped at 2 GB and never evicts. Admin sessions last 1 hour; read-only sessions last 8 hours.")


@pytest.mark.parametrize(("claim", "status"), [
    ("The feature-flag instance is capped at 8 GB [1].", Status.CONTRADICTED),
    ("Read-only sessions last 1 hour [1].", Status.CONTRADICTED),
    ("The feature-flag instance is capped at 2 GB [1].", Status.SUPPORTED),
    ("Sessions of admins last 1 hour [1].", Status.SUPPORTED),
])
def test_a_value_the_passage_gives_for_something_else_contradicts(claim, status):
    assert _statuses(claim, CACHES) == {status}


APPROVALS = ("Read-only roles are approved automatically. Write roles need approval from your team's on-call, and "
             "prod roles from the security lead.")


@pytest.mark.parametrize(("claim", "status"), [
    ("Write roles are approved automatically, while read-only roles need approval from your team's on-call [1].",
     Status.CONTRADICTED),
    ("Read-only roles are approved automatically, while write roles need approval from your team's on-call [1].",
     Status.SUPPORTED),
])
def test_two_subjects_attributes_swapped_contradict(claim, status):
    assert _statuses(claim, APPROVALS) == {status}


def test_a_word_moved_between_clauses_of_unrelated_sayings_is_no_swap():
    passage = "Pods read the value as an environment variable, so they only see a new password after a restart."
    claim = "Pods read the password as an environment variable, so they only see a new value after a restart [1]."
    assert Status.CONTRADICTED not in _statuses(claim, passage)


def test_hourly_and_daily_read_as_every_hour_and_once_a_day():
    passage = "Production databases are snapshotted every hour. Staging is only snapshotted daily."
    swapped = "Staging databases get hourly snapshots, whereas production is snapshotted once a day [1]."
    assert _statuses(swapped, passage) == {Status.CONTRADICTED}
    assert Status.CONTRADICTED not in _statuses("Production databases get hourly snapshots [1].", passage)


def test_a_heading_is_a_claim_and_a_tables_labels_are_not():
    """Round 41: readers see a heading, so it is checked like a sentence; a header row's labels are no claim, what
    they hold to check (a command, a path, a number) is."""
    source = {1: "Set retry_backoff=True so the countdown doubles between retries."}
    draft = ("## Disable TLS verification on the broker\n\nSet retry_backoff=True so the countdown doubles [1].\n\n"
             "| Setting | Value |\n|---|---|\n| retry_backoff | True [1] |\n\n"
             "| Wait `900` seconds | Then |\n|---|---|\n| retry | now [1] |\n\n"
             "| Step | Disable TLS verification on the broker first |\n|---|---|\n| retry | now [1] |")
    claims = {c.text: c for c in check(draft, source).claims}
    assert claims["Disable TLS verification on the broker"].status == Status.UNCITED
    assert not any("Setting" in text for text in claims)
    (labels,) = [c for text, c in claims.items() if "Wait" in text]
    assert labels.status == Status.INVENTED and "900" in labels.reason
    assert any("Disable TLS verification on the broker first" in text for text in claims)  # a sentence, not a label


# Round 41: every sentence a reader sees is some claim's. Hypothesis puts a sentence no source holds (or a command) in
# one or two of the constructs below, inside a draft the app wrote no attribution for; wherever a reader sees it, the
# check reads it (before: headings, a table's header row and any line shaped like an attribution were read by none).
_CONSTRUCTS = [
    "{}", "## {}", "# {}", "{}\n---", "{}\n===", "> {}", "- {}", "1. {}", "   - {}", "| a | {} |\n|---|---|\n| x | y |",
    "| x | y |\n|---|---|\n| a | {} |", "**{}**", "*{}*", "_{}_", "[{}](https://wiki.corp/a)", "`{}`", "<kbd>{}</kbd>",
    "{} [1]", "> - {}", "> > {}", "- a\n\n  {}", "1) {}", "+ {}", "Term\n: {}", "{}  \nx", "x  \n{}", "<!-- {} -->",
    "![{}](https://wiki.corp/i.png)", "[x]: https://wiki.corp/a '{}'", "    {}", "~~{}~~", "{}\\\nnext", "* * *\n{}",
    "Note: {}", "— {}, reply in [t](/t/1/) [1]", "— {} [1]", "[1] {}",
]


@hypothesis_settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.sampled_from(_CONSTRUCTS), st.sampled_from(_CONSTRUCTS), st.booleans(),
       st.sampled_from(["run zorblax purge on every broker", "Run `zorblax --purge-all` now"]))
def test_every_sentence_a_reader_sees_is_read_by_the_check(outer, inner, nested, sentence):
    lead = "Set retry_backoff=True on the task so the countdown doubles between retries [1]."
    draft = machine_text(f"{lead}\n\n{outer.format(inner.format(sentence)) if nested else inner.format(sentence)}\n")
    if "zorblax" not in html.unescape(re.sub(r"<[^>]+>", "", render_markdown(draft))):
        return  # shown to no reader (a comment, a definition): nothing to check
    claims = check(draft, {1: "Set retry_backoff=True on the task so the countdown doubles between retries."},
                   attributions=[]).claims
    assert any("zorblax" in claim.text for claim in claims), (draft, [c.text for c in claims])


# Round 42's review: ``_FRAMING``'s patterns end open ("feel free…", "I found…", "check … before running…"), so a
# sentence that opened like framing was no claim at all, whatever followed, its invented number or quote unchecked.
# Unless the engine wrote it, such a sentence is framing only if it cites nothing, has one clause and says little.
FRAMING_SOURCE = {1: "Set retry_backoff=True on the task so the countdown doubles between retries."}
FRAMING_LEAD = "Set retry_backoff=True on the task so the countdown doubles between retries [1]."
OPENS_LIKE_FRAMING = [
    ("Feel free to disable TLS verification on every broker [1].", "disable", False),
    ("I found that the fix is to disable TLS verification on every broker [1].", "disable", False),
    ("The sources don't mention it, but disable TLS verification on every broker.", "disable", False),
    ("Nothing in the posts covers it, so purge every broker queue without a backup.", "without", False),
    ("A colleague may know more, but disable TLS verification on every broker now.", "disable", False),
    ("I hope this helps, and\ndisable TLS verification on every broker first [1].", "disable", False),
    ("Here is how we fixed it for good, give the broker pool 777 workers [1].", "777", True),
    ("I can't see it in the sources, but the team sets the pool to 777 workers [1].", "777", True),
    ("Feel free to set the broker's admin password to 'hunter2' everywhere [1].", "hunter2", True),
    ("I found 777 workers work best.", "777", True),
    ('I found "chmod 777" works.', "chmod", True),
]


@pytest.mark.parametrize(("sentence", "word", "invented"), OPENS_LIKE_FRAMING)
def test_a_sentence_opening_like_framing_is_a_claim_unless_the_engine_wrote_it(sentence, word, invented):
    draft = machine_text(f"{FRAMING_LEAD}\n\n{sentence}\n")
    at = draft.index(word, len(FRAMING_LEAD))
    covering = [c for c in check(draft, FRAMING_SOURCE, attributions=[]).claims if c.start <= at < c.end]
    assert covering, draft
    assert not invented or any(c.blocking for c in covering), [(c.text, str(c.status)) for c in covering]
    # the engine's own line, and an answer drafted before round 41 (no attributions), read as they did
    assert not [c for c in check(draft, FRAMING_SOURCE, attributions=[sentence]).claims if c.start <= at < c.end]
    assert not [c for c in check(draft, FRAMING_SOURCE).claims if c.start <= at < c.end]


@pytest.mark.parametrize("sentence", ["I hope this helps.", "Let me know if anything is unclear.",
                                      "Here is how to restart the workers:", "Good luck with the rollout!"])
def test_a_models_short_framing_is_still_no_claim(sentence):
    draft = f"{FRAMING_LEAD}\n\n{sentence}"
    assert [c.text for c in check(draft, FRAMING_SOURCE, attributions=[]).claims] == [
        FRAMING_LEAD.removesuffix(" [1].") + "."], sentence


# Round 42's review: the check read the Markdown as written, so a thing spelled with character references, backslash
# escapes or characters that show nothing was no token: the sentence was "weak" where written plainly it is invented.
SPELLED_TOKENS = [
    ("/srv/data", "Then delete &#x2F;srv&#x2F;data on the host [1]."),
    ("--force", "Then purge the broker queues with &#x2D;&#x2D;force on the host [1]."),
    ("worker_concurrency", "Then set worker&lowbar;concurrency on the host [1]."),
    ("#ops-alerts", "Then announce it in &num;ops-alerts first [1]."),
    ("Sunday", "Then restart the broker every &#x53;unday night [1]."),
    ("worker_concurrency", "Then set worker\\_concurrency on the host [1]."),
    ("retry.backoff", "Then set retry\\.backoff on the host [1]."),
    ("/srv/data", "Then delete /\u200bsrv/\u2060data on the host [1]."),
    ("--force", "Then purge the broker queues with --\u200bforce on the host [1]."),
    # A link as text (escaped, or a title machine_text turned into text): its address and title are read too.
    ("/srv/data", "Then delete \\[the cache](/srv/data) on every host [1]."),
    ("/srv/data", "Then delete [the cache\\](/srv/data) on every host [1]."),
    ("/srv/data", "Then delete &#x2F;srv&#0000047;data on the host [1]."),
    ("777", 'Then see [the notes](/t/1/ "and run chmod 777 /srv/data afterwards") [1].'),
]


@pytest.mark.parametrize(("token", "sentence"), SPELLED_TOKENS)
def test_a_token_a_reader_sees_is_checked_however_it_is_spelled(token, sentence):
    draft = machine_text(f"{FRAMING_LEAD}\n\n{sentence}\n")
    shown = html.unescape(re.sub(r"<[^>]+>", "", render_markdown(draft))).replace("\u200b", "").replace("\u2060", "")
    assert token in shown, shown
    claims = check(draft, FRAMING_SOURCE, attributions=[]).claims
    assert any(c.blocking for c in claims), [(c.text, str(c.status)) for c in claims]


@pytest.mark.parametrize("quoted", ["Set `worker\\_concurrency` to 4.", "Use `a &amp;&amp; b` here.",
                                    "Run:\n\n```\ngrep -E 'api\\.corp\\.internal' /var/log/app.log\n```"])
def test_code_quoted_as_its_source_wrote_it_is_supported(quoted):
    """Code shows escapes and references as written: the source is read as written there (round 42's review of the
    first version, which resolved them in the whole passage and found copied code nowhere)."""
    claims = check(quoted.replace("4.", "4 [1].").replace("here.", "here [1]."), {1: quoted}, attributions=[]).claims
    assert claims and not any(c.blocking for c in claims), [(c.text, str(c.status)) for c in claims]


def test_a_token_ending_in_a_reference_spans_the_reference():
    claims = check(f"{FRAMING_LEAD}\n\nThen delete /srv/data&#47; now [1].", FRAMING_SOURCE, attributions=[]).claims
    [token] = [t for c in claims for t in c.invented]
    assert token.text == "/srv/data/" and token.end == token.start + len("/srv/data&#47;")


# --- Round 43: what a source forbids, restated as a step (class A), and more antonym pairs (class C) ------------------

DOCKER = ("Clean up old images with `docker image prune --filter until=168h`. Never use `docker system prune -a "
          "--volumes` on the build hosts; it deletes the cache volumes.")
FSYNC = "Don't set `fsync = off` in production, even temporarily. It risks corruption after a crash."
BROKER_TLS = ("Never disable certificate verification on the broker clients; set `ssl_verify = true`. Do not set "
              "`ssl_verify = false`, even in staging.")


def statuses(draft: str, source: str) -> dict[str, Status]:
    return {c.text: c.status for c in check(draft, {1: source}, attributions=[]).claims}


@pytest.mark.parametrize(("source", "draft", "claim"), [
    (DOCKER, "To free space on the build hosts [1]:\n\n```\ndocker system prune -a --volumes\n```\n",
     "docker system prune -a --volumes"),
    ("Don't run `chmod -R 777 /srv/data`; give the group write access instead.",
     "Fix the permissions [1]:\n\n```sh\n$ chmod -R 777 /srv/data\n```\n", "$ chmod -R 777 /srv/data"),
    ("Do not use `kubectl delete namespace payments` to reset the environment; it drops the secrets too.",
     "Reset the environment [1]:\n\n```\nkubectl  delete namespace   payments\n```\n",
     "kubectl  delete namespace   payments"),
    ("Running `redis-cli FLUSHALL` on the shared instance is dangerous.",
     "Clear the cache [1]:\n\n```\nredis-cli FLUSHALL\n```\n", "redis-cli FLUSHALL"),
    ("You should never run `terraform apply -auto-approve` against prod.",
     "Then run `terraform apply -auto-approve` [1].", "terraform apply -auto-approve"),
    ("Avoid `git push --force` on the shared branches.", "Publish it with `git push --force` [1].", "git push --force"),
    (FSYNC, "For faster bulk loads in production [1]:\n\n```ini\nfsync = off\n```\n", "fsync = off"),
    (FSYNC, "| Setting | Value |\n|---|---|\n| fsync | off [1] |\n", "| fsync | off |"),
    (BROKER_TLS, "| Setting | Value |\n|---|---|\n| `ssl_verify` | `false` [1] |\n", "| `ssl_verify` | `false` |"),
    (BROKER_TLS, "Broker client settings [1]:\n\n- ssl_verify: false\n", "ssl_verify: false"),
    (BROKER_TLS, "The broker clients need `ssl_verify = false` [1].", "ssl_verify = false"),
    ("Grant analysts the `reporting_ro` role. Never grant them `db_owner`.",
     "Analysts should get the `db_owner` role [1].", "Analysts should get the `db_owner` role."),
])
def test_a_step_holding_what_the_source_only_forbids_is_contradicted(source, draft, claim):
    result = statuses(draft, source)
    assert result[claim] == Status.CONTRADICTED, result
    checked = next(c for c in check(draft, {1: source}, attributions=[]).claims if c.text == claim)
    assert "forbids" in checked.reason or "reverses" in checked.reason


@pytest.mark.parametrize(("source", "draft"), [
    # the source also recommends it
    ("Don't run `VACUUM FULL orders` on the primary; run `VACUUM FULL orders` on the replica at night.",
     "On the replica, at night [1]:\n\n```sql\nVACUUM FULL orders\n```\n"),
    ("Never run `git push --force` on main. On your own feature branch, `git push --force` is fine.",
     "Update your feature branch [1]:\n\n```\ngit push --force\n```\n"),
    ("Never run this on the primary:\n\n```\npg_repack -t orders\n```\n\nOn a replica it is fine.",
     "Rebuild the table [1]:\n\n```\npg_repack -t orders\n```\n"),
    # a plain quote of a recommended command, next to a forbidden one
    (DOCKER, "Clean up old images [1]:\n\n```\ndocker image prune --filter until=168h\n```\n"),
    (BROKER_TLS, "| Setting | Value |\n|---|---|\n| `ssl_verify` | `true` [1] |\n"),
    (BROKER_TLS, "Set `ssl_verify = true` on the broker clients [1]."),
    # the draft warns against it, or only mentions it
    (DOCKER, "Never run this on the build hosts [1]:\n\n```\ndocker system prune -a --volumes\n```\n"),
    (DOCKER, "Don't run `docker system prune -a --volumes` on the build hosts [1]."),
    (DOCKER, "If you run `docker system prune -a --volumes`, the cache volumes are deleted [1]."),
    ("Never grant them `db_owner`; grant `reporting_ro`.", "Analysts get `reporting_ro`, not `db_owner` [1]."),
    # no prohibition: a condition, a permission, a description
    ("Never run `pg_repack -t orders` while a backup is running.",
     "Rebuild the table [1]:\n\n```\npg_repack -t orders\n```\n"),
    ("You don't need to run `vacuumdb --all --analyze` after the upgrade; the job does it.",
     "The job runs [1]:\n\n```\nvacuumdb --all --analyze\n```\n"),
    ("The deploy script does not run `manage.py migrate`; run it yourself after the deploy.",
     "After the deploy, run [1]:\n\n```\nmanage.py migrate\n```\n"),
    ("The deploy job can't see `$PROD_DEPLOY_KEY` from an unprotected branch.",
     "Run the deploy from `main` so it can read `$PROD_DEPLOY_KEY` [1]."),
])
def test_a_literal_the_source_recommends_or_the_draft_does_not_ask_for_is_not_contradicted(source, draft):
    result = statuses(draft, source)
    assert Status.CONTRADICTED not in result.values(), result


@pytest.mark.parametrize(("source", "draft"), [
    ("Grant the reporting role read access to the sales schema.",
     "Revoke the reporting role's read access to the sales schema [1]."),
    ("Close port 5432 on the public interface.", "Open port 5432 on the public interface [1]."),
    ("Remove the CI runner's address from the allowlist.", "Add the CI runner's address to the allowlist [1]."),
    ("Exclude the uploads directory from the backup.", "Include the uploads directory in the backup [1]."),
    ("Restrict inbound traffic to the VPN range.", "Restrict outbound traffic to the VPN range [1]."),
    ("Allow egress traffic only from the proxy subnet.", "Allow ingress traffic only from the proxy subnet [1]."),
    ("TLS is required for every broker connection.", "TLS is optional for broker connections [1]."),
    ("Mount the volume read-only on the reporting hosts.", "Mount the volume read-write on the reporting hosts [1]."),
    ("Unlock the state file once the apply finishes.", "Lock the state file once the apply finishes [1]."),
    ("Point the client at the internal registry mirror.", "Point the client at the external registry mirror [1]."),
    ("Stop the worker before you change the queue settings.",
     "Start the worker before you change the queue settings [1]."),
])
def test_round_43_antonym_pairs_on_the_same_object_contradict(source, draft):
    assert set(statuses(draft, source).values()) == {Status.CONTRADICTED}


@pytest.mark.parametrize(("source", "draft"), [
    ("Stop the worker, change the queue settings, then start the worker again.",
     "Start the worker again once the queue settings are changed [1]."),
    # both words of a pair in the claim
    ("Renaming a field is not allowed. Add a new field, dual-write for one release, then drop the old one.",
     "To rename a field, add a new one, write to both for one release, and only then remove the old field [1]."),
    ("Our internal load balancers close idle connections after 60 seconds.",
     "Hold connections open longer than 60 seconds so the internal load balancer closes them [1]."),
    # the word under a condition
    ("Deleting more files won't help until the handle is closed.",
     "Deleting files gives no space back until the process releases the open handle [1]."),
    ("Grant the reporting role read access to the sales schema.",
     "Grant read access on the sales schema to the reporting role [1]."),
    ("Close port 5432 on the public interface.", "Port 5432 must be closed on the public interface [1]."),
    ("TLS is required for every broker connection; client certificates are optional.",
     "Client certificates are optional, but TLS is required for every broker connection [1]."),
])
def test_round_43_antonym_pairs_leave_faithful_rewordings_alone(source, draft):
    assert Status.CONTRADICTED not in statuses(draft, source).values()


@pytest.mark.parametrize(("claim", "source", "blocking"), [
    ("Run the cleanup job every 15 MB [1].", "Run the cleanup job every 15 minutes.", True),
    ("Cap the upload at 50 minutes [1].", "Cap the upload at 50 MB in the proxy.", True),
    ("Cap the upload at 50MB [1].", "Cap the upload at 50 MB in the proxy.", False),
    ("Run the cleanup job every 15 min [1].", "Run the cleanup job every 15 minutes.", False),
    ("Set the upload limit to 10 MB [1].", "Set client_max_body_size 10m in the nginx server block.", False),
    ("Set the proxy timeout to 10 minutes [1].", "Set proxy_read_timeout 10m in the nginx location.", False),
])
def test_minutes_and_megabytes_are_different_units(claim, source, blocking):
    """Round 43's review: minutes and mebibytes were one unit family, so "every 15 MB" passed for "every 15 minutes".
    A bare "m" (nginx's "10m", a size or a time) is still read as either."""
    (checked,) = check(claim, {1: source}).claims
    assert (checked.status in (Status.INVENTED, Status.CONTRADICTED)) is blocking, checked.status


# Round 44 (class B of round 43's review): prohibitions the negation reader did not see, so that the very thing a source
# forbids was "supported".
UNREAD_PROHIBITIONS = [
    # a comma cuts the negation off its verb
    ("Never, ever expose the admin port to the internet.", "Expose the admin port to the internet [1]."),
    ("Never, ever run migrations against the primary during business hours.",
     "Run migrations against the primary during business hours [1]."),
    ("Do not, even for a quick test, disable TLS verification on the broker clients.",
     "Disable TLS verification on the broker clients [1]."),
    ("Root credentials must not, under any circumstances, be committed to the repository.",
     "Commit the root credentials to the repository [1]."),
    ("Restarting the primary during the nightly backup? Don't.", "Restart the primary during the nightly backup [1]."),
    ("Force-pushing to main? Never.", "Force-push to main [1]."),
    # the judgement word heads the clause
    ("It isn't safe to delete the WAL archive while a replica is catching up.",
     "Delete the WAL archive while a replica is catching up [1]."),
    ("It is not a good idea to store session tokens in local storage.", "Store session tokens in local storage [1]."),
    ("It's a bad idea to share the deploy key between projects.", "Share the deploy key between projects [1]."),
    # no cue word the reader knew
    ("Under no circumstances should you rotate the signing key without telling the mobile team.",
     "Rotate the signing key without telling the mobile team [1]."),
    ("At no time should anyone copy production data to a laptop.", "Copy production data to a laptop [1]."),
    ("Please refrain from pinging the on-call engineer for staging issues.",
     "Ping the on-call engineer for staging issues [1]."),
    ("Nobody should run ad-hoc queries on the billing replica.", "Run ad-hoc queries on the billing replica [1]."),
    ("Mounting the Docker socket into build containers should be avoided.",
     "Mount the Docker socket into build containers [1]."),
    ("Caching build outputs between jobs is best avoided.", "Cache build outputs between jobs [1]."),
    ("Granting analysts write access to the warehouse is a mistake.",
     "Grant analysts write access to the warehouse [1]."),
    ("It is a common mistake to schedule the vacuum during the batch load.",
     "Schedule the vacuum during the batch load [1]."),
    ("We stopped storing secrets in environment files last year.", "Store secrets in environment files [1]."),
    ("Please stop pushing images tagged latest to the registry.", "Push images tagged latest to the registry [1]."),
]


@pytest.mark.parametrize(("source", "draft"), UNREAD_PROHIBITIONS)
def test_a_prohibition_worded_another_way_is_read(source, draft):
    assert set(statuses(draft, source).values()) == {Status.CONTRADICTED}


@pytest.mark.parametrize(("source", "draft"), [
    # permissions
    ("There is no need to avoid exposing the metrics port to the internal network.",
     "Expose the metrics port to the internal network [1]."),
    ("You don't need to refrain from restarting the worker during the day.", "Restart the worker during the day [1]."),
    # the prohibition restated as a description, or paraphrased faithfully
    ("Never, ever expose the admin port to the internet.", "The admin port is never exposed to the internet [1]."),
    ("We stopped exposing the admin port to the internet after the breach.",
     "The admin port has not been exposed to the internet since the breach [1]."),
    ("Exposing the admin port to the internet should be avoided.",
     "The admin port should not be exposed to the internet [1]."),
    ("Do not, even briefly, expose the admin port to the internet.", "Keep the admin port closed to the internet [1]."),
    ("The admin port must not, under any circumstances, be exposed to the internet.",
     "Keep the admin port closed to the internet [1]."),
    ("It's not safe to expose the admin port to the internet.", "Keep the admin port closed to the internet [1]."),
    ("Under no circumstances expose the admin port to the internet.",
     "Keep the admin port closed to the internet [1]."),
    # a sentence forbidding something else
    ("Expose the admin port only on the VPN. Do not, under any circumstances, share the admin password over chat.",
     "Expose the admin port on the VPN [1]."),
    ("Exposing the admin port on the VPN? Sure. Exposing it to the internet? Don't.",
     "Expose the admin port on the VPN [1]."),
    # no prohibition at all: a comma after an answer, a stopped worker, "running" describing the containers
    ("No, the worker restarts on its own after a deploy.", "The worker restarts on its own after a deploy [1]."),
    ("Stop the worker, then expose the admin port on the VPN.",
     "Expose the admin port on the VPN after stopping the worker [1]."),
    ("Stop running containers before upgrading the Docker engine.",
     "Stop the running containers before upgrading the Docker engine [1]."),
    ("If you can't, for whatever reason, reach the VPN, expose the admin port on the bastion.",
     "Expose the admin port on the bastion if the VPN is unreachable [1]."),
])
def test_a_permission_a_faithful_rewording_or_another_prohibition_is_not_contradicted(source, draft):
    assert set(statuses(draft, source).values()) == {Status.SUPPORTED}


# Round 43 (lexical-8): the code-step rule reads the prohibitions lexical-7 taught the prose reader, and a prohibition
# headed by a generic verb ("Never run `pg_dump` against the primary") forbids its object and target too.
PRUNE = "docker system prune -a --volumes"
PRUNE_STEP = f"To free space on the build hosts [1]:\n\n```\n{PRUNE}\n```\n"


@pytest.mark.parametrize("source", [
    f"Never, ever use `{PRUNE}` on the build hosts.",
    f"Do not, under any circumstances, run `{PRUNE}` on the build hosts.",
    f"Under no circumstances run `{PRUNE}` on the build hosts.",
    f"Refrain from running `{PRUNE}` on the build hosts.",
    f"`{PRUNE}` should be avoided on the build hosts.",
    f"Running `{PRUNE}` on the build hosts should be avoided.",
    f"Nobody should run `{PRUNE}` on the build hosts.",
    f"It is a bad idea to run `{PRUNE}` on the build hosts.",
    f"Running `{PRUNE}` on the build hosts is a mistake.",
    f"Run `{PRUNE}` on the build hosts? Don't.",
    f"We stopped running `{PRUNE}` on the build hosts.",
])
def test_a_code_step_against_a_prohibition_worded_another_way_is_contradicted(source):
    assert statuses(PRUNE_STEP, source)[PRUNE] == Status.CONTRADICTED


@pytest.mark.parametrize("source", [
    # the command recommended after the prohibition, or a prohibition of not running it (a double negation)
    f"Never, ever forget: run `{PRUNE}` on the build hosts weekly.",
    f"Under no circumstances skip the cleanup: run `{PRUNE}` on the build hosts.",
    f"Do not, under any circumstances, skip `{PRUNE}` on the build hosts.",
    f"Never skip `{PRUNE}` on the build hosts.",
    f"Refrain from running anything else; `{PRUNE}` is the cleanup on the build hosts.",
    f"It is not a bad idea to run `{PRUNE}` on the build hosts.",
    f"Run `{PRUNE}` on the build hosts? Yes, weekly.",
    f"Nobody should worry about running `{PRUNE}` on the build hosts.",
    # a condition
    f"Nobody should run `{PRUNE}` on the build hosts during a build.",
    f"If the disk is full, never, ever run `{PRUNE}` on the build hosts.",
    f"We stopped running `{PRUNE}` on the build hosts until the cache moved.",
])
def test_a_code_step_the_source_allows_or_forbids_only_conditionally_is_not_contradicted(source):
    assert statuses(PRUNE_STEP, source)[PRUNE] == Status.SUPPORTED


def test_a_code_step_the_draft_warns_against_is_not_contradicted():
    draft = f"Never, ever run this on the build hosts [1]:\n\n```\n{PRUNE}\n```\n"
    assert Status.CONTRADICTED not in statuses(draft, f"Under no circumstances run `{PRUNE}` on the build hosts.")


PG_DUMP = "Take the nightly `pg_dump` from the replica at 02:00. Never run `pg_dump` against the primary."


@pytest.mark.parametrize(("source", "draft"), [
    (PG_DUMP, "Take the nightly `pg_dump` from the primary at 02:00 [1]."),
    ("Back up the volumes from the standby host. Never run the backup job on the primary host.",
     "Schedule the backup job on the primary host [1]."),
])
def test_advice_on_what_a_generic_verb_forbids_is_contradicted_whatever_its_verb(source, draft):
    assert Status.CONTRADICTED in statuses(draft, source).values()


@pytest.mark.parametrize(("source", "draft"), [
    (PG_DUMP, "Take the nightly `pg_dump` from the replica at 02:00 [1]."),
    (PG_DUMP, "The primary is never used for the nightly `pg_dump` [1]."),
    ("If the replica lags, never run `pg_dump` against the primary.", "Take the `pg_dump` from the primary [1]."),
    ("Never use the admin token in CI jobs; create a scoped token instead.",
     "Create a scoped token for the CI jobs [1]."),
    ("Open port 443 only; port 8443 must stay closed.", "Open port 443 only [1]."),
    ("Open port 443 only; port 8443 must stay closed.", "Open port 443 and keep port 8443 closed [1]."),
])
def test_a_generic_verbs_prohibition_leaves_faithful_or_conditional_advice_alone(source, draft):
    assert Status.CONTRADICTED not in statuses(draft, source).values()


@pytest.mark.parametrize(("source", "draft"), [
    ("Keep at least 3 and at most 5 replicas of the API.", "Keep at least 5 replicas of the API [1]."),
    ("Set the pool to at least 20 connections.", "Set the pool to at most 20 connections [1]."),
    ("Keep fewer than 50 connections per worker.", "Keep more than 50 connections per worker [1]."),
    ("Keep no more than 8 GB in the session cache.", "Keep 8 GB or more in the session cache [1]."),
    ("Retain up to 30 days of audit logs.", "Retain a minimum of 30 days of audit logs [1]."),
    ("Use TLS 1.2 or later.", "Use TLS 1.2 or earlier [1]."),
    ("Clients need OpenSSL 3.0 or newer.", "Clients need OpenSSL 3.0 or older [1]."),
    ("The group can use at most 12 active consumers.", "The group can use more than 12 active consumers [1]."),
    ("Scale the pool from 10 to 50 connections.", "Scale the pool from 50 to 10 connections [1]."),
    # Another rate unit.
    ("The API allows 100 requests per minute per token.", "The API allows 100 requests per second per token [1]."),
    ("The API allows 100 requests per minute per token.", "The API allows 100 requests/s per token [1]."),
    ("Ship at most 10 GB of logs per day.", "Ship at most 10 GB of logs per hour [1]."),
    ("The webhook retries 5 times an hour.", "The webhook retries 5 times a minute [1]."),
])
def test_a_number_with_the_opposite_bound_or_another_rate_is_contradicted(source, draft):
    assert Status.CONTRADICTED in statuses(draft, source).values()


@pytest.mark.parametrize(("source", "draft"), [
    ("Set the pool to at least 20 connections.", "Set the pool to 20 or more connections [1]."),
    ("Keep no more than 5 replicas.", "Keep at most 5 replicas [1]."),
    ("Keep a minimum of 3 replicas.", "Keep at least 3 replicas [1]."),
    ("Use TLS 1.2 or later.", "Use TLS 1.2 or newer [1]."),
    ("The API allows 100 requests per minute per token.", "The API allows 100 req/min per token [1]."),
    ("The API allows 100 requests per minute per token.", "Each token gets 100 requests a minute [1]."),
    ("Keep at least 3 and at most 5 replicas of the API.", "Keep at most 5 replicas of the API [1]."),
    # A negated bound is the opposite one; a negation of another verb leaves it alone.
    ("The group can use at most 12 active consumers.", "The group can't make use of more than 12 consumers [1]."),
    ("A write is acknowledged once at least two replicas hold it.",
     "A write isn't acknowledged until at least two replicas hold it [1]."),
    # The same number said of something else with another bound is no contradiction of this one.
    ("Keep at least 3 replicas; retry at most 3 times.", "Keep at least 3 replicas [1]."),
    ("Scale the pool from 10 to 50 connections.", "Scale the pool from 10 to 50 connections [1]."),
])
def test_a_faithfully_restated_bound_or_rate_is_not_contradicted(source, draft):
    assert Status.CONTRADICTED not in statuses(draft, source).values()


# Round 44 (lexical-10): round 43's review's failing probes. A number whose unit the draft drops, an item slipped into a
# list of what the source allows, and an uncited step that a passage the draft was given forbids.
@pytest.mark.parametrize(("source", "draft"), [
    ("Set `statement_timeout` to 30s for the web role.", "Set `statement_timeout` to 30 [1]."),
    ("Set statement_timeout to 30s for the web role.", "Set statement_timeout to 30 for the web role [1]."),
    ("Set `idle_in_transaction_session_timeout` to 60 seconds on the primary.",
     "Set `idle_in_transaction_session_timeout` to 60 on the primary [1]."),
    ("Cap `work_mem` at 64MB for the reporting role.", "Cap `work_mem` at 64 for the reporting role [1]."),
    ("Keep the audit logs for 14 days.", "Keep the audit logs for 14 [1]."),
    ("Page the on-call when disk usage passes 85%.", "Page the on-call when disk usage passes 85 [1]."),
    ("Set the lock timeout to 5s and the statement timeout to 30s.",
     "Set the lock timeout to 5 and the statement timeout to 30 [1]."),
    ("Set `statement_timeout` to 30s for the web role.",
     "| Setting | Value |\n|---|---|\n| `statement_timeout` | 30 [1] |\n"),
    ("Raise proxy_read_timeout to 300s for the export location.", "Proxy settings [1]:\n\n- proxy_read_timeout: 300\n"),
])
def test_a_number_whose_unit_is_dropped_is_contradicted(source, draft):
    (checked,) = check(draft, {1: source}, attributions=[]).claims
    assert checked.status == Status.CONTRADICTED
    assert "without the unit [1] gives it" in checked.reason


@pytest.mark.parametrize(("source", "draft"), [
    # the unit spelled another way, joined by a hyphen, or written elsewhere in the claim
    ("Set `statement_timeout` to 30s for the web role.", "Set `statement_timeout` to 30 seconds [1]."),
    ("Set `statement_timeout` to 30 seconds for the web role.", "Set `statement_timeout` to 30s [1]."),
    ("Set `statement_timeout` to 30s for the web role.", "Set `statement_timeout` to 30 sec [1]."),
    ("Certificates are valid for 30 days.", "Certificates are valid for a 30-day period [1]."),
    ("Set `statement_timeout` to 30s for the web role.", "Set `statement_timeout` (in seconds) to 30 [1]."),
    ("Set the lock timeout to 5s and the statement timeout to 30s.",
     "Set the lock and statement timeouts to 5 and 30 seconds [1]."),
    ("Wait between 10 min and 15 min before retrying.", "Wait 10 to 15 minutes before retrying [1]."),
    # a count, a label's number, the number bare on the same subject in the source
    ("Run 3 replicas of the API; the probe times out after 3s.", "Run 3 replicas of the API [1]."),
    ("Keep 30 connections in the pool and a 30s checkout timeout.", "Keep 30 connections in the pool [1]."),
    ("The upgrade to PostgreSQL 15.4 took 15 minutes on the cluster.", "Upgrade the cluster to PostgreSQL 15 [1]."),
    ("Set the retry limit to 5 and the backoff to 5s.", "Set the retry limit to 5 [1]."),
    ("Run the backup at 02:00, it takes 0s to queue.", "Run the backup at 02:00 [1]."),
])
def test_a_unit_spelled_otherwise_a_count_or_a_labels_number_is_no_dropped_unit(source, draft):
    assert set(statuses(draft, source).values()) == {Status.SUPPORTED}


@pytest.mark.parametrize(("source", "draft", "item"), [
    ("Open port 443 on the load balancer; keep 8443 closed.", "Open ports 443 and 8443 [1].", "8443"),
    ("Open port 443 only: 8443 stays closed.", "Open ports 443 and 8443 [1].", "8443"),
    ("On the firewall, open 443 and leave 8443 closed.", "Open ports 443 and 8443 on the firewall [1].", "8443"),
    ("Open port 443 on the load balancer. Never expose 8443.", "Open ports 443 and 8443 [1].", "8443"),
    ("Open 443. Never expose 8443; do not expose it anywhere.", "Open ports 443 and 8443 [1].", "8443"),
    ("Mount `/data` into the build container; `/var/run/docker.sock` must never be mounted.",
     "Mount `/data` and `/var/run/docker.sock` into the build container [1].", "/var/run/docker.sock"),
    ("Enable `pg_stat_statements` on the primary; keep `auto_explain` disabled there.",
     "Enable `pg_stat_statements` and `auto_explain` on the primary [1].", "auto_explain"),
    ("Include `/etc` in the backup; `/var/lib/docker` is excluded.",
     "Include `/etc` and `/var/lib/docker` in the backup [1].", "/var/lib/docker"),
    ("Add the `ci` group to the allowlist; remove `admin` from it.",
     "Add the `ci` and `admin` groups to the allowlist [1].", "admin"),
    ("Remove `x_key` from the allowlist; add `y_key` to it.",
     "Remove `x_key` and `y_key` from the allowlist [1].", "y_key"),
])
def test_an_item_slipped_into_a_list_of_what_the_source_allows_is_contradicted(source, draft, item):
    (checked,) = check(draft, {1: source}, attributions=[]).claims
    assert checked.status == Status.CONTRADICTED
    assert checked.reason.startswith(f"lists `{item}` beside what [1] allows"), checked.reason


@pytest.mark.parametrize(("source", "draft", "item"), [
    ("Open port 443 on the load balancer; keep 8443 closed.", "Open ports 443 and 9443 [1].", "9443"),
    ("Add `--read-only` to the run.", "Add `--read-only` and `--cap-add=ALL` to the run [1].", "--cap-add=ALL"),
    ("Mount `/data` into the build container.", "Mount `/data` and `/srv/cache` into the build container [1].",
     "/srv/cache"),
])
def test_a_listed_item_no_cited_source_holds_is_invented(source, draft, item):
    (checked,) = check(draft, {1: source}, attributions=[]).claims
    assert checked.status == Status.INVENTED
    assert [token.text for token in checked.invented] == [item]


@pytest.mark.parametrize(("source", "draft"), [
    ("Open ports 443 and 8443 on the load balancer.", "Open ports 443 and 8443 [1]."),
    ("Open 443 for the site and 8443 for the admin UI.", "Open ports 443 and 8443 [1]."),
    ("Open ports 443 and 8443; keep 22 closed.", "Open ports 443 and 8443 [1]."),
    ("Open port 443 only; port 8443 must stay closed.", "Open port 443 and keep port 8443 closed [1]."),
    ("Keep port 22 closed on the bastion and 3306 closed everywhere.", "Keep ports 22 and 3306 closed [1]."),
    ("Apps connect on 6432 through PgBouncer, or on 5432 directly.", "Use port 5432 or 6432 [1]."),
    ("Mount `/data` and `/cache` into the build container; never mount `/var/run/docker.sock`.",
     "Mount `/data` and `/cache` into the build container [1]."),
    ("Remove `x_key` and `y_key` from the allowlist; never add them back.",
     "Remove `x_key` and `y_key` from the allowlist [1]."),
    # a denial under a condition, or taken back by a pronoun
    ("Open port 443. Keep 8443 closed until the admin UI has its certificate.", "Open ports 443 and 8443 [1]."),
    ("Open 443 for clients. Keep 8443 closed to the internet; open it on the VPN.",
     "Open ports 443 and 8443 on the VPN [1]."),
    ("Never expose 8443 to the internet; expose it on the VPN. Open 443.", "Open ports 443 and 8443 [1]."),
    # something else said of the item, under a negation
    ("Open 443. 8443 is not used by anything.", "Open ports 443 and 8443 [1]."),
    ("Enable `pg_stat_statements`. Enable `auto_explain` too, but not on the replicas.",
     "Enable `pg_stat_statements` and `auto_explain` [1]."),
])
def test_a_list_the_source_allows_item_by_item_is_not_contradicted(source, draft):
    assert set(statuses(draft, source).values()) == {Status.SUPPORTED}


UNRELATED = "Clean old images with `docker image prune`."


@pytest.mark.parametrize(("draft", "source", "claim"), [
    ("Run `docker system prune -a --volumes` weekly.", DOCKER, PRUNE),
    ("Run `docker system prune -a --volumes` weekly.", DOCKER, "Run `docker system prune -a --volumes` weekly."),
    ("Free space weekly:\n\n```\ndocker system prune -a --volumes\n```\n", DOCKER, PRUNE),
    ("Then run `terraform apply -auto-approve` on prod.",
     "You should never run `terraform apply -auto-approve` against prod.", "terraform apply -auto-approve"),
    ("| Setting | Value |\n|---|---|\n| `ssl_verify` | `false` |\n", BROKER_TLS, "| `ssl_verify` | `false` |"),
    ("Broker client settings:\n\n- ssl_verify: false\n", BROKER_TLS, "ssl_verify: false"),
    ("Analysts should get the `db_owner` role.", "Grant analysts the `reporting_ro` role. Never grant them `db_owner`.",
     "Analysts should get the `db_owner` role."),
])
def test_an_uncited_step_a_given_source_forbids_is_contradicted(draft, source, claim):
    checked = {c.text: c for c in check(draft, {1: UNRELATED, 2: source}, attributions=[]).claims}
    assert checked[claim].citations == ()
    assert checked[claim].status == Status.CONTRADICTED
    assert checked[claim].reason.startswith("no citation applies to it, and gives as a step what [2] forbids")
    assert checked[claim].blocking


def test_a_step_citing_a_missing_passage_is_read_against_the_given_ones():
    source = "Avoid `git push --force` on the shared branches."
    claims = check("Publish it with `git push --force` [3].", {1: source}, attributions=[]).claims
    assert [c.text for c in claims] == ["Publish it with `git push --force`.", "git push --force"]
    for checked in claims:
        assert checked.status == Status.CONTRADICTED
        assert checked.reason.startswith("cites [3], which is not among the sources, and gives as a step what [1] "
                                         "forbids")


@pytest.mark.parametrize(("draft", "sources"), [
    # the source recommends it, here or in another passage
    ("Run `docker image prune --filter until=168h` weekly.", {1: DOCKER}),
    ("Run `git push --force` on your branch.",
     {1: "Never run `git push --force` on main.", 2: "On your own feature branch, `git push --force` is fine."}),
    ("Set `ssl_verify = true` on the broker clients.", {1: BROKER_TLS}),
    # the draft warns against it, mentions it, or leaves it out
    ("Don't run `docker system prune -a --volumes` on the build hosts.", {1: DOCKER}),
    ("If you run `docker system prune -a --volumes`, the cache volumes are deleted.", {1: DOCKER}),
    ("Pass the key file, and leave `--kms` off the command line.",
     {1: "The `.sops.yaml` decides the key, so don't pass `--kms` on the command line."}),
    # a prohibition under a condition
    ("Run `pg_repack -t orders` tonight.", {1: "Never run `pg_repack -t orders` while a backup is running."}),
])
def test_an_uncited_step_a_source_recommends_or_the_draft_does_not_ask_for_stays_uncited(draft, sources):
    assert {c.status for c in check(draft, sources, attributions=[]).claims} == {Status.UNCITED}


# Round 44 (lexical-11). Round 43's review's false alarm: a claim forbidding what its source forbids, in other verbs,
# was contradicted by the source's sentence asserting part of it (the step the source gives instead).
@pytest.mark.parametrize(("source", "draft"), [
    (PG_DUMP, "Never take the `pg_dump` from the primary [1]."),
    (PG_DUMP, "Avoid taking the nightly `pg_dump` from the primary [1]."),
    (PG_DUMP, "Don't pull the nightly `pg_dump` from the primary [1]."),
    ("Take the nightly `pg_dump` from a replica at 02:00. Do not run it against the primary.",
     "Never take the nightly `pg_dump` from the primary [1]."),
    ("Take the nightly `pg_dump` from a replica at 02:00. The primary must never run `pg_dump`.",
     "Never take the nightly `pg_dump` from the primary [1]."),
    ("Take the `pg_dump` from the replica. Never take it from the primary.",
     "Never take the `pg_dump` from the primary [1]."),
    ("Back up the volumes from the standby host. Never run the backup job on the primary host.",
     "Never schedule the backup job on the primary host [1]."),
    ("Point the reporting queries at the read replica. Never use the primary for reporting queries.",
     "Do not point the reporting queries at the primary [1]."),
])
def test_a_claim_forbidding_what_its_source_forbids_in_other_verbs_is_not_contradicted(source, draft):
    assert set(statuses(draft, source).values()) == {Status.SUPPORTED}


@pytest.mark.parametrize(("source", "draft"), [
    # what the source gives as the step, forbidden by the claim
    (PG_DUMP, "Never take the `pg_dump` from the replica [1]."),
    ("Take the `pg_dump` from the replica. Never take it from the primary.",
     "Never take the `pg_dump` from the replica [1]."),
    # lexical-8's: advice on what a generic verb forbids
    (PG_DUMP, "Take the nightly `pg_dump` from the primary at 02:00 [1]."),
    ("Back up the volumes from the standby host. Never run the backup job on the primary host.",
     "Schedule the backup job on the primary host [1]."),
])
def test_a_claim_forbidding_the_sources_step_or_advising_what_it_forbids_is_still_contradicted(source, draft):
    assert Status.CONTRADICTED in statuses(draft, source).values()


# Round 44 (lexical-11): opposite comparatives on the same sides of a comparison.
@pytest.mark.parametrize(("source", "draft"), [
    ("Make sure `terminationGracePeriodSeconds` is longer than the preStop sleep plus your longest request.",
     "`terminationGracePeriodSeconds` should be shorter than the preStop sleep plus your longest request [1]."),
    ("Keep `max.poll.interval.ms` above your worst-case batch time, or the broker kicks the consumer out.",
     "Keep `max.poll.interval.ms` below your worst-case batch time [1]."),
    ("Older entries are evicted automatically, least recently accessed first.",
     "The most recently accessed entries are evicted first [1]."),
    ("CPU limits stay unset, since throttling hurt latency far more than noisy neighbours ever did.",
     "Throttling did less damage to latency than noisy neighbours [1]."),
    ("Batch jobs get more memory than web pods.", "Batch jobs get less memory than web pods [1]."),
    ("Larger batches raise throughput but add latency.", "Smaller batches raise throughput [1]."),
    ("The replica applies WAL faster than the primary writes it.",
     "The replica applies WAL slower than the primary writes it [1]."),
])
def test_the_opposite_comparative_on_the_same_sides_is_contradicted(source, draft):
    assert Status.CONTRADICTED in statuses(draft, source).values()


@pytest.mark.parametrize(("source", "draft"), [
    # the comparison turned round: the sides crossed
    ("Batch jobs get more memory than web pods.", "Web pods get less memory than batch jobs [1]."),
    ("The ALB idle timeout must be shorter than nginx's `keepalive_timeout`.",
     "nginx's `keepalive_timeout` must be longer than the ALB idle timeout [1]."),
    # no comparison: a bound, a negation, "more or less", a quantifier
    ("Keep at least 3 replicas of the API.", "Run 3 or more replicas of the API [1]."),
    ("Keep signed URL expiry at 15 minutes or less.", "Signed URL expiry should be at most 15 minutes [1]."),
    ("The cache instance no longer keeps sessions.", "Sessions are no longer kept on the cache instance [1]."),
    ("Sessions on the cache instance are evicted more or less at random.",
     "Sessions on the cache instance get evicted at random [1]."),
    ("Most clients skip the intermediate; browsers fetch it themselves.",
     "Browsers fetch the intermediate themselves [1]."),
    # both words of the pair in the source, or the same word
    ("Smaller batches lower the latency; larger ones raise throughput.", "Larger batches raise throughput [1]."),
    ("The cache evicts the least recently used keys first.", "Least recently used keys are evicted first [1]."),
    ("Alerts with a severity below critical go to the ticket queue.",
     "Alerts below critical severity go to the ticket queue [1]."),
])
def test_a_comparison_restated_turned_round_or_no_comparison_is_not_contradicted(source, draft):
    assert set(statuses(draft, source).values()) == {Status.SUPPORTED}


@pytest.mark.parametrize(("source", "draft", "expected"), [
    ("If you already pushed something bad to `main`, revert it and push the revert; don't try to reset it away.",
     "If something bad lands on `main`, reset it away [1].", Status.CONTRADICTED),
    ("If you cloned before the rewrite, re-clone; don't try to merge your old local branches.",
     "If you cloned before the rewrite, it's fine to merge your old local branches [1].", Status.CONTRADICTED),
    ("If you cloned before the rewrite, re-clone; don't try to merge your old local branches.",
     "If you cloned before the rewrite, don't merge your old local branches [1].", Status.SUPPORTED),
])
def test_a_negated_attempt_forbids_what_it_attempts(source, draft, expected):
    assert statuses(draft, source)[draft.replace(" [1]", "")] == expected


# Round 44's review (lexical-12): comparatives that reverse nothing, a prohibition that does not cover the claim's, a
# unit the draft gives in a table's header or a setting's name, "don't bother to".
@pytest.mark.parametrize(("source", "draft"), [
    # a place in a document, not a comparison
    ("Add the index with the command below.", "Add the index with the command above [1]."),
    ("See the table below for the limits.", "See the table above for the limits [1]."),
    ("Run the steps below in order.", "Run the steps above in order [1]."),
    ("The output below lists the slow queries.", "The output above lists the slow queries [1]."),
    ("As shown below, the replica lags.", "As shown above, the replica lags [1]."),
    # another subject, measure or scope on a side
    ("Give the API pods more CPU.", "Give the batch pods less CPU [1]."),
    ("Give the web pods more memory.", "Give the worker pods less memory [1]."),
    ("Use smaller batches during business hours.", "Use larger batches outside business hours [1]."),
    ("The replica needs more memory.", "The replica needs fewer cores [1]."),
    # the same comparison from the other end, and its contrapositive
    ("The new disks are faster.", "The old disks are slower [1]."),
    ("Keep the TTL short for DNS; longer TTLs slow failover.", "Shorter TTLs speed up failover [1]."),
])
def test_a_comparative_that_reverses_nothing_is_not_contradicted(source, draft):
    assert Status.CONTRADICTED not in statuses(draft, source).values()


@pytest.mark.parametrize(("source", "draft"), [
    ("Give the API pods more CPU.", "Give the API pods less CPU [1]."),
    ("Give the API pods more CPU during the sale.", "Give the API pods less CPU during the sale [1]."),
    ("The new disks are faster.", "The new disks are slower [1]."),
    ("Use smaller batches during business hours.", "Use larger batches during business hours [1]."),
    ("Keep the disk usage below 80 percent.", "Keep the disk usage above 80 percent [1]."),
    # a document's noun before a number compares
    ("Keep the lines below 120 characters.", "Keep the lines above 120 characters [1]."),
])
def test_the_opposite_comparative_on_the_same_things_is_still_contradicted(source, draft):
    assert Status.CONTRADICTED in statuses(draft, source).values()


@pytest.mark.parametrize(("source", "draft"), [
    ("Deploy on Tuesday. Never deploy the API on Friday.", "Never deploy the API on Tuesday [1]."),
    ("Restart the workers at noon. Never restart the scheduler at midnight.",
     "Never restart the scheduler at noon [1]."),
    ("Rotate the keys on Monday. Never rotate the signing keys on Friday.",
     "Never rotate the signing keys on Monday [1]."),
    ("Restart the API on staging. Never restart the API on production.", "Never restart the API on staging [1]."),
])
def test_a_prohibition_elsewhere_that_does_not_cover_the_claims_does_not_excuse_a_reversal(source, draft):
    assert Status.CONTRADICTED in statuses(draft, source).values()


@pytest.mark.parametrize(("source", "draft"), [
    ("Deploy on Tuesday. Never deploy the API.", "Never deploy the API on Tuesday [1]."),
    ("Run the migration from the bastion. Never run the migration against production.",
     "Never apply the migration to production [1]."),
    (PG_DUMP, "Never take the `pg_dump` from the primary [1]."),
])
def test_a_prohibition_elsewhere_covering_the_claims_still_excuses_it(source, draft):
    assert set(statuses(draft, source).values()) == {Status.SUPPORTED}


@pytest.mark.parametrize(("source", "draft"), [
    ("Set `statement_timeout` to 30s.", "| Setting | Value (s) |\n|---|---|\n| `statement_timeout` | 30 [1] |\n"),
    ("Set the lock timeout to 500ms.", "| Setting | Timeout (ms) |\n|---|---|\n| lock timeout | 500 [1] |\n"),
    ("Set `statement_timeout` to 30s and `lock_timeout` to 5s.",
     "| Setting | Value (s) |\n|---|---|\n| `statement_timeout` | 30 [1] |\n| `lock_timeout` | 5 [1] |\n"),
    ("Set the client timeout to 30s with `timeout_seconds`.", "Set `timeout_seconds` to 30 [1]."),
    ("Set the request timeout to 250ms with `request_timeout_ms`.", "Set `request_timeout_ms` to 250 [1]."),
    ("Set the grace period to 10 minutes with `grace_minutes`.", "Set `grace_minutes` to 10 [1]."),
    ("Set the cache size to 512MB with `cache_size_mb`.", "Set `cache_size_mb` to 512 [1]."),
    ("Alert when disk usage passes 85% via `disk_alert_percent`.", "Set `disk_alert_percent` to 85 [1]."),
    ("Set the timeout to 30s with `timeoutSeconds`.", "Set `timeoutSeconds` to 30 [1]."),
])
def test_a_unit_named_by_the_header_or_the_setting_is_not_dropped(source, draft):
    assert set(statuses(draft, source).values()) == {Status.SUPPORTED}


@pytest.mark.parametrize(("source", "draft"), [
    # the unit in the header of another column, a header naming no unit, a setting naming none
    ("Set `statement_timeout` to 30s.",
     "| Setting | Value | Grace (s) |\n|---|---|---|\n| `statement_timeout` | 30 | none [1] |\n"),
    ("Set `statement_timeout` to 30s.", "| Setting (name) | Value |\n|---|---|\n| `statement_timeout` | 30 [1] |\n"),
    ("Set `work_mem` to 64MB.", "Set `work_mem` to 64 [1]."),
    # the setting naming the unit is another number's
    ("Set `statement_timeout` to 30s and `lock_timeout_ms` to 500ms.",
     "Set `statement_timeout` to 30 and `lock_timeout_ms` to 500 [1]."),
])
def test_a_unit_the_header_or_setting_gives_only_elsewhere_is_still_dropped(source, draft):
    (checked,) = check(draft, {1: source}, attributions=[]).claims
    assert checked.status == Status.CONTRADICTED
    assert "without the unit [1] gives it" in checked.reason


@pytest.mark.parametrize(("source", "draft", "expected"), [
    ("Don't bother to vacuum the staging tables; autovacuum handles them.",
     "Vacuum the staging tables when they bloat [1].", Status.SUPPORTED),
    ("Don't bother to pin the minor version of the base image.", "Pin the minor version of the base image [1].",
     Status.SUPPORTED),
    ("Don't bother to reindex the small tables.", "Reindex the small tables after the load [1].", Status.SUPPORTED),
    ("Don't try to reindex the large tables during business hours.",
     "Reindex the large tables during business hours [1].", Status.CONTRADICTED),
    ("Don't attempt to resize the volume while it is mounted.", "Resize the volume while it is mounted [1].",
     Status.CONTRADICTED),
])
def test_dont_bother_says_unneeded_where_dont_try_forbids(source, draft, expected):
    assert statuses(draft, source)[draft.replace(" [1]", "")] == expected


# --- Round 45 (lexical-13) ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "draft"), [
    # "on"/"off" as prepositions or halves of a compound are no switch's state
    ("Escalations go to the on-call engineer, who needs a sign-off from the team lead.",
     "The team lead's sign-off is needed before the on-call engineer ships it [1]."),
    ("Metrics are exported on port 9102 and kept on the shared volume.",
     "Leave the exporter running; its metrics are written off to the shared volume on port 9102 [1]."),
    ("The worker runs on every node and shuts off automatically after a drain.",
     "After a drain the worker shuts off automatically on every node [1]."),
])
def test_on_and_off_as_prepositions_or_compounds_reverse_nothing(source, draft):
    assert Status.CONTRADICTED not in statuses(draft, source).values()


@pytest.mark.parametrize(("source", "draft"), [
    ("Keep request tracing on in staging.", "Switch request tracing off in staging [1]."),
    ("Turn the debug toolbar off in production.", "Leave the debug toolbar on in production [1]."),
])
def test_on_and_off_as_a_switchs_state_still_reverse(source, draft):
    assert Status.CONTRADICTED in statuses(draft, source).values()


@pytest.mark.parametrize(("source", "draft"), [
    # "switched off", "turn X off", "off-limits" say what "disabled" and "forbidden" say
    ("Swap is disabled on every database host.", "Every database host runs with swap switched off [1]."),
    ("Password logins over SSH are forbidden on bastions.", "On bastions, SSH password logins are off-limits [1]."),
    ("The legacy exporter is disabled in the cluster config.",
     "Operators turned the legacy exporter off in the cluster config [1]."),
])
def test_switched_off_and_off_limits_agree_with_disabled_and_forbidden(source, draft):
    assert Status.CONTRADICTED not in statuses(draft, source).values()


def test_a_refusal_negates_its_object_not_what_it_does_instead():
    source = "When the lock is taken, the job refuses instead of silently waiting for the other run."
    draft = "The job refuses to start while the lock is taken, rather than silently waiting for the other run [1]."
    assert Status.CONTRADICTED not in statuses(draft, source).values()


@pytest.mark.parametrize(("source", "draft", "expected"), [
    # the passage's negated head is used both ways there; a claim negating it too states the same choice
    ("Don't log raw card numbers in the audit trail — mask them, since logs are retained for years.",
     "As logs are retained for years, card numbers in the audit trail must be masked rather than logged raw [1].",
     Status.SUPPORTED),
    # a claim that does not negate it still reverses the rest
    ("Don't log raw card numbers in the audit trail — mask them, since logs are retained for years.",
     "Raw card numbers belong in the audit trail [1].", Status.CONTRADICTED),
])
def test_a_head_both_sides_negate_is_no_reversal(source, draft, expected):
    assert statuses(draft, source)[draft.replace(" [1]", "")] == expected


@pytest.mark.parametrize(("source", "draft", "expected"), [
    ("Rebuild the search index from the snapshot rather than replaying the event log.",
     "It's safer to replay the event log than to rebuild the search index from the snapshot [1].",
     Status.CONTRADICTED),
    ("Pin the chart to a digest rather than a floating tag.",
     "A floating tag is recommended over pinning the chart to a digest [1].", Status.CONTRADICTED),
    # the same choice, worded the same new ways
    ("Rebuild the search index from the snapshot rather than replaying the event log.",
     "It's safer to rebuild the search index from the snapshot than to replay the event log [1].",
     Status.SUPPORTED),
    ("Pin the chart to a digest rather than a floating tag.",
     "Pinning the chart to a digest is recommended over a floating tag [1].", Status.SUPPORTED),
])
def test_better_to_a_than_b_and_recommended_over_state_a_choice(source, draft, expected):
    assert statuses(draft, source)[draft.replace(" [1]", "")] == expected


@pytest.mark.parametrize(("source", "draft", "expected"), [
    ("Oversized uploads are rejected outright, not resized, by the media service.",
     "The media service resizes oversized uploads instead of rejecting them outright [1].", Status.CONTRADICTED),
    ("Oversized uploads are rejected outright, not resized, by the media service.",
     "The media service rejects oversized uploads outright instead of resizing them [1].", Status.SUPPORTED),
])
def test_a_choice_reversed_both_ways_is_no_restatement(source, draft, expected):
    assert statuses(draft, source)[draft.replace(" [1]", "")] == expected


@pytest.mark.parametrize(("source", "draft", "expected"), [
    ("The exporter caps each target at 20,000 samples per scrape.",
     "Each target is capped at 20000 samples per scrape [1].", Status.SUPPORTED),
    ("The exporter caps each target at 20000 samples per scrape.",
     "Each target is capped at 20,000 samples per scrape [1].", Status.SUPPORTED),
    ("The exporter caps each target at 1_500_000 samples per scrape.",
     "Each target is capped at 1,500,000 samples per scrape [1].", Status.SUPPORTED),
    # another number of the same cap contradicts it (round 46's convention, lexical-18)
    ("The exporter caps each target at 2,000 samples per scrape.",
     "Each target is capped at 20,000 samples per scrape [1].", Status.CONTRADICTED),
])
def test_thousands_separators_do_not_change_a_number(source, draft, expected):
    assert statuses(draft, source)[draft.replace(" [1]", "")] == expected


# --- Round 45 (lexical-14): quantities ----------------------------------------------------------------------------
@pytest.mark.parametrize(("source", "draft"), [
    ("Snapshots of the ledger are pruned every 7 days.", "Ledger snapshots are pruned weekly [1]."),
    ("The importer retries failed batches once an hour.", "Failed batches are retried hourly by the importer [1]."),
    ("Refresh tokens for the mobile app live for 14 days.", "Mobile app refresh tokens live for a fortnight [1]."),
    ("Each node reserves 4 GiB for the kernel.", "Each node reserves 4 GB for the kernel [1]."),
    ("The worker pool grows to 3x its baseline during sales.",
     "During sales the worker pool grows to three times its baseline [1]."),
    ("Set the heap to 1.5\u00d7 the working set.", "Set the heap to one and a half times the working set [1]."),
    ("A quarter of the checkout requests are traced.", "25% of the checkout requests are traced [1]."),
    ("A maintenance window lasts between 2 and 4 hours.", "A maintenance window lasts 2\u20134 hours [1]."),
    ("Query plans are cached for 90 minutes.", "Query plans are cached for one and a half hours [1]."),
    ("The ledger export is regenerated every 24 hours.", "The ledger export is regenerated daily [1]."),
    ("Audit bundles are archived twice a year.", "Audit bundles are archived every six months [1]."),
])
def test_an_amount_written_another_way_is_the_same_amount(source, draft):
    assert statuses(draft, source)[draft.replace(" [1]", "")] == Status.SUPPORTED


@pytest.mark.parametrize(("source", "draft", "expected"), [
    # a number written in words that the source gives in another unit is no invented number
    ("Keep the old bucket readable for 48 hours after the cutover.",
     "Keep the old bucket readable for two days after the cutover [1].", Status.SUPPORTED),
    ("Pager escalations wait half a minute before calling the backup.",
     "Pager escalations wait 30 seconds before calling the backup [1].", Status.SUPPORTED),
    # the same amount said of something else in the source still does not make the claim's number found
    ("Uploads time out after 5 minutes. The lock timeout is 120s.", "The lock timeout is 300s [1].",
     Status.INVENTED),
])
def test_an_amount_is_found_however_written_but_only_on_its_subject(source, draft, expected):
    assert statuses(draft, source)[draft.replace(" [1]", "")] == expected


@pytest.mark.parametrize(("source", "draft", "expected"), [
    # another value for the same thing, once converted
    ("Staging databases are snapshotted every 6 hours.", "Staging databases are snapshotted once a day [1].",
     Status.CONTRADICTED),
    ("Signed download URLs stay valid for 15 minutes.", "Signed download URLs stay valid for 15 hours [1].",
     Status.CONTRADICTED),
    ("The build cache holds 20 GB, and artifacts older than 5 days are purged.",
     "Artifacts older than 20 days are purged [1].", Status.CONTRADICTED),
    ("Security patches must be applied to the fleet within 2 days of release.",
     "Security patches must be applied to the fleet within a week of release [1].", Status.CONTRADICTED),
    ("Billing exports run hourly, and audit log exports to the archive run every 12 hours.",
     "Audit log exports to the archive run every hour [1].", Status.CONTRADICTED),
    # faithful paraphrases: converted values, each kept with its subject
    ("Nightly builds are kept for 14 days, and release builds for 90 days.",
     "Release builds are kept for 90 days, nightly builds for two weeks [1].", Status.SUPPORTED),
    ("The web tier scales out after 60 seconds of high CPU. Alerts page after 5 minutes.",
     "The web tier scales out after a minute of high CPU [1].", Status.SUPPORTED),
    ("Each shard keeps 3 replicas, and the cluster has 12 shards.", "The cluster has twelve shards [1].",
     Status.SUPPORTED),
    # another value that still fits the source's bound is no contradiction
    ("Announce maintenance windows at least 2 days ahead; we usually announce them 3 days ahead.",
     "Maintenance windows are usually announced three days ahead [1].", Status.SUPPORTED),
])
def test_another_value_for_the_same_thing_contradicts(source, draft, expected):
    assert statuses(draft, source)[draft.replace(" [1]", "")] == expected


@pytest.mark.parametrize(("source", "draft", "expected"), [
    ("Announce the maintenance at least 3 days before the window.",
     "Announce the maintenance no later than three days before the window [1].", Status.SUPPORTED),
    ("Announce the maintenance at least 3 days before the window.",
     "Announce the maintenance at most 3 days before the window [1].", Status.CONTRADICTED),
    ("Acknowledge a page within 10 minutes.", "Acknowledge a page in no more than 10 minutes [1].", Status.SUPPORTED),
    ("Acknowledge a page within 10 minutes.", "Acknowledge a page after at least 10 minutes [1].",
     Status.CONTRADICTED),
])
def test_bounds_of_lead_time_and_within(source, draft, expected):
    assert statuses(draft, source)[draft.replace(" [1]", "")] == expected


@pytest.mark.parametrize(("source", "draft", "expected"), [
    ("Debug traces are kept for 3 days in staging and 10 days in production.",
     "Production keeps debug traces for 10 days, while staging keeps them for 3 [1].", Status.SUPPORTED),
    # a number given bare on its own still takes no unit from nowhere
    ("Set `lock_timeout` to 5s on the migration role.", "Set `lock_timeout` to 5 on the migration role [1].",
     Status.CONTRADICTED),
])
def test_a_bare_number_after_one_with_a_unit_takes_its_unit(source, draft, expected):
    assert statuses(draft, source)[draft.replace(" [1]", "")] == expected


# --- Round 45 (lexical-15): specific facts named in words (``_new_specifics``) -----------------------------------


@pytest.mark.parametrize(("source", "draft", "expected"), [
    # a cadence or length of time the source never states, in any wording
    ("Expense reports are checked by finance before payout. Late reports are returned to the submitter.",
     "Finance checks expense reports at a fortnightly meeting [1].", Status.INVENTED),
    ("Guest Wi-Fi passwords are printed on the reception desk card and changed by facilities.",
     "Facilities change the guest Wi-Fi password every two months [1].", Status.INVENTED),
    ("Badge photos are taken by reception on your first day.", "Badge photos are stored for five years [1].",
     Status.INVENTED),
    ("Capacity plans are written by each squad and shared with leadership.",
     "Each squad writes its capacity plan every quarter [1].", Status.INVENTED),
    ("Design docs need approval from two senior engineers.", "Design docs are approved within one sprint [1].",
     Status.INVENTED),
    # the same cadence or length reworded, or given with its number and unit apart, is no new fact
    ("The audit runs quarterly and its report goes to the board.",
     "Every three months the audit runs, and the board gets its report [1].", Status.SUPPORTED),
    ("Reports are archived after 48 hours and deleted by the cleanup job.",
     "Reports are archived after two days and the cleanup job deletes them [1].", Status.SUPPORTED),
    ("Staging tokens expire every 7 days; production tokens every 3.",
     "Production tokens expire every 3 days, staging tokens every 7 days [1].", Status.SUPPORTED),
])
def test_a_cadence_or_length_of_time_no_source_states_is_invented(source, draft, expected):
    assert statuses(draft, source)[draft.replace(" [1]", "")] == expected


@pytest.mark.parametrize(("source", "draft", "expected"), [
    # a label of letters and digits, or a product, tool or team named in words, that the source never mentions
    ("Priority P1 and P2 bugs block the release; others go to the backlog.",
     "Priority P4 bugs are closed after a triage [1].", Status.INVENTED),
    ("Warehouse dashboards load their data from the finance mart.",
     "Warehouse dashboards are rebuilt in H2 from the finance mart [1].", Status.INVENTED),
    ("Shared passwords go in the team vault, never in chat.", "Shared passwords go in 1Password, never in chat [1].",
     Status.INVENTED),
    ("When a canary fails, the deploy is halted and the owner is notified.",
     "When a canary fails, the deploy is halted and the owner is notified through Opsgenie [1].", Status.INVENTED),
    ("Core dumps are copied to the crash bucket before the node is recycled.",
     "Core dumps are copied with rsync to the crash bucket [1].", Status.INVENTED),
    ("Firewall changes need a ticket and a second reviewer.",
     "Firewall changes need a ticket and a review by the networking team [1].", Status.INVENTED),
    # the same label spelled another way, a team the source names, a tool it names: no new fact
    ("Tier-1 services need two on-call engineers.", "Tier 1 services need a pair of on-call engineers [1].",
     Status.SUPPORTED),
    ("Firewall changes need a ticket and a review by the Networking team.",
     "Firewall changes need a ticket, and the networking team reviews them [1].", Status.SUPPORTED),
    ("Firewall changes need a ticket and a review from another team.",
     "Firewall changes need a ticket and a review by a different team [1].", Status.SUPPORTED),
    ("Core dumps are compressed with zstd and copied to the crash bucket.",
     "Core dumps get compressed with zstd, then copied to the crash bucket [1].", Status.SUPPORTED),
])
def test_a_label_product_or_team_no_source_names_is_invented(source, draft, expected):
    assert statuses(draft, source)[draft.replace(" [1]", "")] == expected


@pytest.mark.parametrize(("source", "draft", "expected"), [
    # a limit of concurrency or an occasion the source never states
    ("Reindex jobs are started from the maintenance console by the DBA on duty.",
     "Only a single reindex job may run on a cluster at a time [1].", Status.INVENTED),
    ("Browser tests run in the nightly pipeline on the Chrome runners.",
     "Browser tests also run after each font library bump [1].", Status.INVENTED),
    # the same limit or occasion reworded
    ("The maintenance console queues reindex jobs so that a cluster runs them concurrently with nothing else.",
     "Only one reindex job may run on a cluster at a time [1].", Status.SUPPORTED),
    ("Browser tests run after every merge to main on the Chrome runners.",
     "After each merge to main, browser tests run on the Chrome runners [1].", Status.SUPPORTED),
])
def test_a_limit_or_occasion_no_source_states_is_invented(source, draft, expected):
    assert statuses(draft, source)[draft.replace(" [1]", "")] == expected


def test_a_tool_named_in_inline_code_is_the_command_claims_alone():
    """A sentence carrying an inline command is not invented for the tool its code span names: the command claim is,
    once (lexical-15 reported it twice, and a reviewer had two claims to confirm for one made-up command)."""
    found = statuses("Restart the worker with `celery -A proj worker --force-all` [1].",
                     "Use retry_backoff=True; it doubles the countdown.")
    assert found["celery -A proj worker --force-all"] == Status.INVENTED
    assert found["Restart the worker with `celery -A proj worker --force-all`."] != Status.INVENTED


# --- Round 45 (lexical-16): a restriction widened, a party excluded named as who acts -----------------------------


@pytest.mark.parametrize(("source", "draft", "expected"), [
    # what the source limits to a part, said of any of them
    ("Only the network team may edit the firewall rules of the edge routers; everyone else files a ticket.",
     "Any team may edit the firewall rules on the edge routers [1].", Status.CONTRADICTED),
    ("Production database snapshots are restricted to the DBA group and expire after a week.",
     "Anyone can take a production database snapshot [1].", Status.CONTRADICTED),
    ("Feature toggles in the billing service are flipped by the billing leads only.",
     "Squads flip the billing service's feature toggles themselves [1].", Status.CONTRADICTED),
    ("Weekend deploys are allowed only for fixes to outages rated critical.",
     "Weekend deploys are fine for any outage fix, whatever its rating [1].", Status.CONTRADICTED),
    ("The staging GPU nodes are reserved for the vision team's training jobs.",
     "Every team is free to schedule training jobs on the staging GPU nodes [1].", Status.CONTRADICTED),
    # the same limit restated, the part's own attribute, a quantifier the source states too
    ("Only the network team may edit the firewall rules of the edge routers; everyone else files a ticket.",
     "Edge router firewall rules are edited by the network team alone, and any other team files a ticket [1].",
     Status.SUPPORTED),
    ("Only the network team may edit the firewall rules of the edge routers; everyone else files a ticket.",
     "The network team edits the edge router firewall rules, while other teams file a ticket [1].",
     Status.SUPPORTED),
    ("Backfills may run in the day for every table in staging, but in production only for tables under 1 GB.",
     "In staging, backfills may run in the day for every table [1].", Status.SUPPORTED),
    ("Weekend deploys are allowed only for fixes to outages rated critical.",
     "Only fixes to critical outages may be deployed at the weekend [1].", Status.SUPPORTED),
    # an "only" of sequence is no restriction (blind set 13's false alarm, read after it was scored)
    ("If a build agent is compromised, Platform first revokes its token, then tells the owners, and only afterwards "
     "begins the clean-up of the workspace.",
     "Platform revokes a compromised agent's token before it tells owners or starts any clean-up work [1].",
     Status.SUPPORTED),
])
def test_a_restriction_widened_to_any_contradicts(source, draft, expected):
    assert statuses(draft, source)[draft.replace(" [1]", "")] == expected


@pytest.mark.parametrize(("source", "draft", "expected"), [
    # a party the source excludes, named as the one who acts
    ("Release notes are published by the docs team, not by the feature owners.",
     "Feature owners publish the release notes for their changes [1].", Status.CONTRADICTED),
    ("Expense claims are approved by the finance partner, never by the claimant's own manager.",
     "The claimant's own manager approves the expense claims [1].", Status.CONTRADICTED),
    ("Firewall exceptions go to the security architect — not to individual developers — for sign-off.",
     "Individual developers sign off firewall exceptions [1].", Status.CONTRADICTED),
    # the exclusion restated, the chosen party's own act, the excluded party named doing something else
    ("Release notes are published by the docs team, not by the feature owners.",
     "The docs team publishes release notes rather than the feature owners [1].", Status.SUPPORTED),
    ("Release notes are published by the docs team, not by the feature owners.",
     "The docs team publishes the release notes [1].", Status.SUPPORTED),
    ("Expense claims are approved by the finance partner, never by the claimant's own manager.",
     "Expense claims are approved by the finance partner [1].", Status.SUPPORTED),
    ("Runbooks are stored in the service repository, not in the wiki, and feature owners keep them current.",
     "Feature owners keep the runbooks in the service repository current [1].", Status.SUPPORTED),
])
def test_a_party_the_source_excludes_named_as_who_acts_contradicts(source, draft, expected):
    assert statuses(draft, source)[draft.replace(" [1]", "")] == expected


@pytest.mark.parametrize(("source", "draft", "expected"), [
    # lexical-17 (round 46): a permissive bound past the limit the source sets on the same subject, the same way
    ("Profile avatars uploaded by users must be no larger than 2 MB.",
     "Users can upload profile avatars of up to 8 MB [1].", Status.CONTRADICTED),
    ("A reviewer should take on no more than four open pull requests at a time.",
     "A reviewer may hold as many as ten open pull requests at a time [1].", Status.CONTRADICTED),
    ("Maintenance notices for customers go out at least 48 hours before the window opens.",
     "Maintenance notices for customers may go out as little as 6 hours before the window opens [1].",
     Status.CONTRADICTED),
    ("A batch job must not run longer than 3 hours on the shared cluster.",
     "A batch job on the shared cluster can run for up to 10 hours [1].", Status.CONTRADICTED),
    ("Search results pages are limited to 50 items per request by the gateway.",
     "The gateway lets a request fetch search results pages of up to 500 items [1].", Status.CONTRADICTED),
    # the limit restated, a bound within it, another subject's bound
    ("Profile avatars uploaded by users must be no larger than 2 MB.",
     "Users can upload profile avatars of up to 2 MB [1].", Status.SUPPORTED),
    ("Profile avatars uploaded by users must be no larger than 2 MB.",
     "Users may upload profile avatars as large as 2 MB [1].", Status.SUPPORTED),
    ("A reviewer should take on no more than four open pull requests at a time.",
     "A reviewer may hold up to four open pull requests at a time [1].", Status.SUPPORTED),
    ("Maintenance notices for customers go out at least 48 hours before the window opens.",
     "Customers get maintenance notices at least two days before the window opens [1].", Status.SUPPORTED),
    ("Each queue holds at most 10,000 messages, and consumers may fetch up to 100 messages per poll.",
     "Consumers may fetch up to 100 messages per poll [1].", Status.SUPPORTED),
])
def test_a_limit_loosened_past_the_source_contradicts(source, draft, expected):
    assert statuses(draft, source)[draft.replace(" [1]", "")] == expected


def _worst(draft: str, source: str) -> tuple[Status, str]:
    order = (Status.SUPPORTED, Status.WEAK, Status.UNCITED, Status.CONTRADICTED, Status.INVENTED)
    worst = max(check(draft, {1: source}, attributions=[]).claims, key=lambda c: order.index(c.status))
    return worst.status, worst.reason


@pytest.mark.parametrize(("source", "draft", "expected"), [
    # lexical-18 (round 46), an amount: another value of the same quantity of the same subject contradicts
    ("Build artefacts are retained in the registry for 21 days before they are purged.",
     "The registry retains build artefacts for 45 days before purging them [1].", Status.CONTRADICTED),
    ("The nightly export job times out after 90 minutes.",
     "The nightly export job times out after 20 minutes [1].", Status.CONTRADICTED),
    ("Merging a schema change needs two approving reviews from the data team.",
     "Merging a schema change needs three approving reviews from the data team [1].", Status.CONTRADICTED),
    # a value for something the source gives none for, a delay for a lead time, another subject's amount
    ("Build artefacts are retained in the registry for 21 days before they are purged.",
     "Purged artefacts can be restored from cold storage within 3 days on request [1].", Status.INVENTED),
    ("The janitor bot files a reminder ticket 10 days before a certificate expires.",
     "The janitor bot revokes certificates 4 days after they expire [1].", Status.INVENTED),
    # the same value in another unit
    ("Build artefacts are retained in the registry for 21 days before they are purged.",
     "The registry keeps build artefacts for three weeks before purging them [1].", Status.SUPPORTED),
])
def test_a_changed_amount_contradicts(source, draft, expected):
    assert _worst(draft, source)[0] == expected


@pytest.mark.parametrize(("source", "draft", "expected"), [
    # lexical-18 (round 46), a keyed value in code: the same flag, key or command with another number
    ("Wait for the job with `kubectl wait --for=condition=complete job/reindex --timeout=10m`.",
     "Wait with `kubectl wait --for=condition=complete job/reindex --timeout=45m` [1].", Status.CONTRADICTED),
    ("Build it in parallel:\n\n```sh\nmake -j 6 all\n```\n",
     "Run the build with `make -j 16 all` [1].", Status.CONTRADICTED),
    ("Our worker config:\n\n```ini\n[worker]\nconcurrency = 8\nmax_tasks = 500\n```\n",
     "Use this [1]:\n\n```ini\n[worker]\nconcurrency = 32\nmax_tasks = 500\n```\n", Status.CONTRADICTED),
    ("Give the sidecar these limits:\n\n```yaml\nresources:\n  requests:\n    memory: 256Mi\n  limits:\n"
     "    memory: 512Mi\n```\n",
     "Use these [1]:\n\n```yaml\nresources:\n  requests:\n    memory: 256Mi\n  limits:\n    memory: 2Gi\n```\n",
     Status.CONTRADICTED),
    # a key the source gives under another parent, or names for another section, or a path's digits: no counterpart
    ("Give the sidecar these limits:\n\n```yaml\nresources:\n  requests:\n    memory: 256Mi\n  limits:\n"
     "    memory: 512Mi\n```\n",
     "Use these [1]:\n\n```yaml\nresources:\n  requests:\n    memory: 256Mi\n    cpu: 250m\n  limits:\n"
     "    memory: 512Mi\n    cpu: 250m\n```\n", Status.INVENTED),
    ("Probes:\n\n```yaml\nstartupProbe:\n  periodSeconds: 10\n  failureThreshold: 30\nlivenessProbe:\n"
     "  periodSeconds: 10\n```\n",
     "The liveness probe uses `failureThreshold: 3` [1].", Status.INVENTED),
    ("The config lives in `/opt/app/3/conf/app.ini`.",
     "The config lives in `/opt/app/4/conf/app.ini` [1].", Status.INVENTED),
    ("Wait for the job with `kubectl wait --for=condition=complete job/reindex --timeout=10m`.",
     "Wait with `kubectl wait --for=condition=complete job/reindex --timeout=10m --v=6` [1].", Status.INVENTED),
    # the same value
    ("Our worker config:\n\n```ini\n[worker]\nconcurrency = 8\nmax_tasks = 500\n```\n",
     "Set `concurrency = 8` for the worker [1].", Status.SUPPORTED),
])
def test_a_changed_keyed_value_contradicts(source, draft, expected):
    assert _worst(draft, source)[0] == expected


@pytest.mark.parametrize(("source", "draft", "expected"), [
    # lexical-18 (round 46), a labelled number or a weekday: the same label or slot with another value
    ("Partial indexes need PostgreSQL 11+ on the reporting cluster.",
     "Partial indexes need PostgreSQL 9.6 on the reporting cluster [1].", Status.CONTRADICTED),
    ("Consumers set `fetch.max.wait.ms` to 250 so batches stay small.",
     "Consumers set `fetch.max.wait.ms` to 900 so batches stay small [1].", Status.CONTRADICTED),
    ("The change advisory board meets on Wednesdays to approve production changes.",
     "The change advisory board meets on Tuesdays to approve production changes [1].", Status.CONTRADICTED),
    # no counterpart: another label, a day the source gives for nothing of the kind
    ("Partial indexes need PostgreSQL 11+ on the reporting cluster.",
     "Partial indexes need pgbouncer 1.21 in front of the reporting cluster [1].", Status.INVENTED),
    ("The change advisory board approves production changes.",
     "The change advisory board meets on Tuesdays to approve production changes [1].", Status.INVENTED),
    # the same
    ("The change advisory board meets on Wednesdays to approve production changes.",
     "Production changes are approved by the change advisory board on Wednesdays [1].", Status.SUPPORTED),
])
def test_a_changed_label_or_weekday_contradicts(source, draft, expected):
    assert _worst(draft, source)[0] == expected


def test_a_changed_value_names_the_sources_value():
    status, reason = _worst("The nightly export job times out after 20 minutes [1].",
                            "The nightly export job times out after 90 minutes.")
    assert status == Status.CONTRADICTED
    assert "[1] gives 90 minutes" in reason and "20 minutes" in reason


# --- Round 46 (lexical-19): a supported paraphrase of an amount, a name or a limit; an excluded role ----------------

BLOCKING = (Status.INVENTED, Status.CONTRADICTED)


@pytest.mark.parametrize(("source", "draft", "blocks"), [
    # an amount the source bounds, given plainly or as an instance inside the bound, is no invented number
    ("Outages affecting customers must be posted on the status page within 1 hour.",
     "Whoever declares a customer outage has sixty minutes to post it on the status page [1].", False),
    ("Exports containing more than 1,000 records need sign-off from the data steward.",
     "An export holding 1,200 records needs the data steward's sign-off [1].", False),
    ("Disks below 20% free space on the build agents are flagged by the janitor job.",
     "A build agent disk with 12% free space gets flagged by the janitor job [1].", False),
    # an instance outside the bound, and a claim that gives the bound itself and another number, still block
    ("Exports containing more than 1,000 records need sign-off from the data steward.",
     "An export holding 700 records needs the data steward's sign-off [1].", True),
    ("Stewards review exports containing more than 1,000 records.",
     "Stewards review exports containing more than 1,000 records, and each export file holds 5,000 records [1].", True),
    # "two consecutive days", a lag, a weekly cadence in a weekday
    ("If disk usage stays above 90% for three consecutive days, the storage team adds a volume.",
     "Three days running of disk usage above 90% lead the storage team to add a volume [1].", False),
    ("Schema changes reach the reporting replica no earlier than 2 days later.",
     "The reporting replica receives schema changes at least two days afterwards [1].", False),
    ("Audit exports are regenerated every Monday at 06:00 and kept for a month.",
     "A fresh audit export is generated once a week, on Monday at 06:00 [1].", False),
    ("Audit exports are regenerated every day at 06:00 and kept for a month.",
     "A fresh audit export is generated once a week at 06:00 [1].", True),
])
def test_an_amount_written_another_way_is_no_false_block(source, draft, blocks):
    assert (statuses(draft, source)[draft.replace(" [1]", "")] in BLOCKING) is blocks


@pytest.mark.parametrize(("source", "draft", "blocks"), [
    # a concurrency limit worded another way
    ("No more than three deploys of a service may run at once.",
     "Three deploys of one service can run simultaneously, no more [1].", False),
    ("Each engineer may hold no more than 3 open incidents as commander.",
     "An engineer can command no more than three incidents at the same time [1].", False),
    ("Each engineer commands incidents assigned by the duty manager.",
     "An engineer can command no more than three incidents at the same time [1].", True),
    # a name filling the placeholders of a pattern the source gives
    ("Buckets are named `<team>-<env>-<purpose>` and created through Terraform.",
     "A bucket the search team uses for prod backups would be named like `search-prod-backups` [1].", False),
    ("Buckets are named `<team>-<env>-<purpose>` and created through Terraform.",
     "The bucket `search-prod` holds the backups [1].", True),
    # "nobody can … more than" is "at most", no bound turned the other way
    ("Rooms are booked through the kiosk, with a maximum of 3 hours per booking and no more than 2 active bookings per "
     "person.", "A room booking lasts three hours at most, and nobody can hold more than two active bookings [1].",
     False),
    # "stops being valid after" states an expiry
    ("Guest Wi-Fi vouchers are valid for eight hours from first login.",
     "A guest Wi-Fi voucher stops being valid eight hours after first login [1].", False),
])
def test_a_limit_a_pattern_or_an_expiry_worded_another_way_is_no_false_block(source, draft, blocks):
    assert (statuses(draft, source)[draft.replace(" [1]", "")] in BLOCKING) is blocks


@pytest.mark.parametrize(("source", "draft", "expected"), [
    # a role or an acronym the source excludes, named as who acts
    ("Laptop refresh requests are approved by Finance, not IT.", "IT approves the laptop refresh requests [1].",
     Status.CONTRADICTED),
    ("Quarantined laptops must be reimaged by the desktop technician, not by shift supervisors.",
     "Shift supervisors reimage the quarantined laptops [1].", Status.CONTRADICTED),
    ("Laptop refresh requests are approved by Finance, not IT.", "Finance approves the laptop refresh requests [1].",
     Status.SUPPORTED),
    ("Quarantined laptops must be reimaged by the desktop technician, not by shift supervisors.",
     "The desktop technician reimages the quarantined laptops [1].", Status.SUPPORTED),
    # a parenthesis belongs to its clause: two subjects' attributes swapped across it
    ("Build logs are stored in Loki, while audit logs (logins, role changes) go to Splunk.",
     "Build logs are stored in Splunk, and audit logs go to Loki [1].", Status.CONTRADICTED),
    ("Build logs are stored in Loki, while audit logs (logins, role changes) go to Splunk.",
     "Audit logs such as logins go to Splunk, and build logs are stored in Loki [1].", Status.SUPPORTED),
])
def test_a_role_or_acronym_excluded_and_a_swap_across_a_parenthesis(source, draft, expected):
    assert statuses(draft, source)[draft.replace(" [1]", "")] == expected


# lexical-20: negations that say which, when or how much reverse nothing; written apart from the labelled sets.
@pytest.mark.parametrize(("source", "draft"), [
    # a negation in a relative clause picks out which ones
    ("Contractors outside the Payments team may not open the vault console.",
     "Contractors who are not in the Payments team are not allowed to open the vault console [1]."),
    ("A laptop that fails to check in for more than 14 days is locked automatically.",
     "A laptop that goes more than 14 days without checking in gets locked automatically [1]."),
    # a prohibition lifted by a condition or an exception restates a requirement
    ("Every release image must be signed before it is pushed to the production registry.",
     "A release image cannot be pushed to the production registry until it has been signed [1]."),
    ("Each canary must keep its error rate below 1% for an hour before the next stage starts.",
     "The next stage cannot start unless the canary's error rate stayed below 1% for an hour [1]."),
    ("The `--skip-migrations` flag may only be used by the Database team during incidents.",
     "Apart from incidents handled by the Database team, `--skip-migrations` is not to be used [1]."),
    ("Customer exports may not be shared with vendors unless they have been scrubbed with the approved `piiscrub` "
     "tool.",
     "Sharing customer exports with vendors is only permitted once they have been run through the `piiscrub` tool "
     "[1]."),
    # a negation bounding an amount
    ("Builds get a default timeout of 30 minutes, and the maximum is 90 minutes.",
     "No build can run longer than 90 minutes in total [1]."),
    # "at no charge", "off the table", "thrown away"
    ("A badge damaged at work is replaced at no charge.",
     "A badge damaged at work is replaced without charging its holder [1]."),
    ("Once the migration has dropped the column, the release cannot be rolled back and must be fixed forward.",
     "After the migration has dropped the column, rolling the release back is off the table and it must be fixed "
     "forward [1]."),
    ("Each ephemeral CI runner is destroyed after it has run a single job.",
     "Every ephemeral CI runner is thrown away after it has run one job [1]."),
    # a participle describing the noun before it ("users added to …") says which, and does nothing
    ("Never add users to the `admins` group by hand. Members of `admins` are removed by the sync job on its next run.",
     "Users added to the `admins` group are removed by the sync job on its next run [1]."),
])
def test_a_negation_saying_which_when_or_how_much_is_no_reversal(source, draft):
    assert statuses(draft, source)[draft.replace(" [1]", "")] not in BLOCKING


@pytest.mark.parametrize(("source", "draft"), [
    # a lead time with a qualifier before its unit
    ("Each change must be approved by the service owner at least 3 business days beforehand.",
     "The service owner has to approve a change no later than three business days ahead of it [1]."),
    # a relative clause's negation is not the bound's
    ("The storage on-call is paged only when less than 10% of a volume is free.",
     "The storage on-call is paged only when a volume that cannot be grown has under 10% free [1]."),
    # a fraction of a unit
    ("Stale locks are released automatically 15 minutes after the holder disconnects.",
     "A quarter of an hour after the holder disconnects, a stale lock is released automatically [1]."),
    # both numbers of a range in one clause; two limits said alike
    ("Uploads are processed by the `render` fleet, which scales between 2 and 12 workers based on queue length.",
     "The `render` fleet never shrinks below 2 workers and never grows beyond 12 [1]."),
    ("Sessions default to 8 hours, and the maximum is 24 hours.",
     "No session can last longer than 24 hours in total, renewals included [1]."),
    # "only for Y" limits Y, not the words before it
    ("Each build produces amd64 and arm64 images; s390x images are produced only for releases tagged LTS.",
     "Every build produces arm64 and amd64 images [1]."),
])
def test_a_bound_range_or_fraction_worded_another_way_is_no_false_block(source, draft):
    assert statuses(draft, source)[draft.replace(" [1]", "")] not in BLOCKING


@pytest.mark.parametrize(("source", "draft", "expected"), [
    # an exception turned round
    ("Audit logging is enabled only for the Billing and Identity services.",
     "Every service except Billing and Identity has audit logging enabled [1].", Status.CONTRADICTED),
    # a grant to any party narrowed to one, and a grant to one widened to any
    ("Any responder can pause the drill by typing `!pause` in the drill channel.",
     "Only the incident commander may pause the drill with `!pause` [1].", Status.CONTRADICTED),
    ("The release manager of the Mobile team tags releases with `reltool tag`, and only they may do so.",
     "Any member of the Mobile team can tag releases with `reltool tag` [1].", Status.CONTRADICTED),
    # another day relative to the same event
    ("Weekend deploys must be announced in the releases channel by 17:00 the same day.",
     "Weekend deploys must be announced in the releases channel by 17:00 on the previous day [1].",
     Status.CONTRADICTED),
    # "whichever comes first" made a need for both
    ("Application logs are rotated when the file reaches 1 GB or is 7 days old, whichever comes first.",
     "Application logs are rotated only once the file has reached 1 GB and is also 7 days old [1].",
     Status.CONTRADICTED),
    # two parties' roles swapped within one sentence
    ("The platform guild drafts the runbooks, and every one of them is signed off by the service owner.",
     "The service owner drafts the runbooks, and the platform guild signs them off [1].", Status.CONTRADICTED),
    # an approval the source requires of a named party, granted to any
    ("Changes to the firewall allowlist need approval from the Network Security team.",
     "Changes to the firewall allowlist can be approved by any reviewer on the pull request [1].", Status.CONTRADICTED),
    ("Production schema changes must be approved by the DBA on call before they run.",
     "Any senior engineer can approve a production schema change before it runs [1].", Status.CONTRADICTED),
    # two subjects' amounts swapped, each written another way ("two-day" for "48 hours")
    ("Reviewers get 5 business days for standard requests and 48 hours for requests tagged `urgent`.",
     "Standard requests get a two-day review, while `urgent` ones get five business days [1].", Status.CONTRADICTED),
    # what the source exempts, held to the rule with the others
    ("Every service must send traces to Tempo. Batch jobs are exempt and only report metrics.",
     "Batch jobs send traces to Tempo just like every other service [1].", Status.CONTRADICTED),
    ("Laptops are re-imaged every two years. Loaner laptops are exempt from this and are wiped after each loan.",
     "Loaner laptops are re-imaged every two years, like all other laptops [1].", Status.CONTRADICTED),
])
def test_an_exception_a_party_a_day_or_a_choice_of_conditions_turned_round(source, draft, expected):
    assert statuses(draft, source)[draft.replace(" [1]", "")] == expected


@pytest.mark.parametrize(("source", "draft", "expected"), [
    # "blocked", "banned", "disallowed" negate what they are said of, as "denied" does
    ("Direct database access from laptops is blocked; connect through the jump host instead.",
     "You can't access the database directly from a laptop; connections go through the jump host [1].",
     Status.SUPPORTED),
    ("Outbound SMTP from build agents is blocked at the firewall.",
     "Build agents can send outbound SMTP through the firewall [1].", Status.CONTRADICTED),
    ("Personal USB drives are banned on trading floor machines.",
     "Trading floor machines accept personal USB drives [1].", Status.CONTRADICTED),
])
def test_what_is_blocked_or_banned_is_negated(source, draft, expected):
    assert statuses(draft, source)[draft.replace(" [1]", "")] == expected


@pytest.mark.parametrize(("source", "draft"), [
    # only the words telling the claim's own clauses apart count, and a passage's clause opening with its value shares
    # the subject of the clause before it
    ("Spare capacity of 40% above the expected peak is the goal for tier-1 clusters and 20% for everything else.",
     "Tier-1 clusters aim for 40% spare capacity over the expected peak, compared with 20% for all other clusters "
     "[1]."),
    ("Application traces in Tempo are kept for 7 days in staging and 21 days in prod; audit events are kept for a "
     "year.", "Prod application traces stay in Tempo for 21 days, whereas staging keeps them for 7 [1]."),
    # the comma of a number ends no clause
    ("Teams pull samples with `tdm sample --rows 5000`, capped at 20,000 rows unless the data steward approves more.",
     "A sample larger than 20,000 rows can only be had with the data steward's approval [1]."),
    # two values in one clause of the claim: the clause tells neither's subject
    ("The pool's `idle_timeout` defaults to 600 seconds, which kept dead connections around; we set it to 30 seconds.",
     "The pool's `idle_timeout` was set to 30 seconds instead of the default 600, which had kept dead connections "
     "around [1]."),
    ("New engineers receive a laptop with 16 GB of RAM; people working on the data platform get 64 GB because of local "
     "Spark jobs.", "Data platform engineers are issued 64 GB laptops rather than the standard 16 GB because of local "
     "Spark jobs [1]."),
])
def test_a_value_said_of_its_own_subject_is_not_misattributed(source, draft):
    assert statuses(draft, source)[draft.replace(" [1]", "")] not in BLOCKING


@pytest.mark.parametrize(("source", "draft"), [
    # "is recommended", "is the preferred way": a claim granting what the source forbids, as advice does
    ("Don't hard-code bucket names; read them from the `BUCKET` variable so the same job config works in every region "
     "and account.", "Hard-coding bucket names is the recommended way to make one job config work in every region and "
     "account [1]."),
    ("Don't share one API token across services; issue a token per service so the same audit trail shows who called "
     "what.", "Sharing one API token across services is recommended, so the same audit trail shows who called what "
     "[1]."),
    ("Don't run migrations from a developer laptop; run them from the deploy pipeline so the same schema history is "
     "kept in staging and prod.", "Running migrations from a developer laptop is the preferred way to keep the same "
     "schema history in staging and prod [1]."),
    # "any engineer may", "are free to": a grant, as advice is
    ("The Billing team stores the keys in the vault; engineers outside that team may not rotate the keys themselves.",
     "Any engineer may rotate the keys themselves, as long as the Billing team stores them in the vault [1]."),
    ("The platform team runs the schema migrations from the deploy pipeline; service teams may not run migrations by "
     "hand.", "Service teams are free to run migrations by hand, as long as the platform team runs them from the "
     "deploy pipeline [1]."),
])
def test_recommending_what_the_source_forbids_contradicts(source, draft):
    assert statuses(draft, source)[draft.replace(" [1]", "")] == Status.CONTRADICTED
