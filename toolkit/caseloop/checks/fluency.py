"""Phrasing a senior reviewer reads as a word-by-word translation, per reply language.

Amazon expects replies a buyer reads as written for them; a reply translated word by word from the
agent's own language keeps every word spelled right, so the spelling check passes it. These markers
are constructions the target language does not use but such translations produce: an object after
the infinitive in French ("retourner elle"), the verb not in second or last place in German ("Natürlich
Sie können", "wenn wir erhalten die Ware"), "please to open" in English, subject pronouns a pro-drop
language leaves out (nosotros, noi, 私たち / あなた said again and again). One marker may be a slip; two or
three cost a level, four or more two, and the grader says it is unsure either way, since it has no grammar checker.
"""

from __future__ import annotations

import re
from functools import cache

from caseloop.checks.concepts import normalise

# language -> (what the construction is, its pattern); matched on the reply flattened to one line
MARKERS: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        ("'please to' + verb", r"\b(please|kindly) to (open|use|send|keep|select|choose|contact|tell|wait|check)\b"),
        ("'respected' as a greeting", r"^\W*(respected|respectful)\b"),
        ("'sorry for it that'", r"\bsorry for (it|this) that\b"),
        ("'by means of'", r"\bby means of\b"),
        ("'is having a problem'", r"\b(is|are) having (a|an|the) (known )?(problem|issue|fault|trouble)\b"),
        ("the object after 'to you'", r"\b(send|give|offer|provide|refund) to you (a|an|the|your|one)\b"),
        ("'of white colour'", r"\bof (white|black|grey|gray|blue|red|green|silver|pink) colou?r\b"),
        ("'the problem of' + noun", r"\b(a|the) (known )?problem of (connection|quality|delivery|sound)\b"),
        ("'during your walking'", r"\b(during|in|on) (your|the) (walking|going|coming)\b|\bto the work\b"),
        ("'Cordially' as a closing", r"\bcordially\W*$"),
        ("'for your kind information'", r"\bfor your kind (information|reference|understanding)\b"),
    ),
    "de": (
        ("'Danke Sie'", r"\bdanke sie\b"),
        ("the participle before the object",
         r"\b(haben|hat|habe|sind|ist) (empfangen|erhalten|bekommen|gelöscht|geschickt|gesendet|zurückerstattet) "
         r"(ihre|ihr|ihren|die|den|das|einen|eine)\b"),
        ("'sind geworden' + participle", r"\b(sind|ist) geworden\b"),
        ("'von die' / 'mit die'", r"\b(von|mit|bei|nach|aus|zu) die\b"),
        ("'für dem' / 'ohne der'", r"\b(für|durch|ohne|gegen) (dem|der)\b"),
        ("the verb not second after 'natürlich', 'leider' ...",
         r"(^|[.!?] )(natürlich|leider|dann|danach|jetzt|heute|morgen|deshalb|also|gerne|selbstverständlich),? "
         r"(wir|sie|ich) (können|werden|haben|sind|müssen|senden|schicken|erstatten|möchten)\b"),
        ("the verb not last in 'wenn ...'",
         r"\b(wenn|weil|dass|nachdem|sobald|ob) (wir|sie|ich) (erhalten|bekommen|haben|sind|können|werden|senden|"
         r"schicken|müssen|möchten) (die|den|das|ihre|ihr|ihren|einen|eine|uns|ihnen)\b"),
        ("the infinitive before its object",
         r"\b(können|müssen|möchten|werden) (zurückgeben|zurücksenden|senden|schicken|kontaktieren|behalten) "
         r"(die|den|das|uns|ihre|ihr|ihren)\b|\bzu geben (einen|eine|ein)\b"),
        ("'wir sind traurig'", r"\bwir (sind|waren) (sehr )?traurig\b"),
    ),
    "fr": (
        ("the pronoun after the infinitive",
         r"\b(retourner|renvoyer|envoyer|rembourser|contacter|donner|aider|remplacer) (elle|lui|eux)\b"),
        ("'envoyer à vous'", r"\b(envoyer|donner|rembourser|offrir|proposer|renvoyer) à (vous|nous)\b"),
        ("'sont sur vous'", r"\b(sont|est|seront|sera) sur vous\b"),
        ("'nous sommes tristes'", r"\bnous sommes (très )?tristes\b"),
        ("'avoir une bonne journée'", r"\bavoir une bonne journée\b"),
    ),
    "es": (
        ("'enviar a usted'", r"\b(enviar|dar|devolver|reembolsar|ofrecer|mandar|ayudar) a usted\b"),
        ("'reembolso lleno'", r"\breembolso llen[oa]\b"),
        ("'estamos tristes de escuchar'", r"\b(estamos|estoy) (muy )?tristes? de (escuchar|oír)\b"),
        ("'rompido'", r"\brompid[oa]s?\b"),
    ),
    "it": (
        ("'scritto a noi'", r"\b(scritto|detto|inviato|mandato) a noi\b"),
        ("'noi siamo dispiaciuti'", r"\bnoi siamo (molto )?dispiaciuti\b"),
        ("'inviare a lei'", r"\b(inviare|dare|mandare|rimborsare|offrire|spedire) a (lei|voi)\b"),
    ),
    "nl": (
        ("'ik ben sorry'", r"\b(ik ben|wij zijn|we zijn) (erg |zeer |heel )?sorry\b"),
        ("'wij zijn verdrietig'", r"\b(wij|we) (zijn|waren) (erg |zeer |heel )?(verdrietig|droevig)\b"),
        ("the verb not second after 'natuurlijk', 'helaas' ...",
         r"(^|[.!?] )(natuurlijk|helaas|dan|daarna|nu|vandaag|morgen|daarom|graag|uiteraard|vervolgens),? "
         r"(wij|we|u|ik) (kunnen|zullen|hebben|zijn|sturen|betalen|moeten|willen|kunt|zult|heeft|bent|ontvangt)\b"),
        ("the verb not last after 'zodra', 'omdat' ...",
         r"\b(zodra|omdat|nadat|wanneer|zodat|totdat|hoewel) (wij|we|u|ik) (ontvangen|ontvangt|krijgen|krijgt|sturen|"
         r"stuurt|hebben|heeft|hebt|kunnen|kunt) (de|het|uw|een|ons|onze)\b"),
        ("the object after 'aan u'", r"\b(sturen|geven|terugbetalen|aanbieden|bieden|zenden|betalen) aan u "
                                     r"(een|het|de|uw)\b"),
        ("'heb een fijne dag'", r"\bheb(t| u)? een (goede|fijne|mooie|leuke) dag\b"),
        ("'beste groeten' (best regards)", r"\bbeste groeten\b"),
        ("'wij zijn spijt' (we are sorry)", r"\b(ik ben|wij zijn|we zijn) (erg |zeer |heel )?spijt\b"),
        ("'een fijne dag hebben' after 'wensen'", r"\bwensen? (u|je) een (goede|fijne|mooie|leuke) dag (te )?hebben\b"),
        ("the verb second after 'na dat' / 'nadat'", r"\bna ?dat (wij|we|ik) (ontvangen|krijgen|hebben) (de|het|uw)\b"),
        ("'wij zullen terug betalen het' (the object after the verb)",
         r"\b(wij|we|ik) (zullen|zal|gaan) (terug ?betalen|sturen|geven|vergoeden) (het|de|uw|een)\b"),
    ),
    "ja": (
        ("'良い一日を持って'", r"良い一日を(持って|お持ち)"),
        ("'聞いて申し訳'", r"(と|を)聞いて(申し訳|残念)"),
    ),
}
# Subject pronouns a pro-drop language says once at most; said this often, the text follows another language.
PRONOUNS: dict[str, tuple[str, int]] = {"es": (r"\bnosotros\b", 2), "it": (r"\bnoi\b", 2),
                                        "ja": (r"あなた(の|は|が|に|を)|私たち(は|が|の)", 3)}


@cache
def _compiled(language: str) -> tuple[tuple[str, re.Pattern], ...]:
    return tuple((name, re.compile(pattern, re.IGNORECASE)) for name, pattern in MARKERS.get(language, ()))


def translation_markers(text: str, language: str) -> list[str]:
    """The constructions of `MARKERS` (and pronoun overuse) the reply contains, each named once."""
    flat = normalise(text)
    found = [name for name, regex in _compiled(language) if regex.search(flat)]
    if language in PRONOUNS:
        pattern, most = PRONOUNS[language]
        count = len(re.findall(pattern, flat, re.IGNORECASE))
        if count >= most:
            found.append(f"{count} subject pronouns the language leaves out")
    return found
