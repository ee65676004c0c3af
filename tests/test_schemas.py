"""Every file a person edits is checked against its published schema before anything is written.

Each malformed file is put into a copy of the graded demo course and read by the real command that
reads it (`caseloop report`, `report kpi`, `revise`, `cases validate`, `cases search`, `similar`); the
message must name the file and the field, the exit status must be 2 (0 where a warning is what is
wanted), and nothing under reports/, source/ or cases/ may change.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

import pytest

from caseloop.cli import main
from caseloop.course import Course
from caseloop.schemas import MODELINE, SCHEMAS, modeline, schema, schema_path

REPO = Path(__file__).resolve().parent.parent
KPIS_FILE = "kpis.csv"  # beside the course: a KPI export is not part of it
WATCHED = ("reports", "source", "cases")


@pytest.fixture(scope="module")
def template(demo_course: Course, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The graded demo course, without its submissions: config, source, cases and the grade tables."""
    root = tmp_path_factory.mktemp("schemas") / "course"
    shutil.copytree(demo_course.source_dir, root / "source")
    shutil.copytree(demo_course.cases_dir, root / "cases")
    shutil.copy2(demo_course.root / "nbgrader_config.py", root / "nbgrader_config.py")
    (root / "reports").mkdir()
    for table in [demo_course.reports_dir / "grades.csv", *demo_course.reports_dir.glob("grade-*.csv")]:
        shutil.copy2(table, root / "reports" / table.name)
    return root


@pytest.fixture
def course(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "course"
    shutil.copytree(template, root)
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for folder in WATCHED for p in sorted((root / folder).rglob("*"))
            if p.is_file()}


def edit(old: str, new: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        assert old in text, f"{old!r} is no longer in the file"
        return text.replace(old, new, 1)
    return change


def text(content: str) -> Callable[[str], str]:
    return lambda _: content


@dataclass(frozen=True)
class Malformed:
    what: str
    file: str  # relative to the course, or KPIS_FILE
    change: Callable[[str], str]
    command: tuple[str, ...]
    field: str  # as the message names it
    status: int = 2


REPORT, REVISE, VALIDATE, SEARCH = ("report",), ("revise",), ("cases", "validate"), ("cases", "search", "refund")
KPI = ("report", "kpi", "--kpis", KPIS_FILE)
CURRICULUM, THRESHOLDS, MAP = "source/curriculum.yaml", "source/item_analysis.yaml", "source/competency-map.yaml"
COHORTS, CASE = "reports/cohorts.csv", "cases/C-0002.yaml"
KPI_HEADER = "trainee,period,phase,csat\n"

# The table, row by row.
REPORTED = [
    Malformed("levels is a list", CURRICULUM,
              lambda t: re.sub(r"(?m)^  (beginning|developing|proficient|mastered): +\{", r"  - {id: \1, ", t),
              REPORT, "levels"),
    Malformed("a level's min is text", CURRICULUM, edit("min: 0.5}", "min: half}"), REPORT, "levels.developing.min"),
    Malformed("a competency code is a number", CURRICULUM, edit("  - code: PRD", "  - code: 12"), REPORT,
              "competencies[2].code"),
    Malformed("a graded cell uses a competency the file lacks", CURRICULUM,
              edit("  - code: XCC\n    zh: 跨文化沟通与合规\n    en: Cross-cultural communication and compliance\n",
                   ""),
              REPORT, "caseloop.competency"),
    Malformed("KPI file empty", KPIS_FILE, text(""), KPI, "(file)"),
    Malformed("KPI file header only", KPIS_FILE, text(KPI_HEADER), KPI, "(file)"),
    Malformed("KPI file of unknown trainees only", KPIS_FILE,
              text(KPI_HEADER + "agent-x,2026-01,before,0.7\nagent-x,2026-06,after,0.8\nagent-y,2026-01,before,0.6\n"),
              KPI, "trainee", status=0),
    Malformed("cohorts file of unknown trainees only", COHORTS, text("trainee,cohort\nagent-x,A\nagent-y,B\n"), REPORT,
              "trainee", status=0),
    Malformed("a trainee in two cohorts", COHORTS, text("trainee,cohort\ntrainee01,A\ntrainee02,A\ntrainee01,B\n"),
              REPORT, "trainee"),
    Malformed("one case file broken, searched", CASE, edit("market: UK", "market: GB"), SEARCH, "market", status=0),
]
# More malformed files of every kind.
OWN = [
    Malformed("curriculum without modules", CURRICULUM, lambda t: t[:t.index("modules:")] + t[t.index("# How a"):],
              REPORT, "modules"),
    Malformed("misspelt curriculum section", CURRICULUM, edit("\ntargets:", "\ntarget:"), REPORT, "target"),
    Malformed("unknown mastery method", CURRICULUM, edit("method: decaying_average", "method: median"), REPORT,
              "mastery.method"),
    Malformed("mastery weight above 1", CURRICULUM, edit("weight: 0.65", "weight: 1.5"), REPORT, "mastery.weight"),
    Malformed("gate on an unknown competency", CURRICULUM, edit("{competency: POL, level: proficient}",
                                                                "{competency: PLO, level: proficient}"),
              REPORT, "gates[3].competency_level.competency"),
    Malformed("certification names an unknown gate", CURRICULUM, edit("gates: [baseline, rules_passed]",
                                                                      "gates: [baseline, rules_pased]"),
              REPORT, "certification[1].gates[2]"),
    Malformed("a module id twice", CURRICULUM, edit("  - id: m02\n", "  - id: m01\n"), REPORT, "modules[3].id"),
    Malformed("target days as text", CURRICULUM, edit("within_days: 14", "within_days: two weeks"), REPORT,
              "targets[1].within_days"),
    Malformed("thresholds that fall", CURRICULUM, edit("{proficient: 0.8, mastered: 0.9}",
                                                       "{proficient: 0.95, mastered: 0.9}"),
              REPORT, "competencies[1].thresholds"),
    Malformed("a version of an unknown module", CURRICULUM,
              edit("  - id: m02\n", "  - id: m02\n    version_of: m99\n"),
              REPORT, "modules[3].version_of"),
    Malformed("a version with its own deadline", CURRICULUM,
              edit("  - id: m02\n", "  - id: m02\n    version_of: m01\n"),
              REPORT, "modules[3].due_day"),
    Malformed("versions that revise each other", CURRICULUM,
              lambda t: edit("  - id: m03\n", "  - id: m03\n    version_of: m02\n")(
                  edit("  - id: m02\n", "  - id: m02\n    version_of: m03\n")(t)), REPORT, "modules[3].version_of"),
    Malformed("a gate on a version instead of its module", CURRICULUM,
              lambda t: edit("module_score: {module: m01, min: 0.8}", "module_score: {module: m02, min: 0.8}")(
                  edit("    due_day: 14\n", "")(edit("  - id: m02\n", "  - id: m02\n    version_of: m01\n")(t))),
              REPORT, "gates[2].module_score"),
    Malformed("curriculum not YAML", CURRICULUM, edit("  - code: PRD", "  - code: [PRD"), REPORT, "(file)"),
    Malformed("threshold as text", THRESHOLDS, edit("too_easy: 0.95", "too_easy: high"), REVISE, "too_easy"),
    Malformed("share given in percent", THRESHOLDS, edit("confidence: 0.95", "confidence: 95"), REVISE, "confidence"),
    Malformed("misspelt threshold", THRESHOLDS, edit("min_trainees: 10", "min_trainess: 10"), REVISE, "min_trainess"),
    Malformed("weight for an unknown flag", THRESHOLDS, text("weights: {too_easy: 1, typo: 2}\n"), REVISE,
              "weights.typo"),
    Malformed("map entry without a case", MAP,
              text("m01:\n  rules_and_returns:\n    c0001_choice: {competency: [POL]}\n"), REPORT,
              "m01.rules_and_returns.c0001_choice.case"),
    Malformed("map competency not a list", MAP,
              text("m01:\n  rules_and_returns:\n    c0001_choice: {competency: POL, case: C-0001}\n"),
              REPORT, "m01.rules_and_returns.c0001_choice.competency"),
    Malformed("CSAT written as a word", KPIS_FILE, text(KPI_HEADER + "trainee01,2026-01,before,great\n"), KPI, "csat"),
    Malformed("KPI file without a trainee column", KPIS_FILE, text("agent,period,csat\ntrainee01,2026-01,0.8\n"), KPI,
              "trainee"),
    Malformed("unknown phase", KPIS_FILE, text(KPI_HEADER + "trainee01,2026-01,later,0.8\n"), KPI, "phase"),
    Malformed("a rate in percent", KPIS_FILE, text("trainee,period,one_contact_resolution\ntrainee01,2026-01,82\n"),
              KPI, "one_contact_resolution"),
    Malformed("a period that is no month", KPIS_FILE, text("trainee,period,csat\ntrainee01,Q3,0.8\n"), KPI, "period"),
    Malformed("KPI file under half known", KPIS_FILE,
              text(KPI_HEADER + "trainee01,2026-01,before,0.7\nagent-x,2026-01,before,0.6\n"
                   "agent-y,2026-01,before,0.6\n"), KPI, "trainee", status=0),
    Malformed("cohorts without a cohort column", COHORTS, text("trainee,group\ntrainee01,A\n"), REPORT, "cohort"),
    Malformed("a trainee without a cohort", COHORTS, text("trainee,cohort\ntrainee01,A\ntrainee02,\n"), REPORT,
              "cohort"),
    Malformed("cohorts file empty", COHORTS, text(""), REPORT, "(file)"),
    Malformed("a case title that is a list", CASE, edit("title: Ceramic mugs arrived broken; who pays the return",
                                                              "title: [Ceramic mugs, broken]"),
              VALIDATE, "title"),
    Malformed("a case without its id", CASE, edit("id: C-0002\n", ""), VALIDATE, "id"),
    Malformed("a case in an unknown market", CASE, edit("market: UK", "market: GB"), VALIDATE, "market"),
    Malformed("a misspelt review state", CASE, edit("state: approved", "state: aproved"), VALIDATE, "review.state"),
    Malformed("a reply rule without concepts", "cases/C-0001.yaml",
              lambda t: re.sub(r"any: \[[^\]]*\]", "any: []", t, count=1), VALIDATE, "reply.must[1].any"),
    Malformed("a revision flag with a word for its statistic", CASE,
              edit("review:", "revision_flags: [{date: 2026-03-01, module: m01, cell: c1, flag: too_easy, "
                              "statistic: high}]\nreview:"), VALIDATE, "revision_flags[1].statistic"),
    Malformed("one case file broken, similar", CASE, edit("market: UK", "market: GB"),
              ("cases", "similar", "--text", "my mugs arrived broken"), "market", status=0),
]


@pytest.mark.parametrize("bad", REPORTED + OWN, ids=[bad.what for bad in REPORTED + OWN])
def test_a_malformed_file_is_named_with_its_field_and_nothing_is_written(course: Path, capsys, bad: Malformed):
    path = course.parent / KPIS_FILE if bad.file == KPIS_FILE else course / bad.file
    before = path.read_text(encoding="utf-8") if path.is_file() else ""
    path.write_text(bad.change(before), encoding="utf-8")
    watched = snapshot(course)
    command = [str(path) if part == KPIS_FILE else part for part in bad.command]
    status = main(["--course", str(course), *command])
    message = "\n".join(capsys.readouterr())
    assert status == bad.status, message
    named = [line for line in message.splitlines() if str(path.name) in line and f"{bad.field}" in line]
    if bad.field == "caseloop.competency":  # the cell's notebook is named, and the curriculum
        assert "XCC" in message and str(path) in message
        named = [line for line in message.splitlines() if ".ipynb" in line and bad.field in line]
    assert named, f"no line names {path.name} and {bad.field!r}:\n{message}"
    assert str(path) in message
    after = snapshot(course)
    if bad.status == 2:
        assert after == watched, "a file under reports/, source/ or cases/ changed"
        assert "nothing was written" in message or "no file was changed" in message
    else:  # a warning: the command's outputs are written, with the warning on the page; the course is untouched
        assert {k: v for k, v in after.items() if not k.startswith("reports")} == \
            {k: v for k, v in watched.items() if not k.startswith("reports")}
        assert "warning" in message
        page = {KPI: "kpi.html", REPORT: "cohort.html"}.get(bad.command)
        if page:
            html = (course / "reports" / page).read_text(encoding="utf-8")
            assert 'class="warn input-warning"' in html and path.name in html


def test_a_report_that_fails_midway_leaves_the_report_folder_as_it_was(course: Path, monkeypatch, capsys):
    import caseloop.report.charts as charts

    assert main(["--course", str(course), "report"]) == 0
    before = snapshot(course)
    assert "reports/trainees/trainee03.html" in before
    drawn = []
    real = charts.radar

    def fails_on_the_fourth_trainee(*args, **kwargs):
        drawn.append(1)
        if len(drawn) == 4:
            raise OSError("No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(charts, "radar", fails_on_the_fourth_trainee)
    with pytest.raises(OSError, match="No space left"):
        main(["--course", str(course), "report", "--lang", "en"])
    assert len(drawn) == 4
    assert snapshot(course) == before
    assert not list((course / "reports").glob(".partial-*"))


def test_a_report_for_one_cohort_keeps_the_other_trainees_pages(course: Path):
    (course / "reports" / "cohorts.csv").write_text("trainee,cohort\ntrainee01,A\ntrainee02,B\n", encoding="utf-8")
    assert main(["--course", str(course), "report"]) == 0
    other = (course / "reports" / "trainees" / "trainee02.html").read_bytes()
    assert main(["--course", str(course), "report", "--cohort", "A", "--lang", "en"]) == 0
    assert (course / "reports" / "trainees" / "trainee02.html").read_bytes() == other
    assert 'lang="en"' in (course / "reports" / "trainees" / "trainee01.html").read_text(encoding="utf-8")


# -- the published schemas ------------------------------------------------------------------------------


def test_every_schema_is_valid_json_schema_and_published_with_the_package():
    from jsonschema import Draft7Validator

    for name in SCHEMAS:
        Draft7Validator.check_schema(schema(name))
        assert schema_path(name).parent == REPO / "toolkit" / "caseloop" / "schemas"
    package_data = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '"schemas/*.json"' in package_data


def test_the_schemas_name_what_the_registries_name():
    """An enum in a schema is the registry it stands for: adding a name to one without the other fails here."""
    from caseloop.analysis.certify import GATES
    from caseloop.analysis.kpi import AMAZON_COUNTS, KPIS
    from caseloop.analysis.mastery import METHODS
    from caseloop.cases.labels import FULFILMENT, MARKETS, OUTCOMES, PROBLEM_TYPES, REVIEW_STATES, ROOT_CAUSES
    from caseloop.cases.schema import FIELDS
    from caseloop.checks.caserules import FACT_KINDS
    from caseloop.languages import LANGUAGES
    from caseloop.revise.thresholds import FLAGS, Thresholds

    curriculum = schema("curriculum")["properties"]
    assert curriculum["mastery"]["properties"]["method"]["enum"] == list(METHODS)
    gate = curriculum["gates"]["items"]["properties"]
    assert [key for key in gate if key not in {"id", "zh", "en"}] == list(GATES) or set(gate) - {"id", "zh", "en"} \
        == set(GATES)
    thresholds = schema("item_analysis")["properties"]
    assert set(thresholds) == {f.name for f in fields(Thresholds)}
    assert set(thresholds["weights"]["properties"]) == set(FLAGS) == set(Thresholds().weights)
    kpis = schema("kpis")["items"]["properties"]
    assert set(kpis) - {"trainee", "period", "phase"} == set(KPIS) | set(AMAZON_COUNTS)
    case = schema("case")
    assert list(case["properties"]) == [f.name for f in FIELDS]
    assert case["required"] == [f.name for f in FIELDS if f.required]
    for name, labels in (("problem_type", PROBLEM_TYPES), ("market", MARKETS), ("root_cause_category", ROOT_CAUSES),
                         ("outcome", OUTCOMES), ("fulfilment", FULFILMENT), ("language", LANGUAGES)):
        assert case["properties"][name]["enum"] == list(labels), name
    assert case["properties"]["review"]["properties"]["state"]["enum"] == list(REVIEW_STATES)
    fact = case["properties"]["reply"]["properties"]["facts"]["items"]["properties"]
    assert fact["unit"]["enum"] == list(FACT_KINDS)


def test_the_course_files_name_their_schema_on_the_first_line():
    named = {REPO / "source" / "curriculum.yaml": "curriculum", REPO / "source" / "item_analysis.yaml": "item_analysis",
             REPO / "tests" / "data" / "nbgrader-user-guide" / "competency-map.yaml": "competency_map",
             **{path: "case" for path in sorted((REPO / "cases").glob("C-*.yaml"))}}
    for path, name in named.items():
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == modeline(name, path), path
        target = (path.parent / first.removeprefix(MODELINE)).resolve()
        assert target == schema_path(name) and target.is_file()


def test_a_new_case_and_a_review_keep_the_schema_line(course: Path, capsys):
    from caseloop.cases import set_review

    assert main(["--course", str(course), "cases", "new", "--type", "damaged", "--market", "UK"]) == 0
    draft = max((course / "cases").glob("C-*.yaml"))
    assert draft.read_text(encoding="utf-8").splitlines()[0] == modeline("case", draft)
    case = course / "cases" / "C-0002.yaml"
    text = case.read_text(encoding="utf-8")
    set_review(course / "cases", "C-0002", "approved", "lead-trainer")
    changed = case.read_text(encoding="utf-8")
    assert changed.splitlines()[0] == text.splitlines()[0] and text.startswith(MODELINE)
    assert [line for line in changed.splitlines() if "review" not in line] == \
        [line for line in text.splitlines() if "review" not in line]


def test_a_sheet_saved_by_excel_as_csv_utf8_reads(tmp_path: Path):
    from caseloop.analysis.kpi import read_kpis

    path = tmp_path / KPIS_FILE
    path.write_bytes("\ufefftrainee,period,csat\ntrainee01,2026-01,0.8\n".encode())  # Excel writes a byte-order mark
    assert list(read_kpis(path)["trainee"]) == ["trainee01"]
