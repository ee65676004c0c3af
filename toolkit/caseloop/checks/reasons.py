"""Failed-check codes as short readable reasons (zh, en), for reports: what a lead or trainee reads
instead of `email; review_request`.

The codes are the ones the checks put in a score's `failed` list. A code that names a case's own
rule, fact or key point (`case_missing:refund`) reads as its kind and the name; a code nobody here
knows reads as itself with spaces, never as nothing.
"""

from __future__ import annotations

from caseloop.checks.redlines import REASONS as RED_LINE_REASONS
from caseloop.checks.replies import _ELEMENTS as REPLY_ELEMENTS


def _short(reason: str) -> str:
    """A red line's reason up to its first comma or bracket (the sources and explanation)."""
    for bracket in ("（", " (", "，", ", "):
        reason = reason.split(bracket)[0]
    return reason


RED_LINES: dict[str, tuple[str, str]] = {code: (_short(zh), _short(en)) for code, (zh, en) in
                                         RED_LINE_REASONS.items()}
"""Red-line codes -> (zh, en) short names: a reply that breaks one cannot be sent."""

CODES: dict[str, tuple[str, str]] = {
    **RED_LINES,
    **{code: (f"缺少：{zh}", f"missing: {en}") for code, (zh, en, _, _) in REPLY_ELEMENTS.items()},
    "blank": ("未作答", "no answer given"),
    "format": ("答案格式不对", "answer in the wrong format"),
    "number": ("数字不对", "wrong number"),
    "not_a_number": ("答案不是数字", "the answer is not a number"),
    "date": ("日期不对", "wrong date"),
    "not_a_date": ("答案不是日期", "the answer is not a date"),
    "ambiguous_date": ("日期写法有歧义", "ambiguous date"),
    "choice": ("选错了选项", "wrong option"),
    "not_an_option": ("不是列出的选项", "not one of the listed options"),
    "answered": ("未作答", "no answer given"),
    "code": ("代码结果不对", "the code's result is wrong"),
    "tampered": ("评分单元被改动，未评分", "the graded cell was changed, so it was not graded"),
    "not_plain": ("答案不是纯文本/数字，未评分", "the answer is not a plain value, so it was not graded"),
    "policy_promise": ("承诺了本案政策不允许的内容", "promises what the policy does not allow"),
    "chinese_left": ("回复中残留中文", "Chinese left in the reply"),
    "wrong_language": ("没有用买家的语言", "not in the buyer's language"),
    "placeholder": ("模板占位符没有替换", "template placeholder left in"),
    "not_prose": ("不是完整句子", "not written as sentences"),
    "other_case": ("写给了另一个案例", "written for another case"),
    "too_short": ("回复过短", "reply too short"),
    "too_long": ("回复过长", "reply too long"),
    "spelling": ("拼写错误", "spelling errors"),
    "register": ("称呼不够正式", "too informal for this market"),
    "restate": ("没有复述买家的问题", "does not restate the buyer's problem"),
    "case_remedy": ("没有给出本案需要的处理方案", "does not offer what this case needs"),
}
"""Every fixed failed-check code -> (zh, en) short reason."""

PREFIXES: dict[str, tuple[str, str]] = {
    "case_missing": ("没有做到本案要求", "misses what this case needs"),
    "case_wrong": ("本案不能这样处理", "handles this case in a way it must not be"),
    "false_fact": ("本案事实写错", "gets a fact of this case wrong"),
    "keyword": ("缺少要点", "missing key point"),
    "error": ("答案单元运行出错", "the answer cell raised an error"),
}
"""Code prefixes (`prefix:name`) -> (zh, en) reason, followed by the name."""


def failure_reason(code: str) -> tuple[str, str]:
    """One failed-check code as a short (zh, en) reason."""
    if code in CODES:
        return CODES[code]
    prefix, _, name = code.partition(":")
    if prefix in PREFIXES and name:
        zh, en = PREFIXES[prefix]
        shown = name.replace("_", " ")
        return f"{zh}：{shown}", f"{en}: {shown}"
    return (code.replace("_", " "),) * 2


def failure_reasons(codes: str) -> tuple[str, str]:
    """A ';'-separated list of failed-check codes as readable (zh, en) text; empty for none."""
    reasons = [failure_reason(code) for code in dict.fromkeys(c for c in codes.split(";") if c)]
    return "；".join(zh for zh, _ in reasons), "; ".join(en for _, en in reasons)
