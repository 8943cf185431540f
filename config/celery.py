"""The Celery application; configuration lives in settings under the CELERY_ namespace."""
import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_init, worker_shutdown
from django.conf import settings

from common.db import close_interrupted

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("vetted")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Database connections across tasks, as across web requests. Celery's fixup would close them around every
# task; CELERY_DB_REUSE_MAX turns that off, and these handlers do what Django does around a request instead.


@task_prerun.connect
def _connections_before_task(sender=None, **kwargs):
    """Drop a kept connection that has errored or outlived CONN_MAX_AGE (a health check runs before its first
    use: CONN_HEALTH_CHECKS)."""
    if not getattr(sender.request, "is_eager", False):
        from django.db import close_old_connections

        close_old_connections()


@task_postrun.connect
def _connections_after_task(sender=None, state=None, **kwargs):
    """After a task that did not succeed, close every connection: one interrupted mid-statement (a soft time
    limit raises wherever the task was) can look usable to Django and fail the next task (celery#9824).
    After a success, the same check as before a task, and a connection not idle is closed (unless
    CELERY_DB_REUSE_MAX is 0: then always closed)."""
    if getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections, connections

    if state == "SUCCESS" and settings.CELERY_DB_REUSE_MAX:
        close_interrupted()  # a statement the task gave up on (and caught) still running, a transaction open
        close_old_connections()
    else:
        connections.close_all()


def worker_session(sender=None, connection=None, **kwargs):
    """A worker's PostgreSQL session is planned for throughput (``WORKER_DB_SESSION``): by default no parallel
    plans, and index reads costed as the cached reads they are.

    A parallel plan starts PostgreSQL worker processes for one statement: it shortens a lone statement on an
    idle server, and costs more CPU than it saves when every core is already drafting. The default
    random_page_cost (4, for spinning disks) made the planner read every passage sequentially rather than
    through the full-text index for a draft's answer candidates: 24 ms against 6 ms (bench/README.md, round
    10). The web server's sessions keep the server's settings."""
    if connection.vendor == "postgresql" and settings.WORKER_DB_SESSION:
        with connection.cursor() as cursor:
            for name, value in settings.WORKER_DB_SESSION.items():
                cursor.execute("SELECT set_config(%s, %s, false)", [name, str(value)])


@worker_init.connect
def _worker_statements(**kwargs):
    """The worker's new connections get ``worker_session`` (its processes open theirs after it starts: Celery's
    fixup closes the parent's at each fork)."""
    from django.db.backends.signals import connection_created

    connection_created.connect(worker_session, dispatch_uid="vetted-worker-session")


@worker_shutdown.connect
def _worker_statements_done(**kwargs):
    """Also called by the tests' in-process worker, whose stop does not send ``worker_shutdown``."""
    from django.db.backends.signals import connection_created

    connection_created.disconnect(dispatch_uid="vetted-worker-session")
