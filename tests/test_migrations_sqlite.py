"""Every migration applies to a fresh SQLite database (the embedded default) forwards, and the latest ones backwards
and forwards again, whatever database the suite runs on (round 44's review: 0014 rebuilt ``aiassist_approval``,
which 0003's SQLite triggers read, and a fresh SQLite database could not be migrated; PostgreSQL never saw it)."""
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _migrate(database: Path, *target: str) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    done = subprocess.run([sys.executable, "manage.py", "migrate", *target, "-v0"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_fresh_sqlite_database_migrates_and_keeps_its_triggers(tmp_path):
    database = tmp_path / "fresh.sqlite3"
    _migrate(database)
    _migrate(database, "aiassist", "0013")
    _migrate(database)
    with sqlite3.connect(database) as connection:
        triggers = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"aiassist_publish_needs_approvals_update", "aiassist_publish_needs_approvals_insert"} <= triggers
