"""README and CI agree: CI runs exactly the test command the README gives a new user."""

from __future__ import annotations

import re

from conftest import REPO


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```bash\n(python3 -m venv[^\n]*)\n```", readme)
    assert len(commands) == 2, "README gives exactly two set-up commands: the demo and the tests"
    test_command = next(c for c in commands if "pytest" in c)
    ci_lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci_lines


def test_readme_curriculum_table_lists_every_module_with_its_competencies_and_markets():
    import collections

    import nbformat
    import yaml

    from caseloop.course import Course

    course = Course.at(REPO)
    cases = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in course.cases_dir.glob("C-*.yaml")}
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (m\d\d\w*) \| [^|]+ \| ([^|]+ \| [^|]+ \| [^|]+) \|$", readme, re.MULTILINE))
    codes = list(course.curriculum().competencies)
    assert list(rows) == [m.id for m in course.curriculum().modules], "one row per module, in curriculum order"
    for module in rows:
        count, markets, languages = collections.Counter(), set(), set()
        for path in course.source_notebooks(module):
            for cell in nbformat.read(path, as_version=4).cells:
                tags, grading = cell.metadata.get("caseloop", {}), cell.metadata.get("nbgrader", {})
                if grading.get("grade") or grading.get("task"):
                    count.update(tags.get("competency", []))
                if tags.get("case") in cases:
                    markets.add(cases[tags["case"]]["market"])
                    languages.add(cases[tags["case"]]["language"])
        expected = " | ".join([", ".join(f"{c} {count[c]}" for c in codes if count[c]), ", ".join(sorted(markets)),
                               ", ".join(sorted(languages))])
        assert rows[module] == expected, f"README curriculum row of {module} is stale: {expected}"
