"""The case a reply answers, read from the course's case library while a test cell runs.

A reply exercise names its case (`checks.reply(answer, 3, case="C-0001")`); the check reads the
case file for the buyer's name and language and the case's reply rules, and compares the reply
with every case of the library to tell whether it answers this case or another one. The library
is found from the course being graded (set by caseloop's LiteralExecute), the `CASELOOP_COURSE`
environment variable, or the nearest folder above the working directory with nbgrader_config.py.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

_course_root: Path | None = None


def use_course(root: Path | str | None) -> None:
    """Tell the checks which course is being graded (its cases/ folder holds the case files)."""
    global _course_root
    _course_root = Path(root) if root else None


def cases_folder() -> Path:
    """The case library of the course being graded, or of the course around the working directory."""
    candidates = [_course_root, Path(os.environ["CASELOOP_COURSE"]) if os.environ.get("CASELOOP_COURSE") else None]
    here = Path.cwd().resolve()
    candidates += [folder for folder in (here, *here.parents) if (folder / "nbgrader_config.py").is_file()]
    for root in candidates:
        if root is not None and (root / "cases").is_dir():
            return root / "cases"
    raise FileNotFoundError(f"no case library (cases/ beside nbgrader_config.py) in {here} or above; run the check "
                            "inside the course directory or set CASELOOP_COURSE")


@dataclass(frozen=True)
class CaseLibrary:
    """Every case file of a folder, and an index to tell which case a text is about."""

    cases: dict[str, dict[str, Any]]
    ids: tuple[str, ...]
    index: Any  # caseloop.textindex.Index
    model_scores: dict[str, float]  # case id -> how well the case's own model reply matches it

    def case(self, case_id: str) -> dict[str, Any]:
        if case_id not in self.cases:
            raise KeyError(f"case {case_id} has no file cases/{case_id}.yaml; known cases: "
                           f"{', '.join(sorted(self.cases)) or 'none'}")
        return self.cases[case_id]

    def ranking(self, text: str) -> list[tuple[str, float]]:
        """Cases by how well `text` matches what each case is about, best first, with BM25 scores."""
        import numpy as np

        scores = self.index.scores(text)
        order = np.argsort(-scores, kind="stable")
        return [(self.ids[i], float(scores[i])) for i in order]


def reply_match_text(case: dict[str, Any]) -> str:
    """What a reply to this case talks about: product, the buyer's words, the problem and its fix."""
    parts = [case.get("title", ""), case.get("product_line", ""), case.get("product_line", ""),
             case.get("buyer_message", ""), case.get("core_demand", ""), case.get("root_cause", ""),
             *case.get("resolution_steps", []), case.get("reply_template", ""), *case.get("key_points", [])]
    topic = (case.get("reply") or {}).get("topic", [])
    return "\n".join(str(part) for part in [*parts, *topic, *topic])


@cache
def _library(folder: str, stamp: tuple[tuple[str, float], ...]) -> CaseLibrary:
    from caseloop.textindex import Index  # numpy: loaded when a reply is first judged against its case

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    cases = {}
    for name, _ in stamp:
        data = yaml.load(Path(folder, name).read_text(encoding="utf-8"), Loader=loader)
        if isinstance(data, dict) and data.get("id"):
            cases[str(data["id"])] = data
    ids = tuple(sorted(cases))
    index = Index(reply_match_text(cases[i]) for i in ids)
    model_scores = {case_id: float(index.scores(str(cases[case_id].get("reply_template", "")))[n])
                    for n, case_id in enumerate(ids)}
    return CaseLibrary(cases, ids, index, model_scores)


def library(folder: Path | None = None) -> CaseLibrary:
    """The case library of `folder` (default: the course being graded), read once until a file changes."""
    folder = folder or cases_folder()
    stamp = tuple(sorted((p.name, p.stat().st_mtime) for p in folder.glob("C-*.yaml")))
    return _library(str(folder), stamp)
