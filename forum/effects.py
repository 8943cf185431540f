"""Side effects after commit: the one helper services use, so a rolled-back change sends nothing."""
import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def on_commit(func, *args, **kwargs) -> None:
    transaction.on_commit(lambda: func(*args, **kwargs))


def enqueue(task, *args, **kwargs) -> bool:
    """Send a Celery task now. Returns False (and logs) when the broker cannot take it.

    One connection attempt, no retry: left alone, kombu keeps trying to connect for about six
    seconds (broker_connection_timeout plus its back-off) inside the caller, which is a user's
    request or the sweeper working through hundreds of rows. Whatever is not sent, the periodic
    sweeper sends again, so failing fast loses nothing.
    """
    try:
        with task.app.producer_or_acquire() as producer:
            producer.connection.ensure_connection(max_retries=0)
            task.apply_async(args=args, kwargs=kwargs, retry=False, producer=producer)
    except Exception:  # noqa: BLE001 - any broker failure is recovered by the sweeper
        logger.warning("enqueue failed for %s; the sweeper will retry", task.name, exc_info=True)
        return False
    return True


def enqueue_on_commit(task, *args, on_failure=None, **kwargs) -> None:
    """Send a Celery task once the transaction commits.

    A broker that is down must not lose the user's request: the row is already committed, the
    failure is logged, ``on_failure`` (if given) runs so the caller can mark the work as never
    sent, and the periodic sweeper re-enqueues what never reached the broker.
    """

    def send():
        if not enqueue(task, *args, **kwargs) and on_failure is not None:
            on_failure()

    transaction.on_commit(send)
