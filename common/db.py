"""Database connections left behind by an interrupted statement."""
from django.db import connections


def is_idle(conn) -> bool:
    """Whether a PostgreSQL connection is between transactions, with no statement under way (asked of the client
    library: no round trip). Django's own checks miss a statement interrupted by an exception that was caught (a
    Celery soft time limit raises wherever the task is): the next statement on it would fail with "another command
    is already in progress"."""
    if conn.vendor != "postgresql" or conn.connection is None:
        return True
    from psycopg import pq

    return conn.connection.info.transaction_status == pq.TransactionStatus.IDLE


def close_interrupted() -> None:
    """Close every connection left mid-statement or inside a transaction, outside an atomic block (inside one, the
    block's exit rolls back or closes it); Django opens a new one for the next statement."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block and not is_idle(conn):
            conn.close()
