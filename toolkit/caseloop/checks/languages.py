"""The languages replies are written in: detection, register (formal or informal address), names, and how
words are counted."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

from caseloop.languages import LANGUAGES

LANGUAGE_NAMES = LANGUAGES  # code -> (zh, en), the one language table (caseloop.languages)

# py3langid's class for numbers, ids, markup and other text in no language.
_NO_LANGUAGE = "zxx"
# Below this many letters (a CJK character counts as 3, as it carries about a word) a text is too short to
# tell its language: "OK", "Danke", "Thank you." are left undecided.
MIN_LETTERS = 15
CJK_LETTER_WEIGHT = 3
# The model's probability, among the candidate languages, below which detection answers None.
MIN_PROBABILITY = 0.9
# Share of kana among a text's kana and han characters from which it is Japanese: Japanese prose runs at
# 30-60 % kana, Chinese has none, bar a stray の in a brand name.
MIN_KANA_SHARE = 0.1

# Simplified Chinese characters Japanese does not write (it writes 们 as nothing, 这 as これ, 买 as 買, 货 as 貨 ...):
# two of them in a Japanese reply are the agent's Chinese left in.
SIMPLIFIED_ONLY = re.compile("[们这买卖货运费还让说时问题发经过给对见视读请谢账单换钱价边进样达选择认识务无关订东车门间"
                             "书长为么吗]")
_KANA = re.compile(r"[\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\uff66-\uff9d]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LETTER = re.compile(r"[^\W\d_]")


@functools.cache
def _identifier() -> Any:
    """py3langid's offline model (loaded once per process), restricted to the languages caseloop knows.

    Imported here, not with the module: it brings numpy, which test cells of code modules need not load.
    """
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages([code for code in LANGUAGES if code in identifier.labels] + [_NO_LANGUAGE])
    return identifier


def detect_language(text: str, candidates: Iterable[str] | None = None) -> str | None:
    """The language a reply is written in, a code of caseloop's LANGUAGES, or None when unsure.

    py3langid (a naive Bayes model over byte n-grams, shipped with the package, so detection works
    offline) ranks the languages caseloop knows; `candidates` restricts them further, the probabilities
    renormalised among the candidates. The answer is None for a text under MIN_LETTERS letters, for
    numbers or ids, and when the best language's probability is under MIN_PROBABILITY. Japanese and
    Chinese share han characters, so between the two the script decides: kana make a text Japanese.
    """
    kana, han = len(_KANA.findall(text)), len(_HAN.findall(text))
    if len(_LETTER.findall(text)) + (CJK_LETTER_WEIGHT - 1) * (kana + han) < MIN_LETTERS:
        return None
    ranked = dict(_identifier().rank(text))
    if candidates is not None:
        allowed = set(candidates) | {_NO_LANGUAGE}
        ranked = {code: p for code, p in ranked.items() if code in allowed}
    total = sum(ranked.values())
    if not total:
        return None
    best = max(ranked, key=ranked.__getitem__)
    probability = ranked[best] / total
    if best in {"ja", "zh"}:
        probability = (ranked.get("ja", 0.0) + ranked.get("zh", 0.0)) / total
        best = "ja" if kana and kana >= MIN_KANA_SHARE * (kana + han) else "zh"
        if best not in ranked:
            return None
    if best == _NO_LANGUAGE or probability < MIN_PROBABILITY:
        return None
    return best


def sentence_initial(text: str, start: int) -> bool:
    """Whether the word at `start` opens the text, a sentence or a line, where its capital letter says
    nothing about the word (a German "Sie" there may be "she" or "they", an Italian "La" the article).
    The line after a salutation ending in a comma ("Sehr geehrte Frau Becker,") goes on the sentence."""
    before = text[max(0, start - 40):start].rstrip(" \t\r\"'«»„“”‘’‚([{¿¡-–—*•·")
    if before.endswith("\n"):
        before = before.rstrip()
        return not before or before[-1] != ","
    return not before or before[-1] in ".!?:;…。！？"


# Register markers per language. The German and Italian formal words count only capitalised and inside a
# sentence (the courtesy capital; lowercase or sentence-initial they are "she", "they", the article); every
# other marker counts in any case and position. All-caps words are acronyms, never markers.
_FORMAL_CAPITALISED = {
    "de": {"Sie", "Ihnen", "Ihr", "Ihre", "Ihren", "Ihrem", "Ihrer", "Ihres"},
    "it": {"Lei", "La", "Le", "Suo", "Sua", "Suoi", "Sue"},
}
_FORMAL = {
    "fr": {"vous", "votre", "vos", "vôtre", "vôtres"},
    "es": {"usted", "ustedes"},
    "nl": {"u", "uw", "uwe"},
}
# Spanish su/sus/le/les also mean his, her, their, to him: they make a reply formal only when nothing in it
# is informal, and never make it mixed.
_FORMAL_UNLESS_INFORMAL = {"es": {"su", "sus", "le", "les"}}
_INFORMAL = {
    "de": {"du", "dich", "dir", "dein", "deine", "deinen", "deinem", "deiner", "deines",
           "euch", "euer", "eure", "euren", "eurem", "eurer", "eures"},
    "fr": {"tu", "te", "toi", "ton", "ta", "tes"},
    "es": {"tú", "te", "ti", "tu", "tus", "contigo", "vosotros", "vosotras", "os",
           "vuestro", "vuestra", "vuestros", "vuestras"},
    "it": {"tu", "ti", "te", "tuo", "tua", "tuoi", "tue"},
    # Dutch "je" is also the informal "your" (je bestelling) and, with "u", the reflexive of "u" in speech only:
    # in a written business reply any je, jij, jou, jouw, jullie is the informal register.
    "nl": {"je", "jij", "jou", "jouw", "jullie", "joune", "jouwe"},
}
# Italian courtesy pronouns joined to an infinitive keep their capital: inviarLe, contattarLa.
_ITALIAN_ENCLITIC_COURTESY = re.compile(r"[a-zàèéìòù](?:La|Le|Lo|Gli)$")
_APOSTROPHES = "'’"

# Japanese: sentence ends in polite form (です/ます and their tenses, may be followed by a particle) and
# keigo vocabulary, against plain endings and casual particles.
_JA_SENTENCES = re.compile(r"[^。！？!?\n]+")
_JA_POLITE_END = re.compile(r"(?:です|でした|でしょう|ます|ました|ません|ましょう|ませ|ください|下さい)"
                            r"(?:か|ね|よ|が|けど|けれど|ので|から)*$")
_JA_KEIGO = re.compile(r"ございま|いたし|致し|申し上げ|いただ|頂き|頂け|存じ")
_JA_CASUAL_END = re.compile(r"(?:だ|だよ|だね|だよね|だった|だろ|だろう|じゃん|じゃない|してね|してよ|ね|よ)$")
_JA_CASUAL = re.compile(r"じゃない(?!で)")
_JA_TRAILING = " \t\u3000」』）)〜~ー…・♪"


def register(text: str, language: str) -> str | None:
    """How a reply addresses the buyer: "formal" (Sie, vous, usted, Lei, u, keigo), "informal" (du, tu, tú, je,
    plain Japanese), or None when it cannot tell (no markers, or both kinds: a mixed register) and for
    English and the languages caseloop has no markers for."""
    if language == "ja":
        return _japanese_register(text)
    if language not in _INFORMAL:
        return None
    formal = weak_formal = informal = False
    capitalised = _FORMAL_CAPITALISED.get(language, set())
    for match in re.finditer(r"[^\W\d_]+", text):
        word = match.group()
        if len(word) > 1 and word.isupper():
            continue
        lower = word.lower()
        if word in capitalised and not sentence_initial(text, match.start()):
            formal = True
        elif language == "it" and _ITALIAN_ENCLITIC_COURTESY.search(word):
            formal = True
        elif lower in _FORMAL.get(language, set()):
            formal = True
        elif lower in _FORMAL_UNLESS_INFORMAL.get(language, set()):
            weak_formal = True
        elif lower in _INFORMAL[language]:
            informal = True
        elif language == "fr" and lower == "t" and text[match.end():match.end() + 1] in _APOSTROPHES:
            informal = True  # t'envoyer, t'avons: the elided te
    if informal:
        return None if formal else "informal"
    return "formal" if formal or weak_formal else None


def _japanese_register(text: str) -> str | None:
    """Keigo or polite sentence ends against plain, casual ones (だよ, だね, じゃない, してね)."""
    sentences = [s.rstrip(_JA_TRAILING) for s in _JA_SENTENCES.findall(text)]
    polite = any(_JA_POLITE_END.search(s) for s in sentences) or bool(_JA_KEIGO.search(text))
    casual = any(_JA_CASUAL_END.search(s) and not _JA_POLITE_END.search(s) for s in sentences)
    casual = casual or bool(_JA_CASUAL.search(text))
    if polite == casual:
        return None
    return "formal" if polite else "informal"


def word_count(text: str, language: str) -> int:
    """Words in a reply; for Japanese, which has no spaces, every two characters count as one word."""
    if language == "ja":
        return len(re.sub(r"\s", "", text)) // 2
    return len(re.findall(r"\w+", text))


def flat(text: str) -> str:
    """The text on one line, so a phrase broken across lines still matches a pattern with spaces."""
    return " ".join(text.split())
