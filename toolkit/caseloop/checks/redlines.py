"""Platform red lines: what makes a reply impossible to send, whatever else it does well.

Amazon's buyer-seller messaging and review rules forbid, in every language and in any disguise:
links outside Amazon and Amazon links the order does not need (product pages, storefronts,
search results; order, returns and help pages are fine), e-mail addresses (also "support [at]
shop [dot] com" or spaced out), phone numbers (national formats too) and invitations to call,
messaging apps and social handles, asking for positive reviews or for a review to be changed
(softly too), incentives for reviews, marketing, payments outside Amazon, offers conditional on
withdrawing a claim, promises to remove a review, blaming the buyer, emojis and shouting. Each
red line found is a finding with its zh / en reason and the source key of the rule it breaks
([M8] etc., see cases/sources.yaml).
"""

from __future__ import annotations

import re
from functools import cache

from caseloop.checks.score import Finding

# code -> (zh, en) reason shown to the trainee
REASONS: dict[str, tuple[str, str]] = {
    "link": ("含亚马逊以外的链接或网站，或订单用不上的亚马逊链接（商品页、店铺页、搜索页；"
             "消息里只允许完成订单所需的链接，如订单、退货、帮助页面 [M8][M9]）",
             "links or websites outside Amazon, or Amazon links the order does not need (product pages, storefronts, "
             "searches: messages may link only what the order needs, such as the order, returns or help page "
             "[M8][M9])"),
    "email": ("含电子邮箱地址，包括拆开或用 at/dot 改写的（消息政策禁止 [M8][M9]）",
              "contains an e-mail address, also when spelled out with at / dot or spaces (forbidden [M8][M9])"),
    "phone": ("含电话号码或请买家打电话（消息政策禁止 [M9]）",
              "contains a phone number or asks the buyer to call (forbidden in buyer messages [M9])"),
    "off_platform_contact": ("引导买家到亚马逊以外联系（WhatsApp、社交账号、私信等，消息政策禁止 [M8][M9]）",
                             "moves the conversation off Amazon (messaging apps, social handles, DMs; "
                             "forbidden [M8][M9])"),
    "review_request": ("索要好评、请买家修改/删除/重新考虑评价（含委婉说法，评价政策禁止 [R1][R4]）",
                       "asks for a positive review or feedback, or for a review to be changed or reconsidered, "
                       "also softly (review policy forbids it [R1][R4])"),
    "review_incentive": ("以好处换取评价（违反评价政策，美国还违反 FTC 16 CFR 465 [R1][F4]）",
                         "ties an incentive to a review or feedback (review policy, FTC 16 CFR 465 [R1][F4])"),
    "marketing": ("含优惠券或营销内容（消息渠道禁止任何营销 [M4][M8]）",
                  "coupons or marketing (no promotion of any kind in buyer messages [M4][M8])"),
    "off_amazon_payment": ("承诺在亚马逊之外付款或退款（退款必须通过亚马逊订单 [Ret2]）",
                           "promises a payment or refund outside Amazon (refunds go through the order [Ret2])"),
    "conditional_claim": ("以撤销索赔或评价为条件给出补偿（政策不允许 [F2][A3]）",
                          "makes an offer conditional on withdrawing a claim or feedback (not allowed [F2][A3])"),
    "removal_promise": ("承诺删除评价（只有亚马逊能删除，且仅限政策列出的情况 [F1]）",
                        "promises to remove a review or feedback (only Amazon can, in listed cases [F1])"),
    "blame": ("指责买家（先认可问题，再说明事实 [C8][C9]）", "blames the buyer (acknowledge, then explain [C8][C9])"),
    "emoji": ("含表情符号（消息政策禁止 [M9]）", "contains emojis (forbidden in buyer messages [M9])"),
    "shouting": ("大写或连续感叹号显得在吼叫", "capitals or repeated exclamation marks read as shouting"),
}

_REVIEW = {
    "en": r"reviews?|feedback|ratings?|star ratings?",
    "de": r"bewertung\w*|rezension\w*|feedback|sterne\w*",
    "fr": r"avis|commentaires?|évaluations?",
    "es": r"valoraci\w+|reseñas?|opini\w+|calificaci\w+",
    "it": r"recension\w+|valutazion\w+|feedback|giudizi\w*",
    "nl": r"beoordeling\w*|recensie\w*|review\w*|feedback|waardering\w*|sterren",
    "ja": r"レビュー|評価|口コミ|フィードバック",
}
# Asking for a review, for a good one, or for one to be changed: verb and object in each language's order.
_REVIEW_REQUESTS = {
    "en": r"\b(leav|giv|writ|post|shar|add|drop|submitt?)(e|es|ing)?\b\s+(us\s+|me\s+)?(a\s+|an\s+|your\s+|some\s+)?"
          r"(\w+\s+){0,2}(reviews?|feedback|ratings?|stars?)\b|"
          r"\b(update|change|revise|reconsider|remove|delete|edit|amend|withdraw|adjust|rethink|take down|"
          r"look again at|"
          r"improve|raise|upgrade)\s+(your|the|that|this|its|my|our)?\s*(\w+\s+){0,2}(reviews?|feedback|ratings?)\b|"
          r"\b(reviews?|feedback|ratings?)\b[^.!?\n]{0,60}\b(would mean|mean(s)? (a lot|the world|so much)|"
          r"help(s)? (us|a small|other|our)|we('d| would) (appreciate|love|be grateful))|"
          r"\b(kind|positive|good|great|glowing|nice|honest|5[- ]?star|five[- ]?star)\s+(words|reviews?|feedback|"
          r"ratings?)\b|\blet (others|other\b[\w\s-]{1,25}?|people|everyone)\s+know\b|\bspread the word\b|"
          r"\b(in|with|through) a (quick |short |little |kind |positive )?(review|rating)\b|"
          r"\btake (another|a second|a fresh|a new) look at (your|the|that|this|my|our)?\s*(\w+\s+)?(reviews?|feedback|"
          r"ratings?)\b|\b(hold off|wait|pause)\w* (on|with|before) (any |your |a |leaving |posting |writing )*"
          r"(reviews?|feedback|ratings?)\b|\bevery (review|rating|star)s? (matters|counts|helps)\b|"
          r"\b(rate|review|recommend)\s+us\b|\b(rating|reviewing)\s+us\b|"
          r"\b(we|i)('d| would) (love|appreciate|welcome|be grateful for)\s+(your|a|an|some)\s+(\w+\s+){0,2}"
          r"(reviews?|feedback|ratings?)\b|\b(consider|think about|think of us when)\s+(\w+\s+){0,2}"
          r"(leaving|giving|updating|changing|revising|writing|posting|reviews?|feedback|ratings?)\b|"
          r"\btake a (moment|minute|second)\s+to\s+(rate|review|share|leave|tell|let)\b|"
          r"\b(reflect|show|mention)\w*\s+(this|that|it|the (outcome|resolution))\s+in\s+your\s+(reviews?|feedback|"
          r"ratings?)\b|\b(reviews?|feedback|ratings?)\s+(section|page|form|link|request)\b|"
          r"\bshare your (experience|thoughts|opinion|story)\b|\btell (other|fellow) (buyers|shoppers|customers)\b|"
          r"\b(a|your|an honest|a short|a quick) (review|rating)\b[^.!?\n]{0,40}\b(help|helps|would|could|for other)",
    "de": r"(bewertung|rezension|feedback|sterne)\w*\b[^.!?\n]{0,40}\b(zu )?(ändern|anzupassen|anpassen|überdenken|"
          r"löschen|entfernen|zurückziehen|zurückzuziehen|aktualisieren|abgeben|abzugeben|hinterlassen|schreiben|"
          r"freuen)|"
          r"\b(positive|gute|tolle|nette|freundliche|5[- ]sterne|fünf[- ]sterne)\w*\s+(bewertung|rezension|feedback|"
          r"worte)|\bweiterempfehl\w*|\bbewerten sie uns|\b(über|auf) (ihr|ihre|eine) (\w+ )?(bewertung|rezension|"
          r"feedback|rückmeldung)\w* (würden|freuen)|\b(bewertung|rezension|feedback)\w* (hilft|helfen) uns",
    "fr": r"\b(laisser|laissez|donner|écrire|publier|modifier|changer|retirer|supprimer|revoir|reconsidérer|"
          r"mettre à jour)\b[^.!?\n]{0,30}\b(avis|commentaire|évaluation)|"
          r"\b(avis|commentaire|évaluation)s?\s+(positi\w+|favorable|5 étoiles|cinq étoiles)|\bpetit mot\b|"
          r"\bbon(ne)? (avis|évaluation)|\bévaluez[- ]nous|\bnotez[- ]nous|\bvotre avis (nous )?(aide|compte)|"
          r"\bn'hésitez pas à (laisser|donner|noter|partager)|\bun (petit )?commentaire (positif|sympa)",
    "es": r"\b(dejar\w*|deje|escribir|publicar|cambiar|modificar|retirar|eliminar|reconsiderar|"
          r"actualizar)\b[^.!?\n]{0,30}"
          r"\b(valoraci|reseña|opini|comentario|calificaci)|"
          r"\b(valoración|reseña|opinión|calificación)\s+(positiva|buena|de 5 estrellas|de cinco estrellas)|"
          r"\b(buena|positiva) (valoración|reseña|opinión)|\bvalór\w*nos|\bcalifíque\w*nos|"
          r"\bsu (opinión|valoración|reseña) nos (ayuda|importa)|\bnos (encantaría|gustaría) (conocer|leer|recibir) "
          r"su (opinión|valoración|reseña)",
    "it": r"\b(lasciar\w*|lasci|scrivere|pubblicare|modificare|cambiare|rimuovere|eliminare|riconsiderare|aggiornare)"
          r"\b[^.!?\n]{0,30}\b(recension|valutazion|feedback|commento|giudizio)|"
          r"\b(recensione|valutazione)\s+(positiva|buona|a 5 stelle|a cinque stelle)|\b(buona|bella) recensione|"
          r"\bvalutarci|\bla sua (opinione|recensione|valutazione) ci (aiuta|importa)|\bci (farebbe|farà) piacere "
          r"(una|ricevere|leggere)",
    "nl": r"\blaat\b[^.!?\n]{0,40}\b(beoordeling|recensie|review|feedback|waardering)\w*\b[^.!?\n]{0,20}\bachter\b|"
          r"\b(achterlaten|achter te laten|schrijven|te schrijven|plaatsen|te plaatsen|aanpassen|aan te passen|"
          r"wijzigen|te wijzigen|verwijderen|te verwijderen|intrekken|in te trekken|herzien|te herzien|heroverwegen|"
          r"te heroverwegen|bijwerken|bij te werken|verhogen|te verhogen)\b(?!\s+(wij|we|ik|u|jullie)\b)"
          r"[^.!?\n]{0,40}\b(beoordeling|recensie|review|feedback|waardering|sterren)|"
          r"\b(beoordeling|recensie|review|feedback|waardering)\w*\b[^.!?\n]{0,30}\b(achter(laten|laat)?|aan(passen|"
          r"past)|"
          r"wijzig(en|t)|verwijder(en|t)|in(trekken|trekt)|herzien|heroverwegen|bij(werken|werkt)|plaats(en|t)|"
          r"schrijf(t)?|schrijven|te geven)\b(?!\s+(wij|we|ik|u|jullie)\b)|"
          r"\b(een|uw) (\w+ )?(beoordeling|recensie|review|waardering) (geeft|geven)\b(?!\s+(wij|we|ik)\b)|"
          r"\b(ons|onze (winkel|service|product\w*)) (\w+ ){0,2}(te )?(beoordelen|waarderen|recenseren|aanbevelen)\b|"
          r"\b(vijf|5)[- ]?sterren (te )?(geven|geeft|achterlaten|achter te laten)\b|"
          r"\bgeef\w* (ons|de \w+) (vijf|5)[- ]?sterren\b|"
          r"\b(beoordeling|recensie|review|waardering|feedback)\w* (willen|wilt|zou|zouden|kunt|kunnen) "
          r"(geven|achterlaten|schrijven|plaatsen)\b|"
          r"\b(in|met|via) een (korte |kleine |eerlijke |positieve )?(recensie|review|beoordeling)\b|"
          r"\b(positieve|goede|mooie|leuke|vriendelijke|eerlijke|5[- ]sterren|vijf[- ]sterren|vijfsterren)\w*\s+"
          r"(beoordeling|recensie|review|feedback|woorden|waardering)|"
          r"\b(beoordeel|beoordeelt|waardeer|waardeert|recenseer) (ons|onze)\b|\baanbevel\w* (ons|aan anderen)|"
          r"\bvertel (het )?(andere|anderen)|"
          r"\b(beoordeling|recensie|review|feedback|waardering)\w* (helpt|helpen|betekent|zou) (ons|veel)|"
          r"\b(stellen|zouden) (wij|we|het) (het )?(zeer |erg )?(op prijs|waarderen)[^.!?\n]{0,30}\b(beoordeling|"
          r"recensie|review|feedback|waardering)",
    "ja": r"(レビュー|評価|口コミ|フィードバック).{0,20}(書いて|投稿|変更|削除|取り下げ|見直|いただけると|頂けると|"
          r"お願い|ご検討|応援|賜れ|ください)|高評価|星5|星５|星を5|ご評価|ご感想を.{0,10}(お願い|いただけ)",
}
_INCENTIVES = (r"gift ?cards?|vouchers?|coupons?|discount|free|bonus|extra refund|partial refund|cash ?back|"
               r"complimentary|on the house|on us|reward|token of|thank[- ]you gift|something extra|store credit|"
               r"compensat\w*|entschädigung|dankeschön|geste commercial|dédommagement|bon de réduction|"
               r"compensaci\w+|obsequio|reembolso parcial|compensazion\w+|rimborso parziale|お礼|特典|ポイント|"
               r"gutschein\w*|rabatt\w*|gratis|kostenlos\w*|geschenk\w*|bon d'achat|réduction|remise|cadeau|gratuit\w*|"
               r"tarjeta regalo|descuento|vale|regalo|buono|sconto|omaggio|ギフト券|割引|クーポン|無料|"
               r"cadeaubon\w*|cadeaukaart\w*|tegoedbon\w*|waardebon\w*|korting\w*|kortingscode\w*|cadeautje|"
               r"bedankje|tegoed|vergoeding|compensatie|schadevergoeding|gedeeltelijke terugbetaling|"
               r"プレゼント")
_PATTERNS = {
    "link": r"(https?://|www\.)(?![\w.-]*amazon\.)|\b[\w-]+\.(com|net|org|shop|store|de|fr|it|es|nl|be|co\.uk|jp)\b"
            r"(?<!amazon\.com)(?<!amazon\.de)(?<!amazon\.fr)(?<!amazon\.it)(?<!amazon\.es)(?<!amazon\.co\.uk)"
            r"(?<!amazon\.jp)(?<!amazon\.nl)(?<!amazon\.com\.be)|"
            r"\b(our|unsere[rm]?|notre|nuestra|nostro|il nostro|onze) (eigen )?"
            r"(website|web site|online ?shop|webseite|site web|sitio web|sito|webwinkel|webshop|servicepagina)\b|"
            # a web address spelled out to pass a filter: "shop dot com slash help", "koffieservice punt nl"
            r"\b[\w-]+ (dot|punkt|punt) (com|net|org|shop|de|fr|it|es|nl|be|co uk|jp)\b|"
            r"\b[\w-]{3,} point (com|net|org|shop|fr|be)\b|"  # not "le point de départ"
            r"\b[\w-]{3,} punto (com|net|org|shop|de|fr|nl|be|jp)\b|"  # not "el punto es que"
            # an Amazon page the order does not need: anything but the buyer's orders, returns and help pages
            r"(https?://|www\.)?([\w-]+\.)*amazon\.(com|co\.uk|de|fr|it|es|nl|ca|co\.jp|jp)(\.\w+)?/"
            r"(?!(gp/)?(css/order|your-orders|your-account/order|orc|returns|help|gp/help)|spr/returns|hz/returns|"
            r"(gp/)?(css/)?order-history|ap/signin)[^\s)]+",
    "email": r"[\w.+-]+\s?@\s?[\w-]+\s?\.\s?[\w.-]+|"
             r"\b[\w.+-]+\s*[\[({<]\s*(at|ät|arobase|arroba|chiocciola|apenstaartje)\s*[\])}>]\s*[\w-]+|"
             r"\b\w+ (at|ät|arobase|arroba|chiocciola|apenstaartje) \w+ (dot|punkt|point|punto|punt) \w{2,4}\b|"
             r"[\w-]+\s*[\[({<]\s*(dot|punkt|point|punto|punt)\s*[\])}>]\s*(com|de|fr|it|es|nl|be|net|org|uk|jp)\b|"
             r"\bapenstaartje\b|"
             r"(?<!\w)(\w ){4,}@|@ ?(\w ){3,}|＠",
    "phone": r"(?<![\w-])(\+|00)\d{1,3}[\s./-]*\(?\d{1,4}\)?([\s./-]*\d{2,4}){2,4}(?![\w-])|"
             r"(?<![\w/-])\(?0\d{1,4}\)?[\s./-]?\d{2,4}([\s./-]?\d{2,4}){1,3}(?![\w/-])|"
             r"(?<![\w-])\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?![\w-])|(?<![\w-])[6-9]\d{2}[\s.]\d{3}[\s.]\d{3}(?![\w-])|"
             r"\b(call|phone|ring|text|telephone) (us|me|our (team|hotline|office))\b|give (us|me) a (quick |short )?"
             r"(call|ring|buzz)|"
             r"\b(rufen sie (uns|mich) an|anrufen|telefonisch|appelez[- ]nous|par téléphone|llámenos|llámanos|"
             r"por teléfono|ci chiami|chiamarci|telefonicamente|お電話|電話番号|フリーダイヤル|"
             r"bel (ons|mij|me|onze (klantenservice|helpdesk))|belt u (ons|mij|met ons)|(ons|mij) (even )?(op)?bellen|"
             r"telefonisch|telefoonnummer|(onze|de) (klantenservice|helpdesk) (bellen|te bellen)|"
             r"(kunt|wilt) u (ons|mij) (\w+ )?bellen|ons (\w+ )?(te )?bellen)",
    "off_platform_contact": r"\b(whats ?app|wechat|telegram|signal app|viber|skype|instagram|insta|facebook|"
                            r"messenger|tiktok|twitter|snapchat|line ?id|line@|dm us|direct message|"
                            r"privatnachricht|message privé|mensaje privado|messaggio privato|privébericht|"
                            r"mail (ons|mij)|e-?mail (ons|mij)|(ons|mij) (een )?(e-?)?mail(tje)? (sturen|te sturen)|"
                            r"(stuur|stuurt)(\s+\w+){0,2}\s+(ons|mij)(\s+\w+){0,2}\s+een (e-?)?mail(tje)?|"
                            r"(ons|mij) (even )?(te )?mailen|"
                            r"buiten amazon (om )?(contact|bereiken|mailen|bellen))\b|"
                            r"(?<![\w.])@[a-z]\w{2,}|"
                            r"LINE ?(で|の|ID|アカウント)|ラインで|ライン(の)?(ID|ＩＤ|アカウント)|"
                            r"エル・?アイ・?エヌ・?イー|ＬＩＮＥ",
    "marketing": r"\b(coupon|promo(tion(al)?)? code|discount code|newsletter|follow us|our (new|latest) "
                 r"(collection|products?|range)|check out our|next (order|purchase)|shop (our|now)|subscribe)\b|"
                 r"\b(new|special|latest|exclusive) (offers|deals|promotions)\b|neuen? angebote\w*|nouvelles offres|"
                 r"nuevas ofertas|nuove offerte|gutschein|rabattcode|neue kollektion|"
                 r"code promo|prochaine commande|código de descuento|"
                 r"próxima compra|codice sconto|prossimo acquisto|クーポン|次回のご購入|"
                 r"nieuwsbrief|volg ons|nieuwe (aanbiedingen|collectie|producten)|kortingscode|volgende (bestelling|"
                 r"aankoop)|speciale aanbieding\w*|bekijk (ook )?(ons|onze) (assortiment|andere producten|winkel)",
    "off_amazon_payment": r"\b(paypal|venmo|zelle|western union|bank transfer|wire transfer|cash ?app|revolut|"
                          r"wise transfer|apple pay|google pay|alipay|wechat pay|überweisung|banküberweisung|virement|"
                          r"transferencia|bizum|bonifico|postepay|carta ricaricabile|iban|sort code|bank (details|"
                          r"account)|"
                          r"account number|routing number|bankverbindung|kontodaten|bankdaten|coordonnées bancaires|"
                          r"rib|"
                          r"datos bancarios|cuenta bancaria|coordinate bancarie|conto corrente|refund (you )?directly|"
                          r"overboeking|bankoverschrijving|overschrijving|overmaken|over te maken|overgemaakt|tikkie|"
                          r"betaalverzoek|rekeningnummer|bankrekeningnummer|bankgegevens|"
                          r"(send|transfer) (you )?(the )?(money|amount|cash) (directly|yourself|outside))\b|"
                          r"銀行振込|振込|振り込|口座|"
                          # Italian 'ricarica' is a payment only as a top-up (of a card, account, SIM or phone credit),
                          # not the charging of a power bank ('durante la ricarica', 'ricaricare il telefono')
                          r"\bricaric\w*\s+(\S+\s+){0,5}?(sulla|sul|alla|al|della|del|la|il|nella|nel|su|sulle)\s+"
                          r"(sua\s+|tua\s+|suo\s+|tuo\s+|vostra\s+|vostro\s+)?(carta|postepay|conto|iban|paypal|"
                          r"satispay)\b|"
                          r"\bricaric\w*\s+(\S+\s+){0,5}?(sulla|sul|alla|al|su)\s+(sua\s+|tua\s+|suo\s+|tuo\s+)?(sim|"
                          r"numero|cellulare|"
                          r"telefono|utenza)\b|\bricarica telefonica\b|\bricaric\w*\s+(di|da)\s+(€\s?\d|"
                          r"\d+([.,]\d+)?\s?(euro|€|eur)\b)|"
                          r"\b(carta|conto)\s+(\w+\s+)?ricaric\w*",
    "conditional_claim": r"\bif you (cancel|withdraw|close|drop|remove)\b.{0,40}\b(a-to-z|claim|chargeback|case|review|"
                         r"feedback)|\bwenn sie\b.{0,40}\b(zurückziehen|zurücknehmen)|\bsi vous (retirez|annulez)\b|"
                         r"\bsi (retira|cancela)\b|\bse (ritira|annulla)\b|"
                         r"\b(als|zodra|indien|wanneer) u\b.{0,40}\b(claim|klacht|a-tot-z|terugboeking|beoordeling|"
                         r"recensie|review|feedback)\b.{0,30}\b(intrekt|annuleert|verwijdert|sluit|aanpast|wijzigt)\b",
    "removal_promise": r"\b(we|i)('ll| will| can| shall)\b.{0,30}\b(remove|delete|take down)\b.{0,30}"
                       r"\b(review|feedback|rating)",
    "blame": r"\b(your fault|(?<!what )you should have "
             r"(?!received|got|gotten|been|had|opened|seen|found|expected|heard|to\b|them\b|it\b|one\b)\w+|"
             r"you didn'?t (read|check|follow|"
             r"look)|you failed to|as clearly stated|"
             r"you must have|obviously you|if you had (?!(any|more) questions)\w+|because you (chose|picked|"
             r"selected|opted|ordered|didn'?t|did not)|"
             r"next time,? (please )?(choose|pick|order|select|read|check|use|follow)|next time,? you (may|might|could|"
             r"should|will) (want|need|have) to|when you (choose|pick|select|order) (the )?(cheapest|cheaper|"
             r"slowest)|(choosing|picking|selecting|opting for)"
             r" (the )?(cheapest|cheaper|standard|slowest|free) (shipping|delivery|option)|(take|taken) better care|"
             r"(handle|treat|use) (our products|it|them|the \w+) (more )?carefully|clearly (says|states|stated|shows)|"
             r"you (may|might|must|probably) have (dropped|damaged|broken|misused|soaked|mishandled|caused|got)|"
             r"(caused|damaged) by (you|misuse|mishandling|improper)|not our (fault|problem|responsibility)|"
             r"(improper|incorrect|wrong) (use|usage|handling|installation|charging)|user error|careless\w*|"
             r"(your|the buyer's) (own )?responsibility|you are responsible|did(n'?t| not) you (read|check)|"
             r"as (stated|written|mentioned|explained) (clearly )?(in|on) the (listing|description|manual|page))\b|"
             r"unsachgemäß|ihre verantwortung|ihr eigenes verschulden|votre responsabilité|mauvaise utilisation|"
             r"vous n'avez pas (lu|vérifié)|su responsabilidad|mal uso|no (leyó|revisó)|sua responsabilità|"
             r"uso improprio|non ha (letto|controllato)|ご自身の責任|自己責任|ご確認不足|お客様ご自身の|"
             r"ihre schuld|sie hätten|hätten sie|selbst schuld|freiwillig angegeben|muss(en|te)? (nun einmal|halt|"
             r"eben) "
             r"damit rechnen|nicht unser problem|eigenes verschulden|votre faute|vous auriez dû|si vous aviez (lu|"
             r"vérifié|regardé)|pas notre (faute|problème)|faites plus attention|culpa suya|su culpa|debería haber|"
             r"si hubiera (leído|revisado|mirado)|no es (nuestra culpa|nuestro problema)|tenga más cuidado|colpa sua|"
             r"avrebbe dovuto|se avesse (letto|controllato)|non è (colpa nostra|un nostro problema)|faccia più "
             r"attenzione|お客様の(ミス|責任|不注意)|ご確認いただけたはず|ご購入前に(十分)?ご確認|"
             r"\b(uw (eigen )?schuld|eigen schuld|uw (eigen )?verantwoordelijkheid|niet (ons|mijn) (probleem|schuld|"
             r"fout)|onze schuld niet|verkeerd gebruik|onjuist gebruik|ondeskundig gebruik|onzorgvuldig\w*|"
             r"had u (beter )?(moeten )?(lezen|controleren|opletten|kijken)|u had\b[^.!?]{0,30}\bmoeten (lezen|"
             r"controleren|opletten|kiezen|kijken|letten)|u heeft (de (beschrijving|handleiding) )?niet (goed )?"
             r"(gelezen|gecontroleerd)|zoals (duidelijk )?(vermeld|aangegeven) (staat )?(in|op) de (beschrijving|"
             r"productpagina|handleiding)|let (de volgende keer|voortaan) (beter )?op)\b",
    "emoji": "[\U0001F300-\U0001FAFF\u2600-\u27BF]",
}
_ACRONYMS = {"FBA", "FBM", "USPS", "UPS", "DHL", "ASIN", "USA", "DPD", "GLS", "EU", "UK", "US", "OK", "GDPR",
             "DSGVO", "RGPD", "SKU", "EUR", "USD", "GBP", "JPY", "PDF", "FAQ", "ID", "SEUR", "BRT", "SDA", "BW", "ACM",
             "AVG", "BTW", "NL", "KVK",
             "GPS", "USB", "LED", "AAA", "TNT", "DNI", "IVA", "MWST", "TVA", "VAT", "UE", "PS",
             "SMS", "IOSS", "OSS", "CPSC", "OPSS", "RAEE", "NHS", "GP",
             "FNSKU", "ODR", "FC", "POD", "IP", "EAN", "GTIN", "UPC", "MPN", "VCS", "GPSR", "CE", "UKCA", "HMRC"}
# A word in capitals (shouting) is a whole word of letters: codes such as BED-DC-240-NAVY, X00IT55PQ8 or
# Lost_Warehouse are identifiers, not raised voices.
_CAPITALS = re.compile(r"[A-ZÄÖÜÉÈ]{2,}(?:'[A-Z]+)?")


def _bare(token: str) -> str:
    """A whitespace-separated token without the punctuation around it ("(FNSKU):" -> "FNSKU")."""
    return token.strip(".,;:!?()[]{}\"'«»„“”‘’")


# Spans that look like phone numbers but are order ids, dates, tracking or amounts.
_NOT_PHONE = re.compile(r"\d{3}-\d{7}-\d{7}|\d{1,4}[./-]\d{1,2}[./-]\d{2,4}|(tracking|sendungs|suivi|seguimiento|"
                        r"tracciamento|追跡|order|bestell|bestel|zending|commande|pedido|ordine|注文)\w*\W{0,3}(number|"
                        r"nummer|"
                        r"numéro|número|numero|番号)?\W{0,3}[\d\s-]+", re.IGNORECASE)


_DIGIT_WORDS = {
    "en": "zero|oh|one|two|three|four|five|six|seven|eight|nine",
    "de": "null|eins|zwei|drei|vier|fünf|sechs|sieben|acht|neun",
    "fr": "zéro|un|deux|trois|quatre|cinq|six|sept|huit|neuf",
    "es": "cero|uno|dos|tres|cuatro|cinco|seis|siete|ocho|nueve",
    "it": "zero|uno|due|tre|quattro|cinque|sei|sette|otto|nove",
    "nl": "nul|een|één|twee|drie|vier|vijf|zes|zeven|acht|negen",
}


def _spelled_number(language: str) -> str:
    """Seven or more digit words in a row (a phone number written out: eight-eight-eight, five-five-five ...)."""
    words = "|".join(dict.fromkeys([_DIGIT_WORDS.get(language, _DIGIT_WORDS["en"]), _DIGIT_WORDS["en"]]))
    return rf"\b(?:(?:{words})[\s,.-]+){{6,}}(?:{words})\b"


@cache
def _compiled(language: str) -> dict[str, re.Pattern[str]]:
    review = "|".join(dict.fromkeys([_REVIEW.get(language, _REVIEW["en"]), _REVIEW["en"]]))
    near = r"[^.!?。！？\n]{0,80}?"
    patterns = dict(_PATTERNS)
    patterns["review_request"] = "|".join(dict.fromkeys([_REVIEW_REQUESTS.get(language, _REVIEW_REQUESTS["en"]),
                                                          _REVIEW_REQUESTS["en"]]))
    patterns["review_incentive"] = rf"({_INCENTIVES}){near}({review})|({review}){near}({_INCENTIVES})"
    patterns["phone"] = patterns["phone"] + "|" + _spelled_number(language)
    return {code: re.compile(pattern, re.IGNORECASE) for code, pattern in patterns.items()}


def _phone_like(text: str, match: re.Match[str]) -> bool:
    """A phone-number match that is not an order id, date, tracking number or amount."""
    found = match.group(0)
    if not any(ch.isdigit() for ch in found):
        return True  # "call us", "rufen Sie uns an"
    digits = sum(ch.isdigit() for ch in found)
    if not 8 <= digits <= 14:
        return False
    start = max(0, match.start() - 30)
    for other in _NOT_PHONE.finditer(text[start:match.end() + 5]):
        if other.start() + start <= match.start() and other.end() + start >= match.end():
            return False
    return not re.search(r"[$€£¥]\s*$", text[:match.start()])


# Amazon Vine: Amazon sends the product free to reviewers it invites; a sentence explaining that names no incentive.
# Nor does a sentence saying that such an incentive is forbidden ("offering a refund for a better review is against
# Amazon's policy"). Either stops being an explanation once the seller offers the reader something ("we send you"),
# ties it to the reader's review ("if you"), likens its own offer to Vine ("like Vine", "our own Vine") or turns
# the sentence round ("but", "unless"); a Vine sentence also may not name an exchange ("in exchange", "a cambio").
_VINE = re.compile(r"\bVine\b")
_SENTENCE_END = re.compile(r"[.!?。！？]")
_LIKENS_TO_VINE = re.compile(
    r"\b(like|as (with|in|on)|just as|similar to|the same as|same as)\s+(\w+\s+)?Vine\b|\bVine[- ]?(style|like)\b|"
    r"\b(our|my) (own )?(\w+ )?Vine\b|\bwie (bei|im|mit|in)\s+(\w+\s+)?Vine\b|\bcomme (avec|pour|dans|chez|sur)\s+"
    r"(\w+\s+)?Vine\b|\bcomo (en|con|para)\s+(\w+\s+)?Vine\b|\bcome (nel|con|per|in|su|a|al|sul)\s+(\w+\s+)?Vine\b|"
    r"Vine\s*(のように|と同様|みたいに)|"
    # the seller does for its reviewers what Vine does
    r"\b(so|and) (do|can|will|shall|did) (we|you|i)\b|\b(the same|likewise) (for|to) (you|our|my)\b|\bdo the same\b|"
    r"\bauch wir\b|\bgenauso (wie|machen)|\bnous aussi\b|\bde même pour\b|\bnosotros también\b|\blo mismo (para|a|"
    r"con)\b|"
    r"\banche noi\b|\blo stesso (per|a|con)\b",
    re.IGNORECASE)
_TIED_TO_READER = re.compile(
    r"\b(if|once|when|after|as soon as|provided|as long as|unless) (you|u)\b|\b(wenn|falls|sobald|nachdem) (sie|du)\b|"
    r"\bsi vous\b|\bdès que vous\b|\bsi (usted )?(nos )?(deja|escribe|publica|pone|da|valora|cambia|modifica)\b|"
    r"\bsiempre que\b|\bcuando (usted )?(deje|escriba|publique)|\bse (lei )?(ci )?(lascia|scrive|pubblica|mette|dà|da|"
    r"cambia|modifica)\b|\ba condizione\b|\bpurché\b|たら|れば|"
    r"\b(unless|except if|es sei denn|sauf si|à moins que|a menos que|salvo que|a meno che)\b|"
    # the seller gives the reader something
    r"\b(we|i)(?!\s+(cannot|can't|can not|could not|couldn't|may not|must not|won't|will not|would not|are not|am not|"
    r"do not|don't|never|are unable|am unable))('ll|'d| will| would| can| could| shall| are going to)?\s+(\w+\s+)?"
    r"(send|give|offer|ship|mail|post|refund|reimburse|gift|provide)\w*\s+(\w+\s+)?(you|your)\b|"
    r"\b(you|you'll|you will) (get|receive|be sent|be given)\b|"
    r"\b(schicken|senden|geben|bieten|schenken|erstatten|liefern) wir (ihnen|dir)\b|\bwir (\w+ )?(ihnen|dir) \w*"
    r"(schicken|senden|geben|bieten|schenken|erstatten)|\bsie (bekommen|erhalten)\b|\b(nous )?vous (envoyons|offrons|"
    r"donnons|"
    r"remboursons|enverrons|offrirons)\b|\bvous (recevrez|aurez)\b|\ble (enviamos|mandamos|regalamos|ofrecemos|damos|"
    r"reembolsamos|enviaremos|mandaremos|regalaremos)\b|\b(recibirá|tendrá)\b|\b(le|ti) (mandiamo|inviamo|spediamo|"
    r"regaliamo|"
    r"offriamo|diamo|rimborsiamo|manderemo|invieremo|regaleremo|offriremo)\b|\b(riceverà|riceverai|avrà)\b|"
    r"(お送り|差し上げ|プレゼント|進呈)",
    re.IGNORECASE)
_EXCHANGE = re.compile(
    r"\bin (exchange|return)\b|\bfor (a|an|your|one)\b[^.!?]{0,20}\b(review|rating|stars?)\b|\bim gegenzug\b|\bgegen "
    r"(eine|ihre|deine)\b|\bfür (eine|ihre|deine) (\w+ )?(bewertung|rezension)|\ben (échange|contrepartie)\b|"
    r"\bpour (un|votre) (\w+ )?(avis|commentaire)|\ba cambio\b|\bpor (una|su) (\w+ )?(reseña|valoración|opinión)|"
    r"\bin cambio\b|\bdopo (aver|che)\b|\bper (una|la sua|la tua) (\w+ )?(recensione|valutazione)|代わりに|引き換え",
    re.IGNORECASE)
# A Vine sentence that speaks to the reader or of the seller's own product is no longer only about Amazon's
# programme ("Vine reviewers get free bottles, so review ours and get one too"); the formal address is matched
# in its capitals (Sie, Lei, Le) so that "sie" (they) and "le recensioni" stay an explanation.
_TO_READER = re.compile(r"(?i:\b(you|your|yours|u|ours|our|too|also|as well|earns?|awaits?|vous|votre|vos|aussi|"
                        r"usted|ustedes|también|anche|auch|ebenfalls)\b)|\b(Sie|Ihnen|Ihr|Ihre|Ihren|Ihrem|Ihrer|Lei|"
                        r"Le|"
                        r"La|Sua|Suo|Sue|Suoi)\b")
# ... but telling the reader how to read the label offers nothing ("you can tell their reviews by the Vine label").
_READER_SEES = re.compile(r"\byou (can|could|may|will) (tell|see|spot|recogni[sz]e|know|read|find|judge|trust|weigh)\b|"
                          r"\b(può|potrà) (riconoscer|vedere|capire|valutar|leggere)\w*|\bpuede (ver|reconocer|"
                          r"saber)\b|"
                          r"\bvous pouvez (voir|reconnaître|savoir)\b|\bkönnen Sie (sehen|erkennen)\b", re.IGNORECASE)
_FORBIDDEN = re.compile(
    r"\b(against (amazon'?s? |the |our )?(\w+ )?(polic\w*|rules|guidelines)|(is|are|it's) (not|never) (allowed|"
    r"permitted)|"
    r"prohibit\w*|forbid\w*|banned|breach\w*|violat\w*|breaks? (amazon'?s? |the )?(\w+ )?(rules|polic\w*))\b|"
    r"\bverboten\b|\bnicht (erlaubt|gestattet|zulässig)\b|\buntersagt\b|\bverstößt\b|\binterdit\w*|\b(pas|"
    r"non) (autorisé|"
    r"permis)\w*|\bcontraire (aux|à la)\b|\bprohibid\w*|\bno (está|están|es) permitid\w*|\bno se permite\b|"
    r"\bva en contra\b|"
    r"\bvietat\w*|\bnon (è|sono) (consentit|permess|ammess)\w*|\bcontro le (regole|norme|linee guida)\b|禁止|認められ",
    re.IGNORECASE)
_TURN = re.compile(r"\b(not|isn't|aren't|never|no longer|nothing) (\w+ )?(against|prohibit\w*|forbidden|banned|"
                   r"a breach)\b|"
                   r"\bnicht (\w+ )?(verboten|untersagt)|\bpas (\w+ )?interdit|\bno (está|es) (\w+ )?prohibid|"
                   r"\bnon (è )?(\w+ )?vietat|\b(but|however|although|though|still|anyway|yet|aber|jedoch|trotzdem|"
                   r"dennoch|mais|pourtant|"
                   r"cependant|pero|sin embargo|aunque|ma|però|tuttavia|comunque)\b|でも|しかし|ただし|けれど",
                   re.IGNORECASE)


def _explains_incentive(text: str, match: re.Match[str]) -> bool:
    """A review-and-free-product match inside a sentence that explains Amazon Vine or says such an incentive is
    forbidden, and offers the reader nothing."""
    start = max((m.end() for m in _SENTENCE_END.finditer(text, 0, match.start())), default=0)
    end = next((m.start() for m in _SENTENCE_END.finditer(text, match.end())), len(text))
    if _LIKENS_TO_VINE.search(text, start, end) or _TIED_TO_READER.search(text, start, end):
        return False
    if _FORBIDDEN.search(text, start, end) and not _TURN.search(text, start, end):
        return True
    if not _VINE.search(text, start, end) or _EXCHANGE.search(text, start, end):
        return False
    # the formal address in its capitals, except as the sentence's first word ("Le recensioni Vine ...")
    sentence = text[start:end]
    first = re.match(r"\s*\S+", sentence)
    sentence = _READER_SEES.sub(lambda m: " " * len(m.group()), sentence[first.end() if first else 0:])
    return not _TO_READER.search(sentence)


def red_lines(text: str, language: str = "en") -> list[Finding]:
    """Every red line the reply crosses, in the reply's language and in English (trainees mix them)."""
    flat = " ".join(text.split())
    found = []
    for code, pattern in _compiled(language).items():
        matches = [m for m in pattern.finditer(flat) if (code != "phone" or _phone_like(flat, m))
                   and (code != "review_incentive" or not _explains_incentive(flat, m))]
        if matches:
            zh, en = REASONS[code]
            shown = matches[0].group(0).strip()[:60]
            found.append(Finding(code, False, f"{zh}：「{shown}」", f"{en}: '{shown}'"))
    shouted = [w for w in map(_bare, text.split()) if _CAPITALS.fullmatch(w) and w not in _ACRONYMS]
    if len(shouted) >= 2 or "!!" in text or "！！" in text:
        found.append(Finding("shouting", False, *REASONS["shouting"]))
    return found
