"""manage.py seed_scale: a large, reproducible world for the benchmarks in ``bench/``.

Deliberately NOT built through the services: a million posts through ``post_reply`` would take
hours. The rows are written with PostgreSQL COPY (psycopg 3 ``cursor.copy()``) and a few
set-based INSERT ... SELECT statements instead, but they are exactly the rows the services would
have written for the same history:

* users, groups with members, categories (a third restricted), guardian's direct foreign-key
  permission rows (split between users and groups), each grant audited like ``category_grant_add``;
* threads and posts whose authors may post where they post (``thread_start`` / ``post_reply``
  rules), ``body_html`` rendered by ``forum.markup.render_markdown`` (a few thousand Markdown
  bodies are rendered once and reused), a few posts hidden by a moderator (``post_hide``);
* the passage index of every visible post: each distinct body is split into passages once
  (``aiassist.retrieval.passages``), with the same lexical vector the index's trigger computes
  (``setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', plain), 'B')``,
  title and passage vectors computed once each and concatenated; a sample is re-checked at the end)
  and the same ``source_hash`` as ``index.posts_index``. Answers are embedded without their title,
  so each distinct passage is embedded once with the configured embedder and shared by every post
  that uses it; a thread's question is embedded with its title, so those vectors are left to the
  periodic re-embedding sweep (``retrieval.reembed_passages``) and the rebuild command; each distinct
  passage's risk reading (``aiassist.risk.passage_readings``) is made once too;
* the denormalised counts of ``Category`` and ``Thread`` (``thread_count``, ``post_count``,
  ``last_post_at``) consistent with the posts (hidden ones left out, as ``forum.services.counted_posts``);
* the notifications ``post_reply`` sends to thread authors (older ones read);
* the hash-chained audit log, one event per service call, in time order (``audit_verify`` passes);
* the benchmark user (``--bench-username``, member of a few groups, so partial access to the
  restricted categories) with a benchmark thread of exactly 50 posts in a restricted category,
  and a private AI answer in ``draft`` for it, requested and drafted through the real services
  (the extractive engine, run inline), so it has real sources.

Deterministic for a given ``--seed`` and sizes (timestamps are anchored to a fixed date; only the
AI answer, made by the services at the end, carries the current time). Every account's password is
``--password``. Refuses SQLite, and DEBUG=False unless ``--force``.
"""
import json
import random
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings

from aiassist import risk
from aiassist.retrieval.index import active_embedder, embed_key, vector_bytes
from aiassist.retrieval.passages import plain_text, split_markdown
from forum import policy
from forum.audit import audited
from forum.markup import render_markdown
from forum.models import Thread, audit_canonical, audit_digest

User = get_user_model()

ANCHOR = datetime(2025, 1, 1, tzinfo=UTC)  # fixed, so the world does not depend on the day it is built
SPAN_US = 365 * 24 * 3600 * 1_000_000  # threads start over one year
HOUR_US = 3600 * 1_000_000
DAY_US = 24 * HOUR_US
GENESIS = "0" * 64
BENCH_THREAD_POSTS = 50
BENCH_THREAD_TITLE = "How do Celery retries back off when the Redis broker is unreachable?"
BENCH_THREAD_BODY = (
    "Our Celery workers hammer the Redis broker with retries whenever it restarts, and the queue backs up "
    "for minutes afterwards.\n\nWhat are sensible `retry_backoff` and `max_retries` settings for tasks that "
    "call the broker, and should `acks_late` be on?"
)

BENCH_SOURCE_TITLE = "Celery retries flood Redis after a broker restart"
BENCH_SOURCE_QUESTION = ("Every time Redis restarts our Celery tasks retry at once and the queue backs up. "
                         "How do we back off?")
BENCH_SOURCE_ANSWER = (
    "Give the broker-facing tasks exponential backoff with jitter and a cap, and acknowledge late so a "
    "lost worker's task is redelivered:\n\n```python\n@shared_task(bind=True, autoretry_for=(ConnectionError,), "
    "retry_backoff=2, retry_backoff_max=60,\n             retry_jitter=True, max_retries=5, acks_late=True)\n"
    "def sync_orders(self):\n    ...\n```\n\nDon't set `max_retries=None`: a broker that stays down then "
    "keeps every task retrying forever."
)

TOPICS = {
    "postgres": "postgres vacuum autovacuum bloat index replica replication wal pgbouncer deadlock planner "
                "explain btree partition sequence isolation tablespace checkpoint",
    "celery": "celery worker broker retry backoff queue prefetch acks beat schedule task idempotent visibility "
              "chord rabbitmq redis",
    "kubernetes": "kubernetes pod deployment helm ingress node eviction oomkilled liveness readiness probe "
                  "namespace configmap autoscaler kubectl daemonset",
    "django": "django migration queryset orm middleware template admin signal serializer manager fixture "
              "settings view form",
    "networking": "dns vpn firewall subnet latency packet tcp mtu proxy loadbalancer certificate tls route "
                  "nat bgp",
    "security": "credentials rotation vault secret token oauth sso mfa audit permission role policy "
                "encryption keypair",
    "frontend": "react webpack bundle typescript component hydration css layout accessibility browser "
                "storybook vite",
    "observability": "prometheus grafana alert dashboard metric tracing span opentelemetry logging loki "
                     "pagerduty slo",
    "ci": "pipeline runner cache artifact jenkins github workflow build flaky docker image registry lint",
    "data": "warehouse airflow dbt spark parquet etl snowflake kafka schema partitioning backfill lineage",
    "mobile": "android ios gradle xcode simulator crash swift kotlin release testflight push",
    "storage": "s3 bucket lifecycle snapshot backup restore retention glacier quota object replication",
    "python": "python virtualenv pip wheel asyncio typing pytest mypy packaging poetry gil profiler",
    "git": "git rebase merge branch conflict commit squash cherry bisect hook monorepo submodule",
    "search": "elasticsearch opensearch analyzer shard mapping reindex relevance tokenizer synonym query",
    "billing": "invoice payment refund subscription stripe ledger currency reconciliation tax webhook",
}
GENERIC = ("error timeout config service deploy production staging upgrade version logs restart memory cpu "
           "disk latency incident runbook ticket team migration client server cluster region").split()
AREAS = ("Platform", "Payments", "Data", "Mobile", "Identity", "Search", "Infra", "Billing", "Growth", "SRE",
         "Analytics", "Frontend", "Backend", "ML", "Support", "Compliance", "Networking", "Tooling")
TITLE_FRAMES = (
    "How do I {verb} {a} {b} in {g}?", "{A} {b} keeps failing after the {g} upgrade",
    "Best way to {verb} {a} with {b}?", "Why does {a} {b} time out on {g}?", "{A}: {b} and {c} in production",
    "Is {a} {b} safe to {verb} during an incident?",
    "{A} {b} errors since yesterday", "Moving {a} from {b} to {c}", "Runbook for {a} {b} {g}", "{A} vs {b} for {c}?",
)
SENTENCES = (
    "We see {a} {g} errors after the {b} change.", "Try setting `{a}_{b}` in the {g} config and restart the {c}.",
    "Has anyone solved {a} problems with {b}?", "The {a} dashboard shows {b} {g} spikes every night.",
    "I would check the {a} logs first, then the {b} settings.", "Our {g} team moved {a} behind {b} last quarter.",
    "It turned out to be a {a} {b} issue, not {c}.", "The {a} docs recommend a separate {b} for {g}.",
    "After the {g} we pinned the {a} version and the {b} went away.",
    "Make sure {a} and {b} use the same {g} in every region.", "This is fixed in the newer {a} release.",
    "You need the {a} permission to change {b}; ask the {g} owners.", "We {verb} {a} weekly with a {b} job.",
    "Set a {a} timeout on the {b} client, otherwise {c} hangs.", "{A} works, but {b} needs more {g}.",
)
VERBS = ("configure", "rotate", "debug", "monitor", "migrate", "scale", "restart", "tune", "upgrade", "test")
CODE = (
    "```bash\nkubectl describe {a} -n {b}\n```", "```python\nsettings.{A}_{B} = 30  # seconds\n```",
    "```sql\nEXPLAIN ANALYZE SELECT * FROM {a} WHERE {b}_id = 42;\n```", "```yaml\n{a}:\n  {b}: true\n```",
)
HIDE_REASONS = ("Off-topic", "Duplicate of another answer", "Contains an internal hostname", "Spam")


def _ts(us: int) -> datetime:
    return ANCHOR + timedelta(microseconds=us)


def _iso(us: int) -> str:
    return _ts(us).isoformat()


class Command(BaseCommand):
    help = "Build a large reproducible benchmark world on PostgreSQL with COPY (see the module docstring)."

    def add_arguments(self, parser):
        parser.add_argument("--categories", type=int, default=500)
        parser.add_argument("--threads", type=int, default=100_000)
        parser.add_argument("--posts", type=int, default=1_000_000)
        parser.add_argument("--users", type=int, default=10_000)
        parser.add_argument("--grants", type=int, default=50_000)
        parser.add_argument("--groups", type=int, default=None, help="Default: users / 20.")
        parser.add_argument("--bodies", type=int, default=2000, help="Distinct Markdown bodies rendered once.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--password", default="bench-password", help="Every account's password.")
        parser.add_argument("--bench-username", default="bench")
        parser.add_argument("--reset", action="store_true", help="TRUNCATE the users and forum tables first.")
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG=False.")

    # Orchestration -------------------------------------------------------------------------------

    def handle(self, *args, **opts):
        if connection.vendor != "postgresql":
            raise CommandError("seed_scale needs PostgreSQL (it loads with COPY); set DATABASE_URL.")
        if not settings.DEBUG and not opts["force"]:
            raise CommandError("Refusing to seed with DEBUG=False (known passwords); pass --force on a bench database.")
        self.opts = opts
        self.rng = random.Random(opts["seed"])
        users, cats, threads, posts = opts["users"], opts["categories"], opts["threads"], opts["posts"]
        if users < 10 or cats < 3 or threads < 2 or posts < threads + BENCH_THREAD_POSTS:
            raise CommandError("Need users >= 10, categories >= 3, threads >= 2, posts >= threads + 50.")
        self.n_groups = opts["groups"] or max(5, users // 20)
        self.started = time.perf_counter()
        self.stdout.write(f"seed_scale on {connection.settings_dict['NAME']}: {cats} categories, {threads} threads, "
                          f"{posts} posts, {users} users, {self.n_groups} groups, {opts['grants']} grants, "
                          f"seed {opts['seed']}")
        with self.phase("prepare"):
            self.prepare()
        with self.phase("users and groups"):
            self.load_users()
        with self.phase("plan categories and grants"):
            self.load_categories()
            self.load_grants()
        with self.phase("plan threads and posts"):
            self.plan_posts()
        with self.phase("categories, grants, threads"):
            self.load_threads()
        with self.phase("post bodies (render, split, embed, risk reading)"):
            self.load_bodies()
        with self.phase("posts (COPY + insert)"):
            self.load_posts()
        with self.phase("passages (insert with lexical vectors)"):
            self.load_passages()
        with self.phase("notifications"):
            self.load_notifications()
        with self.phase("audit chain"):
            self.load_audit()
        with self.phase("sequences"):
            self.finish_tables()
        with self.phase("vacuum analyze"):
            self.vacuum()
        with self.phase("benchmark AI answer (services)"):
            self.bench_answer()
        with self.phase("verify"):
            self.verify()
        self.stdout.write(f"total {time.perf_counter() - self.started:.1f}s; log in as "
                          f"{opts['bench_username']!r} / {opts['password']!r}; benchmark thread {self.bench_thread_id}")

    @contextmanager
    def phase(self, name):
        start = time.perf_counter()
        yield
        self.stdout.write(f"  {name:<45} {time.perf_counter() - start:7.2f}s")
        self.stdout.flush()

    @contextmanager
    def copy(self, sql):
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            yield copy

    @contextmanager
    def bare_table(self, table):
        """Load ``table`` without its secondary indexes and foreign keys, then rebuild each in one pass.

        The definitions are read from the catalogue and restored verbatim (same names), so the schema
        afterwards is exactly the migrated one; the foreign keys are re-validated when re-added.
        """
        with connection.cursor() as cursor:
            cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                           "WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY conname", [table])
            constraints = cursor.fetchall()
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                           "AND tablename = %s AND indexname NOT IN "
                           "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass) ORDER BY indexname",
                           [table, table])
            indexes = cursor.fetchall()
            for name, _ in constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                for _, definition in indexes:
                    cursor.execute(definition)
                for name, definition in constraints:
                    cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')

    def sql(self, statement, params=None):
        with connection.cursor() as cursor:
            cursor.execute(statement, params)

    # Phases --------------------------------------------------------------------------------------

    def prepare(self):
        tables = ["auth_user", "auth_group", "forum_category", "forum_thread", "forum_post", "forum_notification",
                  "forum_auditevent", "aiassist_aianswer", "aiassist_assistantswitch", "retrieval_passage",
                  "retrieval_passagevector", "retrieval_indexrun"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT (SELECT count(*) FROM auth_user) + (SELECT count(*) FROM forum_category)")
            present = cursor.fetchone()[0]
        if present and not self.opts["reset"]:
            raise CommandError("The database already has users or categories; pass --reset to TRUNCATE them "
                               "(only on a benchmark database).")
        if present:
            self.sql(f"TRUNCATE {', '.join(tables)}, django_session RESTART IDENTITY CASCADE")
        self.sql("SET synchronous_commit = off")
        self.sql("SET maintenance_work_mem = '1GB'")
        self.sql("SET work_mem = '256MB'")
        perms = Permission.objects.filter(content_type__app_label="forum", content_type__model="category",
                                          codename__in=policy.CATEGORY_PERMISSIONS)
        self.perm_ids = dict(perms.values_list("codename", "id"))
        if len(self.perm_ids) != len(policy.CATEGORY_PERMISSIONS):
            raise CommandError("Category permissions missing: run migrate first.")
        self.events = []  # (time_us, order, actor_id, verb, target_type, target_id, category_id, data)

    def load_users(self):
        rng, opts = self.rng, self.opts
        password = make_password(opts["password"])
        joined = _iso(-30 * DAY_US)
        self.admin_id, self.assistant_id, self.bench_id = 1, 2, 3
        self.usernames = {1: "admin", 2: settings.ASSISTANT_USERNAME, 3: opts["bench_username"]}
        for uid in range(4, opts["users"] + 1):
            self.usernames[uid] = f"user{uid:06d}"
        self.employees = list(range(3, opts["users"] + 1))  # active, may post in open categories
        with self.copy("COPY auth_user (id, password, is_superuser, username, first_name, last_name, email, "
                       "is_staff, is_active, date_joined) FROM STDIN") as copy:
            for uid, name in self.usernames.items():
                assistant = uid == self.assistant_id  # the system account: inactive, no usable password
                copy.write_row((uid, "!" + "x" * 40 if assistant else password, uid == self.admin_id, name,
                                "AI" if assistant else name.capitalize(), "assistant" if assistant else "Bench",
                                "" if assistant else f"{name}@example.com", uid == self.admin_id, not assistant,
                                joined))
        self.group_names = {gid: f"team-{gid:04d}" for gid in range(1, self.n_groups + 1)}
        self.members = {gid: [] for gid in self.group_names}
        # The benchmark user is in three groups; everyone else in zero to three.
        self.bench_groups = [1, 2, 3]
        for gid in self.bench_groups:
            self.members[gid].append(self.bench_id)
        for uid in range(4, opts["users"] + 1):
            for gid in rng.sample(range(1, self.n_groups + 1), rng.choice((0, 1, 1, 2, 2, 3))):
                self.members[gid].append(uid)
        with self.copy("COPY auth_group (id, name) FROM STDIN") as copy:
            for gid, name in self.group_names.items():
                copy.write_row((gid, name))
        with self.copy("COPY auth_user_groups (user_id, group_id) FROM STDIN") as copy:
            for gid, uids in self.members.items():
                for uid in uids:
                    copy.write_row((uid, gid))

    def load_categories(self):
        rng, n = self.rng, self.opts["categories"]
        topics = list(TOPICS)
        restricted = set(rng.sample(range(1, n + 1), n // 3))
        self.categories = {}
        for cid in range(1, n + 1):
            topic = topics[(cid - 1) % len(topics)]
            area = AREAS[rng.randrange(len(AREAS))]
            name = f"{topic.capitalize()} {area} {cid}"
            self.categories[cid] = {"topic": topic, "name": name, "slug": f"{topic}-{area.lower()}-{cid}",
                                    "restricted": cid in restricted, "threads": 0, "posts": 0, "last": None}
        # The benchmark thread lives in a restricted Celery category.
        celery_restricted = [c for c in sorted(restricted) if self.categories[c]["topic"] == "celery"]
        self.bench_category = (celery_restricted or sorted(restricted))[0]
        self.restricted = sorted(restricted)
        self.open = [c for c in self.categories if c not in restricted]
        for i, (cid, c) in enumerate(self.categories.items()):
            self.events.append((-2 * DAY_US + i, 0, self.admin_id, "category.create", "forum.category", cid, cid,
                                {"name": c["name"], "slug": c["slug"], "restricted": c["restricted"]}))

    def load_grants(self):
        rng, total = self.rng, self.opts["grants"]
        weights = {policy.VIEW: 45, policy.POST: 25, policy.MODERATE: 10, policy.REVIEW: 15,
                   policy.APPROVE_HIGH_RISK: 5}
        codes, cum = list(weights), []
        for code in weights:
            cum.append((cum[-1] if cum else 0) + weights[code])
        user_rows, group_rows = {}, {}  # (holder, codename, category) -> None, in insertion order

        def pick_code():
            return rng.choices(codes, cum_weights=cum)[0]

        # Every restricted category has a group that reads and posts there, and a moderating reviewer.
        for cid in self.restricted:
            gid = self.bench_groups[0] if cid == self.bench_category else rng.randrange(1, self.n_groups + 1)
            for code in (policy.VIEW, policy.POST):
                group_rows[(gid, code, cid)] = None
            uid = rng.choice(self.employees[1:])
            for code in (policy.MODERATE, policy.REVIEW):
                user_rows[(uid, code, cid)] = None
        # The benchmark user's groups read a handful of restricted categories each.
        for gid in self.bench_groups:
            for cid in rng.sample(self.restricted, min(len(self.restricted), 4)):
                group_rows[(gid, policy.VIEW, cid)] = None
        group_target = max(0, total // 2 - len(group_rows))
        # Each group serves a "department": a few restricted categories it holds grants on.
        homes = {gid: rng.sample(self.restricted, min(len(self.restricted), rng.randint(2, 8)))
                 for gid in self.group_names}
        added, attempts = 0, 0
        while added < group_target and attempts < group_target * 20:
            attempts += 1
            gid = rng.randrange(1, self.n_groups + 1)
            if gid in self.bench_groups:
                continue  # keep the benchmark user's access partial
            code = pick_code()
            cid = rng.choice(homes[gid]) if code in (policy.VIEW, policy.POST) or rng.random() < 0.7 \
                else rng.choice(self.open)
            key = (gid, code, cid)
            if key not in group_rows:
                group_rows[key] = None
                added += 1
        user_target = max(0, total - len(group_rows) - len(user_rows))
        added, attempts = 0, 0
        while added < user_target and attempts < user_target * 20:
            attempts += 1
            uid = rng.choice(self.employees[1:])
            code = pick_code()
            cid = rng.choice(self.restricted) if code in (policy.VIEW, policy.POST) or rng.random() < 0.6 \
                else rng.choice(self.open)
            key = (uid, code, cid)
            if key not in user_rows:
                user_rows[key] = None
                added += 1
        self.user_grants, self.group_grants = list(user_rows), list(group_rows)
        base = -DAY_US
        for i, (uid, code, cid) in enumerate(self.user_grants):
            self.events.append((base + i, 0, self.admin_id, "grant.add", "forum.category", cid, cid,
                                {"user": self.usernames[uid], "permission": code}))
        base += len(self.user_grants)
        for i, (gid, code, cid) in enumerate(self.group_grants):
            self.events.append((base + i, 0, self.admin_id, "grant.add", "forum.category", cid, cid,
                                {"group": self.group_names[gid], "permission": code}))
        # Who may post and who moderates where (policy's rules, applied to the rows above).
        self.posters = {cid: set() for cid in self.restricted}
        self.moderators = {cid: set() for cid in self.categories}
        for uid, code, cid in self.user_grants:
            if code == policy.POST and cid in self.posters:
                self.posters[cid].add(uid)
            if code == policy.MODERATE:
                self.moderators[cid].add(uid)
        for gid, code, cid in self.group_grants:
            if code == policy.POST and cid in self.posters:
                self.posters[cid].update(self.members[gid])
            if code == policy.MODERATE:
                self.moderators[cid].update(self.members[gid])
        self.posters = {cid: sorted(uids) for cid, uids in self.posters.items()}
        self.moderators = {cid: sorted(uids) for cid, uids in self.moderators.items()}
        if not self.posters[self.bench_category] or self.bench_id not in self.posters[self.bench_category]:
            raise CommandError("internal: the benchmark user cannot post in the benchmark category")

    def plan_posts(self):
        rng, opts = self.rng, self.opts
        n_threads, n_posts = opts["threads"], opts["posts"]
        cat_ids = list(self.categories)
        cat_cum, acc = [], 0.0
        for _ in cat_ids:
            acc += min(rng.paretovariate(1.2), 40.0)
            cat_cum.append(acc)
        self.threads = []  # index = thread id - 1: [category, author, created_us, title, last_us, posts]
        plan = []  # (time_us, thread_id, is_reply, author)
        for tid in range(1, n_threads + 1):
            created = SPAN_US * (tid - 1) // n_threads + rng.randrange(0, max(1, SPAN_US // n_threads))
            if tid == n_threads:
                cid, author, title = self.bench_category, self.bench_id, BENCH_THREAD_TITLE
            else:
                cid = rng.choices(cat_ids, cum_weights=cat_cum)[0]
                author = self._author(cid)
                title = self._title(self.categories[cid]["topic"])
            self.threads.append([cid, author, created, title, created, 1])
            plan.append((created, tid, 0, author))
        replies = n_posts - n_threads - (BENCH_THREAD_POSTS - 1)
        t_cum, acc = [], 0.0
        for _ in range(n_threads - 1):
            acc += min(rng.paretovariate(1.6), 30.0)
            t_cum.append(acc)
        counts = [0] * n_threads
        for tid in rng.choices(range(1, n_threads), cum_weights=t_cum, k=replies):
            counts[tid - 1] += 1
        counts[n_threads - 1] = BENCH_THREAD_POSTS - 1
        for tid, count in enumerate(counts, start=1):
            cid, author, created = self.threads[tid - 1][:3]
            at = created
            for _ in range(count):
                at += 1_000_000 + int(rng.expovariate(1 / (6 * HOUR_US))) if tid < n_threads \
                    else 1_000_000 + rng.randrange(HOUR_US)
                plan.append((at, tid, 1, self._author(cid)))
        plan.sort()
        self.plan = plan
        self.bench_thread_id = n_threads
        self.end_us = plan[-1][0]

    def _author(self, cid):
        pool = self.posters.get(cid) or self.employees
        return pool[self.rng.randrange(len(pool))]

    def _words(self, topic, k):
        words = TOPICS[topic].split()
        picks = []
        for _ in range(k):
            if self.rng.random() < 0.2:
                picks.append(GENERIC[self.rng.randrange(len(GENERIC))])
            else:  # Zipf-like: the first words of a topic are the common ones
                picks.append(words[min(len(words) - 1, int(self.rng.paretovariate(1.1)) - 1)])
        return picks

    def _fill(self, frame, topic):
        a, b, c = self._words(topic, 3)
        g = GENERIC[self.rng.randrange(len(GENERIC))]
        return frame.format(a=a, b=b, c=c, g=g, A=a.capitalize(), B=b.upper(),
                            verb=VERBS[self.rng.randrange(len(VERBS))])

    def _title(self, topic):
        return self._fill(TITLE_FRAMES[self.rng.randrange(len(TITLE_FRAMES))], topic)[:200]

    def write_grants(self):
        with self.copy("COPY forum_categoryuserobjectpermission (user_id, permission_id, content_object_id) "
                       "FROM STDIN") as copy:
            for uid, code, cid in self.user_grants:
                copy.write_row((uid, self.perm_ids[code], cid))
        with self.copy("COPY forum_categorygroupobjectpermission (group_id, permission_id, content_object_id) "
                       "FROM STDIN") as copy:
            for gid, code, cid in self.group_grants:
                copy.write_row((gid, self.perm_ids[code], cid))

    def load_threads(self):
        for at, tid, is_reply, _author in self.plan:
            thread = self.threads[tid - 1]
            thread[4] = at
            if is_reply:
                thread[5] += 1
        for cid, _author, _created, _title, last, count in self.threads:
            c = self.categories[cid]
            c["threads"] += 1
            c["posts"] += count
            c["last"] = last if c["last"] is None else max(c["last"], last)
        with self.copy("COPY forum_category (id, name, slug, description, restricted, position, created_at, "
                       "thread_count, post_count, last_post_at) FROM STDIN") as copy:
            for cid, c in self.categories.items():
                description = (f"Questions about {c['topic']} for the {c['name'].split()[1]} teams."
                               + (" Restricted." if c["restricted"] else " Open to every employee."))
                copy.write_row((cid, c["name"], c["slug"], description, c["restricted"], cid, _iso(-2 * DAY_US),
                                c["threads"], c["posts"], None if c["last"] is None else _iso(c["last"])))
        self.write_grants()
        with self.copy("COPY forum_thread (id, category_id, author_id, title, created_at, updated_at, last_post_at, "
                       "post_count, locked) FROM STDIN") as copy:
            for tid, (cid, author, created, title, last, count) in enumerate(self.threads, start=1):
                created_iso = _iso(created)
                copy.write_row((tid, cid, author, title, created_iso, created_iso, _iso(last), count, False))

    def load_bodies(self):
        rng, topics = self.rng, list(TOPICS)
        self.bodies = {topic: [] for topic in topics}
        rows = []
        for body_id in range(1, self.opts["bodies"] + 1):
            topic = topics[(body_id - 1) % len(topics)]
            paragraphs = []
            for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
                sentences = [self._fill(SENTENCES[rng.randrange(len(SENTENCES))], topic)
                             for _ in range(rng.randint(1, 4))]
                paragraphs.append(" ".join(sentences))
            if rng.random() < 0.25:
                paragraphs.append("\n".join(f"- {self._fill(SENTENCES[rng.randrange(len(SENTENCES))], topic)}"
                                            for _ in range(rng.randint(2, 4))))
            if rng.random() < 0.2:
                paragraphs.append(self._fill(CODE[rng.randrange(len(CODE))], topic))
            body = "\n\n".join(paragraphs)
            rows.append((body_id, body, render_markdown(body)))
            self.bodies[topic].append(body_id)
        rows.append((0, BENCH_THREAD_BODY, render_markdown(BENCH_THREAD_BODY)))
        self.sql("CREATE TEMP TABLE seed_body (id int PRIMARY KEY, body text, body_html text)")
        with self.copy("COPY seed_body (id, body, body_html) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        chunks = [(body_id, position, text, plain_text(text))
                  for body_id, body, _ in rows for position, text in enumerate(split_markdown(body))]
        embedder = active_embedder()
        self.embed_model = embed_key(embedder)
        vectors = [None] * len(chunks)
        if embedder is not None:
            distinct = list(dict.fromkeys(plain for *_, plain in chunks))
            by_plain = {}
            for start in range(0, len(distinct), 64):
                batch = distinct[start:start + 64]
                by_plain.update(zip(batch, (vector_bytes(v) for v in embedder.embed(batch)), strict=True))
            vectors = [by_plain[plain] for *_, plain in chunks]
        # The risk encoder's reading of each distinct passage, as ``index.posts_index`` stores it (a body may be a
        # reply anywhere, so each is read; a question's passages are stored unread, as the index stores them).
        distinct = list(dict.fromkeys(text for _, _, text, _ in chunks))
        self.risk_read_by, logits = risk.passage_readings(distinct)
        by_text = dict(zip(distinct, logits, strict=True))
        self.sql("CREATE TEMP TABLE seed_chunk (body_id int, position int, text text, plain text, embedding bytea, "
                 "risk_logit double precision, vector tsvector)")
        with self.copy("COPY seed_chunk (body_id, position, text, plain, embedding, risk_logit) FROM STDIN") as copy:
            for (body_id, position, text, plain), vector in zip(chunks, vectors, strict=True):
                copy.write_row((body_id, position, text, plain, vector, by_text[text]))
        self.sql("UPDATE seed_chunk SET vector = setweight(to_tsvector('english', plain), 'B')")
        self.sql("CREATE INDEX ON seed_chunk (body_id)")
        self.sql("ANALYZE seed_body")
        self.sql("ANALYZE seed_chunk")  # temporary tables get no autovacuum: without statistics the joins below
        # were planned blind, and the vector insert once spilled 70 GB of temporary files

    def load_posts(self):
        rng = self.rng
        self.sql("CREATE TEMP TABLE seed_post (id bigint, thread_id bigint, author_id int, body_id int, "
                     "created_at timestamptz, updated_at timestamptz, hidden bool, hidden_reason text)")
        self.hidden = []
        self.post_rows = []  # (post id, thread id, author, time) of replies, for notifications
        with self.copy("COPY seed_post FROM STDIN") as copy:
            for pid, (at, tid, is_reply, author) in enumerate(self.plan, start=1):
                cid = self.threads[tid - 1][0]
                if tid == self.bench_thread_id and not is_reply:
                    body_id = 0
                else:
                    pool = self.bodies[self.categories[cid]["topic"]]
                    body_id = pool[rng.randrange(len(pool))]
                hidden = is_reply and tid != self.bench_thread_id and rng.random() < 0.003
                stamp = _iso(at)
                if hidden:
                    reason = HIDE_REASONS[rng.randrange(len(HIDE_REASONS))]
                    hide_at = at + HOUR_US
                    mods = self.moderators[cid]
                    moderator = mods[rng.randrange(len(mods))] if mods else self.admin_id
                    self.hidden.append((hide_at, pid, cid, moderator, reason))
                    copy.write_row((pid, tid, author, body_id, stamp, _iso(hide_at), True, reason))
                else:
                    copy.write_row((pid, tid, author, body_id, stamp, stamp, False, ""))
                if is_reply:
                    self.post_rows.append((pid, tid, author, at))
                    self.events.append((at, 1, author, "post.reply", "forum.post", pid, cid, {"thread": tid}))
                else:
                    self.events.append((at, 1, author, "thread.start", "forum.thread", tid, cid,
                                        {"title": self.threads[tid - 1][3], "post": pid}))
        self.sql("ANALYZE seed_post")
        for hide_at, pid, cid, moderator, reason in self.hidden:
            self.events.append((hide_at, 2, moderator, "post.hide", "forum.post", pid, cid, {"reason": reason}))
        with self.bare_table("forum_post"):
            self.sql("""
                INSERT INTO forum_post (id, thread_id, author_id, kind, body, body_html, created_at, updated_at,
                                        hidden, hidden_reason)
                SELECT p.id, p.thread_id, p.author_id, 'human', b.body, b.body_html, p.created_at, p.updated_at,
                       p.hidden, p.hidden_reason
                FROM seed_post p JOIN seed_body b ON b.id = p.body_id
            """)
        # The counts leave out the posts moderators hid (``forum.services.counted_posts``), as ``post_hide`` does.
        self.sql("""
            UPDATE forum_thread t
            SET post_count = t.post_count - h.hidden,
                last_post_at = coalesce((SELECT max(p.created_at) FROM seed_post p
                                         WHERE p.thread_id = t.id AND NOT p.hidden), t.created_at)
            FROM (SELECT thread_id, count(*) AS hidden FROM seed_post WHERE hidden GROUP BY thread_id) h
            WHERE h.thread_id = t.id
        """)
        self.sql("""
            UPDATE forum_category c SET post_count = s.posts, last_post_at = s.latest
            FROM (SELECT category_id, sum(post_count) AS posts, max(last_post_at) AS latest
                  FROM forum_thread GROUP BY category_id) s
            WHERE s.category_id = c.id
        """)

    def load_passages(self):
        """The rows ``index.posts_index`` would write, set-based: hidden posts have none."""
        self.sql("CREATE TEMP TABLE seed_title AS SELECT id, title, category_id, "
                 "setweight(to_tsvector('english', title), 'A') AS vector FROM forum_thread")
        self.sql("ALTER TABLE seed_title ADD PRIMARY KEY (id)")
        self.sql("ANALYZE seed_title")
        self.sql("CREATE TEMP TABLE seed_opening AS SELECT thread_id, min(id) AS id FROM seed_post GROUP BY thread_id")
        self.sql("ALTER TABLE seed_opening ADD PRIMARY KEY (thread_id)")
        self.sql("ANALYZE seed_opening")
        self.sql("ALTER TABLE retrieval_passage DISABLE TRIGGER retrieval_passage_tsv")
        try:
            with self.bare_table("retrieval_passage"):
                self.sql("""
                    INSERT INTO retrieval_passage (post_id, thread_id, category_id, author_id, role, position, title,
                                                   text, plain, source_hash, indexed_at, search_vector,
                                                   risk_read_by, risk_logit)
                    SELECT p.id, p.thread_id, t.category_id, p.author_id, r.role, c.position, t.title, c.text, c.plain,
                           encode(sha256(convert_to(t.title || chr(31) || b.body || chr(31) || r.role, 'UTF8')), 'hex'),
                           p.updated_at, t.vector || c.vector,
                           CASE WHEN r.role = 'reply' THEN %s ELSE '' END,
                           CASE WHEN r.role = 'reply' THEN c.risk_logit END
                    FROM seed_post p
                    JOIN seed_opening o ON o.thread_id = p.thread_id
                    CROSS JOIN LATERAL (SELECT CASE WHEN p.id = o.id THEN 'question' ELSE 'reply' END AS role) r
                    JOIN seed_body b ON b.id = p.body_id
                    JOIN seed_chunk c ON c.body_id = p.body_id
                    JOIN seed_title t ON t.id = p.thread_id
                    WHERE NOT p.hidden
                """, [self.risk_read_by])
        finally:
            self.sql("ALTER TABLE retrieval_passage ENABLE TRIGGER retrieval_passage_tsv")
        if self.embed_model:  # the answers' vectors (index.posts_index writes them beside the passages too)
            self.sql("ANALYZE retrieval_passage")
            with self.bare_table("retrieval_passagevector"):
                self.sql("""
                    INSERT INTO retrieval_passagevector (passage_id, embedding, embed_model)
                    SELECT x.id, c.embedding, %s
                    FROM retrieval_passage x
                    JOIN seed_post p ON p.id = x.post_id
                    JOIN seed_chunk c ON c.body_id = p.body_id AND c.position = x.position
                    WHERE x.role = 'reply' AND c.embedding IS NOT NULL
                """, [self.embed_model])

    def load_notifications(self):
        titles = {tid: thread[3] for tid, thread in enumerate(self.threads, start=1)}
        authors = {tid: thread[1] for tid, thread in enumerate(self.threads, start=1)}
        read_before = self.end_us - 7 * DAY_US
        with self.bare_table("forum_notification"), \
                self.copy("COPY forum_notification (recipient_id, verb, text, url, created_at, read_at) FROM STDIN") \
                as copy:
            for pid, tid, author, at in self.post_rows:
                recipient = authors[tid]
                if recipient == author:
                    continue
                text = f"{self.usernames[author]} replied to your thread “{titles[tid]}”"[:500]
                copy.write_row((recipient, "reply", text, f"/t/{tid}/?post={pid}#post-{pid}", _iso(at),
                                _iso(at + DAY_US) if at < read_before else None))

    def load_audit(self):
        self.events.sort(key=lambda e: (e[0], e[1], e[5]))
        prev = GENESIS
        columns = "actor_id, actor_name, verb, target_type, target_id, category_id, data, created_at, prev_hash, hash"
        with self.bare_table("forum_auditevent"), self.copy(f"COPY forum_auditevent ({columns}) FROM STDIN") as copy:
            for at, _, actor, verb, target_type, target_id, cid, data in self.events:
                created = _iso(at)
                payload = {"actor": actor, "actor_name": self.usernames[actor], "verb": verb,
                           "target_type": target_type, "target_id": str(target_id), "category": cid, "data": data,
                           "created_at": created, "prev_hash": prev}
                digest = audit_digest(audit_canonical(payload))
                copy.write_row((actor, self.usernames[actor], verb, target_type, str(target_id), cid,
                                json.dumps(data), created, prev, digest))
                prev = digest
        self.audit_events = len(self.events)
        self.events = []

    def finish_tables(self):
        for table in ("auth_user", "auth_group", "auth_user_groups", "forum_category", "forum_thread", "forum_post",
                      "forum_notification", "forum_auditevent", "forum_categoryuserobjectpermission",
                      "forum_categorygroupobjectpermission"):
            statement = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"  # noqa: S608, E501 - fixed table names
            self.sql(statement)

    def vacuum(self):
        self.sql("VACUUM ANALYZE")

    def bench_answer(self):
        """The benchmark user's private draft, through the real services (worker path run inline).

        The command lives in ``aiassist`` because it builds the whole product's world, forum rows
        included; ``forum`` itself never imports the assistant.
        """
        from aiassist import services as ai_services
        from aiassist.models import AssistantSwitch
        from config.celery import app

        AssistantSwitch.objects.get_or_create(pk=1)  # an instance where someone has looked at the switch
        bench = User.objects.get(pk=self.bench_id)
        thread = Thread.objects.select_related("category").get(pk=self.bench_thread_id)
        # Eager: the tasks enqueued on commit (indexing, drafting) run here, not on whatever broker is configured.
        app.conf.task_always_eager = True
        try:
            # No e-mail to the made-up address (the in-app notification is still written).
            with override_settings(EMAIL_NOTIFICATIONS=False):
                self.bench_source(thread)
                with audited():
                    answer = ai_services.answer_request(acting_user=bench, thread=thread)
        finally:
            app.conf.task_always_eager = False
        answer.refresh_from_db()
        if answer.status != answer.Status.DRAFT or not answer.sources.exists():
            raise CommandError(f"The benchmark AI answer was not drafted with sources: {answer!r} {answer.error}")
        self.answer = answer

    def bench_source(self, thread):
        """A colleague's answered thread on the benchmark question, posted through the services, so the
        draft has something real to quote (the generated bodies are filler the assistant rightly declines)."""
        from forum import services as forum_services

        people = User.objects.exclude(pk__in=[self.bench_id, self.assistant_id]).filter(is_active=True).order_by("pk")
        asker, replier = [u for u in people[:500] if policy.can_start_thread(u, thread.category)][:2]
        with audited():
            source = forum_services.thread_start(acting_user=asker, category=thread.category,
                                                 title=BENCH_SOURCE_TITLE, body=BENCH_SOURCE_QUESTION)
            reply = forum_services.post_reply(acting_user=replier, thread=source, body=BENCH_SOURCE_ANSWER)
            forum_services.thread_accept_answer(acting_user=asker, thread=source, post=reply)

    def verify(self):
        with connection.cursor() as cursor:
            cursor.execute("""
                SELECT count(*) FROM (SELECT search_vector, plain, title FROM retrieval_passage
                                      WHERE id % 997 = 1 LIMIT 2000) s
                WHERE search_vector IS DISTINCT FROM setweight(to_tsvector('english', title), 'A')
                                                    || setweight(to_tsvector('english', plain), 'B')
            """)
            wrong_vectors = cursor.fetchone()[0]
            cursor.execute("""
                SELECT (SELECT count(*) FROM forum_thread t WHERE post_count <>
                          (SELECT count(*) FROM forum_post p WHERE p.thread_id = t.id AND NOT p.hidden)),
                       (SELECT count(*) FROM forum_category c WHERE post_count <>
                          (SELECT coalesce(sum(post_count), 0) FROM forum_thread t WHERE t.category_id = c.id)
                          OR thread_count <> (SELECT count(*) FROM forum_thread t WHERE t.category_id = c.id)),
                       (SELECT count(*) FROM forum_post), (SELECT count(*) FROM forum_notification),
                       (SELECT count(*) FROM forum_auditevent)
            """)
            bad_threads, bad_categories, posts, notifications, events = cursor.fetchone()
        if wrong_vectors or bad_threads or bad_categories:
            raise CommandError(f"verification failed: {wrong_vectors} search vectors, {bad_threads} thread counts, "
                               f"{bad_categories} category counts differ")
        bench = User.objects.get(pk=self.bench_id)
        readable = policy.visible_categories(bench).filter(restricted=True).count()
        self.stdout.write(f"  verified: {posts} posts, {notifications} notifications, {events} audit events; "
                          f"{self.opts['bench_username']} reads {readable} of {len(self.restricted)} restricted "
                          f"categories; AI answer {self.answer.pk} has {self.answer.sources.count()} sources")
