"""Project wiring: settings, URLs, the Celery app, WSGI/ASGI entry points."""
import os

# The embedder's matrix products are small (one question, a batch of passages): BLAS threads spinning
# against the web and worker processes' own parallelism made one question's embedding 10-50 times
# slower on a busy 2-core machine. Processes, not BLAS threads, are how Vetted uses cores. Set before
# anything imports numpy; an operator's own value wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

from .celery import app as celery_app  # noqa: E402 - after the thread limits above

__all__ = ("celery_app",)
