"""What every check returns: the points earned on one graded cell and the findings behind them.

In a notebook a score's plain-text form is the number of points earned, which is how nbgrader
reads partial credit from a test cell; its JSON form lists the findings, which `caseloop compile`
harvests as failure reasons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from caseloop.notebook import SOLUTION_LINE


@dataclass(frozen=True)
class Finding:
    """One thing a check looked for: its code, whether the answer met it, and why in zh / en."""

    code: str
    ok: bool
    zh: str
    en: str

    def line(self) -> str:
        mark = "✓" if self.ok else "✗"
        return f"{mark} {self.zh} / {self.en}"


@dataclass
class Score:
    """Points earned on one graded cell and the findings behind them."""

    points: float
    max_points: float
    findings: list[Finding] = field(default_factory=list)
    unsure: list[str] = field(default_factory=list)  # why a mentor should look at this answer first
    level: int | None = None                          # a written reply's level, 0 (cannot be sent) to 4

    @property
    def failed(self) -> list[str]:
        return [f.code for f in self.findings if not f.ok and f.code != "level"]

    def __repr__(self) -> str:  # nbgrader reads partial credit from this text
        return format(round(self.points, 2), "g")

    def _repr_json_(self) -> dict[str, Any]:
        return {
            "caseloop_score": True,
            "points": round(self.points, 2),
            "max_points": self.max_points,
            "failed": self.failed,
            "passed": [f.code for f in self.findings if f.ok and f.code != "level"],
            **({"level": self.level} if self.level is not None else {}),
            **({"unsure": self.unsure} if self.unsure else {}),
        }


def report(score: Score) -> Score:
    """Print the feedback of a score and return it (the last expression of a test cell)."""
    print(f"得分 / Score: {score!r} / {format(score.max_points, 'g')}")
    for finding in score.findings:
        print(finding.line())
    if score.unsure:
        print(f"? 评分把握不大，导师会复核 / the grader is unsure, a mentor will look: {'; '.join(score.unsure)}")
    return score


def answer_text(answer: Any) -> str:
    """The answer as clean text: None and the empty stub count as blank."""
    if answer is None or answer is Ellipsis:
        return ""
    return SOLUTION_LINE.sub("", str(answer)).strip()


def blank(max_points: float) -> Score:
    return report(Score(0.0, max_points, [Finding("blank", False, "未作答：请把答案写在三引号之间并运行该单元",
                                                   "no answer given: write it between the triple quotes and "
                                                   "run the cell")]))
