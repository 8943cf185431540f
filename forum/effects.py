"""Side effects after commit: the one helper services use, so a rolled-back change sends nothing."""
import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def on_commit(func, *args, **kwargs) -> None:
    transaction.on_commit(lambda: func(*args, **kwargs))


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Send a Celery task once the transaction commits.

    A broker that is down must not lose the user's request: the row is already committed, the
    failure is logged, and the periodic sweeper re-enqueues what never reached the broker.
    """

    def send():
        try:
            task.apply_async(args=args, kwargs=kwargs, retry=False)
        except Exception:  # noqa: BLE001 - any broker failure is recovered by the sweeper
            logger.warning("enqueue failed for %s; the sweeper will retry", task.name, exc_info=True)

    transaction.on_commit(send)
