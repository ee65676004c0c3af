"""A damaged PostgreSQL gradebook is refused as an SQLite one is, and restored from its pg_dump backup.

Needs a PostgreSQL server: CASELOOP_TEST_PG is a URL of a role allowed to create databases
(.ci/run starts one). Without it the tests skip, unless CASELOOP_REQUIRE_SERVICES=1 (CI), where a
missing server is a failure. One m01 course is graded into its own database through real
nbgrader; each test copies the database (CREATE DATABASE ... TEMPLATE) and the course, damages
the copy and runs the real `caseloop grade`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from caseloop import demo, grade, release
from caseloop.course import Course
from caseloop.course import backups as backups_module
from conftest import postgres_server

PG = postgres_server()
psycopg = pytest.importorskip("psycopg")
MODULE = "m01"


def _database_url(name: str) -> str:
    return f"{PG.rpartition('/')[0]}/{name}"


def _admin(sql: str) -> None:
    with psycopg.connect(PG, autocommit=True) as admin:
        admin.execute(sql)


def _use_database(root: Path, url: str) -> Course:
    with (root / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write(f"\nc.CourseDirectory.db_url = {url!r}\n")
    course = Course.at(root)
    assert course.db_url() == url
    return course


def rows(course: Course, table: str = "grade") -> int:
    with psycopg.connect(course.db_url()) as db:
        return db.execute(f"select count(*) from {table}").fetchone()[0]


def run(course: Course, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "caseloop", "--course", str(course.root), "grade", MODULE, *args],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def graded(repo_course: Course, tmp_path_factory: pytest.TempPathFactory):
    name = f"caseloop_faults_{uuid.uuid4().hex[:8]}"
    _admin(f"CREATE DATABASE {name}")
    try:
        root = repo_course.copy_to(tmp_path_factory.mktemp("pg-faults") / "course").root
        course = _use_database(root, _database_url(name))
        release.release(course, MODULE)
        demo.submit_cohort(course, MODULE, 4, seed=11)
        grade.collect(course, MODULE)
        grade.grade(course, MODULE, grade.GradeOptions(workers=2))
        yield course, name
    finally:
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def course(graded, tmp_path):
    """A copy of the graded course and of its database, to break."""
    original, name = graded
    copy = f"{name}_{uuid.uuid4().hex[:6]}"
    _admin(f"CREATE DATABASE {copy} TEMPLATE {name}")
    try:
        yield _use_database(shutil.copytree(original.root, tmp_path / "copy", symlinks=True), _database_url(copy))
    finally:
        _admin(f"DROP DATABASE IF EXISTS {copy} WITH (FORCE)")


DAMAGE = {
    "rows_deleted": "delete from grade where id in (select id from grade limit 10)",
    "tables_dropped": "drop table grade, comment, submitted_notebook, submitted_assignment, notebook, student, "
                      "assignment cascade",
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_postgresql_gradebook_is_refused_and_restored(course, damage):
    before = rows(course)
    assert before == 3 * 10
    newest = backups_module.backups(course)[-1]
    assert newest.suffix == ".pgdump" and backups_module.backup_row_counts(newest)["grade"] == before
    (course.submission_dir("trainee01", MODULE) / "timestamp.txt").write_text("2026-03-02 10:00:00.000000 UTC")
    with psycopg.connect(course.db_url(), autocommit=True) as db:
        db.execute(DAMAGE[damage])
    damaged = None if damage == "tables_dropped" else rows(course)

    refused = run(course)
    assert refused.returncode == 2, refused.stdout
    assert str(newest) in refused.stderr and "--restore-backup" in refused.stderr, refused.stderr
    assert "caseloop:caseloop" not in refused.stderr, "the message never shows the password"
    assert damaged is None or rows(course) == damaged, "the refusal changed nothing"

    restored = run(course, "--restore-backup")
    assert restored.returncode == 0, restored.stderr
    assert str(newest) in restored.stdout
    assert list(course.backups_dir.glob("damaged-gradebook-*.pgdump")), "what the gradebook held is kept"
    assert rows(course) == before and rows(course, "comment") == backups_module.backup_row_counts(newest)["comment"]
    again = run(course)
    assert again.returncode == 0, again.stderr
    assert rows(course) == before, "the regraded submission replaced its own rows, no others were lost"


def test_rows_removed_on_purpose_are_accepted_when_said_so(course):
    (course.submission_dir("trainee01", MODULE) / "timestamp.txt").write_text("2026-03-02 10:00:00.000000 UTC")
    with psycopg.connect(course.db_url(), autocommit=True) as db:
        db.execute("delete from comment")
    assert run(course).returncode == 2
    assert run(course, "--accept-gradebook").returncode == 0


def test_an_unreadable_pg_dump_is_named(course):
    from caseloop.course import CourseError

    newest = backups_module.backups(course)[-1]
    newest.write_bytes(b"broken")
    with pytest.raises(CourseError, match="cannot be read either"):
        backups_module.restore_backup(course, MODULE)
