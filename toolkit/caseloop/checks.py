"""The grading vocabulary that graded test cells call.

Every check takes a trainee's plain-literal answer and the item's points, prints bilingual
(zh / en) feedback that says what was found, what was missing and why, and returns a `Score`. In a
notebook the score's plain-text form is the number of points earned, which is how nbgrader reads
partial credit from a test cell; its JSON form lists the findings, which `caseloop compile`
harvests as failure reasons. Platform numbers come from `policy.yaml` through `policy()`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import timedelta
from functools import cache
from importlib import resources
from typing import Any

import yaml

__all__ = ["Finding", "Score", "add_days", "choice", "date", "detect_language", "number", "parse_date",
           "picked_option", "policy", "policy_entry", "reply", "text"]

# A line with one of nbgrader's solution markers. In a source notebook the model answer sits
# between them inside the answer's quotes; dropping the marker lines lets a trainer run the source
# notebook as is, and turns a source answer cell into the solved cell a trainee would write.
SOLUTION_LINE = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)


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
    return SOLUTION_LINE.sub("", str(answer)).strip()


def _blank(max_points: float) -> Score:
    return _report(Score(0.0, max_points, [Finding("blank", False, "未作答：请把答案写在三引号之间并运行该单元",
                                                   "no answer given: write it between the triple quotes and "
                                                   "run the cell")]))


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


def policy_entry(key: str) -> dict[str, Any]:
    """The whole policy entry (value, unit, rule, source, uncertain) for feedback and lint."""
    policy(key)
    return dict(_policy_table()[key])


# -- decisions -------------------------------------------------------------------------------


def choice(answer: Any, correct: str, points: float = 1, options: str | Iterable[str] = "ABCD") -> Score:
    """A single choice among lettered options; accepts "b", "B", "B) ..." or "(B)"."""
    letters = "".join(options).upper()
    text = _text(answer)
    if not text:
        return _blank(points)
    picked = picked_option(text, letters)
    if picked is None:
        return _report(
            Score(0.0, points, [Finding("not_an_option", False,
                                        f"答案应为选项字母之一：{', '.join(letters)}",
                                        f"answer with one option letter: {', '.join(letters)}")])
        )
    ok = picked == correct.upper()
    finding = Finding("choice", ok, "选择正确" if ok else f"选项 {picked} 不正确，请重读案例和政策",
                      "correct choice" if ok else f"option {picked} is not right; reread the case and policy")
    return _report(Score(points if ok else 0.0, points, [finding]))


def picked_option(text: str, options: str = "ABCD") -> str | None:
    """The option letter an answer picks ("b", "B) ...", "(B)"), or None if it names no listed option."""
    match = re.match(r"^\W*([A-Za-z])(?![A-Za-z])", text)
    picked = match.group(1).upper() if match else ""
    return picked if picked and picked in options.upper() else None


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
    text = _text(answer)
    if not text:
        return _blank(points)
    readings, ambiguous = parse_date(text)
    if not readings:
        return _report(Score(0.0, points, [Finding("not_a_date", False, "请写一个日期，例如 2026-03-19",
                                                   "write one date, e.g. 2026-03-19")]))
    ok = any(abs((reading - target).days) <= tolerance_days for reading in readings)
    findings = [Finding("date", ok, "日期正确" if ok else f"日期 {readings[0].isoformat()} 不对，请按政策重新计算期限",
                        "correct date" if ok else f"{readings[0].isoformat()} is not right; recount the deadline "
                        "from the policy")]
    if ambiguous:
        findings.append(Finding("ambiguous_date", True, "日/月顺序有歧义，请用 YYYY-MM-DD 格式",
                                "day/month order is ambiguous; write YYYY-MM-DD"))
    return _report(Score(points if ok else 0.0, points, findings))


def text(answer: Any, points: float, keywords: Iterable[str], minimum: int | None = None) -> Score:
    """Short free text that must name key points; each keyword is a regular expression (a|b for synonyms).

    Each keyword found earns an equal share, or full marks once `minimum` keywords are found.
    """
    keywords = list(keywords)
    given = _text(answer)
    if not given:
        return _blank(points)
    findings = []
    for pattern in keywords:
        ok = re.search(pattern, given, re.IGNORECASE) is not None
        shown = pattern.split("|")[0]
        findings.append(Finding(f"keyword:{shown}", ok, f"提到「{shown}」" if ok else f"缺少要点「{shown}」",
                                f"mentions '{shown}'" if ok else f"missing the key point '{shown}'"))
    found = sum(f.ok for f in findings)
    needed = minimum or len(keywords)
    return _report(Score(round(points * min(found / max(needed, 1), 1.0), 2), points, findings))


# -- written replies -------------------------------------------------------------------------

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

# Platform red lines: a reply that crosses one could not be sent. code: (pattern, zh, en)
_RED_LINES: dict[str, tuple[str, str, str]] = {
    "link": (r"(https?://|www\.)(?![\w.-]*amazon\.)", "含亚马逊以外的链接（消息政策禁止站外链接 [M8][M9]）",
             "links outside Amazon (messaging rules forbid them [M8][M9])"),
    "email": (r"[\w.+-]+@[\w-]+\.[\w.-]+", "含电子邮箱地址（消息政策禁止 [M8][M9]）",
              "contains an e-mail address (forbidden in buyer messages [M8][M9])"),
    "phone": (r"\+\d{1,3}[\s-]?\(?\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}|\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b",
              "含电话号码（消息政策禁止 [M9]）", "contains a phone number (forbidden in buyer messages [M9])"),
    "review_request": (r"\b(leave|give|write|post)\b.{0,40}\b(positive|5[- ]?star|five[- ]star|good|great)\b"
                       r".{0,20}\b(review|feedback|rating)|\b(remove|change|delete|revise|take down)\b"
                       r".{0,30}\b(review|feedback)|positive (bewertung|rezension)|5 sterne|avis positif|"
                       r"5 étoiles|高評価|星5|レビューを(削除|変更)",
                       "索要好评或要求修改/删除评价（评价政策禁止 [R1][R4]）",
                       "asks for a positive review or a review change (review policy forbids it [R1][R4])"),
    "review_incentive": (r"\b(gift card|voucher|coupon|discount|free|bonus|extra refund)\b.{0,80}\b"
                         r"(review|feedback)\b|\b(review|feedback)\b.{0,80}\b(gift card|voucher|coupon|"
                         r"discount|free|bonus|extra refund)\b",
                         "以好处换取评价（违反评价政策，美国还违反 FTC 16 CFR 465 [R1][F4]）",
                         "ties an incentive to a review or feedback (review policy, FTC 16 CFR 465 [R1][F4])"),
    "marketing": (r"\b(coupon|promo(tion(al)?)? code|discount code|newsletter|follow us|our (new|latest) "
                  r"(collection|products?)|check out our|next (order|purchase)|shop (our|now))\b|gutschein|"
                  r"rabattcode|code promo|クーポン",
                  "含优惠券或营销内容（消息渠道禁止任何营销 [M4][M8]）",
                  "coupons or marketing (no promotion of any kind in buyer messages [M4][M8])"),
    "off_amazon_payment": (r"\b(paypal|venmo|zelle|western union|bank transfer|wire transfer|cash app|"
                           r"überweisung|virement)\b",
                           "承诺在亚马逊之外付款或退款（退款必须通过亚马逊订单 [Ret2]）",
                           "promises a payment or refund outside Amazon (refunds go through the order [Ret2])"),
    "conditional_claim": (r"\bif you (cancel|withdraw|close|drop|remove)\b.{0,40}\b(a-to-z|claim|chargeback|case|"
                          r"review|feedback)",
                          "以撤销索赔或评价为条件给出补偿（政策不允许 [F2][A3]）",
                          "makes an offer conditional on withdrawing a claim or feedback (not allowed [F2][A3])"),
    "removal_promise": (r"\b(we|i)('ll| will| can| shall)\b.{0,30}\b(remove|delete|take down)\b.{0,30}"
                        r"\b(review|feedback|rating)",
                        "承诺删除评价（只有亚马逊能删除，且仅限政策列出的情况 [F1]）",
                        "promises to remove a review or feedback (only Amazon can, in listed cases [F1])"),
    "blame": (r"\b(your fault|you should have (read|checked|known|looked|measured|followed|ordered|asked)|"
              r"you didn'?t read|you failed to|as clearly stated|you must have)\b|"
              r"ihre schuld|sie hätten|votre faute|vous auriez dû",
              "指责买家（先认可问题，再说明事实 [C8][C9]）", "blames the buyer (acknowledge, then explain [C8][C9])"),
    "emoji": ("[\U0001F300-\U0001FAFF\u2600-\u27BF]", "含表情符号（消息政策禁止 [M9]）",
              "contains emojis (forbidden in buyer messages [M9])"),
}

_ACRONYMS = {"FBA", "FBM", "USPS", "UPS", "DHL", "ASIN", "USA", "DPD", "GLS", "EU", "UK", "US", "OK", "GDPR",
             "DSGVO", "RGPD", "SKU", "EUR", "USD", "GBP", "JPY", "PDF", "FAQ", "ID"}

# Common function words per language: enough to tell the languages caseloop's buyers write in apart,
# offline, from a reply of a few sentences.
_STOPWORDS = {
    "en": set("the and you your to is we for of it this that with have will please i my be are our on in was "
              "not can as at".split()),
    "de": set("der die das und ich sie ihr ihre ihnen nicht ist wir mit für zu den dem ein eine bitte haben "
              "werden auf es uns unser wird sind von".split()),
    "fr": set("le la les et je vous votre nous pour de des est un une pas avec que en du sur merci ne ce "
              "sont notre dans".split()),
    "es": set("el la los las y usted su nosotros para de es un una no con que en por gracias".split()),
    "it": set("il lo la gli le e lei suo noi per di è un una non con che in grazie".split()),
}
_LANGUAGE_NAMES = {"en": ("英语", "English"), "de": ("德语", "German"), "fr": ("法语", "French"),
                   "ja": ("日语", "Japanese"), "zh": ("中文", "Chinese"), "es": ("西班牙语", "Spanish"),
                   "it": ("意大利语", "Italian")}


def detect_language(text: str) -> str | None:
    """The language a reply is written in (en, de, fr, es, it, ja, zh), or None when unsure."""
    kana = len(re.findall(r"[\u3040-\u30ff]", text))
    han = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin_words = re.findall(r"[a-zäöüßàâçéèêëîïôûùœ']+", text.lower())
    if kana >= 3:
        return "ja"
    if han >= 6 and han > len(latin_words):
        return "zh"
    hits = {lang: sum(word in words for word in latin_words) for lang, words in _STOPWORDS.items()}
    ranked = sorted(hits.items(), key=lambda item: item[1], reverse=True)
    (best, best_hits), (_, runner_up) = ranked[0], ranked[1]
    if best_hits >= 3 and best_hits >= 1.5 * runner_up:
        return best
    return None


def _word_count(text: str, language: str) -> int:
    """Words in a reply; for Japanese, which has no spaces, every two characters count as one word."""
    if language == "ja":
        return len(re.sub(r"\s", "", text)) // 2
    return len(re.findall(r"\w+", text))


def _flat(text: str) -> str:
    """The text on one line, so a phrase broken across lines still matches a pattern with spaces."""
    return " ".join(text.split())


def _red_lines(text: str, language: str, forbid: Iterable[str]) -> list[Finding]:
    found = [Finding(code, False, zh, en) for code, (pattern, zh, en) in _RED_LINES.items()
             if re.search(pattern, _flat(text), re.IGNORECASE)]
    for pattern in forbid:
        if match := re.search(pattern, _flat(text), re.IGNORECASE):
            found.append(Finding("policy_promise", False, f"承诺了本案政策不允许的内容：「{match.group(0)}」",
                                 f"promises what the policy does not allow here: '{match.group(0)}'"))
    if language not in {"zh", "ja"} and re.search(r"[\u4e00-\u9fff]", text):
        found.append(Finding("chinese_left", False, "回复中残留中文（买家看不懂）",
                             "the agent's Chinese is left in the reply (the buyer cannot read it)"))
    written = detect_language(text)
    if written and written != language and not (written == "zh" and language == "ja"):
        zh_name, en_name = _LANGUAGE_NAMES.get(language, (language, language))
        got_zh, got_en = _LANGUAGE_NAMES.get(written, (written, written))
        found.append(Finding("wrong_language", False, f"回复用了{got_zh}，应该用买家的语言（{zh_name}）[M5]",
                             f"written in {got_en}; reply in the buyer's language ({en_name}) [M5]"))
    shouted = [w for w in re.findall(r"\b[A-ZÄÖÜ]{3,}\b", text) if w not in _ACRONYMS]
    if len(shouted) >= 3 or "!!" in text or "！！" in text:
        found.append(Finding("shouting", False, "大写或连续感叹号显得在吼叫",
                             "capitals or repeated exclamation marks read as shouting"))
    return found


def _element(code: str, text: str, language: str, buyer_name: str | None, problem: Iterable[str]) -> Finding:
    """Whether a reply has one rubric element, with what was missing and why."""
    zh, en, why_zh, why_en = _ELEMENTS[code]
    patterns = _ELEMENT_PATTERNS.get(language, _ELEMENT_PATTERNS["en"])
    haystack = text if code == "greeting" else _flat(text)  # the greeting must open the first line
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
    text = _text(answer)
    if not text:
        return _blank(points)
    rubric = tuple(require) + (("restate",) if problem and "restate" not in require else ())
    unknown = [code for code in rubric if code not in _ELEMENTS]
    if unknown:
        raise ValueError(f"unknown rubric element(s) {unknown}; use {sorted(_ELEMENTS)}")
    findings = [_element(code, text, language, buyer_name, problem) for code in rubric]
    words = _word_count(text, language)
    if words < min_words:
        findings.append(Finding("too_short", False, f"回复过短（{words} 词，至少 {min_words}）：方案和时间要写清楚",
                                f"too short ({words} words, at least {min_words}): spell out the fix and the date"))
    elif words > max_words:
        findings.append(Finding("too_long", False, f"回复过长（{words} 词，最多 {max_words}）：买家只读前几行",
                                f"too long ({words} words, at most {max_words}): buyers read the first lines only"))
    red = _red_lines(text, language, forbid)
    if red:
        return _report(Score(0.0, points, red + findings))
    earned = sum(f.ok for f in findings if f.code in rubric) / max(len(rubric), 1)
    if any(f.code in {"too_short", "too_long"} for f in findings):
        earned *= 0.5
    return _report(Score(round(points * earned, 2), points, findings))
