"""The words report pages show for the course's codes: mastery methods, submission statuses and
at-risk rules, each in zh and en.

A page never prints a raw code, an exception or a server path: a status's technical detail stays
in reports/grade-<module>.csv, and the page says what happened and what to do.
"""

from __future__ import annotations

from caseloop.course.journal import (
    FAILED,
    GRADED,
    KERNEL_DIED,
    LATE,
    MALFORMED,
    MISSING,
    OUT_OF_MEMORY,
    SYNTAX,
    TIMED_OUT,
    WORKER_DIED,
)

NOT_SUBMITTED = "not submitted"

# mastery method -> (zh, en) name, as Canvas's outcome calculation methods are called
METHODS: dict[str, tuple[str, str]] = {
    "average": ("平均值", "average"),
    "latest": ("最近一次", "most recent score"),
    "highest": ("最高分", "highest score"),
    "decaying_average": ("衰减平均", "decaying average"),
    "n_mastery": ("n 次达标", "n number of times"),
}

# submission status -> (zh, en) label, (zh, en) what to do about it
STATUSES: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    GRADED: (("已评分", "graded"), ("", "")),
    NOT_SUBMITTED: (("未提交", "not submitted"), ("", "")),
    LATE: (("迟交，已评分", "late, graded"), ("", "")),
    TIMED_OUT: (("运行超时", "timed out"), ("部分单元运行超时，按已完成部分计分", "some cells ran too long; "
                                                                           "the rest was scored")),
    KERNEL_DIED: (("运行中断", "kernel stopped"), ("内核中途停止，按已完成部分计分", "the kernel stopped; the rest "
                                                                                 "was scored")),
    OUT_OF_MEMORY: (("内存不足", "out of memory"), ("代码用尽内存，按已完成部分计分", "the code ran out of memory; "
                                                                               "the rest was scored")),
    SYNTAX: (("答案有语法错误", "answer not valid"), ("有答案单元无法运行：引号或括号不完整", "an answer cell could "
                                                                                   "not run: a quote or bracket "
                                                                                   "is missing")),
    MALFORMED: (("笔记本文件损坏", "notebook file damaged"), ("无法读取提交的笔记本：请学员重新获取模块并再次提交",
                                                       "the submitted notebook could not be read: ask the trainee "
                                                       "to fetch the module again and resubmit")),
    MISSING: (("缺少笔记本", "notebook missing"), ("提交中没有该模块的笔记本：请学员重新提交",
                                               "the submission lacks the module's notebook: ask the trainee to "
                                               "submit again")),
    WORKER_DIED: (("评分中断", "grading stopped"), ("评分进程中断，下一次 caseloop grade 会重试",
                                                 "grading stopped; the next caseloop grade retries it")),
    FAILED: (("评分出错", "grading failed"), ("评分出错，下一次 caseloop grade 会重试；多次失败请联系课程管理员",
                                          "grading failed; the next caseloop grade retries it, and the course "
                                          "admin looks if it keeps failing")),
}

# at-risk rule (`caseloop.analysis.risk.RULES`) -> (zh, en) name
WARNINGS: dict[str, tuple[str, str]] = {
    "red_line": ("越过红线", "red line broken"),
    "low_result": ("模块得分低", "low module result"),
    "missed_deadline": ("错过截止", "missed deadline"),
    "inactive": ("长时间无提交", "no recent activity"),
    "trend": ("连续低于门槛", "results falling short in a row"),
}

def status_label(status: str) -> tuple[str, str]:
    """A submission status's (zh, en) label; an unknown status reads as itself."""
    return STATUSES.get(status, ((status, status), ("", "")))[0]


def status_advice(status: str) -> tuple[str, str]:
    """What to do about a submission status, (zh, en); empty when nothing is to be done."""
    return STATUSES.get(status, ((status, status), ("", "")))[1]


def method_label(method: str) -> tuple[str, str]:
    """A mastery method's (zh, en) name."""
    return METHODS.get(method, (method, method))
