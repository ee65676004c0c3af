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


def test_readme_case_library_figures_are_the_librarys():
    from caseloop.cases import Library
    from caseloop.languages import LANGUAGES

    frame = Library.load(REPO / "cases").frame
    approved = frame[frame["state"] == "approved"]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    said = re.search(r"The library holds (\d+) approved cases \(and (\d+) archived\) covering all (\d+) problem types, "
                     r"each with at least (\w+) cases, in (\d+) markets \(([A-Z, ]+)\), with buyer messages in "
                     r"([A-Za-z, ]+ and \w+);", " ".join(readme.split()))
    assert said, "the README's case library paragraph no longer gives its figures"
    per_type = approved["problem_type"].value_counts()
    markets = approved["market"].value_counts()
    languages = [LANGUAGES[code][1] for code in approved["language"].value_counts().index]
    assert int(said[1]) == len(approved) and int(said[2]) == (frame["state"] == "archived").sum()
    assert int(said[3]) == len(per_type) and said[4] == {2: "two", 3: "three"}.get(per_type.min(), str(per_type.min()))
    assert int(said[5]) == len(markets) and said[6].split(", ") == list(markets.index)
    assert said[7].replace(" and ", ", ").split(", ") == languages
