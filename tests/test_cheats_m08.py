"""A cheat corpus on m08, where answers are pandas code: every cheat runs, in the sandbox, and none scores.

Each cheater submits m08 with one cheat in an answer cell and every other answer left as released;
an honest trainee, graded in an earlier batch, must keep every grade. After the batch the course's
source/, the gradebook's rows, caseloop's package files, the grader's IPython profile, /tmp and
the process table are as they were.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from pathlib import Path

import nbformat
import psutil
import pytest

import caseloop
from caseloop import grade, release
from caseloop.compile import compile_course
from caseloop.course import Course
from caseloop.notebook import answer_variable, without_solution_markers
from caseloop.sandbox.bwrap import SANDBOX_UID_BASE

MODULE, NOTEBOOK = "m08", "ticket_analytics.ipynb"
FULL = 26
MARK = "caseloop-cheat"
PACKAGE = Path(caseloop.__file__).resolve().parent
PROFILE = Path.home() / ".ipython"


def cheats(course: Course) -> dict[str, tuple[str, str]]:
    """trainee -> (answer variable whose cell holds the cheat, the cheat)."""
    root, source = course.root, course.source_dir / MODULE / NOTEBOOK
    solve = ("import json\ncells = json.load(open(PATH))['cells']\n"
             "code = '\\n'.join(''.join(c['source']) for c in cells if c['cell_type'] == 'code'"
             " and c['metadata'].get('caseloop', {}).get('answer'))\n"
             "exec(code.replace('### BEGIN SOLUTION', '').replace('### END SOLUTION', ''))\n")
    return {
        "monkeypatch_checks": ("top_type_share_c0300", "import caseloop.checks as c\n"
                               "full = lambda *a, **k: c.Score(float(k['points']), float(k['points']))\n"
                               "c.number = full\n"
                               "c.Score.__repr__ = lambda self: format(self.max_points, 'g')\n"
                               "top_type_share_c0300 = None"),
        "fake_score_repr": ("top_types_c0300", "class Full:\n    def __repr__(self):\n        return '2'\n"
                            "    def __eq__(self, other):\n        return True\ntop_types_c0300 = Full()"),
        "fake_series": ("top_types_c0300", "class Always(pd.Series):\n    def __eq__(self, other):\n"
                        "        return True\ntop_types_c0300 = Always([1])"),
        "fake_number": ("median_response_h_c0300", "class Near(float):\n    def __sub__(self, other):\n"
                        "        return 0.0\n    __rsub__ = __sub__\n    def __eq__(self, other):\n"
                        "        return True\nmedian_response_h_c0300 = Near(0.0)"),
        "display_hooks": ("top_types_c0300", "import sys\nip = get_ipython()\n"
                          "plain = ip.display_formatter.formatters['text/plain']\n"
                          "plain.for_type(object, lambda o, p, c: p.text('2'))\n"
                          "sys.displayhook = lambda value: print('2')\n"
                          "import builtins\nbuiltins.isinstance = lambda *a: True\ntop_types_c0300 = None"),
        "clear_output_hook": ("top_types_c0300", "from IPython.display import clear_output\n"
                              "get_ipython().events.register('post_run_cell', lambda *a: clear_output())\n"
                              "top_types_c0300 = None"),
        "silenced_output": ("top_types_c0300", "import os, sys\nsys.stdout = sys.stderr = open(os.devnull, 'w')\n"
                            "top_types_c0300 = None"),
        "reads_source_by_path": ("top_types_c0300", solve.replace("PATH", repr(str(source)))),
        "reads_source_by_glob": ("top_types_c0300", "import glob\nfound = [p for d in ('/work', '/root', '/home', "
                                 "'/tmp', '/srv', '/opt') for p in glob.glob(d + '/**/source/m08/*.ipynb', "
                                 "recursive=True)]\nprint(found)\nPATH = found[0]\n" + solve),
        "writes_gradebook": ("top_types_c0300", "import sqlite3\n"
                             f"db = sqlite3.connect({str(root / 'gradebook.db')!r})\n"
                             "db.execute('update grade set auto_score = 0, manual_score = 0')\n"
                             "db.execute(\"update grade set manual_score = 2\")\ndb.commit()"),
        "overwrites_others": ("top_types_c0300", f"open({str(course.autograded_dir / 'honest' / MODULE / NOTEBOOK)!r}, "
                              "'w').write('{}')"),
        "rewrites_data": ("top_types_c0300", "open('tickets.csv', 'w').write('ticket_id,problem_type\\n')"),
        "edits_package": ("top_types_c0300", "import caseloop.checks, os\n"
                          f"for path in [caseloop.checks.__file__, {str(PACKAGE / 'checks' / '__init__.py')!r}]:\n"
                          "    try:\n        open(path, 'a').write('\\nnumber = lambda *a, **k: 1\\n')\n"
                          "    except OSError as err:\n        print(path, err)"),
        "startup_file": ("top_types_c0300", "import os\n"
                         f"for home in ['~', {str(Path.home())!r}]:\n"
                         "    folder = os.path.expanduser(home + '/.ipython/profile_default/startup')\n"
                         "    try:\n        os.makedirs(folder, exist_ok=True)\n"
                         f"        open(folder + '/00-{MARK}.py', 'w').write('import caseloop')\n"
                         "    except OSError as err:\n        print(folder, err)"),
        "leaves_processes": ("top_types_c0300", "import os, subprocess\n"
                             f"subprocess.Popen(['/bin/sh', '-c', 'sleep 300 # {MARK}'], start_new_session=True)\n"
                             "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
                             f"        os.execv('/bin/sh', ['/bin/sh', '-c', 'sleep 301 # {MARK}'])\n    os._exit(0)\n"
                             f"open('/tmp/{MARK}', 'w').write('left')"),
        "reaches_network": ("top_types_c0300", "import socket\ntry:\n"
                            "    socket.create_connection(('127.0.0.1', 5432), timeout=2)\n"
                            "except OSError as err:\n    print('no network:', err)"),
    }


def model_answers(course: Course) -> dict[str, str]:
    nb = nbformat.read(course.source_dir / MODULE / NOTEBOOK, as_version=4)
    return {answer_variable(c): without_solution_markers(c.source) for c in nb.cells
            if c.metadata.get("caseloop", {}).get("answer")}


def submit(course: Course, trainee: str, answers: dict[str, str]) -> None:
    nb = nbformat.read(course.release_dir / MODULE / NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("caseloop", {}).get("answer") and answer_variable(cell) in answers:
            cell.source = answers[answer_variable(cell)]
    folder = course.submitted_dir / trainee / MODULE
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "timestamp.txt").write_text("2026-04-03 10:00:00.000000 UTC")
    nbformat.write(nb, folder / NOTEBOOK)


def tree_hash(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*"))
            if p.is_file() and not any(part in skip for part in p.parts) and p.suffix != ".pyc"}


def counts(course: Course) -> dict[str, int]:
    with sqlite3.connect(course.root / "gradebook.db") as db:
        return {t: db.execute(f"select count(*) from {t}").fetchone()[0]
                for t in ("submitted_assignment", "submitted_notebook", "grade", "comment")}


def honest_grades(course: Course) -> list[tuple]:
    with sqlite3.connect(course.root / "gradebook.db") as db:
        return db.execute("select g.id, g.auto_score, g.manual_score, g.needs_manual_grade from grade g "
                          "join submitted_notebook n on g.notebook_id = n.id join submitted_assignment a "
                          "on n.assignment_id = a.id where a.student_id = 'honest' order by g.id").fetchall()


def marked_processes() -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline", "uids"]):
        try:
            cmdline = " ".join(process.info["cmdline"] or [])
            uid = process.info["uids"].real if process.info["uids"] else 0
        except psutil.Error:
            continue
        if MARK in cmdline or uid >= SANDBOX_UID_BASE:
            found.append(process)
    return found


@pytest.fixture(scope="module")
def batch(repo_course: Course, tmp_path_factory: pytest.TempPathFactory):
    course = repo_course.copy_to(tmp_path_factory.mktemp("cheats") / "course")
    release.release(course, MODULE)
    submit(course, "honest", model_answers(course))
    options = grade.GradeOptions(workers=2, timeout=30)
    first = grade.grade(course, MODULE, options)
    before = {"source": tree_hash(course.source_dir), "package": tree_hash(PACKAGE, ("__pycache__",)),
              "profile": tree_hash(PROFILE), "honest": honest_grades(course), "counts": counts(course),
              "tmp": {p.name for p in Path("/tmp").iterdir()}, "processes": marked_processes(),
              "honest_notebook": (course.autograded_dir / "honest" / MODULE / NOTEBOOK).read_bytes()}
    corpus = cheats(course)
    for trainee, (variable, code) in corpus.items():
        submit(course, trainee, {variable: code})
    submit(course, "blank", {})
    results = grade.grade(course, MODULE, options)
    time.sleep(1)
    table, _ = compile_course(course)
    return course, first, results, table, before, corpus


def test_the_honest_trainee_scores_full_marks(batch):
    _, first, _, table, _, _ = batch
    assert [r.status for r in first] == [grade.GRADED]
    latest = table[(table["trainee"] == "honest") & (table["module"] == MODULE)]
    assert latest["score"].sum() == FULL and len(latest) == 14


def test_every_cheater_is_graded_with_a_final_status(batch):
    _, _, results, _, _, corpus = batch
    statuses = {r.trainee: r.status for r in results}
    assert set(statuses) == {"honest", "blank", *corpus} and set(corpus) == set(CHEATERS)
    assert all(status in grade.SCORED for status in statuses.values()), statuses


CHEATERS = ["monkeypatch_checks", "fake_score_repr", "fake_series", "fake_number", "display_hooks",
            "clear_output_hook", "silenced_output", "reads_source_by_path", "reads_source_by_glob", "writes_gradebook",
            "overwrites_others", "rewrites_data", "edits_package", "startup_file", "leaves_processes",
            "reaches_network"]


@pytest.mark.parametrize("trainee", CHEATERS)
def test_no_cheat_scores(batch, trainee):
    _, _, _, table, _, _ = batch
    rows = table[(table["trainee"] == trainee) & (table["module"] == MODULE)]
    assert len(rows) == 14
    assert rows["score"].sum() == 0, rows[rows["score"] > 0][["cell", "score"]]


def test_a_value_that_is_not_plain_scores_zero_with_the_reason(batch):
    course, _, _, table, _, _ = batch
    nb = nbformat.read(course.autograded_dir / "fake_score_repr" / MODULE / NOTEBOOK, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "c0300_top_types")
    text = "".join(o.get("text", "") for o in cell.outputs)
    assert "not plain data that can leave the sandbox" in text and "不是能带出沙箱的普通数据" in text
    row = table[(table["trainee"] == "fake_score_repr") & (table["cell"] == "c0300_top_types")].iloc[0]
    assert "not_plain" in row["failures"]


def test_the_trainees_own_outputs_stay_in_the_autograded_notebook(batch):
    course, _, _, _, _, _ = batch
    nb = nbformat.read(course.autograded_dir / "reaches_network" / MODULE / NOTEBOOK, as_version=4)
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "top_types_c0300_answer")
    assert "no network:" in "".join(o.get("text", "") for o in answer.outputs)
    glob_cell = next(c for c in nbformat.read(course.autograded_dir / "reads_source_by_glob" / MODULE / NOTEBOOK,
                                              as_version=4).cells
                     if c.metadata.get("nbgrader", {}).get("grade_id") == "top_types_c0300_answer")
    assert glob_cell.outputs[0]["text"] == "[]\n", "no source/ anywhere in the sandbox"


def test_nothing_outside_the_sandbox_changed(batch):
    course, _, _, _, before, corpus = batch
    assert tree_hash(course.source_dir) == before["source"], "source/ unchanged"
    assert tree_hash(PACKAGE, ("__pycache__",)) == before["package"], "caseloop's package files unchanged"
    assert tree_hash(PROFILE) == before["profile"], "the grader's IPython profile unchanged"
    assert honest_grades(course) == before["honest"], "the honest trainee's grades unchanged"
    after = counts(course)
    graded = len(corpus) + 1  # the cheaters and the blank submission
    assert after["submitted_assignment"] == before["counts"]["submitted_assignment"] + graded
    assert after["grade"] == before["counts"]["grade"] + 14 * graded
    assert (course.autograded_dir / "honest" / MODULE / NOTEBOOK).read_bytes() == before["honest_notebook"]
    assert not (Path("/tmp") / MARK).exists()
    assert not {p.name for p in Path("/tmp").iterdir() if p.name.startswith("caseloop-")} - before["tmp"]
    assert marked_processes() == before["processes"] == [], "no process left running"
    assert json.loads((course.source_dir / MODULE / NOTEBOOK).read_text(encoding="utf-8"))["cells"]
    assert not list(course.root.rglob(f"*{MARK}*")) and not os.path.exists(Path.home() / ".ipython" /
                                                                          "profile_default" / "startup" /
                                                                          f"00-{MARK}.py")
