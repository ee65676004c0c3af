"""A cheat corpus on two code exercises: every cheat runs, in the sandbox, and none scores.

The exercises are m08 (ticket analytics, pandas) and x02refunds, a second code module the tests add
to their course copy (refunds per market from its own data file). Each cheater submits the module
with one cheat in an answer cell and every other answer left as released;
an honest trainee, graded in an earlier batch, must keep every grade. After the batch the course's
source/, the gradebook's rows, caseloop's package files, the grader's IPython profile, /tmp and
the process table are as they were.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil
import pytest

import caseloop
from caseloop import grade, release
from caseloop.compile import compile_course
from caseloop.course import Course
from caseloop.notebook import TEST_CELL_HEADER, answer_variable, without_solution_markers
from caseloop.sandbox.bwrap import SANDBOX_UID_BASE

MARK = f"caseloop-cheat-{os.getpid()}"  # this run's own: other runs on the machine have theirs
PACKAGE = Path(caseloop.__file__).resolve().parent
PROFILE = Path.home() / ".ipython"


@dataclass(frozen=True)
class Exercise:
    """A code module the corpus runs on: where its notebook is, which answers the cheats take over."""

    module: str
    notebook: str
    data: str          # the module's data file
    series: str        # an answer variable whose test wants a pandas Series
    number: str        # an answer variable whose test wants a number (checks.number)
    full: int          # points of the module
    cells: int         # graded cells of the module


M08 = Exercise("m08", "ticket_analytics.ipynb", "tickets.csv", "top_types_c0300", "top_type_share_c0300", 26, 14)
# The second code exercise: refunds per market, a module the tests add to their own course copy.
X02 = Exercise("x02refunds", "refund_analytics.ipynb", "refunds.csv", "refund_by_market", "refund_total", 3, 2)
EXERCISES = {"m08": M08, "x02refunds": X02}


def write_refund_module(course: Course) -> None:
    """x02refunds: a setup cell reading refunds.csv, two code answers, two hidden tests reading the data."""
    folder = course.source_dir / X02.module
    folder.mkdir()
    (folder / X02.data).write_text("order,market,refund\nA,US,10.5\nB,UK,4\nC,US,2.25\nD,DE,7\nE,UK,1\n")
    setup = nbformat.v4.new_code_cell("import pandas as pd\nrefunds = pd.read_csv('refunds.csv')\nrefunds.head()",
                                      id="x02_setup")
    setup.metadata = {"nbgrader": {"grade": False, "solution": False, "locked": True, "grade_id": "x02_setup",
                                   "schema_version": 3}}
    cells = [setup]
    solutions = {X02.series: "refund_by_market = refunds.groupby('market')['refund'].sum()",
                 X02.number: "refund_total = refunds['refund'].sum()"}
    tests = {
        X02.series: ("x02_by_market", 2, "def _grade():\n    import pandas as pd\n    from caseloop import checks\n"
                     "    expected = pd.read_csv('refunds.csv').groupby('market')['refund'].sum()\n"
                     "    answer = globals().get('refund_by_market')\n"
                     "    right = isinstance(answer, pd.Series) and answer.sort_index().round(2).to_dict() == "
                     "expected.round(2).to_dict()\n"
                     "    return checks.Score(2.0 if right else 0.0, 2, [checks.Finding('x02_by_market', right, "
                     "'按站点汇总', 'refunds per market')])\n\n\n_grade()"),
        # this test reads the set-up cell's `refunds`, as trainers' tests may: graded with the trainer's own
        X02.number: ("x02_total", 1, "def _grade():\n    from caseloop import checks\n"
                     "    expected = refunds['refund'].sum()\n"
                     "    return checks.number(globals().get('refund_total'), expected=expected, points=1, "
                     "tolerance=0.01)\n\n\n_grade()"),
    }
    for variable in (X02.series, X02.number):
        answer = nbformat.v4.new_code_cell(f"# 写代码 / Write code\n### BEGIN SOLUTION\n{solutions[variable]}\n"
                                           "### END SOLUTION", id=f"{variable}_answer")
        answer.metadata = {"nbgrader": {"grade": False, "solution": True, "locked": False,
                                        "grade_id": f"{variable}_answer", "schema_version": 3},
                           "caseloop": {"answer": "code", "case": "C-0300", "variable": variable}}
        grade_id, points, body = tests[variable]
        test = nbformat.v4.new_code_cell(f"{TEST_CELL_HEADER}\n### BEGIN HIDDEN TESTS\n{body}\n### END HIDDEN TESTS",
                                         id=grade_id)
        test.metadata = {"nbgrader": {"grade": True, "solution": False, "locked": True, "grade_id": grade_id,
                                      "points": points, "schema_version": 3},
                         "caseloop": {"competency": ["DIA"], "case": "C-0300"}}
        cells += [answer, test]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / X02.notebook)


def cheats(course: Course, ex: Exercise, home: Path = PROFILE.parent) -> dict[str, tuple[str, str]]:
    """trainee -> (answer variable whose cell holds the cheat, the cheat); HOME is the grader's home."""
    root, source = course.root, course.source_dir / ex.module / ex.notebook
    series, number = ex.series, ex.number
    solve = ("import json\ncells = json.load(open(PATH))['cells']\n"
             "code = '\\n'.join(''.join(c['source']) for c in cells if c['cell_type'] == 'code'"
             " and c['metadata'].get('caseloop', {}).get('answer'))\n"
             "exec(code.replace('### BEGIN SOLUTION', '').replace('### END SOLUTION', ''))\n")
    return {
        "monkeypatch_checks": (number, "import caseloop.checks as c\n"
                               "full = lambda *a, **k: c.Score(float(k['points']), float(k['points']))\n"
                               "c.number = full\n"
                               "c.Score.__repr__ = lambda self: format(self.max_points, 'g')\n"
                               f"{number} = None"),
        "fake_score_repr": (series, "class Full:\n    def __repr__(self):\n        return '2'\n"
                            "    def __eq__(self, other):\n        return True\n" + f"{series} = Full()"),
        "fake_series": (series, "class Always(pd.Series):\n    def __eq__(self, other):\n"
                        "        return True\n" + f"{series} = Always([1])"),
        "fake_number": (number, "class Near(float):\n    def __sub__(self, other):\n"
                        "        return 0.0\n    __rsub__ = __sub__\n    def __eq__(self, other):\n"
                        "        return True\n" + f"{number} = Near(0.0)"),
        "display_hooks": (series, "import sys\nip = get_ipython()\n"
                          "plain = ip.display_formatter.formatters['text/plain']\n"
                          "plain.for_type(object, lambda o, p, c: p.text('2'))\n"
                          "sys.displayhook = lambda value: print('2')\n"
                          "import builtins\nbuiltins.isinstance = lambda *a: True\n" + f"{series} = None"),
        "clear_output_hook": (series, "from IPython.display import clear_output\n"
                              "get_ipython().events.register('post_run_cell', lambda *a: clear_output())\n"
                              f"{series} = None"),
        "silenced_output": (series, "import os, sys\nsys.stdout = sys.stderr = open(os.devnull, 'w')\n"
                            f"{series} = None"),
        "reads_source_by_path": (series, solve.replace("PATH", repr(str(source)))),
        "reads_source_by_glob": (series, "import glob\nfound = [p for d in ('/work', '/root', '/home', "
                                 "'/tmp', '/srv', '/opt') for p in glob.glob(d + '/**/source/*/*.ipynb', "
                                 "recursive=True)]\nprint(found)\nPATH = found[0]\n" + solve),
        "writes_gradebook": (series, "import sqlite3\n"
                             f"db = sqlite3.connect({str(root / 'gradebook.db')!r})\n"
                             "db.execute('update grade set auto_score = 0, manual_score = 0')\n"
                             "db.execute(\"update grade set manual_score = 2\")\ndb.commit()"),
        "overwrites_others": (series, f"open({str(course.autograded_dir / 'honest' / ex.module / ex.notebook)!r}, "
                              "'w').write('{}')"),
        "rewrites_data": (series, f"open({ex.data!r}, 'w').write('id\\n')"),
        "edits_package": (series, "import caseloop.checks, os\n"
                          f"for path in [caseloop.checks.__file__, {str(PACKAGE / 'checks' / '__init__.py')!r}]:\n"
                          "    try:\n        open(path, 'a').write('\\nnumber = lambda *a, **k: 1\\n')\n"
                          "    except OSError as err:\n        print(path, err)"),
        "startup_file": (series, "import os\n"
                         f"for home in ['~', {str(home)!r}]:\n"
                         "    folder = os.path.expanduser(home + '/.ipython/profile_default/startup')\n"
                         "    try:\n        os.makedirs(folder, exist_ok=True)\n"
                         f"        open(folder + '/00-{MARK}.py', 'w').write('import caseloop')\n"
                         "    except OSError as err:\n        print(folder, err)"),
        "leaves_processes": (series, "import os, subprocess\n"
                             f"subprocess.Popen(['/bin/sh', '-c', 'sleep 300 # {MARK}'], start_new_session=True)\n"
                             "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
                             f"        os.execv('/bin/sh', ['/bin/sh', '-c', 'sleep 301 # {MARK}'])\n    os._exit(0)\n"
                             f"open('/tmp/{MARK}', 'w').write('left')"),
        "reaches_network": (series, "import socket\ntry:\n"
                            "    socket.create_connection(('127.0.0.1', 5432), timeout=2)\n"
                            "except OSError as err:\n    print('no network:', err)"),
        **informed_cheats(course, ex, solve),
    }


def informed_cheats(course: Course, ex: Exercise, solve: str) -> dict[str, tuple[str, str]]:
    """Cheats written after reading caseloop's sandbox: its mounts, its value export, its pipe, its limits."""
    series, number = ex.series, ex.number
    return {
        # the host folders behind the sandbox's binds, from the kernel's own mount table
        "reads_mountinfo": (series, "import glob, os\nfound = []\nfor line in open('/proc/self/mountinfo'):\n"
                            "    root, point = line.split()[3:5]\n    for path in (root, point):\n"
                            "        for up in ('', '/..', '/../..', '/../../..'):\n"
                            "            folder = os.path.normpath(os.path.dirname(path) + up)\n"
                            "            found += glob.glob(folder + '/*.ipynb')\n"
                            "            found += glob.glob(folder + '/source/*/*.ipynb')\n"
                            "found = sorted({p for p in found if not p.startswith('/home/trainee')})\n"
                            "print(found)\nPATH = found[0]\n" + solve),
        # plain-looking numbers whose comparisons, conversions and arithmetic always agree
        "plain_looking_int": (number, "class Int(int):\n    __hash__ = int.__hash__\n"
                              "    def __eq__(self, other):\n        return True\n"
                              "    def __float__(self):\n        return 0.35\n"
                              "    def __sub__(self, other):\n        return 0\n    __rsub__ = __sub__\n"
                              "    def __abs__(self):\n        return 0\n" + f"{number} = Int(0)"),
        "float_overrides": (number, "class Float(float):\n    __hash__ = float.__hash__\n"
                            "    def __eq__(self, other):\n        return True\n"
                            "    __le__ = __ge__ = __lt__ = __eq__\n"
                            "    def __float__(self):\n        return 0.35\n"
                            "    def __round__(self, digits=None):\n        return 0.35\n"
                            "    def __abs__(self):\n        return 0.0\n"
                            "    def __sub__(self, other):\n        return Float(0.0)\n    __rsub__ = __sub__\n"
                            + f"{number} = Float(7.0)"),
        "numpy_subclass": (series, "import numpy as np\nclass Always(np.ndarray):\n"
                           "    def __eq__(self, other):\n        return np.ones(1, bool)\n"
                           f"{series} = np.zeros(3).view(Always)"),
        # values too big or too deep for the export, and a forged reply on the runner's own pipe
        "huge_value": (series, f"{series} = list(range(5_000_000))"),
        "deep_nesting": (series, "value = []\nfor _ in range(200_000):\n    value = [value]\n" + f"{series} = value"),
        "forged_replies": (series, "import gc, io, json\n"
                           "pipes = [o for o in gc.get_objects() if isinstance(o, io.FileIO) and not o.closed "
                           "and 'w' in o.mode]\n"
                           f"fake = json.dumps({{'values': {{{series!r}: {{'data': 1}}, "
                           f"{number!r}: {{'data': 1}}}}}})\n"
                           "for pipe in pipes:\n    try:\n"
                           "        pipe.write(b'{\"outputs\": []}\\n' + (fake.encode() + b'\\n') * 3)\n"
                           "        pipe.write(b'[' * 100000 + b'\\n')\n"
                           "    except OSError:\n        pass\n"),
        # a child that outlives its cell and writes to every descriptor it inherited
        "forks_after_cell": (series, "import os, time\nif os.fork() == 0:\n    time.sleep(1)\n"
                             "    for fd in range(3, 64):\n        try:\n"
                             "            os.write(fd, b'{\"outputs\": [], \"values\": {}}\\n')\n"
                             "        except OSError:\n            pass\n"
                             f"    os.execv('/bin/sh', ['/bin/sh', '-c', 'sleep 302 # {MARK}'])\n"
                             f"{series} = None"),
        # links in the writable working folder and /tmp pointing at the course, then written through
        "symlinks_out": (series, "import os\n"
                         f"for name, target in [('gradebook.db', {str(course.root / 'gradebook.db')!r}), "
                         f"('others', {str(course.autograded_dir)!r}), ('source', {str(course.source_dir)!r}), "
                         "('root', '/')]:\n    for link in (name, '/tmp/' + name):\n        try:\n"
                         "            os.symlink(target, link)\n        except OSError as err:\n"
                         "            print(link, err)\n"
                         "for path in ('gradebook.db', '/tmp/gradebook.db', "
                         f"'others/honest/{ex.module}/{ex.notebook}', 'root' + {str(course.root / MARK)!r}):\n"
                         "    try:\n        open(path, 'w').write('{}')\n"
                         "    except OSError as err:\n        print(path, type(err).__name__)"),
        # the sandbox's folders and the cell's output filled to their limits
        "fills_tmp_and_output": (series, "chunk = b'x' * (1 << 20)\nfor folder in ('/tmp', '.'):\n    try:\n"
                                 "        with open(folder + '/fill', 'wb') as f:\n            while True:\n"
                                 "                f.write(chunk)\n    except OSError as err:\n"
                                 "        print(folder, type(err).__name__)\nprint('y' * (40 << 20))"),
        # files named like the exported answers, in every folder the code may write
        "files_named_like_values": (series, "import json\nfor folder in ('.', '/tmp', '/dev/shm'):\n"
                                    f"    for name in ({series!r}, {number!r}):\n"
                                    "        for suffix in ('', '.json', '.csv', '.parquet', '.pkl'):\n"
                                    "            try:\n"
                                    "                path = f'{folder}/{name}{suffix}'\n"
                                    "                open(path, 'w').write(json.dumps({'data': 1}))\n"
                                    "            except OSError as err:\n                print(folder, err)\n"),
        # what the trainer's set-up cell defined, redefined so that a test reading it expects nothing
        "redefines_setup": (number, "for name in ('refunds', 'tickets'):\n    if name in globals():\n"
                            "        globals()[name] = globals()[name].iloc[:0]\n"
                            "FIRST_RESPONSE_HOURS = 10 ** 6\nTIMES = []\n" + f"{number} = 0.0"),
    }


def model_answers(course: Course, ex: Exercise) -> dict[str, str]:
    nb = nbformat.read(course.source_dir / ex.module / ex.notebook, as_version=4)
    return {answer_variable(c): without_solution_markers(c.source) for c in nb.cells
            if c.metadata.get("caseloop", {}).get("answer")}


def submit(course: Course, ex: Exercise, trainee: str, answers: dict[str, str]) -> None:
    nb = nbformat.read(course.release_dir / ex.module / ex.notebook, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("caseloop", {}).get("answer") and answer_variable(cell) in answers:
            cell.source = answers[answer_variable(cell)]
    folder = course.submitted_dir / trainee / ex.module
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "timestamp.txt").write_text("2026-04-03 10:00:00.000000 UTC")
    nbformat.write(nb, folder / ex.notebook)


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


def sandbox_files_in_tmp() -> list[Path]:
    """What a sandbox's own user left in the host's /tmp (as root each sandbox has a uid of its own)."""
    found = []
    for path in Path("/tmp").iterdir():
        try:
            if path.lstat().st_uid >= SANDBOX_UID_BASE or MARK in path.name:
                found.append(path)
        except FileNotFoundError:
            continue
    return found


def marked_processes() -> list[psutil.Process]:
    """Running processes a cheat of this run started, or this Python running as a sandbox's user (an ended
    process not yet reaped is not running)."""
    found = []
    for process in psutil.process_iter(["cmdline", "uids", "status"]):
        try:
            cmdline = " ".join(process.info["cmdline"] or [])
            uid = process.info["uids"].real if process.info["uids"] else 0
        except psutil.Error:
            continue
        if process.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        if MARK in cmdline or (uid >= SANDBOX_UID_BASE and cmdline.startswith(sys.executable)):
            found.append(process)
    return found


@pytest.fixture(scope="module", params=sorted(EXERCISES))
def batch(request, repo_course: Course, tmp_path_factory: pytest.TempPathFactory):
    """The corpus on one code exercise: the honest trainee graded first, then every cheater and a blank one."""
    ex = EXERCISES[request.param]
    course = repo_course.copy_to(tmp_path_factory.mktemp(f"cheats-{ex.module}") / "course")
    if ex is X02:
        write_refund_module(course)
    release.release(course, ex.module)
    submit(course, ex, "honest", model_answers(course, ex))
    options = grade.GradeOptions(workers=2, timeout=30)
    first = grade.grade(course, ex.module, options)
    before = {"source": tree_hash(course.source_dir), "package": tree_hash(PACKAGE, ("__pycache__",)),
              "profile": tree_hash(PROFILE), "honest": honest_grades(course), "counts": counts(course),
              "honest_notebook": (course.autograded_dir / "honest" / ex.module / ex.notebook).read_bytes()}
    corpus = cheats(course, ex)
    for trainee, (variable, code) in corpus.items():
        submit(course, ex, trainee, {variable: code})
    submit(course, ex, "blank", {})
    results = grade.grade(course, ex.module, options)
    time.sleep(1)
    table, _ = compile_course(course)
    return ex, course, first, results, table, before, corpus


def cells_of(table, ex: Exercise, trainee: str):
    return table[(table["trainee"] == trainee) & (table["module"] == ex.module)]


def test_the_honest_trainee_scores_full_marks(batch):
    ex, _, first, _, table, _, _ = batch
    assert [r.status for r in first] == [grade.GRADED]
    latest = cells_of(table, ex, "honest")
    assert latest["score"].sum() == ex.full and len(latest) == ex.cells


CHEATERS = ["monkeypatch_checks", "fake_score_repr", "fake_series", "fake_number", "display_hooks",
            "clear_output_hook", "silenced_output", "reads_source_by_path", "reads_source_by_glob", "writes_gradebook",
            "overwrites_others", "rewrites_data", "edits_package", "startup_file", "leaves_processes",
            "reaches_network", "reads_mountinfo", "plain_looking_int", "float_overrides", "numpy_subclass",
            "huge_value", "deep_nesting", "forged_replies", "forks_after_cell", "symlinks_out", "fills_tmp_and_output",
            "files_named_like_values", "redefines_setup"]


def test_every_cheater_is_graded_with_a_final_status(batch):
    _, _, _, results, _, _, corpus = batch
    statuses = {r.trainee: r.status for r in results}
    assert set(statuses) == {"honest", "blank", *corpus} and set(corpus) == set(CHEATERS)
    assert all(status in grade.SCORED for status in statuses.values()), statuses


@pytest.mark.parametrize("trainee", CHEATERS)
def test_no_cheat_scores(batch, trainee):
    ex, _, _, _, table, _, _ = batch
    rows = cells_of(table, ex, trainee)
    assert len(rows) == ex.cells
    assert rows["score"].sum() == 0, rows[rows["score"] > 0][["cell", "score"]]


def test_a_value_that_is_not_plain_scores_zero_with_the_reason(batch):
    ex, course, _, _, table, _, _ = batch
    nb = nbformat.read(course.autograded_dir / "fake_score_repr" / ex.module / ex.notebook, as_version=4)
    test = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
                and ex.series in "".join(c.source))
    text = "".join(o.get("text", "") for o in test.outputs)
    assert "not plain data that can leave the sandbox" in text and "不是能带出沙箱的普通数据" in text
    row = cells_of(table, ex, "fake_score_repr").set_index("cell").loc[test.metadata.nbgrader.grade_id]
    assert "not_plain" in row["failures"]


def test_the_trainees_own_outputs_stay_in_the_autograded_notebook(batch):
    ex, course, _, _, _, _, _ = batch

    def answer_cell(trainee: str):
        nb = nbformat.read(course.autograded_dir / trainee / ex.module / ex.notebook, as_version=4)
        return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == f"{ex.series}_answer")

    assert "no network:" in "".join(o.get("text", "") for o in answer_cell("reaches_network").outputs)
    assert answer_cell("reads_source_by_glob").outputs[0]["text"] == "[]\n", "no source/ anywhere in the sandbox"


def test_nothing_outside_the_sandbox_changed(batch):
    ex, course, _, _, _, before, corpus = batch
    assert tree_hash(course.source_dir) == before["source"], "source/ unchanged"
    assert tree_hash(PACKAGE, ("__pycache__",)) == before["package"], "caseloop's package files unchanged"
    assert tree_hash(PROFILE) == before["profile"], "the grader's IPython profile unchanged"
    assert honest_grades(course) == before["honest"], "the honest trainee's grades unchanged"
    after = counts(course)
    graded = len(corpus) + 1  # the cheaters and the blank submission
    assert after["submitted_assignment"] == before["counts"]["submitted_assignment"] + graded
    assert after["grade"] == before["counts"]["grade"] + ex.cells * graded
    assert (course.autograded_dir / "honest" / ex.module / ex.notebook).read_bytes() == before["honest_notebook"]
    assert not (Path("/tmp") / MARK).exists()
    assert not sandbox_files_in_tmp(), "nothing of a sandbox on the host's /tmp"
    assert marked_processes() == [], "no process left running"
    assert json.loads((course.source_dir / ex.module / ex.notebook).read_text(encoding="utf-8"))["cells"]
    assert not list(course.root.rglob(f"*{MARK}*"))
    assert not (Path.home() / ".ipython" / "profile_default" / "startup" / f"00-{MARK}.py").exists()
