"""The languages replies are written in: detection, names, and how words are counted."""

from __future__ import annotations

import re

from caseloop.languages import LANGUAGES

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
LANGUAGE_NAMES = LANGUAGES  # code -> (zh, en), the one language table (caseloop.languages)


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


def word_count(text: str, language: str) -> int:
    """Words in a reply; for Japanese, which has no spaces, every two characters count as one word."""
    if language == "ja":
        return len(re.sub(r"\s", "", text)) // 2
    return len(re.findall(r"\w+", text))


def flat(text: str) -> str:
    """The text on one line, so a phrase broken across lines still matches a pattern with spaces."""
    return " ".join(text.split())
