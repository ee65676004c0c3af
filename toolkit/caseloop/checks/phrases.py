"""How replies say things, per language: the rubric elements and the words that make text prose.

Each element is a case-insensitive regular expression matched on the reply flattened to one line
(the greeting on its first line only). Patterns cover the many ways agents phrase a thing ("That
must have been worrying", "Thank you for telling us", "by 16 April"), not one model answer.
`FUNCTION_WORDS` are the small words sentences need and keyword lists lack.
"""

from __future__ import annotations

import re
from functools import cache

_EN_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december|" \
             "jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec"
_EN_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"

ELEMENTS: dict[str, dict[str, str]] = {
    "en": {
        "greeting": r"^\W*(dear|hi|hello|hey|good (morning|afternoon|evening)|greetings)\b",
        "empathy": r"\b(understand|frustrat|inconvenien|sorry to hear|appreciate|thank(s| you) (you )?for|disappoint|"
                   r"concern|worr|stress|annoying|upsetting|no fun|no use|not (good enough|what you (expected|paid|"
                   r"ordered))|(you're|you are) (right|absolutely right)|completely fair|fair point|i can (imagine|"
                   r"see)|"
                   r"must (have been|be)|that'?s (a shame|awful|not ok)|let down|hassle|faff|sorry (about|for) (the|"
                   r"this|"
                   r"that|your)|so sorry)",
        "apology": r"\b(apolog|sorry|regret)",
        "time": rf"\b(within|in the next|in \d+|today|tonight|tomorrow|this (morning|afternoon|evening|week)|"
                rf"same[- ]day|right away|straight away|immediately|by ({_EN_DAYS}|the end|end of|close of|\d)|"
                rf"(on|by|before) ({_EN_DAYS})|next (business |working )?day|\d+\s*(to|-|–)\s*\d+ (business |working )?"
                rf"(days|hours)|(\d{{1,2}}(st|nd|rd|th)?( of)? ({_EN_MONTHS}))|"
                rf"(({_EN_MONTHS}) \d{{1,2}})|as soon as|at the latest|already (sent|refunded|issued|shipped|"
                rf"processed)|(has|have) (now )?(been )?(sent|refunded|issued|shipped|processed|gone)|"
                rf"the (same )?day (the|we|it|your|you)|(refund|replacement|it) (is )?done|goes out)",
        "closing": r"(regards|sincerely|best wishes|\bbest,|\bbest\s*$|yours\b|thank(s| you) again|many thanks|"
                   r"warm(est)?"
                   r" (wishes|regards)|cheers|with apologies|take care\W*$|all the best|kind wishes|speak soon|"
                   r"\bthanks,?\s*$|\bthank you,?\s*$)",
        "action": r"\b(refund|replace|reship|resend|send (you )?(a|the|your|another|it)|ship|tracking|track|"
                  r"return label|"
                  r"prepaid label|investigat|claim|repair|exchange|reimburs|credit|money back|cancel|delete|erase|"
                  r"remove your data|check(ed)?|look(ed)? into|contact amazon|arrange)",
    },
    "de": {
        "greeting": r"^\W*(sehr geehrte|liebe|hallo|guten (tag|morgen|abend)|grüß gott|moin|servus)",
        "empathy": r"(verstehe|verständnis|ärgerlich|unannehmlichkeit|danke für|vielen dank|herzlichen dank|enttäusch|"
                   r"nachvollzieh|bedauerlich|unangenehm|sorge|recht haben|ärger|leider)",
        "apology": r"(entschuldig|bedauer|tut (mir|uns) (sehr |wirklich |aufrichtig )?leid|verzeih)",
        "time": r"(innerhalb|binnen|\d+\s*(stunden|werktag|tag)|heute|morgen|bis (montag|dienstag|mittwoch|donnerstag|"
                r"freitag|samstag|sonntag|zum|spätestens|ende)|\d+\.\s*(januar|februar|märz|april|mai|juni|juli|august|"
                r"september|oktober|november|dezember)|\d+\.\d+\.|umgehend|noch heute|sofort|spätestens|unverzüglich|"
                r"bereits (erstattet|veranlasst|verschickt|gelöscht))",
        "closing": r"(mit freundlichen grüßen|freundliche grüße|viele grüße|beste grüße|herzliche grüße|"
                   r"hochachtungsvoll|"
                   r"schöne grüße|liebe grüße|mfg\b|grüße aus)",
        "action": r"(erstatt|ersatz|umtausch|zusend|neu zu|austausch|sendungsverfolgung|etikett|rücksend|retour|lösch|"
                  r"geld zurück|gutschrift|reparat|prüfen|geprüft|storn)",
    },
    "fr": {
        "greeting": r"^\W*(bonjour|bonsoir|madame|monsieur|cher|chère|salut)",
        "empathy": r"(comprend|désagrément|merci (pour|de)|navré|déception|décevant|regrettable|contrariant|inquiét|"
                   r"gêne|embêtant|raison|fâcheu)",
        "apology": r"(excus|désolé|regrett|pardon)",
        "time": r"(sous \d+|dans (les )?\d+|\d+\s*(jours|heures)|aujourd'hui|demain|d'ici|avant le|dès (réception|"
                r"aujourd)|immédiatement|au plus tard|le \d+ \w+|dans la journée|sans délai|déjà (remboursé|envoyé))",
        "closing": r"(cordialement|bien à vous|salutations|sincères|bonne (journée|soirée)|je vous prie d'agréer|"
                   r"veuillez agréer|avec (toutes )?mes excuses|à votre disposition)",
        "action": r"(rembours|remplac|renvoy|nouvel? (article|colis|appareil)|suivi|étiquette|retour|supprim|effac|"
                  r"répar|échange|avoir|annul|vérifi)",
    },
    "es": {
        "greeting": r"^\W*(estimad[oa]|hola|buen(os|as) (días|tardes|noches)|querid[oa]|señor|señora|sra\b|sr\b)",
        "empathy": r"(entiendo|comprend|lamento|lamentamos|sentimos|molestia|inconvenient|gracias por|frustra|decepci|"
                   r"preocupa|razón|disgusto|fastidi)",
        "apology": r"(disculp|perdón|perdone|lo siento|lo sentimos|lamentamos|sentimos mucho)",
        "time": r"(en (un plazo de )?\d+|dentro de|\d+\s*(días|horas)|hoy|mañana|antes del?|como máximo|a más tardar|"
                r"inmediatamente|el \d+ de|en cuanto|ya (hemos|he) (reembolsado|enviado))",
        "closing": r"(atentamente|un (cordial )?saludo|saludos|cordialmente|quedamos a su disposición|"
                   r"a su disposición|reciba un|gracias de nuevo)",
        "action": r"(reembols|devoluci|devolv|sustitu|reemplaz|reenví|nuevo (producto|artículo|envío)|seguimiento|"
                  r"etiqueta|repar|cambio|elimin|borr|abono)",
    },
    "it": {
        "greeting": r"^\W*(gentile|egregi[oa]|cara|caro|buongiorno|buonasera|salve|ciao)",
        "empathy": r"(capisco|comprend|ci dispiace|mi dispiace|disagio|inconvenient|grazie per|frustra|delus|"
                   r"preoccup|ragione|fastidi|spiacevole)",
        "apology": r"(scus|ci dispiace|mi dispiace|rammaric|perdon)",
        "time": r"(entro|\d+\s*(giorni|ore)|oggi|domani|immediatamente|il prima possibile|al più tardi|il \d+ \w+|"
                r"in giornata|subito|già (rimborsato|spedito|inviato))",
        "closing": r"(cordiali saluti|distinti saluti|saluti|un cordiale saluto|resto a (sua )?disposizione|"
                   r"restiamo a (sua )?disposizione|grazie ancora|cordialmente)",
        "action": r"(rimbors|sostitu|rispedi|nuovo (prodotto|articolo)|tracciamento|etichetta|reso|ripar|cambio|"
                  r"cancell|elimin|spedi|invi)",
    },
    "nl": {
        "greeting": r"^\W*(geachte|beste|lieve|hallo|hoi|dag|goede(n)? (morgen|middag|avond|dag)|goedemorgen|"
                    r"goedemiddag|goedenavond|goedendag)\b",
        "empathy": r"(begrijp|begrip|vervelend|ongemak|bedankt voor|dank (u |je )?(wel )?voor|hartelijk dank|"
                   r"teleurstell|teleurgesteld|frustrer|zorgen maakt|zorgen maken|bezorgd|ergerlijk|lastig|"
                   r"(heeft|hebt) (volkomen |helemaal |absoluut )?gelijk|jammer|balen|"
                   r"onprettig|kan me voorstellen|kunnen ons voorstellen|(het|dit) spijt (ons|me|mij))",
        "apology": r"(excuse|excuus|excuses|verontschuldig|sorry|spijt (ons|me|mij)|(ons|mij|me) spijt|betreur)",
        "time": r"(binnen|uiterlijk|vandaag|morgen|vanavond|vanmiddag|overmorgen|\d+\s*(werkdag|dag|uur)|"
                r"(voor|vóór|op|tot) (maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)|"
                r"\d{1,2} (januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december)|"
                r"\d{1,2}[-/.]\d{1,2}|onmiddellijk|direct|meteen|zo snel mogelijk|zo spoedig mogelijk|per omgaande|"
                r"nog vandaag|deze week|volgende week|al (terugbetaald|verstuurd|verzonden|geregeld|teruggestort)|"
                r"(is|zijn|werd|hebben|heb) (vandaag |zojuist |inmiddels |al )?(terugbetaald|verstuurd|verzonden|"
                r"teruggestort|aangemaakt|gestart))",
        "closing": r"(met vriendelijke groet|vriendelijke groet|met hartelijke groet|hartelijke groet|met vriendelijke "
                   r"groeten|vriendelijke groeten|hoogachtend|groeten|\bmvg\b|met een vriendelijke groet|"
                   r"nogmaals (excuses|dank|onze excuses))",
        "action": r"(terugbetal|terugstort|vervang|vervangend|nieuw exemplaar|opnieuw (ver)?(sturen|zenden)|"
                  r"retourlabel|retour|terugsturen|track|zending|onderzo|reparatie|repareren|herstel|omruil|annuler|verwijder|"
                  r"controler|nagaan|geld terug|vergoed|crediter)",
    },
    "ja": {
        "greeting": r"^.{0,30}(様|さま|殿)",
        "empathy": r"(ご不便|ご迷惑|お気持ち|ご心配|ご連絡いただき|お問い合わせいただき|ご不快|ご指摘|お困り|残念|"
                   r"ご期待に|ご心労|お手数)",
        "apology": r"(申し訳|お詫び|すみません|失礼いたしました)",
        "time": r"(\d+\s*(時間|日|営業日)以内|本日|明日|までに|\d+月\d+日|至急|ただちに|速やかに|当日|翌営業日|"
                r"すでに|既に)",
        "closing": r"(よろしくお願い|今後とも|敬具|心より|引き続き|何卒|失礼いたします)",
        "action": r"(返金|交換|再送|追跡|返品|お送り|発送|修理|削除|消去|キャンセル|確認いたし)",
    },
}

FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset("a an the and but or so if because as of to in on at by for with from into about than that this "
                    "these those it its is are was were be been being have has had do does did will would can could "
                    "shall should may might must i you he she we they me him her us them my your our their mine "
                    "yours not no there here what which who when where how all any some just also please".split()),
    "de": frozenset("der die das den dem des ein eine einen einem einer und oder aber denn wenn weil dass ob zu in im "
                    "an am auf aus bei mit nach von vom zum zur für über unter um ist sind war waren sein haben hat "
                    "hatte wird werden würde kann können könnten soll muss ich sie ihr ihre ihnen wir uns unser "
                    "unsere es er nicht kein keine auch noch schon bitte so wie da hier".split()),
    "fr": frozenset("le la les l un une des du de d et ou mais donc car si que qu qui quoi à au aux en dans sur "
                    "sous par pour avec sans est sont était être avoir a ont avons sera serait peut pouvez je j "
                    "vous nous il elle ils on votre vos notre nos ce cet cette ces ne n pas plus très bien "
                    "aussi déjà y".split()),
    "es": frozenset("el la los las un una unos unas y o pero si que de del a al en con por para sin sobre es son "
                    "está están ser estar ha han hemos he haber puede puedo le les lo su sus nuestro nuestra "
                    "usted ustedes nosotros yo me se no ya muy también como cuando".split()),
    "it": frozenset("il lo la i gli le un uno una e o ma se che di del della dei delle a al alla ai in nel nella "
                    "con per su tra fra da dal è sono era essere ha hanno abbiamo ho avere può posso lei le "
                    "suo sua suoi nostro nostra noi io mi si ci non già molto anche come quando".split()),
    "nl": frozenset("de het een en of maar want dus als omdat dan dat die dit deze van te in op aan bij met voor "
                    "naar uit over onder om tot door is zijn was waren ben bent wordt worden werd heeft hebben had "
                    "kan kunnen kunt zal zullen zou moet moeten mag wil wilt ik u uw wij we ons onze zij ze hij het "
                    "er hier niet geen ook nog al graag wel zo hoe wat wie waar wanneer".split()),
}
# Japanese has no spaces: particles and polite endings play the part of function words.
JA_GRAMMAR = re.compile(r"[はがをにでともへのやか]|です|ます|ました|ません|ございます|いたし")


@cache
def element_pattern(language: str, element: str) -> re.Pattern[str]:
    """The compiled pattern of one rubric element in one language (KeyError when there is none)."""
    flags = re.IGNORECASE | (re.MULTILINE if element == "greeting" else 0)
    return re.compile(ELEMENTS[language][element], flags)
