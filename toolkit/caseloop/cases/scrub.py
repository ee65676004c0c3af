"""Scrubbing: personal data in a ticket, found by pattern, replaced by numbered placeholders.

Names are found where a person is named (after titles, greetings, relatives, "my name is", in sign-offs and
name fields), then every occurrence of the name and its parts is replaced. The words these patterns use,
per language, are in `scrub_words`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import caseloop.cases.scrub_words as words

PLACEHOLDER = re.compile(r"\[(name|email|phone|address|tracking) (\d+)\]")
ORDER_ID = re.compile(r"(?<![\d-])(\d{3})-(\d{7})-(\d{7})(?![\d-])")
SCRUB_KINDS = ("order_id", "email", "tracking", "address", "phone", "name")


def _phrases(phrases: Iterable[str], ignore_case: bool = True) -> str:
    """A regex alternation of literal phrases, longest first; a space in a phrase matches any run of blanks."""
    body = "|".join(re.escape(p).replace(r"\ ", r"[ \t]+") for p in sorted(set(phrases), key=len, reverse=True))
    return f"(?i:{body})" if ignore_case else f"(?:{body})"


def _every(registry: dict[str, list[str]]) -> list[str]:
    return [phrase for phrases in registry.values() for phrase in phrases]


_UPPER, _LOWER = "A-ZÀ-ÖØ-ÞŁŚŻŹĆŃČŠŽŘ", "a-zß-öø-ÿłśżźćńčšžřąęığş"
_WORD = rf"[{_UPPER}](?:[{_LOWER}]+|['’][{_UPPER}][{_LOWER}]+)(?:[-'’][{_UPPER}][{_LOWER}]+)*"
_NAME = rf"{_WORD}(?:[ \t]+(?:(?:de|da|di|del|della|van|von|der|le|du|dos)[ \t]+)?{_WORD}){{0,3}}"
# A title before a name ("Frau", "Dr.", "Sig.ra"), the titles as written in scrub_words.
TITLE = "(?:" + "|".join(re.escape(t) + (r"\." if len(t) == 1 else r"\.?")
                          for t in sorted(set(_every(words.TITLES)), key=len, reverse=True)) + ")"
_TITLES = rf"(?:{TITLE}[ \t]+){{1,3}}"
_KANJI, _KANA = "一-龥々", "ぁ-んァ-ヶー"
_RELATIVE = "|".join(rf"{_phrases(owners)}[ \t]+{_phrases(relatives)}"
                     for owners, relatives in words.RELATIVES.values())
# Where a person is named, by the context that names them; each pattern's `value` group is the name.
_NAME_PATTERNS = {
    "greeting": re.compile(
        rf"(?<!\w){_phrases(_every(words.GREETINGS))}[ \t,]+(?:{_TITLES})?(?P<value>{_NAME})"),
    "title": re.compile(rf"(?<![\w.]){_TITLES}(?P<value>{_NAME})"),
    "introduction": re.compile(
        rf"(?<!\w){_phrases(_every(words.SELF_INTRODUCTIONS))}[ \t]+(?:{_TITLES})?(?P<value>{_NAME})"),
    "relative": re.compile(
        rf"(?<!\w)(?:{_RELATIVE})(?:[ \t]*,)?[ \t]+(?:{_phrases(words.ARTICLES)}[ \t]*)?(?:{_TITLES})?"
        rf"(?P<value>{_NAME})"),
    "sign-off": re.compile(
        rf"(?:^|(?<=[.!?])[ \t]+)[ \t]*{_phrases(_every(words.SIGN_OFFS))}[ \t]*[,.!]*(?:[ \t]*\n[ \t]*|[ \t]+)"
        rf"(?:-+[ \t]*)?(?:{_TITLES})?(?P<value>{_NAME})[ \t]*,?$", re.M),
    "dash signature": re.compile(rf"^[ \t]*-{{1,2}}[ \t]*(?P<value>{_NAME})[ \t]*\s*\Z", re.M),
    "last line": re.compile(rf"^[ \t]*(?P<value>{_WORD}(?:[ \t]+{_WORD}){{1,2}})[ \t]*\s*\Z", re.M),
    "name field": re.compile(
        rf"^[ \t]*{_phrases(words.NAME_FIELDS)}[ \t]*[:：][ \t]*(?P<value>[^\n<@\d:：]{{2,40}}?)[ \t]*(?:<|$)", re.M),
    "Japanese honorific": re.compile(
        rf"(?<![{_KANJI}])(?P<value>[{_KANJI}]{{2,4}}(?:[ 　][{_KANJI}]{{1,3}})?)(?<![仕同模多異])[ 　]?"
        r"(?:様|さま|さん|殿)"),
    "Japanese honorific, katakana": re.compile(
        r"(?<![ァ-ヶー])(?P<value>[ァ-ヶ][ァ-ヶー・]{1,10})[ 　]?(?:様|さま|さん)"),
    "Japanese introduction": re.compile(
        rf"(?<![{_KANJI}{_KANA}])(?P<value>[{_KANJI}]{{1,4}}(?:[ 　]?[{_KANJI}]{{1,3}})?)"
        rf"{_phrases(words.JAPANESE_SELF_INTRODUCTIONS)}"),
    "Japanese relative": re.compile(
        rf"{_phrases(words.JAPANESE_RELATIVES)}の(?P<value>[{_KANJI}]{{2,4}})(?=が|は|も|に|と|を|さん|ちゃん|くん|様|から)"),
    "Japanese sign-off": re.compile(
        rf"{_phrases(words.JAPANESE_SIGN_OFFS)}[。.！!]?[ \t　]*\n\s*"
        rf"(?P<value>[{_KANJI}]{{1,4}}(?:[ 　]?[{_KANJI}{_KANA}]{{1,4}})?)[ \t　]*$", re.M),
    "Japanese name line": re.compile(rf"^[ \t　]*(?P<value>[{_KANJI}]{{1,3}}[ 　][{_KANJI}]{{1,3}})[ \t　]*$", re.M),
    "Chinese introduction": re.compile(r"我叫(?P<value>[一-龥]{2,3})"),
}

_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+'-])[A-Za-z0-9._%+'-]+[@＠][A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_AT_BRACKETED = rf"[ \t]*[(\[{{<][ \t]*(?:@|{_phrases(words.SPELLED_AT)})[ \t]*[)\]}}>][ \t]*"
_AT = rf"(?:{_AT_BRACKETED}|[ \t]+{_phrases(words.SPELLED_AT)}[ \t]+)"
_DOT_SPELLED = (rf"[ \t]*[(\[{{<][ \t]*{_phrases(words.SPELLED_DOT)}[ \t]*[)\]}}>][ \t]*"
                rf"|[ \t]+{_phrases(words.SPELLED_DOT)}[ \t]+")
_DOT = rf"(?:{_DOT_SPELLED}|\.)"
_LABEL = r"[A-Za-z0-9_%+-]+"
_SPELLED_EMAIL = re.compile(rf"(?<![A-Za-z0-9_.%+-])(?P<local>{_LABEL}(?:{_DOT}{_LABEL})*)(?P<at>{_AT})"
                            rf"(?P<domain>{_LABEL})(?:{_DOT}{_LABEL})*{_DOT}[A-Za-z]{{2,6}}(?![A-Za-z0-9])(?!{_AT})")
_PROVIDERS = frozenset(words.MAIL_PROVIDERS)
_COURTESIES = frozenset(_every(words.SIGN_OFFS) + _every(words.GREETINGS))  # "Liebe Grüße" is not a name

_TRACKING = [
    re.compile(rf"{_phrases(words.TRACKING_WORDS)}(?i:[ \t]*(?:number|no\.?|nr\.?|id|#))?"
               r"[ \t]*(?:is|ist|est|:|：|#)?[ \t]*(?P<value>\d{4}-\d{4}-\d{4}|[A-Z0-9]{8,34})"),
    re.compile(r"\b(?P<value>1Z[0-9A-Z]{16}|TBA\d{12}|[A-Z]{2}\d{9}[A-Z]{2}|\d{12,22})\b"),
]
_PHONE = re.compile(r"(?<![0-9A-Za-z+])(?:\+\s?)?\(?\d[\d ()./\-－‐–]{6,}\d(?![0-9A-Za-z])")
_DATE_LIKE = re.compile(r"\d{1,4}([./-])\d{1,2}\1\d{1,4}")
_PREFECTURE = "(?:東京都|北海道|京都府|大阪府|[一-龥]{2,3}県)"
_ROMANCE_STREET = (rf"(?<![\w/])(?:{_phrases(words.STREETS_BEFORE['es'] + words.STREETS_BEFORE['it'], False)})"
                   rf"[ \t]*(?:(?:de|del|de la|de los|dels|d'|di|della|dei|degli|delle|dello)[ \t]+)?[{_UPPER}][\w'-]*"
                   rf"(?:[ \t]+(?:(?:de|del|di|della)[ \t]+)?(?:[{_UPPER}][\w'-]*|[IVX]+))*,?[ \t]*"
                   r"(?:n[º°.]?[ \t]*)?\d{1,4}[a-zA-Z]?\b")
_ADDRESS = [
    re.compile(rf"\b\d{{1,5}}[A-Za-z]?\s+(?:[A-Z][\w'.-]*\s+){{1,4}}(?:{_phrases(words.STREETS_AFTER, False)})\b\.?"
               r"(?:[ \t]+(?:North|South|East|West|N|S|E|W|NE|NW|SE|SW)\b)?"
               r"(?:,?\s*(?:Apt|Apartment|Unit|Suite|Flat)\.?\s*#?\w+)?"),
    re.compile(r"\b(?:Apt|Apartment|Unit|Suite)\.?[ \t]*#?\d+[A-Z]?\b"),
    re.compile(rf"\b[A-ZÄÖÜ][\wäöüß-]*{_phrases(words.GERMAN_STREETS, False)}\s+\d+\s?[a-z]?\b"),
    re.compile(rf"\b[A-ZÄÖÜ][\wäöüß-]+[ \t]+(?:{'|'.join(re.escape(s.capitalize()) for s in words.GERMAN_STREETS)})"
               r"[ \t]+\d+[ \t]?[a-z]?\b"),
    re.compile(rf"\b{_phrases(words.GERMAN_STREET_PREPOSITIONS, False)}[ \t]+[A-ZÄÖÜ][\wäöüß-]+[ \t]+\d{{1,4}}"
               r"[ \t]?[a-z]?(?=[ \t]*,?[ \t]*\d{5})"),
    re.compile(r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+" + _phrases(words.STREETS_BEFORE["fr"])
               + r"\s+(?:(?:de|du|des|la|le|l'|d')\s*)*[A-ZÉ][\w'-]*(?:\s+[A-ZÉ][\w'-]*)*"),
    re.compile(_ROMANCE_STREET),
    re.compile(r"\b\d{1,2}[º°ª][ \t]*(?:izquierda|izqda\.?|izq\.?|dcha\.?|dch\.?|centro|\d{1,2}[ºª]|[A-Z]\b)"),
    re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)*,\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?\b"),  # City, ST 12345
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b"),  # UK postcode
    re.compile(r"\b\d{5}\s+[A-ZÄÖÜÉ][a-zäöüßéè]+(?:[ -](?:am|sur|an der)?[ -]?[A-Z][a-z]+)?\b"),  # 10115 Berlin
    re.compile(rf"〒\s?\d{{3}}-\d{{4}}|(?<!\d)\d{{3}}-\d{{4}}(?=\s?{_PREFECTURE})"),
    re.compile(rf"{_PREFECTURE}[^\s、。,，]+"),
    re.compile(r"[一-龥]{2,}(?:省|市)[^\s，。,]*?(?:路|街|道|巷)[^\s，。,]*?号[^\s，。,]*"),
    re.compile(r"(?im)^[ \t]*(?:address|shipping address|adresse|lieferadresse|dirección|indirizzo|住所|お届け先|"
               r"地址|收货地址)[ \t]*[:：][ \t]*(?P<value>\S.*)$"),
]


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


def _is_cjk(text: str) -> bool:
    return bool(re.search(rf"[{_KANJI}{_KANA}]", text))


def _is_name(value: str) -> bool:
    parts = value.split()
    return (bool(parts) and not PLACEHOLDER.search(value) and value not in words.NOT_JAPANESE_NAMES
            and not value.endswith(words.JAPANESE_ROLE_ENDINGS)
            and not any(part.lower().strip(".,") in words.NOT_NAMES for part in parts)
            and " ".join(parts).lower() not in _COURTESIES
            and not all(re.fullmatch(TITLE, part) for part in parts))


def _name_parts(names: Iterable[str]) -> dict[str, str]:
    """Every detected name and each of its words (3+ letters, or 2+ CJK characters), mapped to the full name.

    A CJK name is one name with or without the space between family and given name ("山田 太郎", "山田太郎").
    """
    parts: dict[str, str] = {}
    for name in sorted(set(names), key=len, reverse=True):
        key = "".join(name.split()) if _is_cjk(name) else name
        parts.setdefault(name, key)
        parts.setdefault(key, key)
        for word in name.split():
            if len(word) >= (2 if _is_cjk(word) else 3) and not re.fullmatch(TITLE, word):
                parts.setdefault(word, key)
    return parts


def _is_spelled_email(match: re.Match[str]) -> bool:
    """A written-out address: spelled or bracketed, or a plain " at " before a mail provider or after a dotted name."""
    plain = not re.search(_DOT_SPELLED, match[0]) and not re.fullmatch(_AT_BRACKETED, match["at"])
    return not plain or match["at"].strip().lower() != "at" or bool(
        re.search(r"[._\d]", match["local"])) or match["domain"].lower() in _PROVIDERS


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
    for match in _SPELLED_EMAIL.finditer(text):
        if _is_spelled_email(match):
            add(match.start(), match.end(), "email", match[0])
    for pattern in _TRACKING:
        for start, end, value in _spans(pattern, text):
            if sum(ch.isdigit() for ch in value) >= 6:
                add(start, end, "tracking", value)
    for pattern in _ADDRESS:
        for start, end, value in _spans(pattern, text):
            add(start, end - (len(value) - len(value.rstrip())), "address", value.rstrip())
    for start, end, value in _spans(_PHONE, text):
        digits = sum(ch.isdigit() for ch in value)
        if 8 <= digits <= 15 and not _DATE_LIKE.fullmatch(value.strip()):
            add(start, end, "phone", value)
    if "name" in kinds:
        detected = [value.strip() for pattern in _NAME_PATTERNS.values() for _, _, value in _spans(pattern, text)]
        parts = _name_parts([name for name in [*detected, *names] if _is_name(name)])
        for part in sorted(parts, key=len, reverse=True):
            boundary = "{}" if _is_cjk(part) else r"(?<!\w){}(?!\w)"
            for match in re.finditer(boundary.format(re.escape(part)), text):
                add(match.start(), match.end(), "name", part, parts[part])
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
