"""The mentor's rubric for written replies: the criteria a mentor scores by hand under each reply.

Each criterion counts towards its own competency and names the autograde checks that speak to
the same quality, so mentor scores can be set beside the autograde (`caseloop.analysis.agreement`).
"""

from __future__ import annotations

from dataclasses import dataclass

MENTOR_PASS = 0.5  # a mentor's share of a criterion's points at or above which the reply meets it


@dataclass(frozen=True)
class Criterion:
    """One criterion of the mentor rubric: what the mentor judges and which autograde checks speak to it."""

    code: str
    competency: str
    zh: str
    en: str
    guide_zh: str
    guide_en: str
    checks: tuple[str, ...]  # codes of checks.reply findings about the same quality


CRITERIA = (
    Criterion("tone", "COM", "语气", "Tone",
              "礼貌、专业、平静：不指责买家、不吼叫、不营销，称呼和结尾得体 [C8][C9]",
              "courteous, professional and calm: no blame, no shouting, no marketing; a fitting greeting and "
              "closing [C8][C9]",
              ("blame", "shouting", "emoji", "marketing", "greeting", "closing")),
    Criterion("empathy", "EMO", "共情", "Empathy",
              "针对这位买家的处境认可感受并道歉，而不是套话；先回应情绪再给方案 [C1][C6]",
              "acknowledges this buyer's situation and feelings, not boilerplate, and apologises; the feeling "
              "first, then the fix [C1][C6]",
              ("empathy", "apology")),
    Criterion("culture", "XCC", "文化适配", "Cultural fit",
              "符合买家所在站点的语言和礼仪：用买家的语言 [M5]，称呼方式（Mr/Ms、Sie、vous、様）、正式程度、"
              "日期和货币写法",
              "fits the buyer's market: the buyer's language [M5], form of address (Mr/Ms, Sie, vous, 様), "
              "formality, how dates and money are written",
              ("wrong_language", "chinese_left", "greeting")),
)
BY_CODE = {c.code: c for c in CRITERIA}
