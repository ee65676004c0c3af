"""From a pasted e-mail to a buyer message: mail headers dropped, scrubbed names given pseudonyms.

A case's buyer message is what trainees read in an exercise, so it reads as the buyer wrote it: the header
block a mail client adds ("Von:", "Betreff:", "件名:") is not the buyer's words, and a placeholder such as
"[name 1]" becomes a pseudonym, the one who signs the message becoming the case's `buyer_name`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import caseloop.cases.scrub_words as words
from caseloop.cases.scrub import PLACEHOLDER, TITLE

_HEADER = re.compile(r"^[ \t]*(?i:" + "|".join(re.escape(name) for name in sorted(
    {name for names in words.MAIL_HEADERS.values() for name in names}, key=len, reverse=True)) + r")[ \t]*[:：]")
_NAME_PLACEHOLDER = re.compile(rf"(?P<title>(?<![\w.]){TITLE}[ \t]+)?\[name (?P<number>\d+)\]")
_SENDER = re.compile(r"^[ \t]*(?i:from|von|de|da|差出人|送信者|发件人)[ \t]*[:：].*?\[name (\d+)\]", re.M)
# Invented names, per buyer language, none of them a seller's or a trainer's; the first not found in the ticket
# is used.
PSEUDONYMS = {
    "en": ["Jordan Avery", "Sam Whitley", "Casey Morgan", "Riley Shaw", "Taylor Quinn", "Drew Ellis"],
    "de": ["Lena Hartmann", "Jonas Brandl", "Mia Kessler", "Paul Reimann", "Nele Sommer", "Tim Vogel"],
    "fr": ["Camille Roussel", "Louis Marchand", "Inès Caron", "Théo Lemoine", "Manon Perrot", "Jules Vidal"],
    "es": ["Lucía Navarro", "Diego Serrano", "Marta Ibáñez", "Pablo Herrera", "Elena Cortés", "Sergio Molina"],
    "it": ["Giulia Fontana", "Luca Marchetti", "Sara Colombo", "Matteo Rinaldi", "Chiara Ferri", "Davide Gallo"],
    "ja": ["佐野 美咲", "森田 健太", "石井 彩", "松本 翔", "小川 由衣", "岡田 大樹"],
    "zh": ["王芳", "李强", "张敏", "刘洋", "陈静", "杨帆"],
}


def without_mail_headers(text: str) -> str:
    """The text after the header block a pasted e-mail starts with (From/Subject/Date..., in any language)."""
    lines = text.splitlines()
    start = 0
    while start < len(lines) and (not lines[start].strip() or _HEADER.match(lines[start])):
        start += 1
    return "\n".join(lines[start:]).strip("\n") + "\n"


def signer(text: str) -> int | None:
    """The number of the name placeholder that sends the message: the From header's, else the last one."""
    sender = _SENDER.search(text)
    numbers = [int(m[2]) for m in PLACEHOLDER.finditer(text) if m[1] == "name"]
    return int(sender[1]) if sender else (numbers[-1] if numbers else None)


def pseudonymise(text: str, language: str, real_names: Iterable[str] = ()) -> tuple[str, dict[int, str]]:
    """Each "[name N]" replaced by an invented name of the buyer's language; returns the text and N -> pseudonym.

    No pseudonym overlaps a real name of the ticket (neither holds a word of the other). After a title only the
    pseudonym's family name is written ("Frau Dr. [name 2]" -> "Frau Dr. Brandl").
    """
    real = {word for name in real_names for word in name.split() if len(word) >= 2}
    free = [name for name in PSEUDONYMS.get(language, PSEUDONYMS["en"])
            if not any(word in name or part in word for word in real for part in name.split())]
    numbers = sorted({int(m["number"]) for m in _NAME_PLACEHOLDER.finditer(text)})
    chosen = dict(zip(numbers, free, strict=False))

    def pseudonym(match: re.Match[str]) -> str:
        name = chosen.get(int(match["number"]))
        if name is None:
            return match[0]
        return match["title"] + name.split()[-1] if match["title"] else name

    return _NAME_PLACEHOLDER.sub(pseudonym, text), chosen
