"""Checks of decisions: a choice among options, a number, a date or deadline, short free text."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date as Date
from datetime import timedelta
from typing import Any

from caseloop.checks.score import Finding, Score, answer_text, blank, report


def choice(answer: Any, correct: str, points: float = 1, options: str | Iterable[str] = "ABCD") -> Score:
    """A single choice among lettered options; accepts "b", "B", "B) ..." or "(B)"."""
    letters = "".join(options).upper()
    text = answer_text(answer)
    if not text:
        return blank(points)
    picked = picked_option(text, letters)
    if picked is None:
        return report(
            Score(0.0, points, [Finding("not_an_option", False,
                                        f"答案应为选项字母之一：{', '.join(letters)}",
                                        f"answer with one option letter: {', '.join(letters)}")])
        )
    ok = picked == correct.upper()
    finding = Finding("choice", ok, "选择正确" if ok else f"选项 {picked} 不正确，请重读案例和政策",
                      "correct choice" if ok else f"option {picked} is not right; reread the case and policy")
    return report(Score(points if ok else 0.0, points, [finding]))


def picked_option(text: str, options: str = "ABCD") -> str | None:
    """The option letter an answer picks ("b", "B) ...", "(B)"), or None if it names no listed option."""
    match = re.match(r"^\W*([A-Za-z])(?![A-Za-z])", text)
    picked = match.group(1).upper() if match else ""
    return picked if picked and picked in options.upper() else None


_NUMBER = re.compile(r"[-+]?\d[\d,. ]*")


def parse_number(text: str) -> float | None:
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
    text = answer_text(answer)
    if not text:
        return blank(points)
    value = parse_number(text)
    if value is None:
        return report(Score(0.0, points, [Finding("not_a_number", False, "请只填写一个数字",
                                                   "write a single number")]))
    ok = abs(value - float(expected)) <= tolerance + 1e-9  # 45.99 - 45.98 is 0.0100000000000051 in floating point
    finding = Finding("number", ok, "数值正确" if ok else f"数值 {value:g} 不正确，请检查计算和政策依据",
                      "correct value" if ok else f"{value:g} is not right; check the calculation and the policy")
    return report(Score(points if ok else 0.0, points, [finding]))


_MONTHS = {name: number for number, names in enumerate([
    ("jan", "january", "januar", "janvier", "janv"), ("feb", "february", "februar", "février", "fevrier", "févr"),
    ("mar", "march", "märz", "maerz", "mars"), ("apr", "april", "avril", "avr"), ("may", "mai"),
    ("jun", "june", "juni", "juin"), ("jul", "july", "juli", "juillet", "juil"), ("aug", "august", "août", "aout"),
    ("sep", "sept", "september", "septembre"), ("oct", "october", "oktober", "okt", "octobre"),
    ("nov", "november", "novembre"), ("dec", "december", "dezember", "dez", "décembre", "decembre", "déc")], 1)
    for name in names}


def parse_date(text: str) -> tuple[list[Date], bool]:
    """The dates a written date can mean, and whether the writing was ambiguous (03/04/2026).

    Accepts 2026-03-19, 2026/3/19, 2026年3月19日, 19.03.2026, 19 March 2026, March 19, 2026,
    19. März 2026 and 19/03/2026 or 03/19/2026 (both readings kept when both are valid).
    """
    text = text.strip().lower()

    def valid(year: int, month: int, day: int) -> list[Date]:
        try:
            return [Date(year, month, day)]
        except ValueError:
            return []

    if m := re.search(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})", text):
        return valid(int(m[1]), int(m[2]), int(m[3])), False
    if m := re.search(r"(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4})", text):
        return valid(int(m[3]), int(m[2]), int(m[1])), False
    if m := re.search(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4})", text):
        first, second, year = int(m[1]), int(m[2]), int(m[3])
        readings = valid(year, second, first) + valid(year, first, second)
        return sorted(set(readings)), len(set(readings)) > 1
    words = re.findall(r"[a-zäéû]+|\d+", text)
    months = [_MONTHS[w] for w in words if w in _MONTHS]
    numbers = [int(w) for w in words if w.isdigit()]
    years = [n for n in numbers if n >= 1000]
    days = [n for n in numbers if 1 <= n <= 31]
    if months and years and days:
        return valid(years[0], months[0], days[0]), False
    return [], False


def add_days(start: str | Date, days: int, business: bool = False) -> str:
    """The ISO date `days` (business days: Monday to Friday) after `start`; for deadline answers."""
    current = Date.fromisoformat(start) if isinstance(start, str) else start
    if not business:
        return (current + timedelta(days=days)).isoformat()
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current.isoformat()


def date(answer: Any, expected: str | Date, points: float = 1, tolerance_days: int = 0) -> Score:
    """A date or deadline (return window end, A-to-z deadline, SLA day) in any common format."""
    target = Date.fromisoformat(expected) if isinstance(expected, str) else expected
    text = answer_text(answer)
    if not text:
        return blank(points)
    readings, ambiguous = parse_date(text)
    if not readings:
        return report(Score(0.0, points, [Finding("not_a_date", False, "请写一个日期，例如 2026-03-19",
                                                   "write one date, e.g. 2026-03-19")]))
    ok = any(abs((reading - target).days) <= tolerance_days for reading in readings)
    findings = [Finding("date", ok, "日期正确" if ok else f"日期 {readings[0].isoformat()} 不对，请按政策重新计算期限",
                        "correct date" if ok else f"{readings[0].isoformat()} is not right; recount the deadline "
                        "from the policy")]
    if ambiguous:
        findings.append(Finding("ambiguous_date", True, "日/月顺序有歧义，请用 YYYY-MM-DD 格式",
                                "day/month order is ambiguous; write YYYY-MM-DD"))
    return report(Score(points if ok else 0.0, points, findings))


def text(answer: Any, points: float, keywords: Iterable[str], minimum: int | None = None) -> Score:
    """Short free text that must name key points; each keyword is a regular expression (a|b for synonyms).

    Each keyword found earns an equal share, or full marks once `minimum` keywords are found.
    """
    keywords = list(keywords)
    given = answer_text(answer)
    if not given:
        return blank(points)
    findings = []
    for pattern in keywords:
        ok = re.search(pattern, given, re.IGNORECASE) is not None
        shown = pattern.split("|")[0]
        findings.append(Finding(f"keyword:{shown}", ok, f"提到「{shown}」" if ok else f"缺少要点「{shown}」",
                                f"mentions '{shown}'" if ok else f"missing the key point '{shown}'"))
    found = sum(f.ok for f in findings)
    needed = minimum or len(keywords)
    return report(Score(round(points * min(found / max(needed, 1), 1.0), 2), points, findings))
