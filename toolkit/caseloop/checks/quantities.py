"""What a reply states that can be right or wrong for its case: numbers with units, versions, colours, dates.

Each extractor reads one normalised sentence in the reply's language and yields what it states, with the text
that states it, so a case's `facts` (see `caseloop.checks.caserules`) can compare it with the case: "14 Tagen"
is 14 days, "version 1.3" is the version 1.3, "the silver pair" is silver, "Monday 2 March" is 2026-03-02 for a
case of February 2026. Elapsed time ("10 days ago") is not a period, and a weekday is the next one from the day
the buyer wrote.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

UNITS = ("days", "hours", "business_days", "percent", "money")

_EN_UNITS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
             "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_DE_UNITS = ["eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn", "elf", "zwölf",
             "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn", "achtzehn", "neunzehn"]
_FR_UNITS = ["un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze",
             "treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit", "dix-neuf"]
_ES_WORDS = ["uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez", "once", "doce",
             "trece", "catorce", "quince", "dieciséis", "diecisiete", "dieciocho", "diecinueve", "veinte",
             "veintiuno", "veintidós", "veintitrés", "veinticuatro", "veinticinco", "veintiséis", "veintisiete",
             "veintiocho", "veintinueve", "treinta", "treinta y uno"]
_IT_WORDS = ["uno", "due", "tre", "quattro", "cinque", "sei", "sette", "otto", "nove", "dieci", "undici", "dodici",
             "tredici", "quattordici", "quindici", "sedici", "diciassette", "diciotto", "diciannove", "venti",
             "ventuno", "ventidue", "ventitré", "ventiquattro", "venticinque", "ventisei", "ventisette", "ventotto",
             "ventinove", "trenta", "trentuno"]

_NL_WORDS = ["een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien", "elf", "twaalf", "dertien",
             "veertien", "vijftien", "zestien", "zeventien", "achttien", "negentien", "twintig", "eenentwintig",
             "tweeëntwintig", "drieëntwintig", "vierentwintig", "vijfentwintig", "zesentwintig", "zevenentwintig",
             "achtentwintig", "negenentwintig", "dertig", "eenendertig"]


def _number_words() -> dict[str, dict[str, int]]:
    """Number words 1..31 per language (word -> value), with the common variants (a/an excluded)."""
    en = {word: n for n, word in enumerate(_EN_UNITS, start=1)}
    de = {word: n for n, word in enumerate(_DE_UNITS, start=1)} | {"ein": 1, "eine": 1, "einen": 1, "einem": 1,
                                                                    "einer": 1, "zwanzig": 20, "dreißig": 30}
    fr = {word: n for n, word in enumerate(_FR_UNITS, start=1)} | {"une": 1, "vingt": 20, "trente": 30}
    for tens, en_word, de_word, fr_word in ((20, "twenty", "zwanzig", "vingt"), (30, "thirty", "dreißig", "trente")):
        en[en_word] = tens
        for unit in range(1, 10 if tens == 20 else 2):
            en[f"{en_word}-{_EN_UNITS[unit - 1]}"] = en[f"{en_word} {_EN_UNITS[unit - 1]}"] = tens + unit
            de[f"{'ein' if unit == 1 else _DE_UNITS[unit - 1]}und{de_word}"] = tens + unit
            fr[f"{fr_word} et un" if unit == 1 else f"{fr_word}-{_FR_UNITS[unit - 1]}"] = tens + unit
    es = {word: n for n, word in enumerate(_ES_WORDS, start=1)} | {"un": 1, "una": 1, "veintiún": 21,
                                                                   "treinta y un": 31}
    it = {word: n for n, word in enumerate(_IT_WORDS, start=1)} | {"un": 1, "una": 1, "ventun": 21}
    # "een" is also the article: only the stressed "één" counts as one, as "a day" is no number of days
    nl = {word: n for n, word in enumerate(_NL_WORDS, start=1) if word != "een"} | {"één": 1}
    ja = {}
    digits = "一二三四五六七八九"
    for n in range(1, 32):
        tens, unit = divmod(n, 10)
        tens_word = "" if tens == 0 else "十" if tens == 1 else digits[tens - 1] + "十"
        ja[tens_word + (digits[unit - 1] if unit else "")] = n
    return {"en": en, "de": de, "fr": fr, "es": es, "it": it, "nl": nl, "ja": ja}


NUMBER_WORDS = _number_words()
_DIGITS = r"\d+(?:[.,]\d+)*"
_UNIT_PATTERNS = {
    "business_days": {
        "en": r"(?:business|working)[- ]days?\b", "de": r"(?:Werk|Arbeits|Geschäfts)tag\w*|-?werktägig\w*",
        "fr": r"jours?\s+ouvr(?:és|ables|e)s?\b", "es": r"días?\s+(?:hábiles|habiles|laborables)\b",
        "it": r"giorn[oi]\s+(?:lavorativ[oi]|ferial[ei])\b", "nl": r"werkdag(?:en)?\b", "ja": r"営業日"},
    "days": {
        "en": r"days?\b", "de": r"Tag(?:e|en|es)?\b|-?tägig\w*", "fr": r"jours?\b(?!\s+ouvr)",
        "es": r"días?\b(?!\s+(?:hábiles|habiles|laborables))", "it": r"giorn[oi]\b(?!\s+(?:lavorativ|ferial))",
        "nl": r"dag(?:en)?\b",
        "ja": r"日(?!本)"},
    "hours": {
        "en": r"(?:hours?|hrs?|h)\b", "de": r"(?:Stunden?|Std|h)\b", "fr": r"(?:heures?|h)\b",
        "es": r"(?:horas?|h)\b", "it": r"(?:ore|ora|h)\b", "nl": r"(?:uur|uren)\b", "ja": r"時間"},
    "percent": {
        "en": r"%|per\s?cent\b", "de": r"%|Prozent\b", "fr": r"%|pour\s?cent\b", "es": r"%|por\s?ciento\b",
        "it": r"%|per\s?cento\b", "nl": r"%|procent\b", "ja": r"%|パーセント"},
}
_CURRENCY = r"(?:US\$|\$|USD\b|dollars?\b|€|EUR\b|euros?\b|£|GBP\b|pounds?\b|¥|円|JPY\b|yen\b)"
_RANGE = {"en": r"to|-|–|and", "de": r"bis|-|–|und", "fr": r"à|-|–|et", "es": r"a|-|–|y",
          "it": r"a|-|–|e", "nl": r"tot|-|–|à|of", "ja": r"〜|~|-|–|から"}
# Elapsed time is not a period: "10 days ago", "vor zehn Tagen", "il y a 10 jours", "hace 10 días", "10 giorni fa".
_AGO_BEFORE = {"de": r"\bvor\s+$", "fr": r"\bil\s+y\s+a\s+$", "es": r"\bhace\s+$"}
_AGO_AFTER = {"en": r"^\s+ago\b", "it": r"^\s+fa\b", "nl": r"^\s+geleden\b", "ja": r"^前"}


@dataclass(frozen=True)
class Quantity:
    """A number with its unit as a reply states it ("14 Tagen" -> 14.0 days)."""

    value: float
    unit: str
    text: str


def _number_regex(language: str) -> str:
    words = sorted(NUMBER_WORDS[language], key=len, reverse=True)
    alternatives = "|".join(re.escape(word) for word in words)
    if language == "ja":
        return f"(?:{_DIGITS}|{alternatives})"
    return f"(?:{_DIGITS}|(?<!\\w)(?:{alternatives}))"


@functools.cache
def _quantity_regexes(language: str) -> list[tuple[str, re.Pattern]]:
    number = _number_regex(language)
    space = "" if language == "ja" else r"\s*-?\s*"
    numbers = rf"(?P<a>{number})(?:\s*(?:{_RANGE[language]})\s*(?P<b>{number}))?"
    if language == "ja":
        numbers = rf"(?<!月)(?P<a>{number})(?:\s*(?:{_RANGE[language]})\s*(?P<b>{number}))?"
    regexes = [(unit, re.compile(rf"{numbers}{space}(?:{by_language[language]})", re.IGNORECASE))
               for unit, by_language in _UNIT_PATTERNS.items()]
    money = rf"{_CURRENCY}\s*(?P<a>{_DIGITS})|(?P<c>{_DIGITS})\s*{_CURRENCY}"
    return [*regexes, ("money", re.compile(money, re.IGNORECASE))]


def _value(number: str, language: str) -> float | None:
    word = NUMBER_WORDS[language].get(number.lower())
    if word is not None:
        return float(word)
    if "," in number and "." in number:
        decimal = "," if number.rfind(",") > number.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        number = number.replace(thousands, "").replace(decimal, ".")
    elif "," in number:
        whole, _, part = number.rpartition(",")
        thousands = len(part) == 3 and language in {"en", "ja"}
        number = number.replace(",", "") if thousands else f"{whole.replace(',', '')}.{part}"
    elif "." in number and language not in {"en", "ja"} and len(number.rpartition(".")[2]) == 3:
        number = number.replace(".", "")
    try:
        return float(number)
    except ValueError:
        return None


def quantities(sentence: str, language: str) -> Iterator[Quantity]:
    """Every number with a known unit in one (normalised) sentence; business days are not also days, and
    elapsed time ("10 days ago") is left out."""
    taken: list[tuple[int, int]] = []
    for unit, regex in _quantity_regexes(language):
        for match in regex.finditer(sentence):
            if any(start < match.end() and match.start() < end for start, end in taken):
                continue
            taken.append(match.span())
            before, after = sentence[:match.start()], sentence[match.end():]
            ago_before, ago_after = _AGO_BEFORE.get(language), _AGO_AFTER.get(language)
            if (ago_before and re.search(ago_before, before, re.IGNORECASE)) or (
                    ago_after and re.search(ago_after, after, re.IGNORECASE)):
                continue
            for name in ("a", "b", "c"):
                number = match.groupdict().get(name)
                value = _value(number, language) if number else None
                if value is not None:
                    yield Quantity(value, unit, match.group())


# -- versions --------------------------------------------------------------------------------------

_VERSION = re.compile(r"(?:\bversion|\bversión|\bversione|\bfirmware|\bv|\bver\.?|バージョン|ファームウェア|Ver\.?)"
                      r"\s*(\d+(?:[.,]\d+)+)", re.IGNORECASE)


def versions(sentence: str, language: str) -> Iterator[tuple[str, str]]:
    """Every software version the sentence names ("firmware 1.2", "v1.4", "バージョン1.4"), as "1.2" with its text."""
    for match in _VERSION.finditer(sentence):
        yield match.group(1).replace(",", "."), match.group()


# -- colours ---------------------------------------------------------------------------------------

_COLOURS = {
    "black": {"en": r"black", "de": r"schwarz\w*", "fr": r"noire?s?", "es": r"negr[oa]s?", "it": r"ner[oaie]",
              "nl": r"zwart(?:e)?", "ja": r"黒|ブラック"},
    "white": {"en": r"white", "de": r"wei(?:ß|ss)\w*", "fr": r"blanc(?:he)?s?", "es": r"blanc[oa]s?",
              "it": r"bianc[oaie]|bianchi", "nl": r"witt?e?", "ja": r"白|ホワイト"},
    "silver": {"en": r"silver", "de": r"silber\w*", "fr": r"argent(?:é|ée|és|ées)?", "es": r"platead[oa]s?",
               "it": r"argent(?:o|at[oaie])", "nl": r"zilver(?:en|kleurig\w*)?", "ja": r"シルバー|銀色"},
    "grey": {"en": r"gr[ae]y", "de": r"grau\w*", "fr": r"grise?s?", "es": r"gris(?:es)?", "it": r"grigi[oae]?",
             "nl": r"grijze?|grijs", "ja": r"グレー|灰色"},
    "blue": {"en": r"blue|navy", "de": r"blau\w*", "fr": r"bleue?s?", "es": r"azul(?:es)?", "it": r"blu",
             "nl": r"blauwe?", "ja": r"青|ブルー|ネイビー"},
    "red": {"en": r"red", "de": r"rot(?:e|en|er|es)?", "fr": r"rouges?", "es": r"roj[oa]s?", "it": r"ross[oaie]",
            "nl": r"rode?|rood", "ja": r"赤|レッド"},
    "green": {"en": r"green", "de": r"grün\w*", "fr": r"verte?s?", "es": r"verdes?", "it": r"verd[ei]",
              "nl": r"groene?", "ja": r"緑|グリーン"},
    "pink": {"en": r"pink|rose gold", "de": r"rosa|pink", "fr": r"roses?", "es": r"rosas?", "it": r"rosa",
             "nl": r"roze|rosé", "ja": r"ピンク"},
    "gold": {"en": r"gold(?:en)?", "de": r"gold\w*", "fr": r"doré(?:e|s|es)?", "es": r"dorad[oa]s?",
             "it": r"dorat[oaie]|oro", "nl": r"goud(?:en|kleurig\w*)?", "ja": r"ゴールド|金色"},
    "brown": {"en": r"brown", "de": r"braun\w*", "fr": r"marron", "es": r"marrón|marrones", "it": r"marron[ei]",
              "nl": r"bruine?", "ja": r"茶色|ブラウン"},
    "beige": {"en": r"beige", "de": r"beige", "fr": r"beiges?", "es": r"beiges?", "it": r"beige", "nl": r"beige",
              "ja": r"ベージュ"},
}


@functools.cache
def _colour_regexes(language: str) -> list[tuple[str, re.Pattern]]:
    bound = ("", "") if language == "ja" else (r"(?<!\w)", r"(?!\w)")
    return [(colour, re.compile(f"{bound[0]}(?:{by_language[language]}){bound[1]}", re.IGNORECASE))
            for colour, by_language in _COLOURS.items() if language in by_language]


def colours(sentence: str, language: str) -> Iterator[tuple[str, str]]:
    """Every colour the sentence names, as its English name ("schwarze" -> black) with its text."""
    for colour, regex in _colour_regexes(language):
        for match in regex.finditer(sentence):
            yield colour, match.group()


# -- dates -----------------------------------------------------------------------------------------

_WEEKDAYS = {
    "en": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
    "de": ["montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"],
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "es": ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
    "it": ["lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"],
    "nl": ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"],
    "ja": ["月曜", "火曜", "水曜", "木曜", "金曜", "土曜", "日曜"],
}
_MONTHS = {
    "en": ["jan(?:uary)?", "feb(?:ruary)?", "mar(?:ch)?", "apr(?:il)?", "may", "june?", "july?", "aug(?:ust)?",
           "sep(?:t(?:ember)?)?", "oct(?:ober)?", "nov(?:ember)?", "dec(?:ember)?"],
    "de": ["januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "dezember"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"],
    "it": ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre",
           "novembre", "dicembre"],
    "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"],
}
_RELATIVE = {  # words for a day counted from the day the buyer wrote
    "en": {"today": 0, "tomorrow": 1, "next week": 7}, "de": {"heute": 0, "morgen": 1, "nächste woche": 7},
    "fr": {"aujourd'hui": 0, "demain": 1, "la semaine prochaine": 7},
    "es": {"hoy": 0, "mañana": 1, "la semana que viene": 7, "la próxima semana": 7},
    "it": {"oggi": 0, "domani": 1, "la prossima settimana": 7, "settimana prossima": 7},
    "nl": {"vandaag": 0, "morgen": 1, "overmorgen": 2, "volgende week": 7, "komende week": 7},
    "ja": {"本日": 0, "今日": 0, "明日": 1, "来週": 7},
}


@functools.cache
def _date_regexes(language: str) -> list[tuple[str, re.Pattern]]:
    day = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th|er|\.)?"
    regexes = [("weekday", "|".join(_WEEKDAYS[language])), ("relative", "|".join(map(re.escape,
                                                                                      _RELATIVE[language])))]
    if language == "ja":
        regexes.append(("day_month", r"(?P<month>1[0-2]|0?[1-9])月(?P<day>[0-3]?\d)日"))
    else:
        months = "|".join(f"(?P<m{n}>{name})" for n, name in enumerate(_MONTHS[language], start=1))
        of = {"en": r"(?:\s+of)?", "es": r"\s+de", "fr": "", "de": "", "it": "", "nl": ""}[language]
        regexes.append(("day_month", rf"{day}{of}\s+(?:{months})\b"))
        if language == "en":
            regexes.append(("month_day", rf"\b(?:{months})\s+{day}\b"))
        if language in {"de", "fr", "es", "it", "nl"}:
            regexes.append(("numeric", r"\b(?P<day>[0-3]?\d)[./](?P<month>1[0-2]|0?[1-9])\.?(?!\d)"))
    bound = ("", "") if language == "ja" else (r"(?<!\w)", r"(?!\w)")
    return [(kind, re.compile(f"{bound[0]}(?:{expression}){bound[1]}" if kind in {"weekday", "relative"}
                              else expression, re.IGNORECASE)) for kind, expression in regexes]


def _month(match: re.Match) -> int:
    if match.groupdict().get("month"):
        return int(match.group("month"))
    return next(n for n in range(1, 13) if match.groupdict().get(f"m{n}"))


def _on_or_after(today: dt.date, month: int, day: int) -> dt.date | None:
    """The date with this month and day on or after `today` (dates are promises, so they lie ahead)."""
    for year in (today.year, today.year + 1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            return None
        if candidate >= today - dt.timedelta(days=1):
            return candidate
    return None


def dates(sentence: str, language: str, today: dt.date) -> Iterator[tuple[dt.date, str]]:
    """Every day the sentence names, resolved from `today` (the day the buyer wrote), with its text."""
    taken: list[tuple[int, int]] = []
    for kind, regex in _date_regexes(language):
        for match in regex.finditer(sentence):
            if any(start < match.end() and match.start() < end for start, end in taken):
                continue
            taken.append(match.span())
            text = match.group()
            if kind == "weekday":
                index = next(i for i, name in enumerate(_WEEKDAYS[language]) if text.lower().startswith(name[:5]))
                yield today + dt.timedelta(days=(index - today.weekday()) % 7), text
            elif kind == "relative":
                yield today + dt.timedelta(days=_RELATIVE[language][text.lower()]), text
            elif (found := _on_or_after(today, _month(match), int(match.group("day")))) is not None:
                yield found, text
