"""The command line: fast help, and clear errors for bad input that name the file and the fix."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from caseloop.cli import AUTHOR_COMMANDS, CASES_COMMANDS, COMMANDS, HUB_COMMANDS, main
from caseloop.compile import number_attempts
from caseloop.course import Course, CourseError
from caseloop.curriculum import load_curriculum

EVERY_COMMAND = ([[name] for name in COMMANDS] + [["cases", task] for task in CASES_COMMANDS]
                 + [["author", task] for task in AUTHOR_COMMANDS] + [["hub", task] for task in HUB_COMMANDS])


def test_help_does_not_load_nbgrader_or_pandas():
    """`--help` must answer at once: heavy libraries load only inside the command that needs them."""
    code = ("import sys\nfrom caseloop.cli import main\n"
            f"for command in [[]] + {EVERY_COMMAND!r}:\n"
            "    try:\n        main(command + ['--help'])\n    except SystemExit:\n        pass\n"
            "print(sorted(m for m in ('nbgrader', 'pandas', 'nbformat', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_output_piped_into_a_closed_reader_ends_quietly(repo_course):
    """`caseloop cases search "" | head -1`: the reader goes away, the command stops without a traceback."""
    command = [sys.executable, "-m", "caseloop", "--course", str(repo_course.root), "cases", "search", ""]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # gone before the first line is written
    _, errors = process.communicate(timeout=120)
    assert process.returncode == 141 and b"Traceback" not in errors, errors.decode()


def test_each_command_says_what_it_reads_and_writes(capsys):
    for command in EVERY_COMMAND:
        with pytest.raises(SystemExit):
            main([*command, "--help"])
        text = capsys.readouterr().out
        assert "Reads" in text and "writes" in text, command


def test_outside_a_course_the_error_says_what_to_do(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["compile"]) == 2
    assert "nbgrader_config.py" in capsys.readouterr().err


def test_unknown_module_lists_known_ones(repo_course, capsys):
    assert main(["--course", str(repo_course.root), "grade", "m99"]) == 2
    err = capsys.readouterr().err
    assert "m99" in err and "m01" in err


def test_report_before_compile_says_run_compile(tmp_path, repo_course, capsys):
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    assert main(["--course", str(tmp_path), "report"]) == 2
    assert "caseloop compile" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["report", "notebook"], ["revise"]])
def test_an_empty_grade_table_says_run_compile(tmp_path, command, capsys):
    from caseloop.compile import GRADE_COLUMNS

    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    (tmp_path / "reports").mkdir()
    pd.DataFrame(columns=GRADE_COLUMNS).to_csv(tmp_path / "reports" / "grades.csv", index=False)
    assert main([*command, "--course", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "grades.csv: no grades yet; grade a module and run `caseloop compile` first" in err
    assert not (tmp_path / "reports" / "lead.ipynb").exists()


def test_demo_refuses_a_folder_with_data_in_it(tmp_path, repo_course, capsys):
    (tmp_path / "gradebook.db").write_text("real data")
    assert main(["--course", str(repo_course.root), "demo", "--workspace", str(tmp_path)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert (tmp_path / "gradebook.db").read_text() == "real data"


@pytest.mark.parametrize(("text", "message"), [
    ("levels: [", "not valid YAML"),
    ("levels: {}\nmodules: []\n", ":1: competencies: 缺少此字段 / the field is missing"),
    ("levels: {developing: {zh: a, en: b, min: 0.5}}\ncompetencies:\n  - {code: POL, zh: a, en: b, "
     "thresholds: {expert: 0.9}}\nmodules: [{id: m1, zh: a, en: b}]\n",
     r":3: competencies\[1\].thresholds.expert: .*unknown level 'expert'"),
])
def test_curriculum_errors_name_the_file(tmp_path, text, message):
    path = tmp_path / "curriculum.yaml"
    path.write_text(text)
    with pytest.raises(CourseError, match=message) as err:
        load_curriculum(path)
    assert str(path) in str(err.value)


def test_repo_curriculum_has_the_six_competencies(repo_course: Course):
    curriculum = repo_course.curriculum()
    assert list(curriculum.competencies) == ["POL", "PRD", "COM", "DIA", "EMO", "XCC"]
    assert curriculum.competencies["POL"].level(0.85) == "proficient"
    assert curriculum.competencies["COM"].level(0.85) == "mastered"
    assert curriculum.competencies["COM"].level(0.2) == "beginning"


def _rows(timestamp: str, score: float) -> pd.DataFrame:
    return pd.DataFrame([{"trainee": "t1", "module": "m01", "notebook": "nb", "cell": "c1", "competency": "POL",
                          "case": "C-0001", "score": score, "max_score": 1.0, "auto_score": score,
                          "manual_score": None, "needs_manual_grade": False, "comment": "", "failures": "",
                          "submitted_at": pd.Timestamp(timestamp)}])


def test_compile_numbers_attempts_and_is_idempotent():
    first = number_attempts(_rows("2026-03-01 10:00", 0.0), None)
    again = number_attempts(_rows("2026-03-01 10:00", 0.0), first)
    assert again.equals(first)
    regraded = number_attempts(_rows("2026-03-01 10:00", 1.0), first)
    assert list(regraded["attempt"]) == [1] and list(regraded["score"]) == [1.0]
    second = number_attempts(_rows("2026-03-02 09:00", 1.0), first)
    assert list(second["attempt"]) == [1, 2] and list(second["score"]) == [0.0, 1.0]


def test_a_grade_table_written_before_mentor_comments_still_reads(tmp_path):
    from caseloop.compile import GRADE_COLUMNS, read_grades

    old = number_attempts(_rows("2026-03-01 10:00", 1.0), None).drop(columns="comment")
    old.to_csv(tmp_path / "grades.csv", index=False)
    table = read_grades(tmp_path / "grades.csv")
    assert list(table.columns) == list(GRADE_COLUMNS) and table["comment"].tolist() == [""]
    assert number_attempts(_rows("2026-03-02 09:00", 0.0), table)["attempt"].tolist() == [1, 2]

