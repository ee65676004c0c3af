"""The check of a written reply: rubric elements, length and the platform's red lines."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from caseloop.checks.languages import flat, word_count
from caseloop.checks.redlines import red_lines
from caseloop.checks.score import Finding, Score, answer_text, blank, report

# What each rubric element is, and why a reply needs it: (zh label, en label, zh why, en why).
_ELEMENTS: dict[str, tuple[str, str, str, str]] = {
    "greeting": ("以称呼开头", "opens with a greeting", "先称呼买家，回复才像是写给本人的",
                 "a greeting shows the reply is written to this buyer"),
    "empathy": ("认可买家的感受", "acknowledges how the buyer feels", "先认可感受，买家才愿意听方案 [C1][C6]",
                "acknowledging the feeling first makes the buyer ready to hear the fix [C1][C6]"),
    "apology": ("针对问题道歉", "apologises for the problem", "无条件地道歉不等于承认责任 [C2][C7]",
                "an unconditional apology is not an admission of liability [C2][C7]"),
    "restate": ("复述买家的问题", "restates the buyer's problem", "先说清问题，买家才知道你读懂了 [C7]",
                "naming the problem first shows the buyer you understood [C7]"),
    "action": ("给出具体行动（退款、补发、追踪、退货标签）",
               "offers a concrete action (refund, replacement, tracking, return label)",
               "买家要的是解决办法，不只是道歉 [C1][C7]", "the buyer needs a fix, not only an apology [C1][C7]"),
    "time": ("给出时间承诺", "commits to a time (e.g. within 2 business days)",
             "没有时间点的承诺等于没有承诺 [M1][C6]", "a promise without a date is no promise [M1][C6]"),
    "closing": ("礼貌结尾", "closes politely", "礼貌结尾是专业回复的一部分",
                "a polite closing is part of a professional reply"),
}
DEFAULT_RUBRIC = ("greeting", "empathy", "apology", "action", "time", "closing")

_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_MONTH_NAMES = "january|february|march|april|may|june|july|august|september|october|november|december"
# Patterns of each rubric element per reply language (case-insensitive).
_ELEMENT_PATTERNS: dict[str, dict[str, str]] = {
    "en": {
        "greeting": r"^\s*(dear|hi|hello|good (morning|afternoon|evening))\b",
        "empathy": r"\b(understand|frustrat|inconvenien|sorry to hear|appreciate your patience|"
                   r"thank you for (reaching|contacting|letting|your message|getting in touch)|disappoint|concern)",
        "apology": r"\b(apolog|sorry)",
        "restate": r"\b(your (order|item|parcel|package|refund|return|request|message|claim)|did not arrive|"
                   r"has not arrived|arrived (damaged|broken|late)|(is|was) (damaged|defective|broken|missing))",
        "action": r"\b(refund|replacement|replace|reship|resend|send (you )?a new|tracking|track|return label|"
                  r"prepaid label|investigat|claim with the carrier)",
        "time": rf"\b(within (the next )?\d+|in (the next )?\d+( to \d+)? (business |working )?(hours|days)|today|"
                rf"tomorrow|by ({_WEEKDAYS}|the end of)|({_MONTH_NAMES}) \d)",
        "closing": r"\b(best regards|kind regards|regards|sincerely|best wishes|yours truly|thank you again|"
                   r"many thanks|warm regards)",
    },
    "de": {
        "greeting": r"^\s*(sehr geehrte|liebe|hallo|guten (tag|morgen|abend))",
        "empathy": r"(verstehe|verständnis|ärgerlich|unannehmlichkeit|danke für ihre|vielen dank für|enttäusch)",
        "apology": r"(entschuldig|bedauer|tut (mir|uns) (sehr )?leid)",
        "restate": r"(ihre (bestellung|sendung|rücksendung|erstattung|anfrage|nachricht)|nicht angekommen|"
                   r"beschädigt|defekt|widerruf)",
        "action": r"(erstatt|ersatz|umtausch|zusenden|neu zu|sendungsverfolgung|rücksendeetikett|retourenetikett|"
                  r"rücksendung|löschen|gelöscht)",
        "time": r"(innerhalb (von )?\d+|\d+\s*(stunden|werktag|tag)|heute|morgen|bis (montag|dienstag|mittwoch|"
                r"donnerstag|freitag|samstag|sonntag|zum|spätestens)|\d+\.\s*\w+ \d{4})",
        "closing": r"(mit freundlichen grüßen|freundliche grüße|viele grüße|beste grüße|hochachtungsvoll)",
    },
    "fr": {
        "greeting": r"^\s*(bonjour|madame|monsieur|cher|chère)",
        "empathy": r"(comprends|comprenons|désagrément|merci (pour|de) votre|navré|déception)",
        "apology": r"(excus|désolé|regrett)",
        "restate": r"(votre (commande|colis|retour|remboursement|demande|message)|pas arrivé|endommagé|défectueux)",
        "action": r"(rembours|remplacement|renvoy|nouvel? (article|colis)|suivi|étiquette de retour|retour)",
        "time": r"(sous \d+|dans (les )?\d+|\d+\s*(jours|heures)|aujourd'hui|demain|d'ici|avant le)",
        "closing": r"(cordialement|bien à vous|salutations|sincères|bonne journée)",
    },
    "ja": {
        "greeting": r"^.{0,30}(様|さま)",
        "empathy": r"(ご不便|ご迷惑|お気持ち|ご心配|ご連絡いただき|お問い合わせいただき|ご不快)",
        "apology": r"(申し訳|お詫び|すみません)",
        "restate": r"(ご注文|商品|お届け|返品|返金)",
        "action": r"(返金|交換|再送|追跡|返品|お送り)",
        "time": r"(\d+\s*(時間|日|営業日)以内|本日|明日|までに|\d+月\d+日)",
        "closing": r"(よろしくお願い|今後とも|敬具|心より)",
    },
}


def _element(code: str, text: str, language: str, buyer_name: str | None, problem: Iterable[str]) -> Finding:
    """Whether a reply has one rubric element, with what was missing and why."""
    zh, en, why_zh, why_en = _ELEMENTS[code]
    patterns = _ELEMENT_PATTERNS.get(language, _ELEMENT_PATTERNS["en"])
    haystack = text if code == "greeting" else flat(text)  # the greeting must open the first line
    if code == "restate" and problem:
        ok = any(re.search(p, haystack, re.IGNORECASE) for p in problem)
    else:
        ok = re.search(patterns[code], haystack, re.IGNORECASE | re.MULTILINE) is not None
    if code == "greeting" and buyer_name:
        zh, en = f"以称呼买家姓名（{buyer_name}）开头", f"greets the buyer by name ({buyer_name})"
        ok = ok and buyer_name.lower() in text.splitlines()[0].lower()
    return Finding(code, ok, zh if ok else f"缺少：{zh}（{why_zh}）", en if ok else f"missing: {en} ({why_en})")


def reply(
    answer: Any,
    points: float,
    *,
    buyer_name: str | None = None,
    require: tuple[str, ...] = DEFAULT_RUBRIC,
    language: str = "en",
    min_words: int = 40,
    max_words: int = 250,
    problem: tuple[str, ...] = (),
    forbid: tuple[str, ...] = (),
) -> Score:
    """A written reply to a buyer, scored on a rubric of required elements.

    `require` picks the rubric elements (greeting, empathy, apology, restate, action, time,
    closing); each one present earns an equal share. `problem` lists patterns of the buyer's
    problem the reply must restate (adds "restate"); `forbid` lists patterns of promises this
    case's policy does not allow. A reply that crosses a red line (links, contact details, review
    manipulation, marketing, payments outside Amazon, emojis, blame, shouting, leftover Chinese,
    a language the buyer does not write) could not be sent, so it earns nothing; a reply outside
    the length bounds earns half.
    """
    text = answer_text(answer)
    if not text:
        return blank(points)
    rubric = tuple(require) + (("restate",) if problem and "restate" not in require else ())
    unknown = [code for code in rubric if code not in _ELEMENTS]
    if unknown:
        raise ValueError(f"unknown rubric element(s) {unknown}; use {sorted(_ELEMENTS)}")
    findings = [_element(code, text, language, buyer_name, problem) for code in rubric]
    words = word_count(text, language)
    if words < min_words:
        findings.append(Finding("too_short", False, f"回复过短（{words} 词，至少 {min_words}）：方案和时间要写清楚",
                                f"too short ({words} words, at least {min_words}): spell out the fix and the date"))
    elif words > max_words:
        findings.append(Finding("too_long", False, f"回复过长（{words} 词，最多 {max_words}）：买家只读前几行",
                                f"too long ({words} words, at most {max_words}): buyers read the first lines only"))
    red = red_lines(text, language, forbid)
    if red:
        return report(Score(0.0, points, red + findings))
    earned = sum(f.ok for f in findings if f.code in rubric) / max(len(rubric), 1)
    if any(f.code in {"too_short", "too_long"} for f in findings):
        earned *= 0.5
    return report(Score(round(points * earned, 2), points, findings))
