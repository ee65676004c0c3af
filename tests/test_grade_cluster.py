"""Scale-out: the same grading tasks on a real local Dask cluster, against a PostgreSQL gradebook.

Needs a PostgreSQL server: CASELOOP_TEST_PG is a URL of a role allowed to create databases
(.ci/run starts one). Without it the tests skip, unless CASELOOP_REQUIRE_SERVICES=1, as in CI,
where a missing server is a failure.
"""

from __future__ import annotations

import uuid

import pytest

from caseloop import demo, grade, release
from caseloop.course import Course
from caseloop.grade import submission as worker_state
from conftest import postgres_server

PG = postgres_server()

psycopg = pytest.importorskip("psycopg")
distributed = pytest.importorskip("distributed")
MODULE = "m01"


def _worker_graded() -> bool:
    """Runs on each Dask worker: whether it set up nbgrader for grading tasks."""
    from caseloop.grade import submission as worker_grade

    return bool(worker_grade._worker)


@pytest.fixture()
def pg_gradebook_url():
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"caseloop_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(PG, autocommit=True)
    admin.execute(f"CREATE DATABASE {name}")
    base, _, _ = PG.rpartition("/")
    yield f"{base}/{name}"
    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


def test_dask_cluster_grades_into_postgresql(repo_course, tmp_path, pg_gradebook_url):
    from nbgrader.api import Gradebook

    course = repo_course.copy_to(tmp_path / "course")
    with (course.root / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write(f"\nc.CourseDirectory.db_url = {pg_gradebook_url!r}\n")
    assert Course.at(course.root).db_url() == pg_gradebook_url
    release.release(course, MODULE)
    demo.submit_cohort(course, MODULE, 6, seed=11)
    grade.collect(course, MODULE)

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        results = grade.grade(course, MODULE, grade.GradeOptions(cluster=cluster.scheduler_address))
        with distributed.Client(cluster) as client:
            prepared = client.run(_worker_graded)
    assert sum(prepared.values()) >= 1, "the grading tasks ran on the cluster's workers"
    assert not worker_state._worker, "nothing was graded in this process"

    assert {r.trainee: r.status for r in results} == {
        **{f"trainee0{i}": grade.GRADED for i in range(1, 6)}, "trainee06": grade.MALFORMED}
    with Gradebook(pg_gradebook_url) as gradebook:
        totals = {s.student.id: s.score for s in gradebook.assignment_submissions(MODULE)}
    assert totals["trainee01"] == 15 and totals["trainee02"] == 0
    assert len(totals) == 5
    assert all((course.autograded_dir / t / MODULE).is_dir() for t in totals)
    assert list((course.root / ".caseloop" / "backups").glob("gradebook-*-before-m01.pgdump"))
