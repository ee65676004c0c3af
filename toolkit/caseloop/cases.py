"""Case library: one human-edited YAML file per after-sales case, validated, scrubbed, searchable.

A case (seed 004) records a real, scrubbed ticket: problem type, market, buyer's message and core
demand, root cause, resolution steps, reply template, outcome, evidence, lessons, tags, the
policy sources it relies on and its review state. Exercises are written from approved cases.

Pure functions over case mappings and tidy frames; files are read by `read_library` and written
only by `new_case` and `set_review` (atomically).
"""

from __future__ import annotations

import datetime as dt
import difflib
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from caseloop.case_search import Index
from caseloop.course import CourseError, write_atomically

if TYPE_CHECKING:
    import ipywidgets

SOURCES_FILE = "sources.yaml"
Labels = dict[str, tuple[str, str]]  # id -> (zh, en)

PROBLEM_TYPES: Labels = {
    "item_not_received": ("物流未收到", "item not received"),
    "damaged": ("商品破损", "damaged"),
    "defective": ("商品故障", "defective"),
    "not_as_described": ("与描述不符", "not as described"),
    "wrong_item_missing_parts": ("发错货/缺件", "wrong item / missing parts"),
    "wrong_size": ("尺寸不符", "wrong size"),
    "return_dispute": ("退货纠纷", "return dispute"),
    "refund_not_received": ("未收到退款", "refund not received"),
    "cancellation": ("取消订单", "cancellation"),
    "negative_feedback": ("差评", "negative feedback"),
    "a_to_z_claim": ("A-to-z 索赔", "A-to-z claim"),
    "chargeback": ("信用卡拒付", "chargeback"),
    "fba_order": ("FBA 订单", "FBA order"),
    "data_request": ("数据请求", "data request"),
}
MARKETS: Labels = {
    "US": ("美国站", "United States"), "CA": ("加拿大站", "Canada"), "MX": ("墨西哥站", "Mexico"),
    "BR": ("巴西站", "Brazil"), "UK": ("英国站", "United Kingdom"), "DE": ("德国站", "Germany"),
    "FR": ("法国站", "France"), "IT": ("意大利站", "Italy"), "ES": ("西班牙站", "Spain"),
    "NL": ("荷兰站", "Netherlands"), "SE": ("瑞典站", "Sweden"), "PL": ("波兰站", "Poland"),
    "BE": ("比利时站", "Belgium"), "JP": ("日本站", "Japan"), "AU": ("澳大利亚站", "Australia"),
    "SG": ("新加坡站", "Singapore"), "IN": ("印度站", "India"), "AE": ("阿联酋站", "United Arab Emirates"),
    "SA": ("沙特站", "Saudi Arabia"),
}
ROOT_CAUSES: Labels = {
    "listing": ("Listing/描述不准确", "listing or description"),
    "packaging": ("包装", "packaging"),
    "carrier": ("物流承运", "carrier and logistics"),
    "product_quality": ("产品质量", "product quality"),
    "seller_operations": ("卖家操作失误", "seller operations"),
    "amazon_fulfilment": ("亚马逊配送", "Amazon fulfilment"),
    "buyer_misunderstanding": ("买家误解", "buyer misunderstanding"),
    "buyer_change_of_mind": ("买家改变主意", "buyer change of mind"),
    "payment_dispute": ("支付/银行争议", "payment or bank dispute"),
    "legal_request": ("依法行使权利", "statutory rights request"),
}
OUTCOMES: Labels = {"resolved": ("已解决", "resolved"), "partial": ("部分解决", "partially resolved"),
                    "failed": ("失败", "failed")}
REVIEW_STATES: Labels = {"draft": ("草稿", "draft"), "approved": ("已审核", "approved"),
                         "archived": ("已归档", "archived")}
FULFILMENT: Labels = {"FBM": ("卖家自配送", "fulfilled by merchant"), "FBA": ("亚马逊配送", "fulfilled by Amazon"),
                      "SFP": ("卖家自配送 Prime", "Seller Fulfilled Prime")}
LANGUAGES: Labels = {"en": ("英语", "English"), "de": ("德语", "German"), "fr": ("法语", "French"),
                     "it": ("意大利语", "Italian"), "es": ("西班牙语", "Spanish"), "nl": ("荷兰语", "Dutch"),
                     "pl": ("波兰语", "Polish"), "sv": ("瑞典语", "Swedish"), "pt": ("葡萄牙语", "Portuguese"),
                     "ja": ("日语", "Japanese"), "zh": ("中文", "Chinese"), "ar": ("阿拉伯语", "Arabic")}
MARKET_LANGUAGE = {"DE": "de", "FR": "fr", "IT": "it", "ES": "es", "NL": "nl", "PL": "pl", "SE": "sv", "BR": "pt",
                   "MX": "es", "JP": "ja", "AE": "ar", "SA": "ar"}

# ---------------------------------------------------------------------------------------------
# Scrubbing: personal data in a ticket, found by pattern, replaced by numbered placeholders.
# ---------------------------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"\[(name|email|phone|address|tracking) (\d+)\]")
_ORDER_ID = re.compile(r"(?<![\d-])(\d{3})-(\d{7})-(\d{7})(?![\d-])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TRACKING = [
    re.compile(r"(?i:tracking|track|sendungsnummer|sendungs-nr\.?|num[ée]ro de suivi|n° de suivi|追跡番号|"
               r"お問い合わせ番号|伝票番号|运单号|快递单号|物流单号)(?i:\s*(?:number|no\.?|nr\.?|id|#))?"
               r"\s*(?:is|ist|est|:|：|#)?\s*(?P<value>[A-Z0-9]{8,34})"),
    re.compile(r"\b(?P<value>1Z[0-9A-Z]{16}|TBA\d{12}|[A-Z]{2}\d{9}[A-Z]{2}|\d{12,22})\b"),
]
_PHONE = re.compile(r"(?<![\w+])(?:\+\s?)?\(?\d[\d ()./-]{6,}\d(?!\w)")
_DATE_LIKE = re.compile(r"\d{1,4}([./-])\d{1,2}\1\d{1,4}")
_STREET_WORDS = ("Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|"
                 "Close|Crescent|Gardens|Square|Sq|Parkway|Pkwy")
_PREFECTURE = "(?:東京都|北海道|京都府|大阪府|[一-龥]{2,3}県)"
_ADDRESS = [
    re.compile(rf"\b\d{{1,5}}[A-Za-z]?\s+(?:[A-Z][\w'.-]*\s+){{1,4}}(?:{_STREET_WORDS})\b\.?"
               r"(?:,?\s*(?:Apt|Apartment|Unit|Suite|Flat)\.?\s*#?\w+)?"),
    re.compile(r"\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer)\s+\d+\s?[a-z]?\b"),
    re.compile(r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?i:rue|avenue|boulevard|bd|allée|chemin|place|impasse|quai|route)"
               r"\s+(?:(?:de|du|des|la|le|l'|d')\s*)*[A-ZÉ][\w'-]*(?:\s+[A-ZÉ][\w'-]*)*"),
    re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)*,\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?\b"),  # City, ST 12345
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b"),  # UK postcode
    re.compile(r"\b\d{5}\s+[A-ZÄÖÜÉ][a-zäöüßéè]+(?:[ -](?:am|sur|an der)?[ -]?[A-Z][a-z]+)?\b"),  # 10115 Berlin
    re.compile(rf"〒\s?\d{{3}}-\d{{4}}|(?<!\d)\d{{3}}-\d{{4}}(?=\s?{_PREFECTURE})"),
    re.compile(rf"{_PREFECTURE}[^\s、。,，]+"),
    re.compile(r"[一-龥]{2,}(?:省|市)[^\s，。,]*?(?:路|街|道|巷)[^\s，。,]*?号[^\s，。,]*"),
    re.compile(r"(?im)^[ \t]*(?:address|shipping address|adresse|lieferadresse|住所|お届け先|地址|收货地址)"
               r"[ \t]*[:：][ \t]*"
               r"(?P<value>\S.*)$"),
]
_NAME = r"[A-ZÄÖÜÉ][a-zäöüßéèêëïç'-]+(?:[ \t]+[A-ZÄÖÜÉ][a-zäöüßéèêëïç'-]+)?"
_TITLE = r"(?:Mr|Mrs|Ms|Miss|Dr|Herr|Frau|Monsieur|Madame|Mme)\.?"
_NOT_NAMES = frozenset("""seller sellers sir madam team amazon customer customers support service there all friend
    friends shop store everyone guys folks kundenservice verkäufer damen herren monsieur madame""".split())
_NAME_PATTERNS = [
    re.compile(rf"\b(?:Dear|Hi|Hello|Hey|Hallo|Liebe|Lieber|Bonjour|Cher|Chère|Salut)[ \t]+(?:{_TITLE}[ \t]+)?"
               rf"(?P<value>{_NAME})"),
    re.compile(rf"\b{_TITLE}[ \t]+(?P<value>{_NAME})"),
    re.compile(rf"(?i:my name is|mein name ist|ich heiße|je m'appelle)[ \t]+(?P<value>{_NAME})"),
    re.compile(r"(?im)^[ \t]*(?:name|buyer|buyer name|customer name|recipient|ship to|from|kunde|käufer|empfänger|nom|"
               r"お名前|氏名|姓名|买家|收件人|联系人)[ \t]*[:：][ \t]*(?P<value>[^\n<@\d]{2,40}?)[ \t]*(?:<|$)"),
    re.compile(rf"(?im)^[ \t]*(?:thanks|thank you|thx|regards|best regards|kind regards|best|cheers|sincerely|"
               rf"yours sincerely|mit freundlichen grüßen|viele grüße|lg|cordialement|bien à vous|merci)[,.!]*"
               rf"(?:[ \t]*\n[ \t]*|[ \t]*,?[ \t]+)(?:-+[ \t]*)?(?P<value>{_NAME})[ \t]*$"),
    re.compile(r"(?P<value>[一-龥ァ-ヶー]{2,8}?)[ \t]?(?:様|さま)"),
    re.compile(r"我叫(?P<value>[一-龥]{2,3})"),
]
_NOT_JAPANESE_NAMES = frozenset({"お客", "客", "担当者", "ご担当者", "皆", "皆さ", "各位"})
SCRUB_KINDS = ("order_id", "email", "tracking", "address", "phone", "name")


@dataclass(frozen=True)
class Replacement:
    """One piece of personal data `scrub` replaced: what kind, what it was, what it became, on which line."""

    kind: str
    original: str
    replacement: str
    line: int


def _spans(pattern: re.Pattern[str], text: str) -> Iterable[tuple[int, int, str]]:
    for match in pattern.finditer(text):
        group = "value" if "value" in pattern.groupindex else 0
        yield match.start(group), match.end(group), match[group]


def _is_name(value: str) -> bool:
    words = value.split()
    return (bool(words) and not PLACEHOLDER.search(value) and value not in _NOT_JAPANESE_NAMES
            and not any(word.lower().strip(".,") in _NOT_NAMES for word in words))


def _name_parts(names: Iterable[str]) -> dict[str, str]:
    """Every detected name and each of its words of 3+ letters, mapped to the full name."""
    parts: dict[str, str] = {}
    for name in sorted(set(names), key=len, reverse=True):
        parts.setdefault(name, name)
        for word in name.split():
            if len(word) >= 3 and not re.fullmatch(_TITLE, word):
                parts.setdefault(word, name)
    return parts


def find_personal_data(text: str, kinds: Sequence[str] = SCRUB_KINDS,
                       names: Iterable[str] = ()) -> list[tuple[int, int, str, str, str]]:
    """Non-overlapping (start, end, kind, original, key) spans of personal data in `text`, in text order.

    `key` groups spans that stand for the same datum (a full name and its first name share one).
    Already-scrubbed values (placeholders, order ids with a zero middle block) are not found again.
    """
    protected = [(m.start(), m.end()) for m in PLACEHOLDER.finditer(text)]
    protected += [(m.start(), m.end()) for m in _ORDER_ID.finditer(text) if m[2] == "0000000"]
    found: list[tuple[int, int, str, str, str]] = []

    def add(start: int, end: int, kind: str, original: str, key: str | None = None) -> None:
        if kind in kinds and all(end <= s or start >= e for s, e in protected):
            protected.append((start, end))
            found.append((start, end, kind, original, key or original))

    for match in _ORDER_ID.finditer(text):
        if match[2] != "0000000":
            add(match.start(), match.end(), "order_id", match[0])
    for start, end, value in _spans(_EMAIL, text):
        add(start, end, "email", value)
    for pattern in _TRACKING:
        for start, end, value in _spans(pattern, text):
            if sum(ch.isdigit() for ch in value) >= 6:
                add(start, end, "tracking", value)
    for pattern in _ADDRESS:
        for start, end, value in _spans(pattern, text):
            add(start, end, "address", value.rstrip())
    for start, end, value in _spans(_PHONE, text):
        digits = sum(ch.isdigit() for ch in value)
        if 8 <= digits <= 15 and not _DATE_LIKE.fullmatch(value.strip()):
            add(start, end, "phone", value)
    if "name" in kinds:
        detected = [value.strip() for pattern in _NAME_PATTERNS for _, _, value in _spans(pattern, text)]
        parts = _name_parts([name for name in [*detected, *names] if _is_name(name)])
        for part, name in parts.items():
            boundary = r"(?<!\w){}(?!\w)" if re.match(r"\w", part, re.ASCII) else "{}"
            for match in re.finditer(boundary.format(re.escape(part)), text):
                add(match.start(), match.end(), "name", part, name)
    return sorted(found)


def scrub(text: str, names: Iterable[str] = ()) -> tuple[str, list[Replacement]]:
    """Replace names, e-mail addresses, phone numbers, street addresses, order ids and tracking numbers.

    Order ids keep their marketplace prefix and become NNN-0000000-000000k; everything else becomes
    a numbered placeholder such as "[name 1]" (the same datum keeps the same number). Scrubbing
    scrubbed text changes nothing. `names` adds names the patterns cannot know (e.g. from the order).
    """
    numbers = {kind: max((int(m[2]) for m in PLACEHOLDER.finditer(text) if m[1] == kind), default=0)
               for kind in SCRUB_KINDS}
    numbers["order_id"] = max((int(m[3]) for m in _ORDER_ID.finditer(text) if m[2] == "0000000"), default=0)
    chosen: dict[tuple[str, str], str] = {}
    replacements: list[Replacement] = []
    pieces: list[str] = []
    cursor = 0
    for start, end, kind, original, key in find_personal_data(text, names=names):
        if (kind, key) not in chosen:
            numbers[kind] += 1
            chosen[kind, key] = (f"{original[:3]}-0000000-{numbers[kind]:07d}" if kind == "order_id"
                                 else f"[{kind} {numbers[kind]}]")
        replacement = chosen[kind, key]
        replacements.append(Replacement(kind, original, replacement, text.count("\n", 0, start) + 1))
        pieces += [text[cursor:start], replacement]
        cursor = end
    return "".join(pieces) + text[cursor:], replacements


# ---------------------------------------------------------------------------------------------
# Schema and validation.
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    """One field of a case file: its kind (how it is checked) and what a valid value looks like."""

    name: str
    kind: str
    expected: str
    choices: Labels | None = None
    required: bool = True


def _choices(labels: Labels) -> str:
    return "one of " + ", ".join(labels)


FIELDS = [
    Field("id", "case_id", "C- and four digits, the same as the file name, e.g. C-0042"),
    Field("title", "text", "one line saying what happened"),
    Field("summary_zh", "text", "一两句中文摘要：问题、原因、处理 / a Chinese summary: problem, cause, fix"),
    Field("problem_type", "choice", _choices(PROBLEM_TYPES), PROBLEM_TYPES),
    Field("market", "choice", _choices(MARKETS), MARKETS),
    Field("date", "date", "the ticket's date as YYYY-MM-DD, not in the future"),
    Field("product_line", "text", "the product line, e.g. wireless earbuds"),
    Field("order_id", "order_id", "a scrubbed order id NNN-0000000-NNNNNNN (run `caseloop cases scrub`)"),
    Field("fulfilment", "choice", _choices(FULFILMENT), FULFILMENT),
    Field("buyer_name", "text", "a pseudonym, never the buyer's real name"),
    Field("language", "choice", "the buyer message's language, " + _choices(LANGUAGES), LANGUAGES),
    Field("buyer_message", "scrubbed_text", "the buyer's words, scrubbed, as a block (`buyer_message: |`)"),
    Field("core_demand", "text", "what the buyer really wants, in one sentence"),
    Field("root_cause", "text", "why it happened, in one or two sentences"),
    Field("root_cause_category", "choice", _choices(ROOT_CAUSES), ROOT_CAUSES),
    Field("resolution_steps", "list", "a list of the steps taken, in order"),
    Field("reply_template", "scrubbed_text", "the reply sent, greeting the buyer by buyer_name"),
    Field("key_points", "list", "a list of the points a good reply must make"),
    Field("outcome", "choice", _choices(OUTCOMES), OUTCOMES),
    Field("evidence", "list", "a list of the evidence kept (screenshots, photos, tracking)"),
    Field("lessons", "text", "lessons and improvement suggestions"),
    Field("tags", "list", "a list of tags, e.g. [packaging, seller fault]"),
    Field("policy_sources", "sources", f"a list of 'KEY url (what it says)' with keys from cases/{SOURCES_FILE}"),
    Field("review", "review", "{state: draft|approved|archived, reviewer: NAME, date: YYYY-MM-DD}"),
    Field("revision_flags", "flags", "a list of {date, module, cell, flag, statistic} written by `caseloop revise`",
          required=False),
]
FIELD_NAMES = [f.name for f in FIELDS]
CASE_ID = re.compile(r"C-\d{4,}")
SCRUBBED_ORDER_ID = re.compile(r"\d{3}-0000000-\d{7}")
_PERSONAL_KINDS = ("order_id", "email", "tracking", "address", "phone")
_FREE_TEXT = ("title", "summary_zh", "buyer_message", "core_demand", "root_cause", "resolution_steps",
              "reply_template", "key_points", "evidence", "lessons")
KIND_LABELS = {"missing": "缺少字段 / missing field", "unknown": "未知字段 / unknown field",
               "type": "类型错误 / wrong type", "invalid": "取值无效 / invalid value",
               "personal": "含个人信息 / personal data", "duplicate": "编号重复 / duplicate id",
               "file": "文件错误 / file problem", "unfinished": "未完成 / unfinished"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a case file: where (file, field), what, and how to fix it."""

    path: Path
    field: str
    kind: str
    detail: str
    fix: str

    def __str__(self) -> str:
        return f"{self.path}: {self.field}: {KIND_LABELS[self.kind]}: {self.detail}; fix: {self.fix}"


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _strings(value: Any) -> list[str]:
    """The text inside a field value (a string, or the strings of a list)."""
    if isinstance(value, str):
        return [value]
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _check_field(spec: Field, value: Any, sources: dict[str, str], today: dt.date) -> Iterable[tuple[str, str, str]]:
    """(kind, detail, fix) for each problem of one field's value."""
    expected = spec.expected
    if spec.kind in {"text", "scrubbed_text"}:
        if not isinstance(value, str) or not value.strip():
            yield "type", f"expected text, found {value!r}", f"write {expected}"
    elif spec.kind == "list":
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            yield "type", f"expected a non-empty list of text, found {value!r}", f"write {expected}"
    elif spec.kind == "choice":
        if value not in spec.choices:
            close = difflib.get_close_matches(str(value), list(spec.choices), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            yield "invalid", f"{value!r} is not allowed", f"{hint}use {expected}"
    elif spec.kind == "case_id":
        if not isinstance(value, str) or not CASE_ID.fullmatch(value):
            yield "invalid", f"{value!r} is not a case id", f"use {expected}"
    elif spec.kind == "date":
        day = _as_date(value)
        if day is None or day > today:
            yield "invalid", f"{value!r} is not a past date", f"write {expected}"
    elif spec.kind == "order_id":
        if not isinstance(value, str) or not SCRUBBED_ORDER_ID.fullmatch(value):
            found = "a real (unscrubbed) order id" if _ORDER_ID.fullmatch(str(value)) else "not an order id"
            yield "personal" if "real" in found else "invalid", f"{value!r} is {found}", f"use {expected}"
    elif spec.kind == "sources":
        yield from _check_sources(value, sources)
    elif spec.kind == "review":
        yield from _check_review(value, today)
    elif spec.kind == "flags":
        yield from _check_flags(value)


def _check_sources(value: Any, sources: dict[str, str]) -> Iterable[tuple[str, str, str]]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        yield "type", f"expected a list of citations, found {value!r}", "write a list of 'KEY url (what it says)'"
        return
    for entry in value:
        key, _, rest = entry.partition(" ")
        if key not in sources:
            close = difflib.get_close_matches(key, list(sources), n=1)
            yield ("invalid", f"source key {key!r} is not in cases/{SOURCES_FILE}",
                   (f"did you mean {close[0]!r}? " if close else "") + f"cite a key listed in cases/{SOURCES_FILE}")
        elif not rest.startswith(sources[key]):
            yield ("invalid", f"{key} is cited with {rest.split(' ')[0]!r}, but {key} is {sources[key]}",
                   f"write '{key} {sources[key]} (what it says)'")


def _check_review(value: Any, today: dt.date) -> Iterable[tuple[str, str, str]]:
    fix = "write review: {state: draft|approved|archived, reviewer: NAME, date: YYYY-MM-DD}"
    if not isinstance(value, dict):
        yield "type", f"expected a mapping, found {value!r}", fix
        return
    state = value.get("state")
    if state not in REVIEW_STATES:
        yield "invalid", f"state {state!r} is not allowed", f"use {_choices(REVIEW_STATES)}"
    unknown = set(value) - {"state", "reviewer", "date"}
    if unknown:
        yield "unknown", f"review has unknown keys {sorted(unknown)}", fix
    if state in {"approved", "archived"}:
        if not isinstance(value.get("reviewer"), str) or not value["reviewer"].strip():
            yield ("missing", f"a {state} case needs a reviewer",
                   "run `caseloop cases review ID --approve --reviewer NAME`")
        day = _as_date(value.get("date"))
        if day is None or day > today:
            yield "invalid", f"review date {value.get('date')!r} is not a past date", "write it as YYYY-MM-DD"


def _check_flags(value: Any) -> Iterable[tuple[str, str, str]]:
    keys = {"date", "module", "cell", "flag", "statistic"}
    fix = "each entry needs date, module, cell, flag and a numeric statistic (rerun `caseloop revise`)"
    if not isinstance(value, list):
        yield "type", f"expected a list, found {value!r}", fix
        return
    for number, entry in enumerate(value, start=1):
        if not isinstance(entry, dict) or not keys <= set(entry):
            yield "invalid", f"entry {number} is {entry!r}", fix
        elif not isinstance(entry["statistic"], int | float) or _as_date(entry["date"]) is None:
            yield "invalid", f"entry {number} has a bad date or statistic", fix


def check_case(case: Any, path: Path, sources: dict[str, str], today: dt.date | None = None) -> list[Problem]:
    """Every schema problem of one parsed case file (file name, fields, state-dependent rules)."""
    today = today or dt.date.today()
    if not isinstance(case, dict):
        return [Problem(path, "(file)", "file", f"expected a mapping of fields, found {type(case).__name__}",
                        "start from `caseloop cases new` and keep one `field: value` per line")]
    problems = []
    for name in case:
        if name not in FIELD_NAMES:
            close = difflib.get_close_matches(str(name), FIELD_NAMES, n=1)
            problems.append(Problem(path, str(name), "unknown", "not a case field",
                                    f"rename it to {close[0]!r}" if close else "remove it"))
    for spec in FIELDS:
        if spec.name not in case:
            if spec.required:
                problems.append(Problem(path, spec.name, "missing", "the field is missing",
                                        f"add {spec.name}: {spec.expected}"))
            continue
        problems += [Problem(path, spec.name, kind, detail, fix)
                     for kind, detail, fix in _check_field(spec, case[spec.name], sources, today)]
    problems += _check_content(case, path)
    if isinstance(case.get("id"), str) and path.stem != case["id"]:
        problems.append(Problem(path, "id", "file", f"the file name {path.name} does not match id {case['id']}",
                                f"rename the file to {case['id']}.yaml or correct the id"))
    return problems


def _check_content(case: dict, path: Path) -> list[Problem]:
    """Rules across fields: no personal data in free text; approved cases are finished and cite sources."""
    problems = []
    for name in _FREE_TEXT:
        for text in _strings(case.get(name)):
            for _, _, kind, original, _ in find_personal_data(text, kinds=_PERSONAL_KINDS):
                problems.append(Problem(path, name, "personal", f"contains {kind.replace('_', ' ')} {original!r}",
                                        "scrub the text with `caseloop cases scrub` and paste the result"))
    state = case.get("review", {}).get("state") if isinstance(case.get("review"), dict) else None
    if state in {"approved", "archived"}:
        for name, value in case.items():
            if any("TODO" in text for text in _strings(value)):
                problems.append(Problem(path, str(name), "unfinished", f"a {state} case still says TODO",
                                        "finish the text, or set the review state back to draft"))
        if not case.get("policy_sources"):
            problems.append(Problem(path, "policy_sources", "unfinished", f"a {state} case cites no policy source",
                                    f"cite the rule it relies on with a key from cases/{SOURCES_FILE}"))
        name, reply = case.get("buyer_name"), case.get("reply_template")
        if isinstance(name, str) and isinstance(reply, str) and name not in reply:
            problems.append(Problem(path, "reply_template", "invalid", f"the reply does not greet {name!r}",
                                    "greet the buyer by buyer_name, as agents must"))
    return problems


class _CaseLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML's safe loader (libyaml when present) that keeps dates as text, so a bad date is a field error."""


_CaseLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def _yaml_loader() -> type:
    return _CaseLoader


def read_sources(folder: Path) -> tuple[dict[str, str], list[Problem]]:
    """The citable source register (key -> address) kept beside the cases."""
    path = folder / SOURCES_FILE
    fix = f"keep cases/{SOURCES_FILE} as a mapping of source key to address, e.g. M1: sellercentral.amazon.com/..."
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_yaml_loader())
    except FileNotFoundError:
        return {}, [Problem(path, "(file)", "file", "the source register is missing", fix)]
    except yaml.YAMLError as err:
        return {}, [Problem(path, "(file)", "file", f"not valid YAML ({err})", fix)]
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        return {}, [Problem(path, "(file)", "file", "expected key: address pairs", fix)]
    return {str(k): v for k, v in data.items()}, []


@dataclass
class LibraryFiles:
    """Every case file of a folder, parsed, with every problem found in it."""

    cases: dict[Path, dict] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def read_library(folder: Path, today: dt.date | None = None) -> LibraryFiles:
    """Parse and check every case file in `folder` (nothing is written), including duplicate ids."""
    if not folder.is_dir():
        raise CourseError(f"{folder}: no case library here; create the folder or pass --course DIR")
    sources, problems = read_sources(folder)
    result = LibraryFiles(problems=problems)
    first_file: dict[str, Path] = {}
    for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
        if path.name == SOURCES_FILE:
            continue
        try:
            case = yaml.load(path.read_text(encoding="utf-8"), Loader=_yaml_loader())
        except yaml.YAMLError as err:
            where = getattr(err, "problem_mark", None)
            line = f"line {where.line + 1}" if where else "(file)"
            result.problems.append(Problem(path, line, "file", f"not valid YAML: {getattr(err, 'problem', err)}",
                                           "fix the syntax there (quote text with ': ' in it, indent blocks)"))
            continue
        problems = check_case(case, path, sources, today)
        case_id = case.get("id") if isinstance(case, dict) else None
        if isinstance(case_id, str) and case_id in first_file:
            problems.append(Problem(path, "id", "duplicate", f"{case_id} is also the id of {first_file[case_id]}",
                                    f"give this case a free id, e.g. {next_case_id(first_file)}, "
                                    "and rename the file to match"))
        elif isinstance(case_id, str):
            first_file[case_id] = path
        result.problems += problems
        if not problems:
            result.cases[path] = case
    return result


def next_case_id(ids: Iterable[str]) -> str:
    """The id after the highest existing one."""
    numbers = [int(i[2:]) for i in ids if CASE_ID.fullmatch(i)]
    return f"C-{max(numbers, default=0) + 1:04d}"


# ---------------------------------------------------------------------------------------------
# The library in memory: a tidy frame, ranked search, similar cases.
# ---------------------------------------------------------------------------------------------

FRAME_COLUMNS = ["id", "title", "problem_type", "market", "date", "product_line", "fulfilment", "language",
                 "root_cause_category", "outcome", "state", "reviewer", "tags"]
RESULT_COLUMNS = ["id", "score", "title", "problem_type", "market", "state"]


def search_text(case: dict) -> str:
    """The text a case is found by: its own words plus the zh/en labels of its categories."""
    labels = [*PROBLEM_TYPES.get(case["problem_type"], ()), *ROOT_CAUSES.get(case["root_cause_category"], ()),
              *MARKETS.get(case["market"], ()), case["market"], case["fulfilment"]]
    parts = [case["title"], case["title"], case["summary_zh"], case["product_line"], case["buyer_message"],
             case["core_demand"], case["root_cause"], *case["resolution_steps"], *case["key_points"],
             case["lessons"], *case["tags"], *labels]
    return "\n".join(parts)


def case_frame(cases: Sequence[dict]) -> pd.DataFrame:
    """One row per case with its categorical fields (tags joined by ';'), for filters and statistics."""
    rows = [{**{name: case.get(name) for name in FRAME_COLUMNS}, "date": _as_date(case["date"]),
             "state": case["review"]["state"], "reviewer": case["review"].get("reviewer"),
             "tags": ";".join(case["tags"])} for case in cases]
    return pd.DataFrame(rows, columns=FRAME_COLUMNS)


class Library:
    """The approved knowledge of a team: cases by id, a tidy frame, and a BM25 index over their text.

    >>> library = Library.load(Path("cases"))
    >>> library.search("refund not received", market="UK")
    """

    def __init__(self, cases: Sequence[dict]):
        self.cases = list(cases)
        self.skipped: list[Problem] = []
        self.by_id = {case["id"]: case for case in self.cases}
        self.frame = case_frame(self.cases)
        self.index = Index(search_text(case) for case in self.cases)
        self._tags = [{tag.lower() for tag in case["tags"]} for case in self.cases]
        self._columns = {column: self.frame[column].to_numpy() for column in ("id", "problem_type", "market", "state")}

    @classmethod
    def load(cls, folder: Path, skip_invalid: bool = False) -> Library:
        """Read a library folder; refuse (naming the first problem) if `caseloop cases validate` would fail.

        With `skip_invalid`, load the valid cases and keep the problems of the others in `skipped`.
        """
        files = read_library(folder)
        if files.problems and not skip_invalid:
            raise CourseError(f"{len(files.problems)} problem(s) in the case library, first: {files.problems[0]}. "
                              "Run `caseloop cases validate` to see them all")
        library = cls(list(files.cases.values()))
        library.skipped = files.problems
        return library

    def case(self, case_id: str) -> dict:
        try:
            return self.by_id[case_id]
        except KeyError:
            close = difflib.get_close_matches(case_id, list(self.by_id), n=3)
            raise CourseError(f"no case {case_id} in the library" + (f"; did you mean {', '.join(close)}?" if close
                              else "; list them with `caseloop cases search ''`")) from None

    def filter_mask(self, tags: Sequence[str], problem_type: str | None, market: str | None,
                    state: str | None) -> np.ndarray:
        """Which cases (in library order) carry all `tags` and match the type, market and review state given."""
        mask = np.ones(len(self.cases), dtype=bool)
        for column, value, labels in (("problem_type", problem_type, PROBLEM_TYPES), ("market", market, MARKETS),
                                      ("state", state, REVIEW_STATES)):
            if value:
                if value not in labels:
                    raise CourseError(f"unknown {column.replace('_', ' ')} {value!r}; use {_choices(labels)}")
                mask &= self._columns[column] == value
        wanted = {tag.lower() for tag in tags}
        if wanted:
            mask &= np.fromiter((wanted <= have for have in self._tags), dtype=bool, count=len(self._tags))
        return mask

    def _ranked(self, scores: np.ndarray, mask: np.ndarray, limit: int, need_score: bool) -> pd.DataFrame:
        if need_score:
            mask = mask & (scores > 0)
        candidates = np.flatnonzero(mask)
        order = candidates[np.lexsort((candidates, -scores[candidates]))][:limit]
        hits = self.frame.iloc[order][["id", "title", "problem_type", "market", "state"]].assign(score=scores[order])
        return hits[RESULT_COLUMNS].reset_index(drop=True)

    def search(self, query: str = "", tags: Sequence[str] = (), problem_type: str | None = None,
               market: str | None = None, state: str | None = "approved", limit: int = 10) -> pd.DataFrame:
        """Cases ranked by BM25 relevance to `query` (any language), within the filters.

        An empty query browses: every case passing the filters, in id order.
        """
        mask = self.filter_mask(tags, problem_type, market, state)
        scores = self.index.scores(query) if query.strip() else np.zeros(len(self.cases))
        return self._ranked(scores, mask, limit, need_score=bool(query.strip()))

    def similar(self, case_id: str | None = None, text: str | None = None, limit: int = 5,
                state: str | None = "approved") -> pd.DataFrame:
        """Cases most like a library case (by id) or like a new buyer message (`text`), best first."""
        if (case_id is None) == (text is None):
            raise CourseError("give either a case id or --text with the buyer's message, not both")
        mask = self.filter_mask((), None, None, state)
        if case_id is not None:
            case = self.case(case_id)
            text = "\n".join([case["title"], case["buyer_message"], case["core_demand"], case["root_cause"],
                              *case["tags"], *PROBLEM_TYPES[case["problem_type"]]])
            mask &= self._columns["id"] != case_id
        return self._ranked(self.index.scores(text), mask, limit, need_score=True)


# ---------------------------------------------------------------------------------------------
# Writing case files: new drafts and review decisions, atomically.
# ---------------------------------------------------------------------------------------------

_SCRUBBED_COMMENT = {"order_id", "buyer_name"}


def _flow(value: Any) -> str:
    """A value as one line of YAML (quoted only where YAML needs it)."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6, sort_keys=False)
    return text.removesuffix("\n...\n").strip()


def render_case(case: dict) -> str:
    """A case as a human-editable YAML file in the library's house style (block text, one item a line)."""
    lines = []
    for name, value in case.items():
        if isinstance(value, str) and "\n" in value.strip() and not value.startswith((" ", "\t")):
            lines += [f"{name}: |", *(f"  {line}".rstrip() for line in value.strip("\n").split("\n"))]
        elif isinstance(value, list) and name != "tags" and all(isinstance(item, str) for item in value) and value:
            lines += [f"{name}:", *(f"  - {_flow(item)}" for item in value)]
        else:
            lines.append(f"{name}: {_flow(value)}" + ("  # scrubbed" if name in _SCRUBBED_COMMENT else ""))
    return "\n".join(lines) + "\n"


def draft_case(case_id: str, problem_type: str, market: str, title: str | None = None,
               ticket: str | None = None, names: Iterable[str] = (),
               today: dt.date | None = None) -> tuple[dict, list[Replacement]]:
    """A new draft case, every field present, with TODO where a person must write; from a scrubbed ticket if given."""
    for value, labels, what in ((problem_type, PROBLEM_TYPES, "problem type"), (market, MARKETS, "market")):
        if value not in labels:
            raise CourseError(f"unknown {what} {value!r}; use {_choices(labels)}")
    message, replacements = scrub(ticket, names) if ticket else ("TODO: paste the scrubbed buyer message", [])
    order_ids = [r.replacement for r in replacements if r.kind == "order_id"]
    todo = "TODO: " + "{}"
    case = {
        "id": case_id, "title": title or todo.format("what happened, in one line"),
        "summary_zh": todo.format("中文摘要：问题、原因、处理"), "problem_type": problem_type, "market": market,
        "date": today or dt.date.today(), "product_line": todo.format("product line"),
        "order_id": order_ids[0] if order_ids else "000-0000000-0000000", "fulfilment": "FBM",
        "buyer_name": todo.format("pseudonym"), "language": MARKET_LANGUAGE.get(market, "en"),
        "buyer_message": message.strip() + "\n",
        **{spec.name: todo.format(spec.expected) for spec in FIELDS if spec.kind == "text" and spec.name not in
           {"title", "summary_zh", "product_line", "buyer_name"}},
        "root_cause_category": "seller_operations",
        "reply_template": todo.format("the reply, greeting the buyer by name"),
        **{spec.name: [todo.format(spec.expected)] for spec in FIELDS if spec.kind == "list"},
        "outcome": "resolved", "policy_sources": [], "review": {"state": "draft", "reviewer": None, "date": None},
    }
    return {name: case[name] for name in FIELD_NAMES if name in case}, replacements


def new_case(folder: Path, problem_type: str, market: str, title: str | None = None, ticket: str | None = None,
             names: Iterable[str] = ()) -> tuple[Path, list[Replacement]]:
    """Write a draft case file with the next free id; return its path and what was scrubbed from the ticket."""
    if not folder.is_dir():
        raise CourseError(f"{folder}: no case library here; create the folder or pass --course DIR")
    case_id = next_case_id(path.stem for path in folder.glob("C-*.y*ml"))
    case, replacements = draft_case(case_id, problem_type, market, title, ticket, names)
    path = folder / f"{case_id}.yaml"
    write_atomically(path, render_case(case))
    return path, replacements


_REVIEW_LINE = re.compile(r"(?m)^review:.*(?:\n[ \t]+.*)*")


def set_review(folder: Path, case_id: str, state: str, reviewer: str, on: dt.date | None = None) -> Path:
    """Record a review decision in a case file; approving requires the case to pass every check first.

    Only the `review:` entry changes; comments and the rest of the file stay as the trainer wrote them.
    """
    if state not in REVIEW_STATES:
        raise CourseError(f"unknown review state {state!r}; use {_choices(REVIEW_STATES)}")
    path = folder / f"{case_id}.yaml"
    if not path.is_file():
        raise CourseError(f"{path}: no such case file; check the id with `caseloop cases search ''`")
    text = path.read_text(encoding="utf-8")
    line = "review: " + _flow({"state": state, "reviewer": reviewer, "date": on or dt.date.today()})
    updated = _REVIEW_LINE.sub(line, text, count=1) if _REVIEW_LINE.search(text) else text.rstrip("\n") + f"\n{line}\n"
    sources, _ = read_sources(folder)
    try:
        case = yaml.load(updated, Loader=_yaml_loader())
    except yaml.YAMLError as err:
        raise CourseError(f"{path}: not valid YAML ({err}); fix it, then review again") from None
    problems = check_case(case, path, sources)
    if problems:
        listing = "\n  ".join(str(problem) for problem in problems)
        raise CourseError(f"{path} cannot be marked {state}; the file is unchanged. Fix these first:\n  {listing}")
    write_atomically(path, updated)
    return path


# ---------------------------------------------------------------------------------------------
# Insight: which problems are most frequent, which product line complains most, where causes cluster.
# ---------------------------------------------------------------------------------------------

STAT_DIMENSIONS: dict[str, tuple[str, str, Labels | None]] = {
    "problem_type": ("问题类型", "problem type", PROBLEM_TYPES),
    "product_line": ("产品线", "product line", None),
    "market": ("站点", "market", MARKETS),
    "root_cause_category": ("根本原因", "root cause", ROOT_CAUSES),
    "outcome": ("处理结果", "outcome", OUTCOMES),
}
STAT_COLUMNS = ["dimension", "value", "label", "cases", "share", "resolved", "partial", "failed"]


def case_stats(frame: pd.DataFrame) -> pd.DataFrame:
    """Case counts per value of each dimension, with their share and outcome split, most frequent first."""
    tables = []
    for dimension, (_, _, labels) in STAT_DIMENSIONS.items():
        counts = pd.crosstab(frame[dimension], frame["outcome"]).reindex(columns=list(OUTCOMES), fill_value=0)
        counts.columns.name = None
        counts["cases"] = counts.sum(axis=1)
        counts = counts.sort_values(["cases"], ascending=False, kind="stable").reset_index(names="value")
        counts["label"] = [" / ".join(labels[v]) if labels else v for v in counts["value"]]
        counts["share"] = counts["cases"] / max(len(frame), 1)
        tables.append(counts.assign(dimension=dimension))
    if not tables:
        return pd.DataFrame(columns=STAT_COLUMNS)
    return pd.concat(tables, ignore_index=True)[STAT_COLUMNS]


_OUTCOME_COLOURS = {"resolved": "#3e7cb1", "partial": "#f0b429", "failed": "#d64545"}


def stats_svg(stats: pd.DataFrame, dimension: str, bar_width: int = 320) -> str:
    """A self-contained horizontal bar chart (SVG) of one dimension, bars split by outcome."""
    rows = stats[stats["dimension"] == dimension]
    label_width, row_height = 260, 22
    most = max(int(rows["cases"].max()) if len(rows) else 1, 1)
    height = row_height * len(rows) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_width + bar_width + 60}" height="{height}" '
             f'font-family="system-ui, sans-serif" font-size="12" role="img" aria-label="{dimension}">']
    for number, row in enumerate(rows.itertuples()):
        y = number * row_height + 4
        parts.append(f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end">{html.escape(row.label)}</text>')
        x = float(label_width)
        for outcome, colour in _OUTCOME_COLOURS.items():
            width = bar_width * getattr(row, outcome) / most
            if width:
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="16" fill="{colour}">'
                             f'<title>{outcome}: {getattr(row, outcome)}</title></rect>')
                x += width
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 13}">{row.cases}</text>')
    legend_y = height - 8
    for number, (outcome, colour) in enumerate(_OUTCOME_COLOURS.items()):
        zh, en = OUTCOMES[outcome]
        x = 40 + number * 200
        parts.append(f'<rect x="{x}" y="{legend_y - 10}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x + 14}" y="{legend_y}">{zh} {en}</text>')
    parts.append("</svg>")
    return "".join(parts)


def stats_html(stats: pd.DataFrame, total: int) -> str:
    """One self-contained page: per dimension, a bar chart and the table behind it."""
    sections = []
    for dimension, (zh, en, _) in STAT_DIMENSIONS.items():
        rows = stats[stats["dimension"] == dimension]
        body = "".join(f"<tr><td>{html.escape(r.label)}</td><td class=num>{r.cases}</td><td class=num>{r.share:.0%}"
                       f"</td><td class=num>{r.resolved}</td><td class=num>{r.partial}</td><td class=num>{r.failed}"
                       "</td></tr>" for r in rows.itertuples())
        sections.append(f"<h2>{zh} / by {en}</h2>{stats_svg(stats, dimension)}<table><tr><th>{zh} {en}</th>"
                        "<th>案例 cases</th><th>占比 share</th><th>已解决 resolved</th><th>部分 partial</th>"
                        f"<th>失败 failed</th></tr>{body}</table>")
    style = ("body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;margin:2rem;color:#1f2933}"
             "table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #d9e2ec;padding:.2rem .5rem}"
             "th{background:#f0f4f8}td.num{text-align:right}")
    return (f'<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>案例库统计 Case library statistics'
            f"</title><style>{style}</style></head><body><h1>案例库统计 / Case library statistics</h1>"
            f"<p>{total} 个已审核案例 / approved cases</p>{''.join(sections)}</body></html>\n")


def write_stats(library: Library, out_dir: Path) -> tuple[pd.DataFrame, Path, Path]:
    """Statistics of the approved cases as CSV (for tools) and a self-contained HTML page with charts."""
    approved = library.frame[library.frame["state"] == "approved"]
    stats = case_stats(approved)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, html_path = out_dir / "case-stats.csv", out_dir / "case-stats.html"
    write_atomically(csv_path, stats.to_csv(index=False))
    write_atomically(html_path, stats_html(stats, len(approved)))
    return stats, csv_path, html_path


# ---------------------------------------------------------------------------------------------
# The notebook browser: search box, filters, ranked results, the selected case in full.
# ---------------------------------------------------------------------------------------------

def case_html(case: dict) -> str:
    """One case as HTML for the browser: what happened, what was done, the reply, the sources."""
    esc = html.escape

    def items(values: list[str]) -> str:
        return "<ul>" + "".join(f"<li>{esc(v)}</li>" for v in values) + "</ul>"

    zh_type, en_type = PROBLEM_TYPES[case["problem_type"]]
    return (f"<h3>{esc(case['id'])} · {esc(case['title'])}</h3>"
            f"<p>{zh_type} {en_type} · {esc(case['market'])} · {esc(case['product_line'])} · {case['fulfilment']} · "
            f"{OUTCOMES[case['outcome']][0]} {case['outcome']} · {esc(str(case['date']))}</p>"
            f"<p>{esc(case['summary_zh'])}</p>"
            f"<p><b>买家消息 Buyer's message ({esc(case['buyer_name'])})</b></p>"
            f"<pre style='white-space:pre-wrap'>{esc(case['buyer_message'])}</pre>"
            f"<p><b>核心诉求 Core demand</b> {esc(case['core_demand'])}</p>"
            f"<p><b>根本原因 Root cause</b> {esc(case['root_cause'])}</p>"
            f"<p><b>处理步骤 Resolution</b></p>{items(case['resolution_steps'])}"
            f"<p><b>回复模板 Reply template</b></p>"
            f"<pre style='white-space:pre-wrap'>{esc(case['reply_template'])}</pre>"
            f"<p><b>要点 Key points</b></p>{items(case['key_points'])}"
            f"<p><b>经验 Lessons</b> {esc(case['lessons'])}</p>"
            f"<p><b>标签 Tags</b> {esc(', '.join(case['tags']))}</p>"
            f"<p><b>依据 Sources</b></p>{items(case['policy_sources'])}")


def browser(library: Library, limit: int = 20) -> ipywidgets.VBox:
    """An ipywidgets case browser for a notebook: type a query or a buyer's message, filter, read a case.

    The returned box exposes its controls as attributes (`query`, `problem_type`, `market`, `tag`,
    `results`, `detail`) so a notebook can preset them.
    """
    import ipywidgets as widgets

    def options(labels: Labels) -> list[tuple[str, str | None]]:
        return [("全部 / all", None)] + [(f"{zh} / {en}", key) for key, (zh, en) in labels.items()]

    tags = sorted({tag for case in library.cases for tag in case["tags"]})
    query = widgets.Text(placeholder="关键词或买家消息 / keywords or a buyer's message", description="搜索 Search")
    problem_type = widgets.Dropdown(options=options(PROBLEM_TYPES), description="类型 Type")
    market = widgets.Dropdown(options=options(MARKETS), description="站点 Market")
    tag = widgets.Dropdown(options=[("全部 / all", None)] + [(t, t) for t in tags], description="标签 Tag")
    results = widgets.Select(options=[], rows=10, layout=widgets.Layout(width="100%"))
    detail = widgets.HTML()

    def refresh(_: object = None) -> None:
        hits = library.search(query.value, tags=[tag.value] if tag.value else (), problem_type=problem_type.value,
                              market=market.value, limit=limit)
        results.options = [(f"{h.id} · {h.title}" + (f"  ({h.score:.1f})" if h.score else ""), h.id)
                           for h in hits.itertuples()]
        results.value = results.options[0][1] if results.options else None
        show()

    def show(_: object = None) -> None:
        empty = "<p>没有匹配的案例 / no matching case</p>"
        detail.value = case_html(library.case(results.value)) if results.value else empty

    for control in (query, problem_type, market, tag):
        control.observe(refresh, names="value")
    results.observe(show, names="value")
    box = widgets.VBox([widgets.HBox([query, problem_type]), widgets.HBox([market, tag]), results, detail])
    box.query, box.problem_type, box.market, box.tag, box.results, box.detail = (
        query, problem_type, market, tag, results, detail)
    refresh()
    return box
