"""The grading vocabulary that graded test cells call.

Every check takes a trainee's plain-literal answer and the item's points, prints bilingual
(zh / en) feedback that says what was found and what was missing, and returns a `Score`. In a
notebook the score's plain-text form is the number of points earned, which is how nbgrader reads
partial credit from a test cell; its JSON form lists the findings, which `caseloop compile`
harvests as failure reasons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

__all__ = ["Finding", "Score", "choice", "number", "policy", "reply"]

# nbgrader's solution markers. In a source notebook the model answer sits between them inside
# the answer's quotes; dropping the marker lines lets a trainer run the source notebook as is.
_SOLUTION_MARKERS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$", re.MULTILINE)


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

    @property
    def failed(self) -> list[str]:
        return [f.code for f in self.findings if not f.ok]

    def __repr__(self) -> str:  # nbgrader reads partial credit from this text
        return format(round(self.points, 2), "g")

    def _repr_json_(self) -> dict[str, Any]:
        return {
            "caseloop_score": True,
            "points": round(self.points, 2),
            "max_points": self.max_points,
            "failed": self.failed,
            "passed": [f.code for f in self.findings if f.ok],
        }


def _report(score: Score) -> Score:
    """Print the feedback of a score and return it (the last expression of a test cell)."""
    print(f"得分 / Score: {score!r} / {format(score.max_points, 'g')}")
    for finding in score.findings:
        print(finding.line())
    return score


def _text(answer: Any) -> str:
    """The answer as clean text: None and the empty stub count as blank."""
    if answer is None or answer is Ellipsis:
        return ""
    return _SOLUTION_MARKERS.sub("", str(answer)).strip()


def _blank(max_points: float) -> Score:
    return _report(Score(0.0, max_points, [Finding("blank", False, "未作答", "no answer given")]))


@cache
def _policy_table() -> dict[str, dict[str, Any]]:
    text = resources.files("caseloop").joinpath("policy.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def policy(key: str) -> Any:
    """The value of one platform-policy number from the package's policy file (with its source)."""
    table = _policy_table()
    if key not in table:
        known = ", ".join(sorted(table))
        raise KeyError(f"unknown policy key {key!r}; known keys: {known}")
    return table[key]["value"]


# -- decisions -------------------------------------------------------------------------------


def choice(answer: Any, correct: str, points: float = 1, options: str = "ABCD") -> Score:
    """A single choice among lettered options; accepts "b", "B", "B) ..." or "(B)"."""
    text = _text(answer)
    if not text:
        return _blank(points)
    match = re.match(r"^\W*([A-Za-z])(?![A-Za-z])", text)
    picked = match.group(1).upper() if match else ""
    if not picked or picked not in options.upper():
        return _report(
            Score(0.0, points, [Finding("not_an_option", False,
                                        f"答案应为选项字母之一：{', '.join(options)}",
                                        f"answer with one option letter: {', '.join(options)}")])
        )
    ok = picked == correct.upper()
    finding = Finding("choice", ok, "选择正确" if ok else f"选项 {picked} 不正确，请重读案例和政策",
                      "correct choice" if ok else f"option {picked} is not right; reread the case and policy")
    return _report(Score(points if ok else 0.0, points, [finding]))


_NUMBER = re.compile(r"[-+]?\d[\d,. ]*")


def _parse_number(text: str) -> float | None:
    """Read 45.98, $45.98, 45,98 € or 1,045.98 as a number; None when there is none."""
    match = _NUMBER.search(text)
    if not match:
        return None
    digits = match.group(0).replace(" ", "").rstrip(".,")
    if "," in digits and "." in digits:
        digits = digits.replace(",", "") if digits.rfind(".") > digits.rfind(",") else (
            digits.replace(".", "").replace(",", "."))
    elif "," in digits:
        head, _, tail = digits.rpartition(",")
        digits = f"{head.replace(',', '')}.{tail}" if len(tail) != 3 else digits.replace(",", "")
    try:
        return float(digits)
    except ValueError:
        return None


def number(answer: Any, expected: float, points: float = 1, tolerance: float = 0.01) -> Score:
    """A number (amount, hours, days) that must be within `tolerance` of the expected value."""
    text = _text(answer)
    if not text:
        return _blank(points)
    value = _parse_number(text)
    if value is None:
        return _report(Score(0.0, points, [Finding("not_a_number", False, "请只填写一个数字",
                                                   "write a single number")]))
    ok = abs(value - float(expected)) <= tolerance
    finding = Finding("number", ok, "数值正确" if ok else f"数值 {value:g} 不正确，请检查计算和政策依据",
                      "correct value" if ok else f"{value:g} is not right; check the calculation and the policy")
    return _report(Score(points if ok else 0.0, points, [finding]))


# -- written replies -------------------------------------------------------------------------

_ELEMENTS: dict[str, tuple[str, str, str]] = {
    # code: (pattern, zh, en)
    "greeting": (r"^\s*(dear|hi|hello|good (morning|afternoon|evening))\b",
                 "以称呼开头", "opens with a greeting"),
    "empathy": (r"\b(understand|frustrat|inconvenien|sorry to hear|appreciate your patience|"
                r"thank you for (reaching|contacting|letting|your message|getting in touch)|"
                r"disappoint|concern)",
                "认可买家的感受", "acknowledges how the buyer feels"),
    "apology": (r"\b(apolog|sorry)", "针对问题道歉", "apologises for the problem"),
    "action": (r"\b(refund|replacement|replace|reship|resend|send (you )?a new|tracking|track|"
               r"return label|prepaid label|investigat|claim with the carrier)",
               "给出具体行动（退款、补发、追踪、退货标签）",
               "offers a concrete action (refund, replacement, tracking, return label)"),
    "time": (r"\b(within (the next )?\d+|in (the next )?\d+( to \d+)? (business |working )?(hours|days)|"
             r"today|tomorrow|by (monday|tuesday|wednesday|thursday|friday|saturday|sunday|the end of)|"
             r"(january|february|march|april|may|june|july|august|september|october|november|december) \d)",
             "给出时间承诺", "commits to a time (e.g. within 2 business days)"),
    "closing": (r"\b(best regards|kind regards|regards|sincerely|best wishes|yours truly|"
                r"thank you again|many thanks|warm regards)",
                "礼貌结尾", "closes politely"),
}

_RED_LINES: dict[str, tuple[str, str, str]] = {
    "link": (r"(https?://|www\.)(?![\w.-]*amazon\.)", "含亚马逊以外的链接", "links outside Amazon"),
    "email": (r"[\w.+-]+@[\w-]+\.[\w.-]+", "含电子邮箱地址", "contains an e-mail address"),
    "phone": (r"\+\d{1,3}[\s-]?\(?\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}|\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b",
              "含电话号码", "contains a phone number"),
    "review_request": (r"\b(leave|give|write|post)\b.{0,40}\b(positive|5[- ]?star|five[- ]star|good|great)\b"
                       r".{0,20}\b(review|feedback|rating)|\b(remove|change|delete|revise|take down)\b"
                       r".{0,30}\breview",
                       "索要好评或要求修改评论", "asks for a positive review or a review change"),
    "review_incentive": (r"\b(gift card|voucher|coupon|discount|free|bonus|extra refund)\b.{0,80}\b"
                         r"(review|feedback)\b|\b(review|feedback)\b.{0,80}\b(gift card|voucher|coupon|"
                         r"discount|free|bonus|extra refund)\b",
                         "以好处换取评价", "ties an incentive to a review or feedback"),
    "blame": (r"\b(your fault|you should have|you didn'?t read|you failed to|as clearly stated|"
              r"you must have)\b",
              "指责买家", "blames the buyer"),
    "emoji": ("[\U0001F300-\U0001FAFF\u2600-\u27BF]", "含表情符号", "contains emojis"),
}

_ACRONYMS = {"FBA", "FBM", "USPS", "UPS", "DHL", "ASIN", "USA", "DPD", "GLS", "EU", "UK", "US", "OK"}


def _red_lines(text: str, language: str) -> list[Finding]:
    found = [Finding(code, False, zh, en) for code, (pattern, zh, en) in _RED_LINES.items()
             if re.search(pattern, text, re.IGNORECASE)]
    if language not in {"zh", "ja"} and re.search(r"[\u4e00-\u9fff]", text):
        found.append(Finding("chinese_left", False, "回复中残留中文", "the agent's Chinese is left in the reply"))
    shouted = [w for w in re.findall(r"\b[A-Z]{3,}\b", text) if w not in _ACRONYMS]
    if len(shouted) >= 3 or "!!" in text:
        found.append(Finding("shouting", False, "大写或连续感叹号显得在吼叫",
                             "capitals or repeated exclamation marks read as shouting"))
    return found


def reply(
    answer: Any,
    points: float,
    *,
    buyer_name: str | None = None,
    require: tuple[str, ...] = ("greeting", "empathy", "apology", "action", "time", "closing"),
    language: str = "en",
    min_words: int = 40,
    max_words: int = 250,
) -> Score:
    """A written reply to a buyer, scored on a rubric of required elements.

    Each required element present earns an equal share of the points. A reply that crosses a
    platform red line (links, contact details, review manipulation, emojis, blame, shouting,
    leftover Chinese) could not be sent, so it earns nothing whatever else it does well.
    """
    text = _text(answer)
    if not text:
        return _blank(points)
    findings = []
    for code in require:
        pattern, zh, en = _ELEMENTS[code]
        ok = re.search(pattern, text, re.IGNORECASE | re.MULTILINE) is not None
        if code == "greeting" and ok and buyer_name:
            first_line = text.splitlines()[0]
            ok = buyer_name.lower() in first_line.lower()
            zh, en = f"以称呼买家姓名（{buyer_name}）开头", f"greets the buyer by name ({buyer_name})"
        findings.append(Finding(code, ok, zh, en))
    words = len(re.findall(r"\w+", text))
    if words < min_words:
        findings.append(Finding("too_short", False, f"回复过短（{words} 词，至少 {min_words}）",
                                f"too short ({words} words, at least {min_words})"))
    elif words > max_words:
        findings.append(Finding("too_long", False, f"回复过长（{words} 词，最多 {max_words}）",
                                f"too long ({words} words, at most {max_words})"))
    red = _red_lines(text, language)
    if red:
        return _report(Score(0.0, points, red + findings))
    earned = sum(f.ok for f in findings if f.code in require) / max(len(require), 1)
    if any(f.code in {"too_short", "too_long"} for f in findings):
        earned *= 0.5
    return _report(Score(round(points * earned, 2), points, findings))
