"""What the revision backlog flags and when: item_analysis.yaml's thresholds and the flag texts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from caseloop.schemas import read_yaml

CONFIG_FILE = "item_analysis.yaml"
STAT_KEYS = ["n", "facility", "facility_low", "facility_high", "sd", "discrimination", "discrimination_low",
             "discrimination_high", "efficiency", "upper_lower", "share_zero", "share_full", "alpha_if_deleted"]
SURVEY_RATINGS = ("usefulness", "clarity")
EVIDENCE = {"firm": "确定 / firm (the whole interval is past the threshold)",
            "tentative": "待确认 / tentative (the interval still reaches the threshold)",
            "reported": "学员反馈 / reported by trainees",
            "mentors": "对照导师评分 / measured against mentors' scores (no interval)"}

# flag code: (zh, en, what to do in zh, what to do in en)
FLAGS = {
    "negative_discrimination": ("区分度为负", "negative discrimination",
                                "能力强的学员反而得分低：先检查答案键和检查逻辑",
                                "stronger trainees score lower: check the answer key and the check first"),
    "check_fires_on_good_answers": ("检查误判好答案", "check fires on good answers",
                                    "导师给分高于自动评分：放宽或修正触发的检查",
                                    "mentors award more than the autograde: loosen or fix the checks that fired"),
    "check_misses_mentor_concern": ("自动检查漏掉导师扣分的问题", "autograde misses what mentors mark down",
                                    "导师在该评分项上判不达标而自动检查通过：收紧相关检查，或在题干中写明要求",
                                    "mentors fail the reply on this rubric criterion while the autograde passes it: "
                                    "tighten the related checks or state the requirement in the question"),
    "autograde_disagrees_with_mentors": ("自动评分与导师评分不一致", "autograde disagrees with mentors",
                                         "对照导师的评分和评语检查该回复的检查项（要求的要素、红线、字数）并修正；"
                                         "若导师之间尺度不一，先统一评分尺度",
                                         "set the mentors' scores and comments beside the reply's checks (required "
                                         "elements, red lines, length) and fix the checks; if mentors differ among "
                                         "themselves, calibrate them first"),
    "too_hard": ("太难", "too hard", "很少有人做对：检查题干，确认模块教过这一点",
                 "few succeed: check the instructions and whether the module teaches this"),
    "weak_discrimination": ("区分度弱", "weak discrimination", "得分与整体水平关系不大：让选项或评分标准更清晰",
                            "scores barely follow overall skill: sharpen the options or the rubric"),
    "too_easy": ("太容易", "too easy", "几乎人人做对：加大难度，或检查答案是否随发布版泄露",
                 "almost everyone succeeds: make it harder, or check the answer did not ship in the release"),
    "unused_distractor": ("无人选择的干扰项", "distractor nobody picks", "换一个可信的错误选项",
                          "replace it with a plausible wrong option"),
    "low_rating": ("问卷评分低", "low survey rating", "阅读学员的文字反馈，修改讲解或案例",
                   "read the trainees' comments and rework the explanations or cases"),
    "unclear_exercise": ("学员认为不清楚", "trainees found it unclear", "重写题干或补充背景",
                         "rewrite the question or add the missing context"),
    "missing_scenario": ("缺少的场景", "missing scenarios", "为学员提到的场景补充案例",
                         "add cases for the scenarios trainees name"),
}


@dataclass(frozen=True)
class Thresholds:
    """When a statistic becomes a backlog entry, and how entries are weighed (source/item_analysis.yaml)."""

    min_trainees: int = 10
    too_hard: float = 0.30
    too_easy: float = 0.95
    weak_discrimination: float = 0.20
    mentor_disagreement: float = 0.20
    min_reviewed: int = 3
    min_scored_replies: int = 5
    min_qwk: float = 0.70
    max_smd: float = 0.15
    low_rating: float = 3.0
    unclear_share: float = 0.25
    case_flag_impact: float = 1.0
    confidence: float = 0.95
    upper_lower_group: float = 0.27
    weights: dict[str, float] = field(default_factory=lambda: {
        "negative_discrimination": 3, "check_fires_on_good_answers": 3, "check_misses_mentor_concern": 2,
        "autograde_disagrees_with_mentors": 2, "too_hard": 2, "weak_discrimination": 1,
        "too_easy": 2, "unused_distractor": 0.5, "low_rating": 2, "unclear_exercise": 1, "missing_scenario": 1})

    @classmethod
    def load(cls, path: Path) -> Thresholds:
        """The thresholds in `path`, checked against the published schema (caseloop/schemas/item_analysis.schema.json);
        defaults for every key the file leaves out, or when there is no file."""
        if not path.is_file():
            return cls()
        data = read_yaml(path, "item_analysis", empty={}).data
        defaults = cls()
        values = {key: type(getattr(defaults, key))(value) for key, value in data.items() if key != "weights"}
        weights = {**defaults.weights, **{flag: float(weight) for flag, weight in data.get("weights", {}).items()}}
        return cls(**values, weights=weights)


# -- reading the course (I/O) ------------------------------------------------------------------
