"""Scrubbing: personal data in a ticket, found by pattern, replaced by numbered placeholders."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass

PLACEHOLDER = re.compile(r"\[(name|email|phone|address|tracking) (\d+)\]")
ORDER_ID = re.compile(r"(?<![\d-])(\d{3})-(\d{7})-(\d{7})(?![\d-])")
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
    protected += [(m.start(), m.end()) for m in ORDER_ID.finditer(text) if m[2] == "0000000"]
    found: list[tuple[int, int, str, str, str]] = []

    def add(start: int, end: int, kind: str, original: str, key: str | None = None) -> None:
        if kind in kinds and all(end <= s or start >= e for s, e in protected):
            protected.append((start, end))
            found.append((start, end, kind, original, key or original))

    for match in ORDER_ID.finditer(text):
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
    numbers["order_id"] = max((int(m[3]) for m in ORDER_ID.finditer(text) if m[2] == "0000000"), default=0)
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
