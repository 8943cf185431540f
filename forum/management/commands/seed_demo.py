"""manage.py seed_demo: a believable demo world (categories, people, grants, threads), idempotently.

Everything goes through the services and guardian's ``assign_perm``, so the demo data is exactly what
real use would have produced, audit trail included. Running it again only adds what is missing; it
never changes an account or a post that already exists.
"""
import re
import textwrap

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from guardian.shortcuts import assign_perm

from common.exceptions import ApplicationError
from forum import policy, services
from forum.audit import audit_record, audited
from forum.models import Category, CategoryGroupObjectPermission, CategoryUserObjectPermission, Thread

User = get_user_model()

DEMO_PASSWORD = "vetted-demo"  # noqa: S105 - the published password of the demo accounts (README.md)
ASSISTANT_USERNAME = settings.ASSISTANT_USERNAME  # "assistant" unless configured
ADMIN = "admin"

CATEGORIES = [
    {"slug": "general", "name": "General", "restricted": False, "position": 0,
     "description": "Tooling, workflow and everything that does not fit elsewhere. Open to every employee."},
    {"slug": "engineering", "name": "Engineering", "restricted": False, "position": 1,
     "description": "Databases, queues, Kubernetes, Django and the rest of the stack. Open to every employee."},
    {"slug": "security-ops", "name": "Security Ops", "restricted": True, "position": 2,
     "description": "Runbooks, incident notes and change procedures. Restricted to the security team."},
]

USERS = [
    {"username": "alice", "first_name": "Alice", "last_name": "Martin", "role": "employee",
     "can": "read and post in General and Engineering, ask the assistant"},
    {"username": "bob", "first_name": "Bob", "last_name": "Okafor", "role": "employee",
     "can": "read and post in General and Engineering, ask the assistant"},
    {"username": "maria", "first_name": "Maria", "last_name": "Gonzalez", "role": "Engineering moderator",
     "can": "moderate Engineering, review and publish AI answers there"},
    {"username": "sam", "first_name": "Sam", "last_name": "Lee", "role": "security reviewer",
     "can": "Security Ops member; review AI answers and give high-risk approvals in Engineering and Security Ops"},
    {"username": "priya", "first_name": "Priya", "last_name": "Raman", "role": "security engineer",
     "can": "read and post in Security Ops (secops group), General and Engineering"},
    {"username": ADMIN, "first_name": "Ada", "last_name": "Admin", "role": "administrator",
     "can": "manage categories and grants, read the audit log, pause the assistant; Django admin at /admin/",
     "is_staff": True, "is_superuser": True},
]

# username -> category slug -> codenames held directly on that category.
USER_GRANTS = {
    "maria": {"engineering": (policy.MODERATE, policy.REVIEW)},
    "sam": {
        "security-ops": (policy.VIEW, policy.POST, policy.REVIEW, policy.APPROVE_HIGH_RISK),
        "engineering": (policy.REVIEW, policy.APPROVE_HIGH_RISK),
    },
}

GROUPS = {
    "secops": {"members": ("sam", "priya"), "grants": {"security-ops": (policy.VIEW, policy.POST)}},
}

# Each thread: category slug, author, title, Markdown body, replies as (author, body), and optionally
# ``accept``: the index of the reply the author marks as the accepted answer.
THREADS = [
    # General -------------------------------------------------------------------------------------
    {
        "category": "general", "author": ADMIN, "title": "Welcome to Vetted: how this forum and its assistant work",
        "body": """
            Ask technical questions here the way you would ask a colleague. A few things worth knowing:

            - **The assistant drafts privately.** When you tick "ask the assistant", it writes a draft that only
              you can see. It is machine-written and can be wrong: verify before acting on it.
            - **Nothing AI-written is published without a human.** If the draft is useful, submit it for review;
              a moderator of the category reads, edits and approves it. Risky advice (permissions, credentials,
              firewall rules, destructive commands) needs a second approval from a security reviewer.
            - **Restricted categories stay restricted.** The assistant only cites what the thread's audience
              may read.

            Questions about the forum itself go in this thread.
        """,
        "replies": [
            ("alice", "Does the assistant see my private drafts in other categories when it answers someone else?"),
            ("admin", """
                No. Retrieval runs as the person who asked, so it only sees what that person may read, and a
                draft is never a source for anyone else. Published answers cite sources the whole audience of
                the thread can read, otherwise publication is refused.
            """),
            ("bob", "Good to know. Is there a way to see who approved a published answer?"),
            ("maria", "Yes: every published AI post names its reviewers under the disclaimer."),
        ],
    },
    {
        "category": "general", "author": "bob", "title": "Git rebase vs merge for feature branches",
        "body": """
            Our team keeps arguing about this. Some people `git merge main` into their branch every morning,
            others rebase. The history on `main` is getting hard to read with all the merge bubbles.

            Is there a house rule? What do you do when a rebase goes wrong halfway?
        """,
        "replies": [
            ("alice", """
                Rebase your own branch, never a shared one. Before opening the PR:

                ```sh
                git fetch origin
                git rebase origin/main
                # fix conflicts, then
                git rebase --continue
                git push --force-with-lease
                ```

                `--force-with-lease` refuses to overwrite commits someone else pushed in the meantime.
                If the rebase goes sideways, `git rebase --abort` puts you back where you started, and
                `git reflog` finds anything you think you lost.
            """),
            ("maria", """
                Agree with Alice. We also squash-merge PRs in the web UI, so what lands on `main` is one commit
                per change regardless of how messy the branch was.
            """),
            ("sam", """
                If you rebase signed commits, remember they get re-signed with your key: check `git log
                --show-signature`.
            """),
        ],
        "accept": 0,
    },
    {
        "category": "general", "author": "alice", "title": "VPN drops every few minutes on hotel Wi-Fi",
        "body": """
            Travelling this week. The VPN connects fine, then SSH sessions freeze and the client reconnects every
            5-10 minutes. At home it is rock solid. Anything I can try before raising a ticket?
        """,
        "replies": [
            ("sam", """
                Classic MTU problem: hotel networks often sit behind another tunnel and drop large packets.
                Try lowering the MTU on the VPN interface:

                ```sh
                # find the largest packet that gets through unfragmented (start high, go down)
                ping -M do -s 1372 intranet.example.com
                sudo ip link set dev tun0 mtu 1350
                ```

                If that fixes it, the client has an MTU setting under *Advanced* so it sticks.
            """),
            ("bob", "Also worth switching the client to TCP mode on networks that block UDP. Slower, but it stays up."),
            ("alice", "MTU 1350 did it. Thanks @sam!"),
        ],
        "accept": 0,
    },
    {
        "category": "general", "author": "bob", "title": "How do I rotate my SSH key for the Git server?",
        "body": """
            My laptop was replaced and I want to retire the old key properly rather than just adding a new one.
            What's the procedure?
        """,
        "replies": [
            ("priya", """
                1. Generate a new key on the new laptop: `ssh-keygen -t ed25519 -C "bob@example.com"`
                2. Add the **public** key (`~/.ssh/id_ed25519.pub`) in your Git server profile.
                3. Test with `ssh -T git@git.example.com`.
                4. Delete the old key from your profile, then from the old machine if you still have it.

                Never copy private keys between machines, and use a passphrase with the agent.
            """),
            ("bob", "Done, old key removed. Step 4 is the one people forget, I suspect."),
        ],
    },
    {
        "category": "general", "author": "alice", "title": "Do we enforce Conventional Commits?",
        "body": """
            Some repositories use `feat:` / `fix:` prefixes, others don't. Is there a standard, and is anything
            checking it in CI?
        """,
        "replies": [
            ("maria", """
                Not enforced company-wide. The libraries that publish changelogs automatically do use it, and
                they check it with a commit-msg hook. For services, a clear imperative subject line under 72
                characters matters more than the prefix.
            """),
            ("bob", "+1. A commit message that says *why* beats a perfectly formatted `chore: update`."),
        ],
    },
    {
        "category": "general", "author": "maria",
        "title": "Structured logging: which fields should every service emit?",
        "body": """
            We are moving services to JSON logs. I'd like a minimal common set of fields so dashboards work across
            services. My starting list:

            | field | example |
            | --- | --- |
            | `ts` | `2024-05-02T09:14:03.120Z` |
            | `level` | `info` |
            | `service` | `billing-api` |
            | `request_id` | `7f3c...` |
            | `msg` | `invoice created` |

            What am I missing?
        """,
        "replies": [
            ("alice", "`env` (prod/staging) and `version` (the git SHA) save a lot of time during incidents."),
            ("sam", """
                Please add a rule to that list as well: **never log secrets or full request bodies**. We had tokens
                showing up in logs last year because someone logged headers at debug level.
            """),
            ("bob", "`user_id` where there is one, but not e-mail addresses: easier for data retention."),
        ],
    },
    {
        "category": "general", "author": "bob", "title": "pre-commit hooks take 40 seconds in the monorepo",
        "body": """
            Every commit runs the full lint suite over the whole repository. Is there a way to make `pre-commit`
            only look at what I changed?
        """,
        "replies": [
            ("alice", """
                By default pre-commit only passes the staged files to each hook. If it's slow, one of the hooks
                probably has `pass_filenames: false` or `always_run: true`. Check `.pre-commit-config.yaml`;
                the type checker is the usual culprit. Moving that one to CI only brought ours down to 3 seconds.
            """),
        ],
    },
    {
        "category": "general", "author": "priya", "title": "UTC everywhere in logs and dashboards?",
        "body": """
            During the last incident half the graphs were in local time and half in UTC, and we lost ten minutes
            lining up the timeline. Can we agree on UTC for everything operational?
        """,
        "replies": [
            ("maria", """
                Yes please. Store and log in UTC with an explicit offset (`Z`), convert only at display time for
                humans. Grafana has an organisation-wide default time zone setting; we can set it to UTC.
            """),
            ("bob", "Support for that. Local time is fine in the chat tool, never in a timeline."),
        ],
        "accept": 0,
    },
    {
        "category": "general", "author": "bob", "title": "How do you review a 2,000-line pull request?",
        "body": """
            I was asked to review a PR that touches 60 files. I don't know where to start, and I don't want to
            rubber-stamp it either.
        """,
        "replies": [
            ("maria", "Ask the author to split it. Mechanical renames in one PR, behaviour changes in another."),
            ("alice", """
                If splitting isn't possible, review commit by commit and start with the tests: they tell you what
                the author thinks the change does.
            """),
            ("sam", "And look hard at anything touching auth, permissions or data export, even if it is one line."),
        ],
    },
    {
        "category": "general", "author": "alice", "title": "Markdown tips for posting code here",
        "body": """
            Posts here are Markdown. Fenced code blocks with a language get highlighted:

            ```python
            def greet(name: str) -> str:
                return f"Hello, {name}"
            ```

            Tables, `inline code` and lists work too. What doesn't?
        """,
        "replies": [
            ("admin", """
                Raw HTML and images are stripped for safety; links are kept. Mention people with `@username` to
                notify them (only if they can read the thread).
            """),
        ],
    },
    {
        "category": "general", "author": "bob", "title": "Laptop disk full because of Docker",
        "body": """
            My 512 GB disk is full and `du` says most of it is `~/Library/Containers/com.docker.docker`. I don't
            want to lose the database volumes I use for local development.
        """,
        "replies": [
            ("alice", """
                See what's using it first:

                ```sh
                docker system df
                ```

                Then remove stopped containers, dangling images and build cache, but not volumes:

                ```sh
                docker container prune
                docker image prune -a
                docker builder prune
                ```

                Only `docker system prune --volumes` touches volumes, so avoid that one.
            """),
            ("priya", """
                Also lower the disk image size limit in Docker Desktop settings, so it can't grow back
                unbounded.
            """),
        ],
        "accept": 0,
    },
    {
        "category": "general", "author": "sam", "title": "Writing a useful incident postmortem",
        "body": """
            We're standardising the postmortem template. Sections so far: summary, impact, timeline (UTC),
            root cause, what went well, what went badly, action items with owners and dates.

            The rule we want to keep: blameless. We describe what the system allowed, not who clicked what.
        """,
        "replies": [
            ("maria", """
                Add *detection*: how we found out, and how long it took. That gap is usually the best
                action item.
            """),
            ("alice", "And link every action item to a ticket, otherwise they quietly die."),
        ],
    },
    {
        "category": "general", "author": "alice", "title": "Jupyter notebooks in Git: unreadable diffs",
        "body": """
            Every time someone re-runs a notebook, the diff is thousands of lines of output and execution counts.
            How do other teams deal with this?
        """,
        "replies": [
            ("bob", """
                `nbstripout` as a Git filter removes outputs on commit:

                ```sh
                pip install nbstripout
                nbstripout --install
                ```

                For reviewing, `nbdime` gives readable notebook diffs.
            """),
            ("maria", "We also keep heavy logic in `.py` modules and import them, so notebooks stay thin."),
        ],
    },
    # Engineering ---------------------------------------------------------------------------------
    {
        "category": "engineering", "author": "bob", "title": "Autovacuum can't keep up with the events table",
        "body": """
            `events` gets about 30M updates a day. The table is 4x its expected size and queries got slower
            over the month. `pg_stat_user_tables` shows autovacuum running, but `n_dead_tup` keeps climbing.

            ```sql
            SELECT relname, n_live_tup, n_dead_tup, last_autovacuum
            FROM pg_stat_user_tables ORDER BY n_dead_tup DESC LIMIT 5;
            ```

            Do we just run `VACUUM FULL` at night?
        """,
        "replies": [
            ("maria", """
                Please don't: `VACUUM FULL` takes an `ACCESS EXCLUSIVE` lock for the whole rewrite. Tune
                autovacuum for that table instead, so it runs earlier and works faster:

                ```sql
                ALTER TABLE events SET (
                  autovacuum_vacuum_scale_factor = 0.01,
                  autovacuum_vacuum_cost_limit = 2000
                );
                ```

                Also check for long-running transactions: a single session idle in transaction holds back
                cleanup for the whole database. To reclaim the existing bloat online, use `pg_repack`.
            """),
            ("sam", "`pg_repack` needs a superuser-ish role; ask the DBA on call rather than running it yourself."),
            ("bob", """
                Found a reporting job holding a transaction open for 6 hours. Fixed that plus the
                settings above; dead tuples are dropping.
            """),
        ],
        "accept": 0,
    },
    {
        "category": "engineering", "author": "alice", "title": "Celery retries: autoretry_for or self.retry()?",
        "body": """
            Our `send_invoice` task calls a flaky payment API. Currently:

            ```python
            @shared_task(bind=True)
            def send_invoice(self, invoice_id):
                try:
                    client.send(invoice_id)
                except ApiError as exc:
                    raise self.retry(exc=exc, countdown=5)
            ```

            It hammers the API when it's down. What's the better pattern?
        """,
        "replies": [
            ("maria", """
                Declare retries on the decorator, with exponential backoff and jitter:

                ```python
                @shared_task(
                    autoretry_for=(ApiError,),
                    retry_backoff=True,
                    retry_backoff_max=600,
                    retry_jitter=True,
                    max_retries=8,
                )
                def send_invoice(invoice_id):
                    client.send(invoice_id)
                ```

                And make the task idempotent: retries and redeliveries *will* happen, so sending twice must be
                harmless (pass an idempotency key to the API).
            """),
            ("bob", "Plus `acks_late=True` if losing a task on worker crash is worse than running it twice."),
        ],
        "accept": 0,
    },
    {
        "category": "engineering", "author": "bob",
        "title": "Pods evicted: \"The node was low on resource: ephemeral-storage\"",
        "body": """
            Our batch workers get evicted a few times a day on the shared node pool. `kubectl describe pod` says:

            ```
            Status:  Failed
            Reason:  Evicted
            Message: The node was low on resource: ephemeral-storage.
            ```

            We don't write much to disk, or so I thought.
        """,
        "replies": [
            ("maria", """
                Ephemeral storage includes container logs and anything written outside a volume, including `/tmp`.
                Set requests and limits so the scheduler accounts for it:

                ```yaml
                resources:
                  requests:
                    ephemeral-storage: "2Gi"
                  limits:
                    ephemeral-storage: "4Gi"
                ```

                Then check where the writes come from: `kubectl exec` into a pod and run `du -sh /tmp`.
            """),
            ("alice", """
                Pandas spilling temp files to `/tmp` bit us the same way. Mount an `emptyDir` volume for
                scratch space.
            """),
            ("bob", "It was the temp files from the CSV export. emptyDir + limits, no evictions since yesterday."),
        ],
        "accept": 0,
    },
    {
        "category": "engineering", "author": "alice",
        "title": "Adding a NOT NULL column to a 200M-row table with Django migrations",
        "body": """
            I need `orders.currency` as a non-null `CharField` with default `"EUR"`. `makemigrations` generated an
            `AddField` with the default. Will this lock the table in production (PostgreSQL 15)?
        """,
        "replies": [
            ("maria", """
                On PostgreSQL 11+ adding a column with a constant default is a metadata-only change, so the
                `ALTER TABLE` itself is fast. The catch is that Django drops the database default afterwards,
                and it still needs an `ACCESS EXCLUSIVE` lock, so it waits behind any long query. Set a lock
                timeout so it fails fast instead of queueing everything behind it:

                ```python
                operations = [
                    migrations.RunSQL("SET LOCAL lock_timeout = '5s'", migrations.RunSQL.noop),
                    migrations.AddField("orders", "currency",
                                        models.CharField(max_length=3, default="EUR", db_default="EUR")),
                ]
                ```

                With Django 5's `db_default` the default stays in the database, so old code still running
                during the deploy can insert rows.
            """),
            ("sam", """
                For anything that rewrites the table (changing a type, adding a volatile default), do it
                in steps: nullable column, backfill in batches, then the constraint with `NOT VALID` +
                `VALIDATE`.
            """),
            ("alice", "Ran it on a production-sized copy: 40 ms. Thanks both."),
        ],
        "accept": 0,
    },
    {
        "category": "engineering", "author": "priya", "title": "Redis memory keeps growing on the cache cluster",
        "body": """
            `used_memory` on the cache cluster grows about 1 GB a week and we are at 80% of `maxmemory`.
            What happens when it hits the limit?
        """,
        "replies": [
            ("bob", """
                Depends on `maxmemory-policy`. Check it:

                ```sh
                redis-cli CONFIG GET maxmemory-policy
                ```

                If it's `noeviction` (the default), writes start failing with `OOM command not allowed`. For a
                pure cache, `allkeys-lru` is what you want. Also look for keys without a TTL:
                `redis-cli --bigkeys` and sample with `SCAN` + `TTL`.
            """),
            ("maria", """
                It was `noeviction`, and the session keys had no TTL. Careful though: if the same
                instance holds Celery or other non-cache data, LRU eviction will eat it.
            """),
        ],
    },
    {
        "category": "engineering", "author": "maria",
        "title": "TLS certificate on the staging ingress expired silently",
        "body": """
            Staging broke this morning with certificate errors. cert-manager was supposed to renew it. The
            `Certificate` resource says `Ready: False` and the last renewal attempt was three weeks ago.
        """,
        "replies": [
            ("sam", """
                Look at the `CertificateRequest` and `Order` objects, the real error is usually there:

                ```sh
                kubectl describe certificate staging-tls -n web
                kubectl get certificaterequest,order,challenge -n web
                ```

                A common cause is the HTTP-01 challenge path being caught by an auth middleware or redirect. We
                should also alert on expiry: the blackbox exporter exposes `probe_ssl_earliest_cert_expiry`.
            """),
            ("bob", "Can confirm, the challenge was getting a 302 to the login page after the SSO change."),
            ("maria", """
                Excluded `/.well-known/acme-challenge/` from the SSO redirect, renewed. Alert added at
                14 days.
            """),
        ],
    },
    {
        "category": "engineering", "author": "bob", "title": "Flaky test: test_order_export fails about 1 run in 20",
        "body": """
            `tests/orders/test_export.py::test_order_export` fails randomly in CI:

            ```
            AssertionError: assert ['B-2', 'A-1'] == ['A-1', 'B-2']
            ```

            Never fails locally. Retrying the job makes it pass.
        """,
        "replies": [
            ("alice", """
                The query has no `ORDER BY`, so PostgreSQL returns rows in whatever order is cheapest, which
                changes with table state. Either order the export explicitly (probably what users want anyway)
                or compare without order in the test:

                ```python
                assert sorted(rows) == ["A-1", "B-2"]
                ```
            """),
            ("maria", "Order the export. A test that hides a real nondeterminism is worse than a flaky test."),
            ("bob", "Added `.order_by(\"number\")` to the export queryset. 200 CI runs, no failures."),
            ("alice", "Nice. `pytest -p randomly` locally would have shown it too, by shuffling test order."),
        ],
        "accept": 0,
    },
    {
        "category": "engineering", "author": "alice",
        "title": "Publishing an internal Python library: pyproject.toml only?",
        "body": """
            I'm extracting our retry helpers into a package for other teams. Do we still need `setup.py` and
            `setup.cfg`, or is `pyproject.toml` enough these days? And where do we publish it?
        """,
        "replies": [
            ("bob", """
                `pyproject.toml` alone is enough with any modern backend:

                ```toml
                [build-system]
                requires = ["hatchling"]
                build-backend = "hatchling.build"

                [project]
                name = "acme-retry"
                version = "1.2.0"
                requires-python = ">=3.11"
                dependencies = []
                ```

                Build with `python -m build`, upload to the internal index with `twine`.
            """),
            ("maria", """
                Use a company prefix on the name (`acme-`) so nobody can shadow it from the public index
                through dependency confusion.
            """),
        ],
    },
    {
        "category": "engineering", "author": "bob",
        "title": "S3 bucket policy: give a partner read access to one prefix only",
        "body": """
            A partner needs to download daily reports from `s3://acme-reports/partner-x/`. They have their own AWS
            account. What's the right way to give them access to that prefix and nothing else?
        """,
        "replies": [
            ("sam", """
                Please involve security before granting any cross-account access, this is exactly the kind of
                change that ends up exposing more than intended. The shape we approve:

                - a **separate bucket** per partner export rather than a prefix in a shared bucket;
                - a bucket policy allowing `s3:GetObject` for their account's specific role ARN only;
                - Block Public Access on, objects encrypted, access logging enabled;
                - an expiry lifecycle rule so old reports disappear.

                Never use `"Principal": "*"` with a condition as a shortcut. Open a ticket with the partner's role
                ARN and I'll review the policy.
            """),
            ("maria", """
                Agree on the separate bucket: prefix conditions in a shared bucket are easy to get
                subtly wrong.
            """),
        ],
        "accept": 0,
    },
    {
        "category": "engineering", "author": "maria", "title": "PostgreSQL: connections stuck \"idle in transaction\"",
        "body": """
            We hit `max_connections` twice this week. Most connections are `idle in transaction` from the API pods.

            ```sql
            SELECT pid, state, now() - xact_start AS age, left(query, 60)
            FROM pg_stat_activity WHERE state = 'idle in transaction' ORDER BY age DESC;
            ```
        """,
        "replies": [
            ("alice", """
                Something opens a transaction and then does a slow HTTP call inside it.
                `ATOMIC_REQUESTS` + an external call in the view will do exactly that.
            """),
            ("bob", """
                As a safety net, set a server-side timeout so these get killed:

                ```sql
                ALTER ROLE api SET idle_in_transaction_session_timeout = '60s';
                ```

                And put PgBouncer in transaction mode in front, so idle pods don't hold real connections.
            """),
        ],
    },
    {
        "category": "engineering", "author": "alice", "title": "Celery worker memory grows until it is OOM-killed",
        "body": """
            Worker RSS climbs from 200 MB to 2 GB over a day and then the pod gets OOM-killed, losing whatever
            it was running. No obvious leak in our code.
        """,
        "replies": [
            ("maria", """
                Recycle worker processes so slow leaks (ours or a library's) can't accumulate:

                ```sh
                celery -A config worker --max-tasks-per-child 200 --max-memory-per-child 500000
                ```

                (`--max-memory-per-child` is in KiB.) With `acks_late` and `reject_on_worker_lost`, a task killed
                mid-run is redelivered instead of lost.
            """),
        ],
    },
    {
        "category": "engineering", "author": "sam", "title": "PodDisruptionBudget blocking node drains during upgrades",
        "body": """
            The cluster upgrade stalled for an hour because `kubectl drain` kept retrying:

            ```
            error when evicting pods/"search-0": Cannot evict pod as it would violate the pod's disruption budget.
            ```
        """,
        "replies": [
            ("maria", """
                `search` has `minAvailable: 1` and only one replica, so it can never be evicted. Either
                run 2+ replicas or use `maxUnavailable: 1`.
            """),
            ("bob", "We'll bump search to 3 replicas; it's a single point of failure anyway."),
        ],
    },
    {
        "category": "engineering", "author": "bob", "title": "select_related vs prefetch_related in list views",
        "body": """
            The orders list page does 300 queries for 100 rows (debug toolbar). Each row shows the customer name
            and the number of items. Which one do I need?
        """,
        "replies": [
            ("alice", """
                `select_related` for forward foreign keys (a JOIN), and for the item count use an annotation
                rather than prefetching all items:

                ```python
                orders = (Order.objects.select_related("customer")
                          .annotate(item_count=Count("items")))
                ```

                Use `prefetch_related` when you actually need the related objects of a many-side relation.
            """),
            ("maria", "And add a test with `django_assert_num_queries` so it can't regress."),
        ],
    },
    {
        "category": "engineering", "author": "maria",
        "title": "Pinning transitive dependencies: pip-tools or something else?",
        "body": """
            A minor release of a transitive dependency broke the build last week. Our `requirements.txt` only pins
            direct dependencies. Should we lock everything?
        """,
        "replies": [
            ("alice", """
                Yes for applications, no for libraries. `pip-compile` from `requirements.in` gives a
                fully pinned file with hashes.
            """),
            ("bob", "We use `uv pip compile`, same format and much faster."),
            ("priya", """
                Hashes (`--generate-hashes`) also protect against a compromised package being swapped on
                the index.
            """),
        ],
    },
    {
        "category": "engineering", "author": "alice",
        "title": "Zero-downtime deploys: migrate before or after the new code?",
        "body": """
            During a deploy, old and new pods run side by side for a couple of minutes. In which order should
            migrations run?
        """,
        "replies": [
            ("maria", """
                Before, and every migration must be compatible with the code that is already running:

                1. add columns nullable (or with `db_default`), never rename in one step;
                2. deploy the code that writes the new column;
                3. backfill;
                4. in a later release, drop what the old code needed.
            """),
            ("bob", """
                Renames are the usual trap: add new, dual-write, switch reads, drop old. Four releases
                for one rename.
            """),
        ],
    },
    {
        "category": "engineering", "author": "bob", "title": "Gunicorn WORKER TIMEOUT under load",
        "body": """
            Under load tests we see `[CRITICAL] WORKER TIMEOUT (pid:...)` and 502s from the proxy. We run 4 sync
            workers per pod.
        """,
        "replies": [
            ("maria", """
                Sync workers handle one request each; a few slow upstream calls and all 4 are busy until the
                30 s timeout kills them. Options, in order: find and fix the slow endpoint, put timeouts on every
                outbound HTTP call, then consider `--worker-class gthread --threads 4`.
            """),
        ],
    },
    {
        "category": "engineering", "author": "sam", "title": "Cutting log costs: sampling debug logs",
        "body": """
            Log ingestion costs doubled this quarter. Debug-level logs from three chatty services are 70% of the
            volume. Proposal: drop debug in production, sample info-level request logs at 10%, keep all warnings
            and errors.
        """,
        "replies": [
            ("maria", "Keep 100% of logs for requests that ended in an error: sample on the outcome, not up front."),
            ("alice", "And keep audit and security logs out of any sampling entirely."),
        ],
    },
    # Security Ops (restricted; every name, host and value here is fictitious) --------------------
    {
        "category": "security-ops", "author": "sam",
        "title": "Runbook: suspected leaked credential, the first 30 minutes",
        "body": """
            Draft runbook, please comment. Applies to API keys, database passwords, cloud access keys and tokens.

            1. **Open an incident** in the tracker (severity 2 by default) and start a timeline in UTC.
            2. **Revoke or rotate first**, investigate second. Rotation procedures per system are linked from the
               incident template.
            3. **Scope**: where was it exposed (repository, ticket, chat, log), since when, who could read it.
            4. **Check usage** of the old credential in the access logs from the exposure time onwards.
            5. **Remove the copy** (rewrite history only after rotation; assume it has already been copied).
            6. Notify the owner of the system and, if customer data may be involved, the privacy team.

            Placeholder contact for the demo: `secops-oncall@example.com`.
        """,
        "replies": [
            ("priya", """
                Step 4 should say which logs: the cloud audit trail for access keys, `pg_stat_activity`
                history / connection logs for DB users.
            """),
            ("admin", "Approved as the starting version. Please link it from the incident template."),
        ],
    },
    {
        "category": "security-ops", "author": "priya",
        "title": "Firewall change procedure: opening a port to a vendor IP range",
        "body": """
            A vendor asks us to allow `203.0.113.0/28` (documentation range, placeholder) to reach the SFTP host
            `sftp-demo.internal.example.com` on port 22. What is our procedure for this kind of change?
        """,
        "replies": [
            ("sam", """
                The standard change procedure:

                1. Ticket with business owner, vendor contact, exact source range, destination, port, and an
                   **expiry date** (max 12 months, renewable).
                2. Peer review of the rule by a second security engineer; no `0.0.0.0/0`, no port ranges.
                3. Apply through the infrastructure repository (pull request), never in the console.
                4. Verify from outside, then verify that a range *not* on the list is still refused.
                5. Add the rule to the quarterly review sheet.

                For SFTP specifically, prefer key-only auth and a chrooted account per vendor.
            """),
            ("priya", "Ticket opened with expiry in 6 months. PR is up for review."),
        ],
        "accept": 0,
    },
    {
        "category": "security-ops", "author": "sam", "title": "Quarterly database credential rotation: checklist",
        "body": """
            Checklist for rotating an application's database login (fictitious example: the login roles
            `orders_app_v1` and `orders_app_v2` on `db-demo-1`, both members of the `orders_app` group role that
            holds the privileges):

            1. Create the new login alongside the old one (below); the password is generated in the vault.
            2. Update the secret in the vault; roll the deployment so pods pick it up.
            3. Watch `pg_stat_activity` until no session uses the old role.
            4. `ALTER ROLE orders_app_v1 NOLOGIN;` and keep it for a week, then drop it.

            ```sql
            CREATE ROLE orders_app_v2 LOGIN PASSWORD '<from the vault, never pasted here>' IN ROLE orders_app;
            ```
        """,
        "replies": [
            ("priya", """
                Step 3 needs a time limit: batch jobs that run weekly will still hold the old credential
                otherwise.
            """),
            ("sam", """
                Good point, added: wait one full job cycle (7 days) before `NOLOGIN`, and check the cron
                inventory.
            """),
        ],
    },
    {
        "category": "security-ops", "author": "priya",
        "title": "INC-DEMO-042: test bucket listable from the internet (timeline draft)",
        "body": """
            Draft timeline for the (fictitious) incident. All times UTC.

            | time | event |
            | --- | --- |
            | 09:12 | external scanner report received by `security@example.com` |
            | 09:20 | confirmed: `acme-test-exports-demo` allowed public `ListBucket` |
            | 09:24 | Block Public Access enabled on the bucket; listing refused |
            | 10:05 | access logs reviewed: 3 listing requests from the scanner, no object downloads |
            | 11:30 | root cause: a bucket policy copied from a public-assets bucket |

            Data in the bucket: synthetic test data only.
        """,
        "replies": [
            ("sam", """
                Add the account-wide Block Public Access setting as an action item, with an exception
                process for the public-assets bucket.
            """),
            ("admin", "And a policy check in the infrastructure repository's CI that fails on public principals."),
            ("priya", "Both added as action items with owners. Postmortem review on Thursday."),
        ],
    },
    {
        "category": "security-ops", "author": "sam",
        "title": "Moving from authorized_keys to short-lived SSH certificates",
        "body": """
            Proposal: replace static `authorized_keys` on servers with an SSH CA. Users get certificates valid for
            8 hours after SSO login; servers trust the CA's public key only.

            Benefits: offboarding is automatic, no key sprawl, every certificate carries the user's identity.
        """,
        "replies": [
            ("priya", """
                Supportive. Things to settle before rollout:

                - where the CA private key lives (HSM or the vault's SSH engine, never on a laptop);
                - break-glass access if SSO is down, with its own audit trail;
                - `TrustedUserCAKeys` and `AuthorizedPrincipalsFile` on hosts, with principals per team;
                - a rollout that keeps `authorized_keys` for one release, then removes it.
            """),
        ],
        "accept": 0,
    },
    {
        "category": "security-ops", "author": ADMIN, "title": "VPN access for contractors: approval flow",
        "body": """
            We have three contractor teams starting next month. What is the approval flow for VPN access, and
            what should their profile be able to reach?
        """,
        "replies": [
            ("sam", """
                Contractors get the `contractor` VPN profile: only the subnets their project needs, no SSH to
                production, access expiring with the contract end date. Approval by the hiring manager and by
                security, in the access request tool.
            """),
            ("priya", "Also require the managed-device check: no VPN from personal machines."),
        ],
    },
]


def _md(text: str) -> str:
    """Dedent, and join soft-wrapped prose lines: posts render single newlines as line breaks."""
    block_start = re.compile(r"^\s*(?:[-*+]\s|\d+\.\s|#|>|\|)")
    lines, in_code, joinable = [], False, False
    for raw in textwrap.dedent(text).strip().splitlines():
        line = raw.rstrip()
        if line.lstrip().startswith("```"):
            in_code = not in_code
            lines.append(line)
            joinable = False
        elif in_code or not line:
            lines.append(line)
            joinable = False
        elif joinable and not block_start.match(line):
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
            joinable = not line.lstrip().startswith(("#", "|"))
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Create the demo categories, users, permissions and threads (safe to run again), then print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Print only the table of logins.")
        parser.add_argument("--allow-production", action="store_true",
                            help="Seed even with DEBUG=False (creates an admin with a known password).")

    def handle(self, *args, quiet=False, allow_production=False, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError("Refusing to seed demo users (known passwords) with DEBUG=False; "
                               "pass --allow-production if this really is a demo instance.")
        # Seeding replies to demo addresses must not mail anyone (the console backend would also
        # flood this command's output); the in-app notifications are still created.
        with override_settings(EMAIL_NOTIFICATIONS=False), audited():
            try:
                summary = self._seed()
            except ApplicationError as exc:
                raise CommandError(f"Seeding failed: {exc.message}") from exc
        if not quiet:
            for line in summary:
                self.stdout.write(line)
            self.stdout.write("")
        self._print_logins()

    # Steps -----------------------------------------------------------------------------------------

    def _seed(self) -> list[str]:
        users, created_users = self._users()
        admin = users[ADMIN]
        if not (admin.is_active and admin.is_superuser):
            raise CommandError(f"The existing user {ADMIN!r} is not an active superuser; refusing to seed as them.")
        categories, created_categories = self._categories(admin)
        grants = self._grants(admin, users, categories)
        threads, replies, accepted, skipped = self._threads(users, categories)
        caught_up = self._history_read(users)
        return [
            f"Categories: {created_categories} created, {len(categories) - created_categories} already present.",
            f"Users: {created_users} created, {len(users) - created_users} already present "
            f"(plus the {ASSISTANT_USERNAME!r} system account).",
            f"Object permissions: {grants} granted.",
            f"Threads: {threads} started with {replies} replies and {accepted} accepted answers, "
            f"{skipped} already present.",
            f"Notifications: {caught_up} from the seeded history marked read (a new account starts caught up).",
        ]

    def _users(self) -> tuple[dict, int]:
        users, created = {}, 0
        for spec in USERS:
            user, is_new = User.objects.get_or_create(
                username=spec["username"],
                defaults={
                    "email": f"{spec['username']}@example.com",
                    "first_name": spec["first_name"],
                    "last_name": spec["last_name"],
                    "is_staff": spec.get("is_staff", False),
                    "is_superuser": spec.get("is_superuser", False),
                },
            )
            if is_new:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                user.seeded_now = True
                created += 1
            users[user.username] = user
        assistant, is_new = User.objects.get_or_create(
            username=ASSISTANT_USERNAME,
            defaults={"first_name": "AI", "last_name": "assistant", "is_active": False},
        )
        if is_new:
            assistant.set_unusable_password()
            assistant.save(update_fields=["password"])
        return users, created

    def _categories(self, admin) -> tuple[dict, int]:
        categories, created = {}, 0
        for spec in CATEGORIES:
            category = Category.objects.filter(slug=spec["slug"]).first()
            if category is None:
                category = services.category_create(acting_user=admin, **spec)
                created += 1
            categories[category.slug] = category
        return categories, created

    def _grants(self, admin, users, categories) -> int:
        granted = 0
        for username, per_category in USER_GRANTS.items():
            user = users[username]
            for slug, codenames in per_category.items():
                for codename in codenames:
                    held = CategoryUserObjectPermission.objects.filter(
                        user=user, permission__codename=codename, content_object=categories[slug]
                    ).exists()
                    if not held:
                        self._grant(admin, codename, user, categories[slug], {"user": username})
                        granted += 1
            policy.forget_access(user)
        for name, spec in GROUPS.items():
            group, _ = Group.objects.get_or_create(name=name)
            group.user_set.add(*(users[username] for username in spec["members"]))
            for slug, codenames in spec["grants"].items():
                for codename in codenames:
                    held = CategoryGroupObjectPermission.objects.filter(
                        group=group, permission__codename=codename, content_object=categories[slug]
                    ).exists()
                    if not held:
                        self._grant(admin, codename, group, categories[slug], {"group": name})
                        granted += 1
            for username in spec["members"]:
                policy.forget_access(users[username])
        return granted

    @staticmethod
    def _grant(admin, codename, user_or_group, category, holder: dict) -> None:
        with audited():
            assign_perm(codename, user_or_group, category)
            audit_record(actor=admin, verb="grant.add", target=category, category=category,
                         data={"permission": codename, **holder})

    def _threads(self, users, categories) -> tuple[int, int, int, int]:
        started = replied = accepted = skipped = 0
        existing = set(
            Thread.objects.filter(category__in=categories.values()).values_list("category__slug", "title")
        )
        for spec in THREADS:
            category = categories[spec["category"]]
            if (category.slug, spec["title"]) in existing:
                skipped += 1
                continue
            author = users[spec["author"]]
            thread = services.thread_start(acting_user=author, category=category, title=spec["title"],
                                           body=_md(spec["body"]))
            posts = [services.post_reply(acting_user=users[username], thread=thread, body=_md(body))
                     for username, body in spec["replies"]]
            started += 1
            replied += len(posts)
            if "accept" in spec:
                services.thread_accept_answer(acting_user=author, thread=thread, post=posts[spec["accept"]])
                accepted += 1
        return started, replied, accepted, skipped

    @staticmethod
    def _history_read(users) -> int:
        """The replies and acceptances seeded above told their authors, as they would have been told at the
        time; an account created by this run has read them already, so it does not open on a pile of old
        notices. Accounts that existed before keep theirs as they are."""
        return sum(services.notification_mark_read(acting_user=user) for user in users.values()
                   if getattr(user, "seeded_now", False))

    # Output ----------------------------------------------------------------------------------------

    def _print_logins(self) -> None:
        present = {
            user.username: user for user in User.objects.filter(username__in=[spec["username"] for spec in USERS])
        }
        rows = [("username", "password", "role", "can")]
        for spec in USERS:
            user = present.get(spec["username"])
            if user is None:
                continue
            password = DEMO_PASSWORD if user.check_password(DEMO_PASSWORD) else "(their own)"
            rows.append((user.username, password, spec["role"], spec["can"]))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        rows.insert(1, tuple("-" * width for width in widths))
        self.stdout.write("Demo logins:")
        for row in rows:
            cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write(("  " + "  ".join(cells)).rstrip())
