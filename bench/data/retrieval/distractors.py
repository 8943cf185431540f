"""Distractor threads for the retrieval set: many plausible forum threads that answer other questions.

``generate(n, seed)`` composes threads from hand-written topics with slots (service, table, team,
database names, versions) into the shape of ``threads.json``. The topics share the labelled set's
vocabulary, and many sit right next to a labelled thread (``Topic.near`` names it): the labelled
thread asks whether to run VACUUM FULL nightly, its neighbours ask how to tune autovacuum for one
table, why pg_repack refuses a table, how to measure bloat. None of them answers a labelled or an
unanswerable question: that is what makes them distractors rather than duplicates.

Deterministic: one ``random.Random(seed)`` drives every choice, over tuples in a fixed order.
"""
import random
import re
import textwrap
from dataclasses import dataclass

SLOTS = {
    "service": (
        "checkout-api", "orders-api", "billing-worker", "ledger-api", "search-api", "catalog-service",
        "pricing-service", "notifications", "accounts-api", "inventory-sync", "payouts-worker", "fraud-scorer",
        "shipping-gateway", "recommendations", "web-bff", "media-resizer", "tax-engine", "returns-api",
        "partner-gateway", "reporting-worker", "identity-proxy", "feature-flags", "audit-writer",
        "email-dispatcher", "geo-lookup", "invoice-renderer", "loyalty-api", "quote-service", "session-broker",
        "warehouse-sync",
    ),
    "team": (
        "payments", "growth", "platform", "data-eng", "checkout", "logistics", "identity", "search", "billing",
        "mobile", "ml-infra", "risk", "support-tools", "finance-eng", "marketplace",
    ),
    "table": (
        "orders", "order_items", "invoices", "payments", "customers", "shipments", "events", "sessions",
        "audit_log", "line_items", "refunds", "subscriptions", "stock_levels", "price_rules",
        "webhook_deliveries", "user_profiles", "coupons", "carts", "ledger_entries", "notifications",
    ),
    "db": (
        "orders-db", "billing-db", "ledger-db", "catalog-db", "analytics-db", "identity-db", "inventory-db",
        "payments-db", "shipping-db", "loyalty-db",
    ),
    "topic": (
        "orders.order.created.v1", "payments.payout.settled.v1", "inventory.stock.changed.v2",
        "shipping.parcel.scanned.v1", "billing.invoice.issued.v1", "identity.user.updated.v1",
        "returns.return-request.created.v1", "pricing.price.changed.v1", "checkout.cart.abandoned.v1",
        "loyalty.points.granted.v1", "risk.score.computed.v1", "catalog.product.published.v1",
    ),
    "bucket": (
        "acme-data-lake", "acme-media-uploads", "acme-invoice-pdfs", "acme-ml-features", "acme-app-backups",
        "acme-export-drops", "acme-clickstream-raw", "acme-build-artifacts", "acme-partner-feeds",
        "acme-report-archive", "acme-model-registry", "acme-static-assets",
    ),
    "region": ("eu-west-1", "eu-central-1", "us-east-1"),
    "env": ("staging", "dev", "sandbox", "qa"),
    "pgv": ("13", "14", "15", "16"),
    "k8sv": ("1.27", "1.28", "1.29", "1.30"),
    "pyv": ("3.11", "3.12"),
    "nodev": ("18", "20", "22"),
    "size": ("40", "120", "300", "650", "900"),
    "count": ("12", "25", "40", "60", "150"),
    "hours": ("3", "4", "6", "9"),
}
SLOT = re.compile(r"\{(" + "|".join(SLOTS) + r")\}")

# Who writes distractors: the labelled set's colleagues. Security Ops threads are written by its members.
PEOPLE = (
    "oskar", "ines", "tomasz", "rahul", "mei", "kwame", "sofia", "jonas", "elena", "lucia", "diego", "fatima",
    "bjorn", "amara", "yuki", "felix", "dmitri", "aiko", "chloe", "ravi", "theo", "sana", "zara", "leila",
)
SECOPS_PEOPLE = ("priya", "hassan", "greta", "ivan", "noor", "marcus")

OPENERS = ("", "", "", "Quick question. ", "Hi all! ", "Not sure this is the right category. ",
           "Probably a silly question. ", "Asking for the {team} team. ")
# Replies that add nothing to the answer, as real threads have them.
ASIDES = ("We hit exactly this on {service} last quarter; the answer above is what fixed it for us.",
          "+1. Could someone add this to the {team} runbook?", "Bookmarking this, the same question came up in {team}.",
          "Thanks for writing this up, saved me an hour.", "If anyone wants to pair on rolling this out, ping me.",
          "Same here on {service}. Following.")
FOLLOW_UPS = ("Thanks, that did it.", "Perfect, thank you!", "That worked, appreciated.",
              "Thanks! Will try that tomorrow.", "Makes sense, thanks for the quick answer.")


@dataclass(frozen=True)
class Topic:
    category: str
    title: str
    question: str
    answers: tuple[str, ...]
    near: str = ""  # key of the labelled thread this topic is adjacent to (a hard negative), if any


def _md(text: str) -> str:
    """Dedent and join soft-wrapped prose lines (posts render single newlines as line breaks)."""
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


DATA, INFRA, ENG, DEVEX, SECOPS = "Data", "Infrastructure", "Engineering", "Developer Experience", "Security Ops"

TOPICS = (
    # PostgreSQL ---------------------------------------------------------------------------------
    Topic(DATA, "Autovacuum on {table} has been running for {hours} hours, is it stuck?", """
        `pg_stat_activity` on {db} shows `autovacuum: VACUUM public.{table}` started {hours} hours ago. The table
        is about {size} GB. Is it stuck, and can I cancel it?
        """, ("""
        It's probably not stuck, just throttled: autovacuum sleeps according to `autovacuum_vacuum_cost_delay`
        to spare the disks. Watch its progress instead of guessing:

        ```sql
        SELECT relid::regclass, phase, heap_blks_scanned, heap_blks_total, index_vacuum_count
        FROM pg_stat_progress_vacuum;
        ```

        Don't cancel it if it says `(to prevent wraparound)`: it will just start again. If `index_vacuum_count` keeps
        growing, raise `maintenance_work_mem` so the dead-tuple list fits in one pass.
        """, """
        Also check the table isn't being vacuumed over and over because a long-running transaction pins the xmin
        horizon; then every pass finds the same dead rows it can't remove.
        """), near="pg-vacuum-full-nightly"),
    Topic(DATA, "pg_repack refuses {table}: no primary key", """
        Trying to repack {table} on {db} and it fails with
        `ERROR: relation "public.{table}" must have a primary key or not-null unique keys`. Any way around it?
        """, ("""
        pg_repack needs a primary key or a unique index on NOT NULL columns to track rows while it copies them.
        Add one first (build the unique index `CONCURRENTLY`, then
        `ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY USING INDEX ...`).
        There's also `--no-order`, but that does not lift the key requirement.
        """,), near="pg-vacuum-full-nightly"),
    Topic(DATA, "Estimating table and index bloat on {db}", """
        Before the storage review I'd like real numbers: how much of each big table and index on {db} is bloat?
        The queries I find online all give different answers.
        """, ("""
        The catalogue-based estimates are rough. For exact figures use `pgstattuple` (it reads the whole relation, so
        run it off-peak or on a replica):

        ```sql
        CREATE EXTENSION IF NOT EXISTS pgstattuple;
        SELECT table_len, dead_tuple_percent, free_percent FROM pgstattuple('public.{table}');
        SELECT avg_leaf_density, leaf_fragmentation FROM pgstatindex('{table}_pkey');
        ```

        `pgstattuple_approx()` is much cheaper for tables and usually close enough.
        """, """
        We keep a Grafana panel with the estimate query from the pgexperts toolkit; ask in #dba for the link.
        """), near="pg-vacuum-full-nightly"),
    Topic(DATA, "WARNING: database must be vacuumed within 10000000 transactions on {db}", """
        Logs on {db} are full of `WARNING: database "app" must be vacuumed within 9873301 transactions` and
        `HINT: To avoid a database shutdown, execute a database-wide VACUUM in that database.` How urgent is this?
        """, ("""
        Very: at zero remaining transaction ids Postgres stops accepting writes. Find the oldest tables and freeze them:

        ```sql
        SELECT c.oid::regclass, age(c.relfrozenxid) FROM pg_class c
        WHERE c.relkind IN ('r', 'm') ORDER BY 2 DESC LIMIT 10;

        VACUUM (FREEZE, VERBOSE) public.{table};
        ```

        Then find what stopped autovacuum from doing it: usually an old prepared transaction
        (`pg_prepared_xacts`) or a session that has been open for days.
        """,), near="pg-vacuum-full-nightly"),
    Topic(DATA, "Rebuilding a bloated index on {table} without downtime", """
        `{table}_created_at_idx` on {db} is four times larger than after a fresh build. Can I rebuild it while
        the application keeps writing? We're on PostgreSQL {pgv}.
        """, ("""
        Yes, `REINDEX CONCURRENTLY` exists since PG 12 and doesn't block writes:

        ```sql
        REINDEX INDEX CONCURRENTLY {table}_created_at_idx;
        ```

        It needs disk for a second copy of the index while it runs, and if it's interrupted it leaves a `_ccnew`
        index behind that you should drop.
        """,), near="pg-index-concurrently"),
    Topic(DATA, "statement_timeout for the analysts' role on {db}", """
        An ad-hoc report ran for 7 hours on {db} last night and slowed everything down. Can I cap how long queries
        from the analytics role may run?
        """, ("""
        Set it on the role so it applies to every session of it:

        ```sql
        ALTER ROLE analytics_ro SET statement_timeout = '15min';
        ```

        Existing sessions keep the old value until they reconnect. Analysts can still raise it in their own session
        for a known-long query (`SET statement_timeout = '1h'`), which is usually what you want.
        """,), near="pg-migration-lock-wait"),
    Topic(DATA, "Renaming a column on {table} without breaking the running app", """
        We want to rename `{table}.ext_ref` to `external_reference`. A plain `RenameField` would break the pods still
        running the old code during the deploy. What's the safe sequence?
        """, ("""
        Expand and contract, over several deploys:

        1. Add the new column, write to both in the app.
        2. Backfill the new column from the old one.
        3. Switch reads to the new column.
        4. Stop writing the old one, then drop it in a later release.

        In Django the last step is `migrations.RemoveField` in its own migration, shipped after every pod runs the
        code that no longer reads the field.
        """, """
        If it's only a cosmetic rename, consider `db_column="ext_ref"` on the renamed field instead: the model
        changes, the database doesn't.
        """), near="pg-migration-lock-wait"),
    Topic(DATA, "Should we partition {table} by month?", """
        {table} on {db} grows by about {count} million rows a month and most queries filter on the last 30 days.
        Is declarative partitioning worth it at this size?
        """, ("""
        Partitioning pays off when you can drop old data by detaching partitions and when queries prune to one or two
        partitions. If neither applies, a good index on `created_at` does the same job with less operational work.

        If you go ahead, use `pg_partman` to create future partitions; forgetting to create next month's partition is
        the classic outage. Unique constraints must include the partition key.
        """,), near="pg-slow-query-plan"),
    Topic(DATA, "Finding the most expensive queries on {db}", """
        CPU on {db} doubled this week and nobody changed anything knowingly. Where do I start looking?
        """, ("""
        `pg_stat_statements` is enabled on all our clusters:

        ```sql
        SELECT left(query, 100), calls, round(total_exec_time) AS total_ms, round(mean_exec_time, 1) AS mean_ms
        FROM pg_stat_statements
        ORDER BY total_exec_time DESC
        LIMIT 15;
        ```

        Reset with `pg_stat_statements_reset()` after a deploy if you want a clean comparison. Total time matters
        more than mean: a 2 ms query called 50 million times beats a 10 s report.
        """,), near="pg-slow-query-plan"),
    Topic(DATA, "Index on lower(email) not used for lookups on {table}", """
        We have an index on `{table}.email`, but `WHERE lower(email) = lower(%s)` does a sequential scan.
        """, ("""
        An index on `email` can't serve an expression on `email`. Index the expression itself:

        ```sql
        CREATE INDEX CONCURRENTLY {table}_email_lower_idx ON {table} (lower(email));
        ```

        Or use the `citext` type for the column, then plain equality is case-insensitive.
        """,), near="pg-slow-query-plan"),
    Topic(DATA, "Finding unused indexes on {db}", """
        {table} has 14 indexes and inserts are getting slower. How do I find the ones nobody uses?
        """, ("""
        ```sql
        SELECT indexrelid::regclass AS index, idx_scan, pg_size_pretty(pg_relation_size(indexrelid)) AS size
        FROM pg_stat_user_indexes
        WHERE relname = '{table}' ORDER BY idx_scan;
        ```

        Check the replicas too (each has its own counters) and make sure the stats weren't reset recently. Never drop
        an index that backs a unique or primary key constraint.
        """,), near="pg-index-concurrently"),
    Topic(DATA, "Hundreds of idle connections from {service}", """
        `pg_stat_activity` on {db} shows about {count} connections from {service}, nearly all in state `idle`.
        Is that a problem?
        """, ("""
        Plain `idle` (not `idle in transaction`) connections are the persistent connections Django keeps with
        `CONN_MAX_AGE`: one per worker thread. They hold no locks. Each costs a few MB of memory on the server,
        so it's a sizing question rather than a bug.
        """,), near="pg-idle-in-transaction"),
    Topic(DATA, "'server closed the connection unexpectedly' after quiet periods in {service}", """
        Every morning the first requests to {service} fail with `django.db.utils.OperationalError: server closed
        the connection unexpectedly`, then everything is fine.
        """, ("""
        A firewall or the load balancer drops idle TCP connections overnight, and Django reuses a persistent
        connection that's already dead. Django 4.1+ can check it first:

        ```python
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
        ```

        TCP keepalives (`"OPTIONS": {"keepalives_idle": 60}`) also keep the connection from being dropped.
        """,), near="pg-too-many-clients"),
    Topic(DATA, "PgBouncer cl_waiting climbs during peaks on {db}", """
        During the lunch peak `SHOW POOLS;` on the PgBouncer in front of {db} shows `cl_waiting` at 200+ and request
        latency jumps. `sv_active` is at the pool size.
        """, ("""
        Clients wait because every server connection is busy. Before raising `default_pool_size`, look at why
        transactions are long: a slow query or an HTTP call inside a transaction keeps the server connection for its
        whole duration. `SHOW STATS;` gives average transaction time per database.

        If transactions are already short, raise the pool a little (and check the server's `max_connections` leaves
        room for it).
        """,), near="pg-too-many-clients"),
    Topic(DATA, "Adding {table}_archive to the logical replication publication of {db}", """
        The data lake subscribes to `lake_pub` on {db}. We created a new table `{table}_archive`. How do I
        get it replicated too?
        """, ("""
        On the publisher:

        ```sql
        ALTER PUBLICATION lake_pub ADD TABLE {table}_archive;
        ```

        On the subscriber, create the same table first, then:

        ```sql
        ALTER SUBSCRIPTION lake_sub REFRESH PUBLICATION;
        ```

        The refresh copies the existing rows of the new table, then streams changes.
        """,), near="pg-replica-lag"),
    Topic(DATA, "Alert threshold for replication delay on {db}", """
        We're adding alerts for {db}'s streaming replicas. What's a sensible threshold and which metric should we
        use from postgres_exporter?
        """, ("""
        We page on `pg_replication_lag_seconds > 300 for 10m` and open a ticket at 60 s. Lag in seconds is
        misleading on an idle primary (no new WAL means "lag" grows on some exporters), so combine it with bytes:
        `pg_wal_lsn_diff` between primary and replica from `pg_stat_replication`.
        """,), near="pg-replica-lag"),
    Topic(DATA, "Patroni switchover before maintenance on {db}", """
        The primary of {db} needs a kernel update tonight. How do I move the primary role to a replica cleanly?
        """, ("""
        Use a planned switchover, not a failover:

        ```sh
        patronictl -c /etc/patroni/patroni.yml switchover --leader {db}-1 --candidate {db}-2 --scheduled now
        ```

        Check `patronictl list` first: the candidate should have zero lag. Applications reconnect through the
        HAProxy/DNS endpoint within a few seconds; anything holding a pinned primary IP will not.
        """,), near="pg-major-upgrade"),
    Topic(DATA, "pg_upgrade --check fails on an extension version on {db}", """
        Rehearsing the upgrade of {db} to PostgreSQL {pgv}, `pg_upgrade --check` reports
        `Your installation contains extensions that should be updated with the ALTER EXTENSION command`.
        """, ("""
        That's a notice listing extensions whose newer version the new cluster ships. After the upgrade, run in each
        database:

        ```sql
        ALTER EXTENSION pg_trgm UPDATE;
        ALTER EXTENSION pg_stat_statements UPDATE;
        ```

        `pg_upgrade` writes a script `update_extensions.sql` doing exactly that.
        """,), near="pg-major-upgrade"),
    Topic(DATA, "UUIDv7 or bigint identity for the new {table} table?", """
        Designing `{table}` for the {team} service. Some want UUIDs so ids can be generated client-side, others worry
        about index performance. Opinions?
        """, ("""
        Random UUIDv4 keys scatter inserts across the whole B-tree, which hurts write-heavy tables. UUIDv7 is
        time-ordered, so inserts go to the right edge like a sequence. If you don't need client-side ids, `bigint
        GENERATED ALWAYS AS IDENTITY` is the simplest and smallest.
        """, """
        We went with UUIDv7 for the events service, generated in the app with the `uuid6` package. No regrets so far.
        """), near="pg-sequence-overflow"),
    Topic(DATA, "Using SKIP LOCKED for a job queue table in {service}", """
        {service} polls a `jobs` table from several workers. Sometimes two workers grab the same job. How do people
        build this safely on Postgres?
        """, ("""
        Claim rows with `FOR UPDATE SKIP LOCKED` inside a transaction:

        ```sql
        WITH next AS (
          SELECT id FROM jobs WHERE state = 'queued'
          ORDER BY id LIMIT 10
          FOR UPDATE SKIP LOCKED
        )
        UPDATE jobs SET state = 'running', started_at = now()
        FROM next WHERE jobs.id = next.id
        RETURNING jobs.id;
        ```

        Locked rows are skipped instead of waited on, so workers never block each other or take the same row.
        """,), near="pg-deadlock-inventory"),
    Topic(DATA, "password authentication failed after switching {db} to scram-sha-256", """
        We changed `password_encryption` to `scram-sha-256` and `pg_hba.conf` to `scram-sha-256` on {db}. Now
        {service} fails with `FATAL: password authentication failed for user "{table}_rw"`.
        """, ("""
        Existing passwords are still stored as MD5 hashes; a SCRAM entry in `pg_hba.conf` can't verify them. Re-set
        each role's password after changing `password_encryption`:

        ```sql
        SELECT rolname, left(rolpassword, 14) FROM pg_authid WHERE rolcanlogin;
        ALTER ROLE {table}_rw PASSWORD 'the-same-or-new-password';
        ```

        Or keep `md5` in `pg_hba.conf` until every role is migrated: the `md5` method accepts SCRAM too.
        """,), near="pg-readonly-role"),
    Topic(DATA, "archive_command failing and WAL piling up on {db}", """
        Logs on {db} show `archive command failed with exit code 1` every minute since yesterday, and
        `pg_stat_archiver.failed_count` keeps growing.
        """, ("""
        WAL segments are kept until they're archived, so a broken `archive_command` eventually fills the disk. Run
        the command by hand as the postgres user to see the real error (expired S3 credentials, a full bucket
        quota, a changed path). `pg_stat_archiver.last_failed_wal` tells you which segment.

        Don't delete files from `pg_wal` by hand: that corrupts the cluster.
        """,), near="pg-wal-disk-full"),
    Topic(DATA, "Checking the last successful pgBackRest backup of {db}", """
        For the audit we need to show when {db} was last backed up and how long the backups are kept.
        """, ("""
        ```sh
        sudo -u postgres pgbackrest --stanza={db} info
        ```

        It lists every full/diff/incr backup with start and stop times and the WAL range. Retention is in
        `/etc/pgbackrest/pgbackrest.conf` (`repo1-retention-full`). The `pgbackrest_last_backup_age_seconds` metric
        is on the PostgreSQL dashboard too.
        """,), near="pg-backup-restore-time"),
    Topic(DATA, "Fastest way to load a {size} GB CSV into {table}", """
        A partner sends a {size} GB CSV we need to load into `{table}` on {db} once. `INSERT`s from Python would take
        days. What's fastest?
        """, ("""
        `COPY`, streamed from the client:

        ```sh
        psql "$DATABASE_URL" -c "\\copy {table} FROM 'export.csv' WITH (FORMAT csv, HEADER true)"
        ```

        Load into an empty table without indexes and foreign keys, add them afterwards, and raise
        `maintenance_work_mem` for the index builds. Run `ANALYZE {table}` at the end.
        """,), near="pg-backup-restore-time"),
    Topic(DATA, "Squashing the {team} team's 400 Django migrations", """
        The {team} app has 400 migrations and `migrate` on a fresh database takes 3 minutes in CI. Is
        `squashmigrations` safe?
        """, ("""
        Yes, if you follow the two-step process: squash, deploy it everywhere while the old migrations are still
        present (the squash is marked as applied where they ran), and only then delete the old ones and remove
        `replaces`. `RunPython` operations without `elidable=True` are kept in the squash, so mark the ones that only
        migrated old data.
        """,), near="django-migration-leaf-conflict"),
    Topic(DATA, "RunPython backfill on {table} times out during deploy", """
        Our migration fills a new column of {table} with `RunPython` and the deploy job times out after 30 minutes.
        """, ("""
        Long data migrations don't belong in the deploy path: the migration runs in one transaction, holds its locks
        the whole time and can't be resumed. Ship the schema change alone, then backfill from a management command
        that works in batches and can be restarted:

        ```python
        last = 0
        while batch := list(Model.objects.filter(pk__gt=last, new_col__isnull=True).order_by("pk")[:5000]):
            ...
            last = batch[-1].pk
        ```
        """,), near="pg-add-column-default"),
    Topic(DATA, "could not obtain lock on row in relation {table}", """
        {service} sometimes logs `OperationalError: could not obtain lock on row in relation "{table}"` from a
        `select_for_update(nowait=True)`.
        """, ("""
        That's what `nowait=True` does: if another transaction holds the row, it errors instead of waiting. Either
        catch `DatabaseError` and retry later, or use `skip_locked=True` if the caller can work on another row, or
        drop `nowait` and accept the wait.
        """,), near="pg-deadlock-inventory"),

    # Redis --------------------------------------------------------------------------------------
    Topic(DATA, "Which keys use the most memory on the {service} Redis?", """
        The Redis behind {service} grew from 2 to 7 GB in a month. How do I see what's taking the space?
        """, ("""
        `redis-cli --memkeys` samples keys and reports the biggest by memory; `MEMORY USAGE key` for a single key.
        For an offline view, run `rdb-tools` on a copy of the RDB file. Usually it's one key family without a TTL.
        """,), near="redis-oom-maxmemory"),
    Topic(DATA, "{service} keeps writing to the old Redis primary after a Sentinel failover", """
        Sentinel promoted a replica of the {service} Redis, but {service} kept writing to the old primary for
        10 minutes, failing with `READONLY You can't write against a read only replica`.
        """, ("""
        The client connects to a fixed host instead of asking Sentinel who the primary is. With redis-py:

        ```python
        from redis.sentinel import Sentinel
        sentinel = Sentinel([("sentinel-0", 26379), ("sentinel-1", 26379)], socket_timeout=0.5)
        primary = sentinel.master_for("{service}", socket_timeout=0.5)
        ```

        The Sentinel-aware client reconnects to the new primary on `READONLY`.
        """,), near="redis-keys-latency"),
    Topic(DATA, "RDB or AOF persistence for the {service} Redis?", """
        The {service} Redis holds shopping carts that we'd rather not lose on restart. Which persistence mode?
        """, ("""
        AOF with `appendfsync everysec` loses at most about a second of writes; RDB snapshots lose everything since the
        last snapshot (minutes). For carts, AOF, and keep RDB snapshots too for backups: `appendonly yes` plus
        the default `save` lines.
        """,), near="redis-oom-maxmemory"),
    Topic(DATA, "Session keys in the {service} Redis never expire", """
        The sessions Redis for {service} holds millions of keys, many months old. Shouldn't they expire?
        """, ("""
        Only if something sets a TTL. Check a sample with `TTL key` (`-1` means no expiry). Django's Redis session
        backend sets one from `SESSION_COOKIE_AGE`; custom code using `SET` without `EX` doesn't. For the existing keys,
        walk them with `SCAN` in a script and call `EXPIRE` on each.
        """,), near="redis-keys-latency"),
    Topic(DATA, "{env} and load-test overwrite each other's cache keys in Redis", """
        {env} and the load-test environment accidentally share a Redis database and overwrite each other's cache.
        """, ("""
        Best is separate instances. Until then, give each environment its own prefix (and a different database
        number) in Django's cache settings:

        ```python
        CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                              "LOCATION": env("CACHE_URL"), "KEY_PREFIX": "{env}"}}
        ```
        """,), near="redis-oom-maxmemory"),

    # Kafka --------------------------------------------------------------------------------------
    Topic(DATA, "Adding partitions to {topic}", """
        Consumers of `{topic}` can't keep up and we want more parallelism. Can we raise the partition count from 6 to
        24 on a live topic?
        """, ("""
        Yes:

        ```sh
        kafka-topics.sh --bootstrap-server kafka:9092 --alter --topic {topic} --partitions 24
        ```

        But the key→partition mapping changes for new messages, so per-key ordering breaks across the change for a
        while. If consumers rely on ordering per entity, drain the topic first or create a new topic. Partitions can
        never be reduced.
        """,), near="kafka-consumer-rebalancing"),
    Topic(DATA, "Alerting on consumer lag for {topic}", """
        How do other teams alert on consumer lag? We had a consumer of `{topic}` stuck for a day before anyone noticed.
        """, ("""
        kafka-exporter runs on every cluster; alert on the lag per group:

        ```yaml
        - alert: KafkaConsumerLagHigh
          expr: sum by (consumergroup) (kafka_consumergroup_lag{topic="{topic}"}) > 10000
          for: 15m
        ```

        A fixed message count is a blunt tool for topics whose volume changes a lot; Burrow's status evaluation is
        an alternative.
        """,), near="kafka-retention-lost-messages"),
    Topic(DATA, "Producer settings so we never lose acknowledged writes to {topic}", """
        {service} publishes to `{topic}`. Which producer settings guarantee that an acknowledged message survives a
        broker failure?
        """, ("""
        `acks=all` on the producer plus `min.insync.replicas=2` on the topic (with replication factor 3): a write is
        acknowledged only once two replicas have it. Add `enable.idempotence=true` so retries don't create duplicates
        in the log.
        """,), near="kafka-duplicates-after-restart"),
    Topic(DATA, "Resetting a consumer group to a point in time on {topic}", """
        A bug in {service} mis-processed everything on `{topic}` since yesterday 14:00. How do I make the group
        re-read from there?
        """, ("""
        Stop all consumers of the group first (the reset refuses to run on an active group), then:

        ```sh
        kafka-consumer-groups.sh --bootstrap-server kafka:9092 --group {service} --topic {topic} \\
          --reset-offsets --to-datetime 2024-06-03T14:00:00.000 --dry-run
        ```

        Replace `--dry-run` with `--execute` once the printed offsets look right.
        """,), near="kafka-retention-lost-messages"),
    Topic(DATA, "When does compaction remove old values from {topic}-state?", """
        `{topic}-state` has `cleanup.policy=compact`, but I still see many old values for the same key.
        """, ("""
        Compaction only runs on closed segments, and not before `min.compaction.lag.ms`; the active segment is never
        compacted. Lower `segment.ms` if you need older values to disappear sooner. To delete a key entirely, produce
        a tombstone (the key with a null value).
        """,), near="kafka-retention-lost-messages"),
    Topic(DATA, "Choosing the message key for {topic}", """
        What should the key of messages on `{topic}` be? Right now we send them without a key.
        """, ("""
        Key by the entity whose events must stay in order (order id, account id): the same key always lands on the
        same partition. Without a key you get even spreading but no ordering. Avoid low-cardinality keys like a country
        code: they create hot partitions.
        """,), near="kafka-topic-naming"),
    Topic(DATA, "Static group membership for {service} consumers", """
        Every rolling deploy of {service} triggers several rebalances of its consumer group. Can we avoid that?
        """, ("""
        Give each consumer instance a stable `group.instance.id` (the pod name of a StatefulSet works). A member
        that comes back within `session.timeout.ms` gets its partitions back without a rebalance. Set
        `session.timeout.ms` a bit longer than a pod restart takes.
        """,), near="kafka-consumer-rebalancing"),
    Topic(DATA, "Cross-AZ data transfer from the {team} team's Kafka consumers", """
        The `data-prod` bill shows a lot of inter-AZ transfer and most of it is Kafka consumers in {team} reading from
        leaders in other zones.
        """, ("""
        Enable follower fetching: brokers set
        `replica.selector.class=org.apache.kafka.common.replica.RackAwareReplicaSelector` and `broker.rack` to their
        zone, consumers set `client.rack` to theirs. Consumers then read from a replica in their own zone.
        """,), near="cost-nat-gateway"),

    # S3 -----------------------------------------------------------------------------------------
    Topic(DATA, "Enforcing TLS on {bucket}", """
        The audit says `{bucket}` accepts plain HTTP requests. How do we reject them?
        """, ("""
        A bucket policy statement that denies any request without TLS:

        ```json
        {
          "Sid": "DenyInsecureTransport",
          "Effect": "Deny",
          "Principal": "*",
          "Action": "s3:*",
          "Resource": ["arn:aws:s3:::{bucket}", "arn:aws:s3:::{bucket}/*"],
          "Condition": {"Bool": {"aws:SecureTransport": "false"}}
        }
        ```
        """,), near="s3-cross-account-kms"),
    Topic(ENG, "Presigned download links from {service} stop working after a few hours", """
        {service} generates S3 presigned URLs valid for 7 days for customers' invoice PDFs, but they fail with
        `ExpiredToken` after a few hours.
        """, ("""
        A presigned URL is only valid as long as the credentials that signed it. {service} runs with an IAM role, so it
        signs with temporary credentials that expire after a few hours, and the URL dies with them. Either generate
        links on demand (the customer clicks, you sign right then), or serve the download through the app.
        """,), near="sec-vendor-bucket-share"),
    Topic(DATA, "Replicating {bucket} to another region", """
        Disaster recovery wants `{bucket}` copied to a second region. What do we need?
        """, ("""
        Versioning on both buckets, a replication role, and a replication rule. New objects replicate automatically;
        existing ones need S3 Batch Replication. Objects encrypted with a KMS key need the rule's
        `source_selection_criteria` and a key in the destination region.
        """,), near="s3-versioning-cost"),
    Topic(DATA, "Listing millions of objects in {bucket} is too slow", """
        A nightly job lists `{bucket}` (about 80 million objects) to find new files, and the listing alone takes
        two hours.
        """, ("""
        Use S3 Inventory: a daily or weekly CSV/Parquet listing of the whole bucket delivered to another bucket, then
        query it with Athena. For "what's new", S3 event notifications to SQS are better than any listing.
        """,), near="s3-versioning-cost"),
    Topic(DATA, "KMS ThrottlingException when reading many objects from {bucket}", """
        A Spark job reading `{bucket}` fails with `ThrottlingException: Rate exceeded` from KMS.
        """, ("""
        Every GetObject on an SSE-KMS object is a KMS Decrypt call, and KMS has a per-account request quota. Enable
        S3 Bucket Keys on the bucket: S3 then uses a bucket-level data key and calls KMS far less often. It only
        applies to objects written after the change (copy the old ones in place if needed).
        """,), near="s3-cross-account-kms"),
    Topic(DATA, "Moving old objects in {bucket} to Glacier", """
        Most of `{bucket}` is never read after 90 days. Can we make it cheaper automatically?
        """, ("""
        A lifecycle transition rule:

        ```hcl
        rule {
          id     = "archive"
          status = "Enabled"
          filter {}
          transition {
            days          = 90
            storage_class = "GLACIER_IR"
          }
        }
        ```

        Mind the minimum storage duration (90 days for Glacier Instant Retrieval) and the per-object transition cost:
        for millions of tiny files it can cost more than it saves.
        """,), near="s3-versioning-cost"),

    # Kubernetes ---------------------------------------------------------------------------------
    Topic(INFRA, "Should memory requests equal limits for {service}?", """
        Our chart sets `requests.memory: 512Mi` and `limits.memory: 2Gi` for {service}. Platform review said to make
        them equal. Why?
        """, ("""
        The scheduler places pods by requests. With a request far below the limit, nodes get overcommitted, and when
        memory runs short the kubelet evicts pods that use more than they requested first. Equal request and limit (for
        memory) gives predictable placement; with CPU requests equal too the pod is in the `Guaranteed` QoS class.
        """,), near="k8s-oomkilled-jvm"),
    Topic(INFRA, "Exit code 143 on {service} pods during deploys", """
        Our dashboard of container exits shows lots of `exit code 143` for {service}, always around deploy times. Is
        something crashing?
        """, ("""
        143 = 128 + 15: the process ended because of SIGTERM, which is how Kubernetes stops pods during a rollout.
        That's a normal exit. Exclude 143 from the "crashed containers" panel; 137 (SIGKILL) and non-signal codes are
        the interesting ones.
        """,), near="k8s-graceful-shutdown-502"),
    Topic(INFRA, "Pods evicted with 'The node was low on resource: memory' in {team}", """
        Several pods in the {team} namespace were evicted overnight with `The node was low on resource: memory.
        Container {service} was using 1900Mi, which exceeds its request of 256Mi.`
        """, ("""
        That's node-pressure eviction: the node ran out of memory and the kubelet picked the pods using the most above
        their requests. The fix is a realistic memory request (look at the p95 of `container_memory_working_set_bytes`
        over a week), so the scheduler stops packing the node beyond what it can hold.
        """,), near="k8s-ephemeral-storage-eviction"),
    Topic(INFRA, "Expanding the PersistentVolumeClaim of {service}", """
        The PVC of `{service}-0` (a StatefulSet) is at 92%. Can I grow it without recreating the pod?
        """, ("""
        Our `gp3` StorageClass has `allowVolumeExpansion: true`, so edit the PVC:

        ```sh
        kubectl -n {team} patch pvc data-{service}-0 -p '{"spec":{"resources":{"requests":{"storage":"200Gi"}}}}'
        ```

        The volume and the filesystem are resized online. Note that the StatefulSet's
        `volumeClaimTemplates` can't be edited in place; update it with `--cascade=orphan` delete/recreate so new
        replicas get the new size.
        """,), near="k8s-ephemeral-storage-eviction"),
    Topic(INFRA, "Health checks for a Celery worker pod in {team}", """
        Our Celery workers have no HTTP server. What should the probes of a worker Deployment look like?
        """, ("""
        `celery inspect ping` as an exec probe works but is expensive (it goes through the broker) and times out under
        load. We use a heartbeat file instead: a worker signal touches `/tmp/worker_heartbeat` every 30 s, and the
        probe checks its age:

        ```yaml
        livenessProbe:
          exec:
            command: ["sh", "-c", "test $(( $(date +%s) - $(stat -c %Y /tmp/worker_heartbeat) )) -lt 120"]
          periodSeconds: 60
        ```
        """,), near="k8s-liveness-startup"),
    Topic(INFRA, "maxSurge and maxUnavailable for {service} with two replicas", """
        {service} runs 2 replicas. During deploys we briefly have only one pod serving. What's the right rolling update
        setting?
        """, ("""
        The defaults are 25% each: maxSurge rounds up (1 pod) and maxUnavailable rounds down (0 pods), so with 2
        replicas a rollout should never go below 2 ready pods. If you see one, someone set `maxUnavailable: 1`, or the
        readiness probe reports ready before the app can serve. For small deployments be explicit:

        ```yaml
        strategy:
          rollingUpdate:
            maxSurge: 1
            maxUnavailable: 0
        ```
        """,), near="k8s-rollout-stuck"),
    Topic(INFRA, "Canary releases for {service} with Argo Rollouts", """
        We'd like to send 10% of traffic to a new version of {service} first. Is Argo Rollouts supported on our
        clusters?
        """, ("""
        Yes, the controller runs on every cluster. Replace the Deployment with a Rollout:

        ```yaml
        strategy:
          canary:
            steps:
              - setWeight: 10
              - pause: {duration: 10m}
              - setWeight: 50
              - pause: {duration: 10m}
        ```

        Add an `analysis` step with a Prometheus query on the error rate so it aborts on its own.
        """,), near="k8s-rollout-stuck"),
    Topic(INFRA, "ServiceAccount token Secret no longer created on Kubernetes {k8sv}", """
        Our script reads the token from the Secret of the `{service}` ServiceAccount, but on the new {k8sv} cluster
        there is no such Secret.
        """, ("""
        Since 1.24 token Secrets aren't created automatically. Get a short-lived token when you need it:

        ```sh
        kubectl -n {team} create token {service} --duration=1h
        ```

        If something really needs a long-lived token, create a Secret of type `kubernetes.io/service-account-token`
        annotated with the account name, but prefer short-lived tokens.
        """,), near="k8s-rbac-forbidden"),
    Topic(INFRA, "kubectl access to the {env} cluster for the on-call", """
        What's the official way to get kubectl access to the {env} EKS cluster? I've seen people copying kubeconfigs
        around.
        """, ("""
        Don't copy kubeconfigs. Log in through SSO and let the AWS CLI generate it:

        ```sh
        aws sso login --profile {env}-readonly
        aws eks update-kubeconfig --name {env}-eu --profile {env}-readonly
        ```

        The on-call role maps to the `oncall` group in the cluster.
        """,), near="k8s-rbac-forbidden"),
    Topic(INFRA, "ErrImagePull: manifest unknown for {service}", """
        New pods of {service} fail with `Failed to pull image ".../{service}:a1b2c3d": rpc error: ... manifest
        unknown`.
        """, ("""
        The tag doesn't exist in that repository: the pipeline's image build failed or pushed to a different
        repository path, or the tag was cleaned up by the registry's retention policy. `crane ls` on the repository
        shows which tags exist. On ARM nodes it can also mean the image has no arm64 variant.
        """,), near="k8s-imagepullbackoff-ecr"),
    Topic(INFRA, "Nodes in {env} getting DiskPressure and pods stay Pending", """
        Two nodes in {env} have the `node.kubernetes.io/disk-pressure` taint and new pods don't schedule there.
        """, ("""
        Mostly old images in `/var/lib/containerd`. The kubelet garbage-collects images above
        `imageGCHighThresholdPercent` (85% by default), but a node that pulls many large images can outrun it. Check
        `crictl images` on the node; our node pools have 100 GB root volumes now, older ones had 20 GB.
        """,), near="ci-runner-disk-full"),
    Topic(INFRA, "How does minAvailable with a percentage round for {service}?", """
        The PDB of {service} uses `minAvailable: 50%` with 3 replicas. Does that mean 1 or 2 must stay up?
        """, ("""
        Percentages in `minAvailable` round up: 50% of 3 is 1.5, rounded to 2, so one pod may be disrupted at a time.
        For `maxUnavailable` percentages also round up.
        """,), near="k8s-pdb-drain-blocked"),
    Topic(INFRA, "Scaling {service} on queue length with KEDA", """
        CPU isn't a good signal for {service}: it's I/O bound and should scale with the backlog of its RabbitMQ queue.
        """, ("""
        KEDA is installed on all clusters. A ScaledObject:

        ```yaml
        apiVersion: keda.sh/v1alpha1
        kind: ScaledObject
        metadata: {name: {service}}
        spec:
          scaleTargetRef: {name: {service}}
          minReplicaCount: 1
          maxReplicaCount: 30
          triggers:
            - type: rabbitmq
              metadata: {queueName: {service}, mode: QueueLength, value: "200"}
              authenticationRef: {name: rabbitmq-auth}
        ```

        Remove any existing HPA for the same Deployment; KEDA creates its own.
        """,), near="k8s-hpa-unknown"),
    Topic(INFRA, "HPA of {service} scales down too quickly after a spike", """
        {service} scales to 20 pods at 9:00, then drops to 5 within minutes and scales up again. Can we slow down the
        scale-down?
        """, ("""
        Yes, with `behavior` on the HPA (autoscaling/v2):

        ```yaml
        behavior:
          scaleDown:
            stabilizationWindowSeconds: 600
            policies:
              - type: Percent
                value: 20
                periodSeconds: 60
        ```
        """,), near="k8s-hpa-unknown"),
    Topic(INFRA, "ConfigMap too large for kubectl apply in {team}", """
        `kubectl apply -f {service}-config.yaml` fails with `metadata.annotations: Too long: must have at most 262144
        bytes`.
        """, ("""
        Client-side apply stores the whole object in the `last-applied-configuration` annotation, which is limited to
        256 KiB. Use server-side apply, which doesn't need the annotation:

        ```sh
        kubectl apply --server-side -f {service}-config.yaml
        ```

        A ConfigMap itself may be up to 1 MiB; beyond that, mount the data from somewhere else.
        """,), near="k8s-configmap-not-reloaded"),
    Topic(INFRA, "Grace period for long-running Celery tasks in {service}", """
        Tasks of {service} take up to 20 minutes. When pods are replaced during deploys the tasks are killed halfway.
        """, ("""
        On SIGTERM a Celery worker stops taking new tasks and finishes the running ones (warm shutdown), but Kubernetes
        kills it after `terminationGracePeriodSeconds` (30 s by default). Raise it above your longest task, e.g.
        `terminationGracePeriodSeconds: 1500`, and use `acks_late` so a task killed anyway is redelivered.
        """,), near="k8s-graceful-shutdown-502"),
    Topic(INFRA, "504 from the load balancer after 60 seconds on a {service} export", """
        A CSV export endpoint of {service} takes about 90 s and always fails with 504 after exactly 60 s.
        """, ("""
        60 s is the ALB's default idle timeout. You can raise it on the ingress:

        ```yaml
        metadata:
          annotations:
            alb.ingress.kubernetes.io/load-balancer-attributes: idle_timeout.timeout_seconds=180
        ```

        Better is to make the export asynchronous (a task writes the file, the client polls or gets an e-mail).
        """,), near="gunicorn-worker-timeout"),
    Topic(INFRA, "What CPU request should a new {service} start with?", """
        We're deploying {service} for the first time and have no idea what CPU request to put in the chart.
        """, ("""
        Start with a guess (250m), deploy with the VPA in recommendation-only mode, and read its recommendation after a
        week of real traffic:

        ```sh
        kubectl -n {team} describe vpa {service} | sed -n '/Recommendation/,$p'
        ```

        Set the request near the recommended target.
        """,), near="k8s-cpu-throttling"),
    Topic(INFRA, "kubectl logs for {service} only goes back a few hours", """
        `kubectl logs` for {service} only goes back a couple of hours. Where do older logs go?
        """, ("""
        The kubelet rotates each container's log at 10 MiB and keeps 5 files (`containerLogMaxSize`,
        `containerLogMaxFiles`). Anything older is only in Loki, where promtail ships it. Use Grafana Explore with
        `{namespace="{team}", app="{service}"}`.
        """,), near="k8s-ephemeral-storage-eviction"),
    Topic(SECOPS, "ExternalSecret for {service} stuck in SecretSyncedError", """
        The ExternalSecret of {service} shows `SecretSyncedError` and the Kubernetes Secret is never created.
        """, ("""
        `kubectl describe externalsecret {service}` shows the underlying error. Usually it's AccessDenied: the
        operator's IAM role may only read secrets under the `{team}/` path in Secrets Manager, and the key you
        referenced is elsewhere, or it's encrypted with a KMS key the role can't use. Move the secret under your team's
        path.
        """,), near="sec-k8s-secrets-in-git"),
    Topic(INFRA, "Debugging a distroless {service} container without a shell", """
        {service} runs on a distroless image. `kubectl exec -it ... sh` fails because there's no shell. How do I look
        around inside?
        """, ("""
        Attach an ephemeral debug container that shares the pod's process namespace:

        ```sh
        kubectl -n {team} debug -it {service}-7c9f8d-x2l4p --image=busybox:1.36 --target={service}
        ```

        From there `/proc/1/root` is the app container's filesystem.
        """,), near="docker-image-size"),

    # CI/CD --------------------------------------------------------------------------------------
    Topic(DEVEX, "{service} pipeline stuck: 'This job is stuck because you don't have any active runners'", """
        Jobs of the {service} project sit in `pending` with `This job is stuck because you don't have any active
        runners online or available with any of these tags assigned to them: docker-gpu`.
        """, ("""
        Nobody runs a `docker-gpu` runner: the tag came from a copied `.gitlab-ci.yml`. Use one of the shared tags
        (`docker-build`, `docker-small`, `docker-large`); the list is on the CI handbook page. GPU jobs go to the
        ML platform's runners, which need their tag `ml-gpu` and an allowlisted project.
        """,), near="ci-runner-disk-full"),
    Topic(DEVEX, "Cache or artifacts to pass {service}'s build output to the deploy stage?", """
        In the {service} pipeline the `build` job produces `dist/` and the `deploy` job needs it. I put `dist/` in the
        cache and sometimes deploy gets an old build.
        """, ("""
        Use artifacts for outputs that later stages need: they're attached to the pipeline and guaranteed to be that
        pipeline's files. The cache is best-effort and shared between pipelines, so it's only for things you could
        rebuild (dependency downloads).

        ```yaml
        build:
          script: [make dist]
          artifacts:
            paths: [dist/]
            expire_in: 1 week
        deploy:
          needs: [build]
        ```
        """,), near="ci-pip-cache"),
    Topic(DEVEX, "npm ci takes 6 minutes in the {service} frontend pipeline", """
        The {service} frontend installs dependencies with `npm ci` on every job. Most of the time is spent downloading
        the same packages.
        """, ("""
        Point npm at the Artifactory npm remote (much closer than the public registry) with an `.npmrc` in the
        repo, and cache npm's download directory keyed on `package-lock.json`:

        ```yaml
        cache:
          key:
            files: [package-lock.json]
          paths: [.npm/]
        script:
          - npm ci --cache .npm --prefer-offline
        ```
        """,), near="ci-pip-cache"),
    Topic(DEVEX, "Splitting {service}'s 40-minute test suite across parallel CI jobs", """
        {service}'s pytest suite takes 40 minutes on one runner. How do other teams parallelise across jobs?
        """, ("""
        GitLab's `parallel` keyword plus `pytest-split`, which balances by recorded durations:

        ```yaml
        test:
          parallel: 6
          script:
            - pytest --splits $CI_NODE_TOTAL --group $CI_NODE_INDEX --durations-path .test_durations
        ```

        Refresh `.test_durations` with `pytest --store-durations` now and then.
        """,), near="ci-flaky-tests"),
    Topic(DEVEX, "Showing test coverage in {service} merge requests", """
        How do I get the coverage percentage and the covered lines shown in the merge request of {service}?
        """, ("""
        Two things in `.gitlab-ci.yml`: a `coverage` regex for the percentage and a Cobertura report for the line
        annotations in the diff:

        ```yaml
        test:
          script:
            - pytest --cov --cov-report=term --cov-report=xml:coverage.xml
          coverage: '/TOTAL.*\\s+(\\d+%)$/'
          artifacts:
            reports:
              coverage_report:
                coverage_format: cobertura
                path: coverage.xml
        ```
        """,), near="ci-flaky-tests"),
    Topic(DEVEX, ".dockerignore ignored when building {service}", """
        `node_modules` ends up in the {service} image although it's listed in `.dockerignore`.
        """, ("""
        `.dockerignore` is read from the root of the build *context*, not from the Dockerfile's directory. The
        pipeline builds with `docker build -f docker/Dockerfile docker/`, so the context is `docker/`. Either build
        with the repo root as context, or use BuildKit's per-Dockerfile file `docker/Dockerfile.dockerignore`.
        """,), near="ci-docker-layer-cache"),
    Topic(DEVEX, "Building multi-arch images of {service} for the ARM node pool", """
        The new Graviton node pool needs arm64 images. How do we build {service} for both architectures?
        """, ("""
        With buildx and a platform list:

        ```sh
        docker buildx build --platform linux/amd64,linux/arm64 -t "$IMAGE" --push .
        ```

        On our x86 runners the arm64 half runs under QEMU emulation and is slow (compiling wheels can take 10x
        longer). The `docker-arm` runner tag builds natively; build each platform there and join them with
        `docker buildx imagetools create`.
        """,), near="ci-docker-layer-cache"),
    Topic(DEVEX, "GitLab refuses to mask my {service} CI variable", """
        Saving a variable with the Masked flag fails with `This variable value does not meet the masking
        requirements`.
        """, ("""
        GitLab can only mask values that are at least 8 characters long, on one line, and use only the Base64 alphabet
        plus a few characters (`@:.~` and friends). Tokens with other symbols can't be masked: base64-encode the value
        and decode it in the job (`echo "$TOKEN_B64" | base64 -d`).
        """,), near="ci-protected-variables"),
    Topic(DEVEX, "Sharing CI variables across all {team} projects", """
        The {team} group has 25 projects that all need the same `ARTIFACTORY_USER`/`ARTIFACTORY_TOKEN`. Setting them
        in every project is painful.
        """, ("""
        Define them once on the group (Group → Settings → CI/CD → Variables); every project in the group and its
        subgroups inherits them. Project-level variables with the same name win over group ones.
        """,), near="ci-protected-variables"),
    Topic(DEVEX, "Reusing one GitHub Actions workflow across {team} repositories", """
        Each {team} repository has a copy of the same 150-line build workflow. Can they share one?
        """, ("""
        Reusable workflows: put it in a central repo with `on: workflow_call` and call it from each repository:

        ```yaml
        jobs:
          build:
            uses: acme/{team}-workflows/.github/workflows/python-build.yml@v3
            with:
              python-version: "{pyv}"
            secrets: inherit
        ```

        Pin to a tag, not `main`, so a change in the shared workflow can't break every repository at once.
        """,), near="ci-github-oidc-aws"),
    Topic(DEVEX, "Not authorized to perform sts:AssumeRoleWithWebIdentity from the {service} workflow", """
        The deploy workflow of {service} fails at `configure-aws-credentials` with `Not authorized to perform
        sts:AssumeRoleWithWebIdentity`. It worked on the main branch.
        """, ("""
        The role's trust policy matches the token's `sub` claim, which contains the ref. For a workflow running on a
        tag or an environment the claim is `repo:acme/{service}:ref:refs/tags/v1.2.0` or
        `repo:acme/{service}:environment:production`, so a condition written for `refs/heads/main` doesn't match.
        Add the exact `sub` you need (CloudTrail shows the rejected one), rather than a wildcard.
        """,), near="ci-github-oidc-aws"),
    Topic(SECOPS, "Rotating the GitLab runner authentication token for the {team} runners", """
        A runner config file of the {team} runners was attached to a support ticket by mistake, token included. How do
        we rotate the runner's token?
        """, ("""
        In GitLab 16+ runners use authentication tokens (`glrt-...`). Create a new runner in the UI (Group → Build →
        Runners → New group runner), register the host with the new token, check it picks up jobs, then delete the old
        runner in the UI, which invalidates its token. Ask for the ticket attachment to be deleted as well.
        """,), near="sec-deploy-key-rotation"),
    Topic(SECOPS, "Maximum lifetime for personal access tokens in {team} projects", """
        Is there a rule for how long personal access tokens may live? Someone in {team} has one with no expiry that's
        used by a cron job.
        """, ("""
        The instance enforces a maximum of 90 days for new personal access tokens. Automation must not use personal
        tokens at all: create a project or group access token (a bot user) with the minimal scope, so the job doesn't
        depend on one person's account.
        """,), near="sec-offboarding-revocation"),

    # Git ----------------------------------------------------------------------------------------
    Topic(DEVEX, "--force-with-lease instead of --force on shared {service} branches", """
        Two of us push to the same feature branch of {service} after rebasing. Someone's commits vanished yesterday.
        """, ("""
        Use `git push --force-with-lease`: it refuses to overwrite the remote branch if it moved since your last fetch,
        so you don't silently drop a colleague's commits. Add `--force-if-includes` (Git 2.30+) so a background fetch
        doesn't defeat the check. Better still, don't both rebase a shared branch.
        """,), near="git-recover-deleted-branch"),
    Topic(DEVEX, "Undoing a merge that's already on {service}'s main branch", """
        A merge request got merged into main of {service} too early. The branch is protected, so no force-push.
        """, ("""
        Revert the merge commit, telling Git which parent is the mainline:

        ```sh
        git revert -m 1 <merge-commit-sha>
        ```

        Careful later: when the feature is ready, Git considers those commits already merged. Revert the revert
        first, then merge the follow-up work.
        """,), near="git-recover-deleted-branch"),
    Topic(DEVEX, "Getting back changes lost to git reset --hard in {service}", """
        I ran `git reset --hard` in my {service} checkout and lost an afternoon of changes. Nothing was committed.
        """, ("""
        Changes that were never staged are gone: Git never saw them (your editor's local history may still have them).
        Anything you `git add`-ed exists as a dangling blob:

        ```sh
        git fsck --lost-found
        ls .git/lost-found/other/
        ```

        The files have no names there; grep through them for something you remember.
        """,), near="git-recover-deleted-branch"),
    Topic(DEVEX, "Git LFS storage quota exceeded on the {team} group", """
        Pushes to {team} repositories fail with `batch response: LFS storage quota exceeded`.
        """, ("""
        Every LFS object version counts against the group's storage, including old versions no branch references.
        See the usage per project under Settings → Usage Quotas. Move generated binaries (datasets, model files) to
        the artefact bucket, and ask the Git admins to purge unreferenced LFS objects once history is cleaned.
        """,), near="git-large-file-rejected"),
    Topic(DEVEX, "CI jobs in the monorepo spend 3 minutes fetching for {service}", """
        Each job of {service} in the monorepo starts with a 3-minute `Fetching changes...`. Can the job fetch less?
        """, ("""
        In CI, set the fetch depth and reuse the runner's working copy:

        ```yaml
        variables:
          GIT_DEPTH: "20"
          GIT_STRATEGY: fetch
        ```

        Jobs that compute a diff against main (linters on changed files) need enough depth to reach the merge base;
        they can `git fetch --deepen` themselves.
        """,), near="git-monorepo-clone-slow"),
    Topic(DEVEX, "Signed commits show as Unverified in GitLab for {team}", """
        My GPG-signed commits in the {team} repositories show `Unverified` in GitLab, although
        `git log --show-signature` says the signature is good.
        """, ("""
        GitLab only verifies a signature when the commit's e-mail matches a *verified* e-mail of your account and the
        GPG key's identity. Check `git config user.email` in that repo (a personal address configured globally is the
        usual culprit) and add the GPG key under Preferences → GPG Keys.
        """,), near="git-ssh-commit-signing"),
    Topic(DEVEX, "pre-commit hooks in {service} take a minute on every commit", """
        {service} has pre-commit hooks for ruff, mypy and a schema check. Committing takes a minute.
        """, ("""
        pre-commit runs hooks only on staged files by default, but mypy with `pass_filenames: false` checks the whole
        project. Move slow whole-project hooks to the `pre-push` stage (`stages: [pre-push]`) or to CI, and keep the
        commit hooks fast.
        """,), near="git-rerere-rebase-conflicts"),
    Topic(DEVEX, "Merge conflicts in requirements.lock on every {service} rebase", """
        Almost every rebase of {service} branches conflicts in `requirements.lock`. Resolving it by hand is error-prone.
        """, ("""
        Don't resolve lock files by hand: take either side, then regenerate from the inputs:

        ```sh
        git checkout --theirs requirements.lock
        pip-compile --generate-hashes requirements.in
        git add requirements.lock
        ```

        A `.gitattributes` entry `requirements.lock merge=ours` plus a CI check that the lock matches the inputs
        also works.
        """,), near="git-rerere-rebase-conflicts"),
    Topic(DEVEX, "Finding the commit that made {service}'s tests slow", """
        The {service} test suite went from 4 to 11 minutes over the last two months, nobody knows when.
        """, ("""
        `git bisect` with a script that fails when the suite is slow:

        ```sh
        git bisect start HEAD v2024.03.0
        git bisect run sh -c 'timeout 420 pytest -q -x tests/ >/dev/null'
        ```

        Exit code 124 from `timeout` counts as "bad"; bisect needs about 7 runs for 100 commits.
        """,), near="git-rerere-rebase-conflicts"),

    # Docker and laptops -------------------------------------------------------------------------
    Topic(DEVEX, "Colima instead of Docker Desktop for the {team} team?", """
        A few people in {team} would rather use colima than Docker Desktop on their Macs. Allowed?
        """, ("""
        Yes, colima is on the approved software list. We also have Docker Desktop Business licences for everyone who
        wants it. With colima, use `colima start --vm-type vz --cpu 4 --memory 8`, and note that Testcontainers needs
        `DOCKER_HOST` pointed at the colima socket.
        """,), near="docker-mac-bind-mount-slow"),
    Topic(DEVEX, "Docker Desktop uses {size} GB of disk on my Mac", """
        My disk is full and `Docker.raw` is {size} GB. I mostly work on {service}.
        """, ("""
        `docker system df` shows what's using it; `docker system prune -a --volumes` removes everything unused
        (including volumes with your local databases, careful). Then shrink the maximum in Settings → Resources →
        Disk image size so it can't grow back that far.
        """,), near="docker-mac-bind-mount-slow"),
    Topic(DEVEX, "{service} in docker compose can't reach a mock server on my laptop", """
        {service} in docker compose must call a mock server I run on my Mac at `localhost:8089`, but the container gets
        `Connection refused`.
        """, ("""
        `localhost` inside the container is the container itself. Use `host.docker.internal:8089` (Docker Desktop and
        colima provide it). On Linux add it yourself:

        ```yaml
        services:
          app:
            extra_hosts:
              - "host.docker.internal:host-gateway"
        ```
        """,), near="docker-volume-permission-denied"),
    Topic(DEVEX, "docker compose starts {service} before its database is ready", """
        `docker compose up` for {service} fails half the time because the app starts before Postgres accepts
        connections. `depends_on` is set.
        """, ("""
        Plain `depends_on` only waits for the container to start. Add a healthcheck and wait for it:

        ```yaml
        services:
          db:
            image: postgres:{pgv}
            healthcheck:
              test: ["CMD-SHELL", "pg_isready -U postgres"]
              interval: 2s
              retries: 30
          app:
            depends_on:
              db:
                condition: service_healthy
        ```
        """,), near="docker-volume-permission-denied"),
    Topic(DEVEX, "Artifactory npm remote says a package doesn't exist for {service}", """
        `npm install` in {service} fails with `404 Not Found` for a package version published an hour ago on npmjs.
        """, ("""
        The Artifactory remote caches package metadata for a while, so a version published after the last refresh
        isn't visible yet. Wait for the metadata retrieval cache period (10 minutes) or ask in #artifactory to zap the
        cache for that package.
        """,), near="docker-hub-rate-limit"),
    Topic(DEVEX, "x509: certificate signed by unknown authority pulling from the internal registry on {env} VMs", """
        On the {env} VMs, `docker pull registry.int.acme.net/{service}:latest` fails with `x509: certificate signed by
        unknown authority`.
        """, ("""
        The registry uses the internal CA and those VMs don't trust it. Give Docker the CA for that registry:

        ```sh
        sudo mkdir -p /etc/docker/certs.d/registry.int.acme.net
        sudo cp acme-root-ca.pem /etc/docker/certs.d/registry.int.acme.net/ca.crt
        ```

        Don't add the registry to `insecure-registries`: that disables verification entirely.
        """,), near="net-tls-chain-incomplete"),
    Topic(DEVEX, "Docker daemon won't start after the upgrade on the {env} build VM", """
        After `apt upgrade` on the {env} build VM, dockerd fails with `failed to start daemon: error initializing
        graphdriver: driver not supported`.
        """, ("""
        The upgrade changed the default storage driver configuration and the daemon can't find the old one. Check
        `/etc/docker/daemon.json` for `"storage-driver"` and the kernel modules; on our images it should be
        `overlay2`. Restart with `systemctl restart docker` and check `docker info | grep Storage`.
        """,), near="laptop-docker-socket-permission"),
    Topic(DEVEX, "pyenv install {pyv} fails on macOS", """
        `pyenv install {pyv}` fails at the end with `ModuleNotFoundError: No module named '_lzma'` and an OpenSSL
        warning.
        """, ("""
        The build didn't find the libraries. Install them with Homebrew and rebuild:

        ```sh
        brew install openssl readline sqlite3 xz zlib tcl-tk
        pyenv uninstall -f {pyv} && pyenv install {pyv}
        ```
        """,), near="laptop-psycopg2-m1"),
    Topic(DEVEX, "pg_dump: server version mismatch dumping {db} from my laptop", """
        Dumping the {env} copy of {db} from my Mac: `pg_dump: error: aborting because of server version mismatch
        (server version: {pgv}; pg_dump version: 14.11)`.
        """, ("""
        `pg_dump` must be at least the server's major version. Install the matching client and put it first on PATH:

        ```sh
        brew install postgresql@{pgv}
        export PATH="$(brew --prefix postgresql@{pgv})/bin:$PATH"
        ```
        """,), near="laptop-psycopg2-m1"),
    Topic(DEVEX, "New laptop for someone in {team}: what to do with the SSH keys?", """
        My replacement laptop arrived. Can I just copy `~/.ssh` over from the old one?
        """, ("""
        Please don't copy private keys: generate new ones on the new laptop (`ssh-keygen -t ed25519`), add the public
        keys to GitLab and wherever else you use them, and delete the old keys from those places before the old laptop
        goes back to IT. Dotfiles without secrets are fine to copy.
        """,), near="devenv-direnv-env-vars"),
    Topic(DEVEX, "aws sso login expires every few hours while working on {service}", """
        Working on {service}, I have to run `aws sso login` several times a day. Can the session last longer?
        """, ("""
        The session length is set per permission set in IAM Identity Center: 8 hours for developer roles, 1 hour for
        production admin roles, and that's deliberate. The CLI refreshes role credentials from the SSO session
        automatically, so you should only need one login per working day with a current AWS CLI v2.
        """,), near="devenv-direnv-env-vars"),
    Topic(ENG, "Which Node.js version should the {service} frontend use?", """
        The {service} frontend is on Node 16. What's supported now?
        """, ("""
        The frontend platform supports the active LTS releases; new work should use Node {nodev}. Base images are in
        the registry as `node-base:{nodev}`. Node 16 images are no longer rebuilt.
        """,), near="python-version-new-services"),
    Topic(ENG, "Upgrading {service} from Django 4.2 to 5.2", """
        {service} is on Django 4.2 LTS. Anything to watch out for when moving to 5.2?
        """, ("""
        Go through 5.0 and 5.1 release notes' backwards-incompatible sections. Run the test suite with
        `python -Wd` on 4.2 first and fix every deprecation warning: those are exactly what 5.x removes. Check your
        third-party apps support 5.2 before starting.
        """,), near="python-version-new-services"),

    # Terraform ----------------------------------------------------------------------------------
    Topic(INFRA, "terraform plan always shows tag changes on {service} resources", """
        Every plan of the {service} stack shows `~ tags_all` changes on a dozen resources even right after an apply.
        """, ("""
        The provider's `default_tags` and the resource's own `tags` both set the same key with different values (or
        different case), so they fight. Keep each tag in one place: common tags in `default_tags`, only
        resource-specific ones on the resource.
        """,), near="tf-plan-replace-rds"),
    Topic(INFRA, "Removing a resource from Terraform without destroying it in {team}", """
        {team} wants to hand an SQS queue over to another team's repo. How do we drop it from our configuration
        without Terraform deleting the queue?
        """, ("""
        Terraform 1.7+ has `removed` blocks:

        ```hcl
        removed {
          from = aws_sqs_queue.{team}_events

          lifecycle {
            destroy = false
          }
        }
        ```

        Delete the resource block and add this; apply forgets the queue without touching it. The other team then
        adds it to their state.
        """,), near="tf-moved-block"),
    Topic(INFRA, "Error: Provider produced inconsistent final plan in {service}", """
        Apply of the {service} stack fails with `Error: Provider produced inconsistent final plan ... produced an
        invalid new value for .tags_all: was null, but now cty.StringVal(...)`.
        """, ("""
        That's a provider bug, not your code: a value known only at apply time was computed differently from the
        plan. Usually re-running the apply succeeds. Check the provider's issue tracker for the resource type; upgrading
        the provider often fixes it.
        """,), near="tf-plan-replace-rds"),
    Topic(INFRA, "Moving the {team} Terraform state from local files to S3", """
        The {team} team's old stack still keeps `terraform.tfstate` in the repo. How do we move it to the shared S3
        backend?
        """, ("""
        Add the backend block, then let init copy the state:

        ```hcl
        terraform {
          backend "s3" {
            bucket         = "corp-tf-state"
            key            = "{team}/main.tfstate"
            region         = "eu-west-1"
            dynamodb_table = "corp-tf-locks"
            encrypt        = true
          }
        }
        ```

        ```sh
        terraform init -migrate-state
        ```

        Then delete the local state file from the repo (it may contain secrets: check its history too).
        """,), near="tf-state-lock"),
    Topic(INFRA, "for_each over a map of objects for the {team} team's SQS queues", """
        I want one SQS queue per entry in a map with different settings per queue. How do I write the `for_each`?
        """, ("""
        ```hcl
        variable "queues" {
          type = map(object({
            visibility_timeout = number
            fifo               = bool
          }))
        }

        resource "aws_sqs_queue" "this" {
          for_each                   = var.queues
          name                       = each.value.fifo ? "{team}-${each.key}.fifo" : "{team}-${each.key}"
          fifo_queue                 = each.value.fifo
          visibility_timeout_seconds = each.value.visibility_timeout
        }
        ```

        The map keys become the resource addresses (`aws_sqs_queue.this["orders"]`), so choose stable keys.
        """,), near="tf-moved-block"),
    Topic(INFRA, "Referencing the shared VPC from the {team} team's Terraform", """
        Our stack needs the subnet ids of the shared VPC that the network team manages. Should we copy the ids into
        variables?
        """, ("""
        Look them up with data sources, so you never manage (or accidentally change) their resources:

        ```hcl
        data "aws_vpc" "shared" {
          tags = {Name = "shared-{env}"}
        }

        data "aws_subnets" "private" {
          filter {
            name   = "vpc-id"
            values = [data.aws_vpc.shared.id]
          }
          tags = {Tier = "private"}
        }
        ```
        """,), near="tf-import-existing-bucket"),

    # Networking, DNS, TLS -----------------------------------------------------------------------
    Topic(INFRA, "VPN disconnects every 8 hours and kills my SSH sessions to {env}", """
        The VPN drops me every 8 hours and I lose my SSH sessions to the {env} hosts. Can that be extended?
        """, ("""
        No, the 8-hour session lifetime is a security policy: you re-authenticate with SSO once per working day. Use
        `tmux` or `screen` on the remote host so long-running work survives a reconnect.
        """,), near="net-vpn-split-dns-mac"),
    Topic(INFRA, "Does SaaS traffic from {team} laptops go through the VPN?", """
        When I'm connected to the VPN, does my traffic to SaaS tools (Slack, Google) go through the office too? Asking
        because video calls from {team} are choppy.
        """, ("""
        No, it's split tunnel: only the internal ranges (10.0.0.0/8, 172.16.0.0/12) and a few partner networks go
        through the tunnel; SaaS traffic goes out directly. Choppy calls are more likely your Wi-Fi.
        """,), near="net-vpn-split-dns-mac"),
    Topic(INFRA, "Creating an internal DNS name for {service}", """
        {service} needs a stable internal name like `{service}.int.acme.net` for a partner's VPN tunnel. How are
        internal records created?
        """, ("""
        Internal zones are managed in the `dns` repository (Terraform, Route53 private zone). Add the record in an MR:

        ```hcl
        resource "aws_route53_record" "{team}_{env}" {
          zone_id = data.aws_route53_zone.int.zone_id
          name    = "{service}.int.acme.net"
          type    = "CNAME"
          ttl     = 300
          records = [module.{team}_alb.dns_name]
        }
        ```

        The network team reviews, the pipeline applies.
        """,), near="net-vpn-split-dns-mac"),
    Topic(INFRA, "Lowering the DNS TTL before moving {service}", """
        We're moving {service} to a new load balancer next week. Anything to do with DNS beforehand?
        """, ("""
        Lower the record's TTL to 60 s at least one old-TTL period before the switch (if it's 24 h, do it two days
        ahead), so caches expire quickly when you change the target. Raise it again after a few days of stable
        traffic on the new target.
        """,), near="net-k8s-dns-ndots"),
    Topic(INFRA, "Certificate for a new public hostname for {service}", """
        {service} gets a public hostname `{service}.acme.com`. How do I get a TLS certificate for it on our clusters?
        """, ("""
        Annotate the Ingress and cert-manager does the rest:

        ```yaml
        metadata:
          annotations:
            cert-manager.io/cluster-issuer: letsencrypt-http
        spec:
          tls:
            - hosts: [{service}.acme.com]
              secretName: {service}-tls
        ```

        The DNS record must point at the ingress load balancer before the certificate can be issued.
        """,), near="net-cert-manager-challenge"),
    Topic(INFRA, "Let's Encrypt: too many certificates already issued for {service}", """
        cert-manager on {env} fails for `{service}.acme.com` with `429 urn:ietf:params:acme:error:rateLimited: too many
        certificates (5) already issued for this exact set of domains in the last 168 hours`.
        """, ("""
        That's the duplicate-certificate limit: someone deleted and recreated the Certificate (or the Secret) over
        and over while testing. It resets after a week. Meanwhile point the Ingress at the `letsencrypt-staging`
        issuer for testing and switch back when the limit lifts.
        """,), near="net-cert-manager-challenge"),
    Topic(INFRA, "PKIX path building failed when {service} calls an internal API", """
        {service} (Java) fails calling `https://{team}.int.acme.net` with
        `sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path`.
        """, ("""
        The internal API uses a certificate from our internal CA, and the JVM only trusts its own `cacerts`. Our
        `java-base` images already include the corporate root; if you build from a plain JDK image, import it:

        ```dockerfile
        COPY acme-root-ca.pem /tmp/
        RUN keytool -importcert -noprompt -cacerts -storepass changeit -alias acme-root -file /tmp/acme-root-ca.pem
        ```
        """,), near="net-tls-chain-incomplete"),
    Topic(INFRA, "Checking when the {service}.acme.com certificate expires from the shell", """
        What's the quickest way to see when the certificate of `{service}.acme.com` expires, and which names it covers?
        """, ("""
        ```sh
        echo | openssl s_client -connect {service}.acme.com:443 -servername {service}.acme.com 2>/dev/null \\
          | openssl x509 -noout -enddate -ext subjectAltName
        ```
        """,), near="net-cert-expiry-alert"),
    Topic(INFRA, "Resolving a partner's private domain from pods in {env}", """
        {service} has to reach `api.partner.local` which only the partner's DNS servers (reachable over our VPN
        tunnel) can resolve.
        """, ("""
        Add a forwarding zone to CoreDNS for that domain, in the `coredns-custom` ConfigMap that platform merges:

        ```
        partner.local:53 {
            errors
            cache 30
            forward . 10.99.0.53 10.99.0.54
        }
        ```

        Ask #platform to review it: a mistake there breaks DNS for the whole cluster.
        """,), near="net-k8s-dns-ndots"),
    Topic(INFRA, "Calling a service in another namespace from {service}", """
        {service} in namespace `{team}` gets `Name or service not known` for `http://ledger-api:8080`, which lives in
        namespace `payments`.
        """, ("""
        The short name only resolves inside the same namespace. Use `ledger-api.payments` or the full
        `ledger-api.payments.svc.cluster.local`.
        """,), near="net-k8s-dns-ndots"),
    Topic(INFRA, "SSH sessions to {env} hosts via the bastion drop after 10 idle minutes", """
        SSH sessions to the {env} hosts via the bastion die after about 10 minutes without typing.
        """, ("""
        The bastion's load balancer drops idle TCP connections. Send keepalives from the client:

        ```
        # ~/.ssh/config
        Host bastion-{env} *.{env}.int.acme.net
            ServerAliveInterval 60
            ServerAliveCountMax 3
        ```
        """,), near="net-vpn-mtu"),
    Topic(INFRA, "SSH to {env} hosts through the bastion in one step", """
        I always SSH to the bastion first, then hop to the {env} host. Can my SSH config do the hop?
        """, ("""
        ```
        # ~/.ssh/config
        Host *.{env}.int.acme.net
            ProxyJump bastion-{env}.acme.net
            User your.name
        ```

        Then `ssh app-01.{env}.int.acme.net` goes through the bastion. Don't use agent forwarding to the bastion;
        ProxyJump doesn't need it.
        """,), near="net-vpn-mtu"),

    # Observability ------------------------------------------------------------------------------
    Topic(INFRA, "How far back can we query metrics of {service}?", """
        Grafana shows {service}'s metrics only for the last two weeks. Capacity planning needs a year.
        """, ("""
        Prometheus itself keeps 15 days. Older data is in the long-term store, downsampled to 5-minute resolution,
        for 13 months: pick the `Metrics LTS` data source in Grafana. Queries over a year are slow; use recording
        rules for what you look at often.
        """,), near="obs-loki-retention"),
    Topic(INFRA, "Recording rules for the slow {service} dashboard", """
        The {service} overview dashboard takes 30 s to load; most panels compute quantiles over all pods.
        """, ("""
        Precompute the expensive expressions with recording rules:

        ```yaml
        groups:
          - name: {service}
            rules:
              - record: service:http_request_duration_seconds:p99_5m
                expr: |
                  histogram_quantile(0.99,
                    sum by (le, route) (rate(http_request_duration_seconds_bucket{app="{service}"}[5m])))
        ```

        Then use the recorded series in the panels.
        """,), near="obs-rate-empty-graph"),
    Topic(INFRA, "histogram_quantile returns NaN for {service}", """
        `histogram_quantile(0.95, rate(http_request_duration_seconds_bucket{app="{service}"}[5m]))` shows NaN for
        some routes.
        """, ("""
        NaN means all buckets had a rate of 0 in that window: no requests on that route, so there's no quantile. Also
        make sure you aggregate with `sum by (le)`: if `le` is dropped, the function can't work at all.
        """,), near="obs-rate-empty-graph"),
    Topic(INFRA, "Spikes in {service} graphs after every deploy", """
        Graphs of `requests_total` for {service} show huge spikes every time we deploy.
        """, ("""
        Counters reset to zero when the process restarts. `rate()` and `increase()` handle resets; `delta()` and
        subtracting raw values don't. Make sure the panel uses `rate(requests_total[5m])`, not the raw counter or
        `delta`.
        """,), near="obs-rate-empty-graph"),
    Topic(INFRA, "Multi-value variable in a Grafana dashboard for {team}", """
        I added a `service` variable with "Multi-value" to the {team} dashboard, and panels break when more than one
        value is selected.
        """, ("""
        With several values Grafana interpolates `a|b|c`, so the query must use a regex matcher: `{app=~"$service"}`
        instead of `{app="$service"}`.
        """,), near="obs-alert-flapping"),
    Topic(INFRA, "Silencing {service} alerts during planned maintenance", """
        We have a maintenance window for {service} tonight. How do I stop the alerts from paging during it?
        """, ("""
        Create a silence in Alertmanager for the window:

        ```sh
        amtool silence add app="{service}" --duration=3h --comment="planned maintenance, CHG-4821" \\
          --alertmanager.url=http://alertmanager.monitoring:9093
        ```

        Scope it to the service's labels, not to `severity`, or you silence everyone.
        """,), near="obs-alert-flapping"),
    Topic(INFRA, "Routing {team} alerts to the team's own channel", """
        All {team} alerts go to the shared #alerts channel. How do we route them to #{team}-alerts?
        """, ("""
        A route in the Alertmanager config (in the `monitoring` repo) matching the team label:

        ```yaml
        routes:
          - matchers: [team="{team}"]
            receiver: {team}-slack
            continue: false
        ```

        The alert rules must carry `team: {team}` in their labels.
        """,), near="obs-alert-flapping"),
    Topic(INFRA, "Counting errors per pod of {service} in Loki", """
        How do I graph the number of ERROR lines per pod of {service} in Grafana?
        """, ("""
        ```logql
        sum by (pod) (count_over_time({namespace="{team}", app="{service}"} |= "ERROR" [5m]))
        ```

        If the logs are JSON, parse and filter on the level field instead of a substring:
        `| json | level="error"`.
        """,), near="obs-loki-retention"),
    Topic(INFRA, "Loki: max entries limit per query exceeded for {service}", """
        Querying {service}'s logs for the last 24 h in Grafana fails with `max entries limit per query exceeded,
        limit > max_entries_limit (10000 > 5000)`.
        """, ("""
        Log queries return at most 5000 lines. Narrow the query (a shorter range, a `|=` filter) or, if you want
        numbers rather than lines, use a metric query like `count_over_time`.
        """,), near="obs-loki-retention"),
    Topic(INFRA, "Propagating trace context through Celery tasks in {service}", """
        Traces of {service} stop at the API: the Celery tasks it enqueues show up as separate traces.
        """, ("""
        Install and enable the Celery instrumentation in the worker and in the producer:

        ```python
        from opentelemetry.instrumentation.celery import CeleryInstrumentor

        @worker_process_init.connect(weak=False)
        def init_tracing(*args, **kwargs):
            CeleryInstrumentor().instrument()
        ```

        It injects the trace context into the task headers, so the task's spans join the request's trace.
        """,), near="obs-tail-sampling"),
    Topic(INFRA, "Adding trace ids to {service}'s log lines", """
        I'd like to jump from a log line of {service} in Loki to its trace in Tempo. How do I get the trace id into
        the logs?
        """, ("""
        With `opentelemetry-instrumentation-logging`, `LoggingInstrumentor().instrument(set_logging_format=True)`
        adds `otelTraceID` to every record; include it in your JSON formatter. Then configure a derived field on the
        Loki data source in Grafana that links `trace_id` to Tempo.
        """,), near="obs-tail-sampling"),
    Topic(INFRA, "Can I add customer_id as a label on {service}'s metrics?", """
        Product wants per-customer latency of {service} in Grafana. Is a `customer_id` label on the histogram OK?
        """, ("""
        No: we have tens of thousands of customers, and each label value multiplies the series of every bucket of the
        histogram. Per-customer analysis belongs in logs or traces (query Loki for a customer's slow requests), or in
        the analytics pipeline. Labels should have a small, bounded set of values.
        """,), near="obs-prometheus-cardinality"),
    Topic(INFRA, "Prometheus target for {service} down: context deadline exceeded", """
        The {service} target on the Prometheus targets page is red with `context deadline exceeded`.
        """, ("""
        Prometheus gave up waiting for `/metrics` (default `scrape_timeout` is 10 s). Check how long the endpoint takes
        with `curl -w '%{time_total}'`: collectors that query a database on every scrape are the usual cause. Cache
        those values or compute them in the background.
        """,), near="obs-prometheus-cardinality"),

    # Cost ---------------------------------------------------------------------------------------
    Topic(INFRA, "Cost allocation tags for {team}", """
        Finance wants the {team} team's AWS cost broken down per service. Which tags do we need?
        """, ("""
        The mandatory tags are `team`, `service` and `env`; the tag policy in the organisation rejects resources
        without them in new accounts. The cost dashboards group by `team` and `service`, so set them in the provider's
        `default_tags` and you're covered.
        """,), near="cost-dev-cluster-nights"),
    Topic(INFRA, "Rightsizing the {db} RDS instance", """
        {db} runs on a `db.r6g.4xlarge` and CPU never goes above 15%. Can we go smaller?
        """, ("""
        Look at memory before CPU: if the working set fits in a smaller instance's RAM you're fine, otherwise
        buffer-cache misses will show up as I/O. Performance Insights shows the waits. Downsizing is a Multi-AZ
        failover (a minute or so); do it in a maintenance window.
        """,), near="cost-nat-gateway"),
    Topic(INFRA, "Spot interruptions for the {team} team's batch jobs", """
        The {team} team's nightly batch moved to spot nodes and some runs fail when a node is reclaimed.
        """, ("""
        Spot nodes get a 2-minute warning; the node termination handler drains them. Make jobs resumable
        (checkpoint progress, idempotent steps) and set `backoffLimit` on the Job so a killed pod is retried on
        another node. Keep anything that can't be retried on on-demand nodes.
        """,), near="cost-dev-cluster-nights"),
    Topic(INFRA, "Who buys Savings Plans for the {team} team's accounts?", """
        The {team} team's compute spend has been flat for a year. Should we buy a Savings Plan ourselves?
        """, ("""
        No, FinOps buys Savings Plans and Reserved Instances centrally for the whole organisation, based on the total
        baseline; the discount is shared across accounts. Tell them in #finops if you expect your baseline to change
        a lot.
        """,), near="cost-nat-gateway"),

    # Python, Django, Celery ---------------------------------------------------------------------
    Topic(ENG, "Retrying {service}'s Celery task with exponential backoff", """
        `sync_{table}` in {service} calls a flaky partner API. How do I retry it with increasing delays, but only on
        network errors?
        """, ("""
        Declare it on the task:

        ```python
        @app.task(bind=True, autoretry_for=(requests.ConnectionError, requests.Timeout),
                  retry_backoff=True, retry_backoff_max=600, retry_jitter=True, max_retries=8)
        def sync_{table}_task(self, record_id):
            ...
        ```

        Other exceptions fail immediately. After the last retry the task fails for good, so handle that (a
        `on_failure` handler that records it somewhere).
        """,), near="celery-task-runs-twice"),
    Topic(ENG, "Celery tasks of {service} stuck in PENDING", """
        `AsyncResult(task_id).state` for tasks of {service} is always `PENDING`, even hours later. Workers look idle.
        """, ("""
        PENDING is also what Celery reports for any id it knows nothing about. Usually the task went to a queue no
        worker consumes: check `task_routes` and the worker's `-Q` list (`celery -A config inspect active_queues`).
        Or `task_ignore_result=True` is set, so no state is ever stored. Set `task_track_started=True` to see STARTED.
        """,), near="celery-task-runs-twice"),
    Topic(ENG, "Sending {service}'s heavy Celery tasks to their own queue", """
        Report generation tasks in {service} take minutes and delay the quick e-mail tasks on the same workers.
        """, ("""
        Route them to a separate queue and run dedicated workers for it:

        ```python
        app.conf.task_routes = {"reports.tasks.*": {"queue": "reports"}}
        ```

        ```sh
        celery -A config worker -Q reports --concurrency 2
        celery -A config worker -Q celery --concurrency 8
        ```
        """,), near="celery-worker-memory-growth"),
    Topic(ENG, "Long Celery tasks block short ones on the same {service} worker", """
        Even with concurrency 4, a short task of {service} sometimes waits minutes while the worker runs long tasks.
        """, ("""
        Each worker process prefetches tasks: a process busy with a long task holds others it has already reserved.
        Turn prefetching down for workers running long tasks:

        ```python
        app.conf.worker_prefetch_multiplier = 1
        app.conf.task_acks_late = True
        ```
        """,), near="celery-worker-memory-growth"),
    Topic(ENG, "Changing a Celery beat schedule of {service} without a redeploy", """
        Ops wants to change when `cleanup_{table}` runs without shipping a new image of {service}.
        """, ("""
        Use `django-celery-beat`'s database scheduler: schedules live in the database and can be edited in the Django
        admin; beat picks up changes on its own.

        ```sh
        celery -A config beat --scheduler django_celery_beat.schedulers:DatabaseScheduler
        ```
        """,), near="celery-beat-duplicates"),
    Topic(ENG, "Celery concurrency for CPU-bound tasks in {service}", """
        {service}'s workers run image processing. What concurrency should the prefork pool have on a 4-core pod?
        """, ("""
        For CPU-bound work, one process per core: `--concurrency 4`. More processes only add context switching. For
        I/O-bound tasks you'd go much higher, or use the `gevent` pool.
        """,), near="celery-worker-memory-growth"),
    Topic(ENG, "bulk_create and primary keys on Postgres in {service}", """
        After `Model.objects.bulk_create(objs)` in {service}, do the objects get their `pk` set?
        """, ("""
        On PostgreSQL yes: Django uses `RETURNING` and fills in the primary keys. Not with `ignore_conflicts=True`
        though, and on MySQL not at all. Use `batch_size` for large lists.
        """,), near="django-admin-n-plus-one"),
    Topic(ENG, "Admin changelist for {table} is slow because of COUNT(*)", """
        The admin list of `{table}` takes 6 seconds even with 25 rows per page. The slow query is a
        `SELECT COUNT(*) FROM {table}`.
        """, ("""
        The paginator counts the whole table, twice when a filter is active. On big tables turn off the full count and
        use an estimated paginator:

        ```python
        class LargeTableAdmin(admin.ModelAdmin):
            show_full_result_count = False
        ```

        For the remaining count, a paginator that reads `reltuples` from `pg_class` is a common trick.
        """,), near="django-admin-n-plus-one"),
    Topic(ENG, "Cache stampede on an expensive {service} view", """
        When the cache entry for {service}'s dashboard expires, 50 requests recompute it at once and the database
        falls over.
        """, ("""
        Only let one request recompute: take a short lock (`cache.add(lock_key, 1, 30)` succeeds for one caller
        only) and let the others serve the stale value or wait briefly. Or refresh the entry from a periodic task
        before it expires, so requests never compute it.
        """,), near="redis-oom-maxmemory"),
    Topic(ENG, "Showing times in each user's time zone in {service}", """
        {service} stores everything in UTC. Users in different countries want to see times in their own zone.
        """, ("""
        Store a time zone per user and activate it per request in a middleware:

        ```python
        from zoneinfo import ZoneInfo
        from django.utils import timezone

        class UserTimezoneMiddleware:
            def __init__(self, get_response):
                self.get_response = get_response

            def __call__(self, request):
                if request.user.is_authenticated and request.user.time_zone:
                    timezone.activate(ZoneInfo(request.user.time_zone))
                else:
                    timezone.deactivate()
                return self.get_response(request)
        ```

        Templates then render datetimes in that zone automatically.
        """,), near="django-naive-datetime-warning"),
    Topic(ENG, "SynchronousOnlyOperation in an async view of {service}", """
        An `async def` view in {service} fails with `SynchronousOnlyOperation: You cannot call this from an async
        context - use a thread or sync_to_async`.
        """, ("""
        Use the async ORM methods where they exist (`await Model.objects.aget(...)`, `async for` over a queryset), and
        wrap anything else:

        ```python
        from asgiref.sync import sync_to_async
        result = await sync_to_async(build_report)(request.user.pk)
        ```
        """,), near="gunicorn-worker-timeout"),
    Topic(ENG, "Per-environment settings for {service} with django-environ", """
        {service} has `settings_dev.py`, `settings_staging.py` and `settings_prod.py` that drift apart. What's the
        recommended layout?
        """, ("""
        One settings module reading the environment:

        ```python
        import environ
        env = environ.Env()
        DEBUG = env.bool("DEBUG", default=False)
        DATABASES = {"default": env.db("DATABASE_URL")}
        ```

        Defaults safe for development, required values failing loudly in production. Differences between environments
        then live in the deployment's environment variables.
        """,), near="devenv-direnv-env-vars"),
    Topic(ENG, "pip-audit flags a vulnerable transitive dependency in {service}", """
        `pip-audit` in {service}'s pipeline reports a CVE in `urllib3`, which we don't depend on directly.
        """, ("""
        Find out who pulls it in (`pipdeptree -r -p urllib3`), then raise it in the lock file without touching the
        parent, if the parent's version range allows it:

        ```sh
        pip-compile --upgrade-package urllib3 requirements.in
        ```

        If the parent pins an old range, upgrade the parent. Add the fixed version to `constraints.txt` only as a
        last resort.
        """,), near="python-pip-tools-lock"),
    Topic(ENG, "How many gunicorn workers should {service} run per pod?", """
        {service}'s Dockerfile runs gunicorn with `--workers 9` (2 × cores + 1 of the build machine) in a pod with a
        1 CPU request.
        """, ("""
        The 2 × cores + 1 rule is for a whole machine. In a pod, base it on the CPU you requested: with 1 CPU, 2–3 sync
        workers, or 2 workers with a few threads each (`--worker-class gthread --threads 4`) if requests wait on I/O.
        More workers than CPU only adds memory use and contention. Make the count configurable via
        `GUNICORN_CMD_ARGS` or `WEB_CONCURRENCY`.
        """,), near="gunicorn-worker-timeout"),
    Topic(ENG, "Running {service} on uvicorn instead of gunicorn", """
        {service} now has a few async views. Do we need to switch to an ASGI server?
        """, ("""
        Async views work under WSGI too, but each runs in its own event loop per request, so you get none of the
        benefit. To benefit, serve `asgi.py` with uvicorn workers under gunicorn:

        ```sh
        gunicorn config.asgi:application -k uvicorn.workers.UvicornWorker --workers 3
        ```
        """,), near="gunicorn-worker-timeout"),
    Topic(ENG, "'Connection pool is full, discarding connection' warnings in {service}", """
        {service}'s logs are full of `WARNING urllib3.connectionpool: Connection pool is full, discarding connection:
        partner-api.acme.com`.
        """, ("""
        More threads use one `requests.Session` than its pool allows (10 connections per host). Mount an adapter with
        a larger pool:

        ```python
        session = requests.Session()
        session.mount("https://", HTTPAdapter(pool_connections=4, pool_maxsize=32))
        ```

        The warning itself is harmless (the extra connection is just closed), but it costs a TLS handshake each time.
        """,), near="gunicorn-worker-timeout"),
    Topic(ENG, "JSON logs from {service} for Loki", """
        Loki can't parse {service}'s multi-line Python tracebacks. How do other teams log?
        """, ("""
        Log JSON, one object per line, with the traceback as a field:

        ```python
        LOGGING = {
            "version": 1,
            "formatters": {"json": {"()": "pythonjsonlogger.jsonlogger.JsonFormatter",
                                    "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
            "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json"}},
            "root": {"handlers": ["stdout"], "level": "INFO"},
        }
        ```

        Then `| json` in LogQL gives you every field.
        """,), near="obs-loki-retention"),
    Topic(ENG, "Mocking the partner API in {service}'s tests", """
        Tests of {service} call the real partner sandbox and fail when it's down. What do people use to stub HTTP?
        """, ("""
        `responses` for code using requests, `respx` for httpx:

        ```python
        @responses.activate
        def test_sync_creates_{table}():
            responses.get("https://partner.example/api/items", json={"items": []})
            ...
        ```

        Keep one contract test against the sandbox in a nightly job, so you notice when the real API changes.
        """,), near="ci-flaky-tests"),

    # On-call and incidents ----------------------------------------------------------------------
    Topic(ENG, "Where are the incident severity levels defined? Asking for {team}", """
        The {team} on-call wasn't sure whether yesterday's problem was a SEV2 or SEV3. Where are the definitions?
        """, ("""
        From the incident handbook:

        - SEV1: customer-facing outage of checkout, payments or login, or a data breach.
        - SEV2: major degradation of a core flow, or an outage of an important internal system.
        - SEV3: minor customer impact, a workaround exists.
        - SEV4: no customer impact.

        When unsure, declare the higher one; downgrading later is cheap.
        """,), near="oncall-postmortem-required"),
    Topic(ENG, "How do I declare an incident for {service}?", """
        Never done it before: if {service} goes down on my shift, how do I officially declare an incident?
        """, ("""
        In Slack: `/incident declare`, pick the severity and the affected service. The bot creates the channel,
        pages the incident commander rota for SEV1/SEV2 and starts the timeline. Then keep updates in that channel.
        """,), near="incident-status-page"),
    Topic(ENG, "Time off after a night of pages for {service}", """
        I was paged four times last night for {service}. Is there a rule about starting later the next day?
        """, ("""
        Yes: if you were paged between 22:00 and 07:00 and worked more than an hour on it, take the morning off (or
        the equivalent time later in the week). Log it in the on-call sheet so it's paid as on-call time. Your manager
        doesn't need to approve it.
        """,), near="oncall-alert-fatigue"),
    Topic(ENG, "Runbook requirements for {service}'s new alerts", """
        We're adding paging alerts for {service}. The review bot complains about missing runbooks.
        """, ("""
        Every alert with `severity: page` needs a `runbook_url` annotation pointing to a page saying what the alert
        means, how to check impact and the first steps. Use the runbook template in the team space; an alert nobody can
        act on at 3 a.m. shouldn't page.
        """,), near="oncall-alert-fatigue"),
    Topic(ENG, "Setting up a PagerDuty escalation policy for the new {team} team", """
        {team} is a new team taking over {service}. What do we need in PagerDuty?
        """, ("""
        A schedule with at least 4 people, an escalation policy (primary, then secondary after 15 minutes, then the
        engineering manager), and a service in PagerDuty for {service} using that policy with the Alertmanager
        integration. The on-call working group reviews new policies; ping #oncall.
        """,), near="oncall-swap-shift"),
    Topic(ENG, "Adding {service} as a component on the status page", """
        {service} became customer-facing. How do we get it listed as a component on status.acme.com?
        """, ("""
        Components are managed in the `statuspage` Terraform repository; add it to the right group in an MR and link the
        alert that should set it to "degraded" automatically.
        """,), near="incident-status-page"),

    # SSO and OAuth ------------------------------------------------------------------------------
    Topic(ENG, "Adding {service} to Okta single sign-on", """
        {service} has its own user accounts today. How do we put it behind Okta?
        """, ("""
        Request a new OIDC application through the access portal (category "SSO integration"). You get a client id and
        secret for each environment; use the authorization code flow with PKCE, and `mozilla-django-oidc` for Django
        apps. Access is granted through an Okta group per app, managed by the app owner.
        """,), near="oauth-redirect-uri-mismatch"),
    Topic(ENG, "Access token lifetime and refresh in {service}'s single-page app", """
        Users of {service}'s SPA get logged out after an hour. Should we make the access token last longer?
        """, ("""
        No, keep access tokens short. Use refresh tokens with rotation in the SPA (authorization code with PKCE,
        `offline_access` scope): each refresh returns a new refresh token and invalidates the old one. The Okta app's
        refresh token lifetime is set per app.
        """,), near="oauth-redirect-uri-mismatch"),
    Topic(ENG, "Service-to-service calls to {service} with OAuth client credentials", """
        A batch job needs to call {service}'s API without a user. How should it authenticate?
        """, ("""
        The client credentials grant: register the job as an OAuth service app in Okta with a custom scope like
        `{service}:read`, fetch a token from the token endpoint, cache it until it expires. {service} validates the
        token's signature, audience and scope. No shared passwords or long-lived API keys.
        """,), near="sso-saml-clock-skew"),
    Topic(ENG, "Rolling over the SAML signing certificate for {service}", """
        Okta says the signing certificate of {service}'s SAML app expires next month. What do we do?
        """, ("""
        Generate the new certificate in Okta (the app's Sign On tab), then update the IdP certificate on the {service}
        side, or, better, let {service} read the IdP metadata URL so it picks up new certificates on its own. Switch
        Okta to the new certificate only once {service} trusts it.
        """,), near="sso-saml-clock-skew"),

    # Security Ops -------------------------------------------------------------------------------
    Topic(SECOPS, "Blocking secrets before they reach the {team} repositories", """
        After the last leak, how do we stop credentials from being committed in the {team} team's repositories at all?
        """, ("""
        Two layers: the gitleaks pre-commit hook locally (in the shared pre-commit config), and GitLab's secret
        detection job in CI, which is mandatory for all projects since the compliance pipeline rollout. Push rules can
        also reject files named like `*.pem` or `id_rsa`.
        """,), near="sec-leaked-aws-key"),
    Topic(SECOPS, "Secret scanning alert for a test fixture in {service}", """
        GitHub's secret scanning flags `tests/fixtures/{service}_key.pem` in {service}. It's a key generated for the
        tests and never used anywhere else.
        """, ("""
        Confirm that (the key isn't registered anywhere), then close the alert as "used in tests" with a note. To
        avoid the next alert, generate the key at test time instead of committing it.
        """,), near="sec-leaked-aws-key"),
    Topic(SECOPS, "Quarterly access review for the {team} AWS accounts", """
        It's my first time running the quarterly access review for the {team} team's AWS accounts. What's expected?
        """, ("""
        Export the assignments from IAM Identity Center (the `access-review` script in the secops repo does it per
        account), have the account owner confirm each person and permission set, and remove what nobody can justify.
        Record the export and the decisions in the review ticket; the auditors sample them.
        """,), near="sec-offboarding-revocation"),
    Topic(SECOPS, "Break-glass access to the production AWS account of {team}", """
        If Okta is down during an incident, how would {team} get into the production AWS account?
        """, ("""
        Each production account has a break-glass IAM user whose password and MFA device are in the sealed envelope
        process (two security team members needed). Using it pages security automatically; the password is rotated
        after every use.
        """,), near="sec-db-password-rotation"),
    Topic(SECOPS, "SSH certificates instead of authorized_keys on {env} hosts", """
        Is the plan to move the {env} hosts to SSH certificates still on? Managing `authorized_keys` lists is painful.
        """, ("""
        Yes: the SSH CA in Vault is live for {env}. Hosts trust the CA (`TrustedUserCAKeys`), people get a certificate
        valid for 8 hours with `vault ssh`, and there are no personal keys on hosts. Production follows next quarter.
        """,), near="sec-deploy-key-rotation"),
    Topic(SECOPS, "Patch deadline for a critical CVE in the {service} base image", """
        The scanner reports a critical CVE in the OpenSSL of {service}'s base image. How fast must we fix it?
        """, ("""
        The vulnerability SLA: critical 7 days, high 30 days, medium 90 days, counted from the scanner's first report.
        For base images, rebuild on the latest `python-base` tag (rebuilt nightly) and redeploy; if the fix isn't
        released upstream yet, file an exception in the risk register with the mitigation.
        """,), near="sec-k8s-secrets-in-git"),
    Topic(SECOPS, "Shared credentials vault for the {team} team", """
        {team} shares a few vendor logins through a spreadsheet (I know). What should we use?
        """, ("""
        A shared 1Password vault for the team: request it through the access portal, the team lead owns membership.
        Move the logins over, delete the spreadsheet, and turn on the vendors' SSO where they offer it.
        """,), near="sec-offboarding-revocation"),
    Topic(SECOPS, "Reading production data of {db} to debug a customer issue", """
        A customer ticket needs a look at their rows in {db}. What's the approved way to query production?
        """, ("""
        Request time-limited database access through Teleport (`tsh db login --request-reason "TICKET-123" {db}`): an
        approver from the owning team grants it for up to 4 hours, read-only, and every query is recorded. No
        connecting with the application's credentials.
        """,), near="sec-db-password-rotation"),
)


def _fill(template: str, values: dict[str, str]) -> str:
    return SLOT.sub(lambda match: values[match.group(1)], template)


def _compose(topic: Topic, rng: random.Random, taken: set[str], key: str, *, slots: dict = SLOTS,
             tries: int = 12) -> dict | None:
    """One thread from ``topic`` whose title nobody has yet, or None after ``tries`` tries."""
    for _ in range(tries):
        values = {name: rng.choice(options) for name, options in slots.items()}
        title = _fill(topic.title, values)
        if title not in taken:
            break
    else:
        return None
    people = SECOPS_PEOPLE if topic.category == SECOPS else PEOPLE
    asker = rng.choice(people)
    repliers = [person for person in people if person != asker]
    answers = [{"author": rng.choice(repliers), "body": _md(_fill(body, values)), "accepted": False}
               for body in topic.answers]
    if rng.random() < 0.55:
        answers[0]["accepted"] = True
    if rng.random() < 0.4:
        answers.append({"author": rng.choice(repliers), "body": _fill(rng.choice(ASIDES), values), "accepted": False})
    if rng.random() < 0.2:
        answers.append({"author": asker, "body": rng.choice(FOLLOW_UPS), "accepted": False})
    opener = _fill(rng.choice(OPENERS), values)
    return {"key": key, "category": topic.category, "asker": asker, "title": title,
            "question": opener + _md(_fill(topic.question, values)), "answers": answers}


def generate(n: int = 1000, seed: int = 0, *, slots: dict = SLOTS, tries: int = 12, key: str = "distractor-{:04d}",
             taken=()) -> list[dict]:
    """``n`` distractor threads with unique titles (none in ``taken``), the same for the same arguments on any
    machine. Topics are drawn in shuffled rounds until a topic's titles run out. ``slots``, ``tries`` and the
    ``key`` format let bench/retrieval_large_world.py draw many more threads from the same topics."""
    rng = random.Random(seed)
    threads: list[dict] = []
    taken = set(taken)
    exhausted: set[int] = set()
    queue: list[int] = []
    while len(threads) < n:
        if not queue:
            queue = [i for i in range(len(TOPICS)) if i not in exhausted]
            if not queue:
                raise ValueError(f"the topics give at most {len(threads)} distinct titles, {n} were asked for")
            rng.shuffle(queue)
        index = queue.pop()
        thread = _compose(TOPICS[index], rng, taken, key=key.format(len(threads)), slots=slots, tries=tries)
        if thread is None:
            exhausted.add(index)
            continue
        taken.add(thread["title"])
        threads.append(thread)
    return threads
