"""Platform red lines: what makes a reply impossible to send, whatever else it does well.

Links, contact details, review manipulation, marketing, payments outside Amazon, conditional
offers, blame, emojis, shouting, leftover Chinese, a language the buyer does not write. Each is a
finding with its zh / en reason and the source key of the rule it breaks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from caseloop.checks.languages import LANGUAGE_NAMES, detect_language, flat
from caseloop.checks.score import Finding

# Platform red lines: a reply that crosses one could not be sent. code: (pattern, zh, en)
RED_LINES: dict[str, tuple[str, str, str]] = {
    "link": (r"(https?://|www\.)(?![\w.-]*amazon\.)", "含亚马逊以外的链接（消息政策禁止站外链接 [M8][M9]）",
             "links outside Amazon (messaging rules forbid them [M8][M9])"),
    "email": (r"[\w.+-]+@[\w-]+\.[\w.-]+", "含电子邮箱地址（消息政策禁止 [M8][M9]）",
              "contains an e-mail address (forbidden in buyer messages [M8][M9])"),
    "phone": (r"\+\d{1,3}[\s-]?\(?\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}|\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b",
              "含电话号码（消息政策禁止 [M9]）", "contains a phone number (forbidden in buyer messages [M9])"),
    "review_request": (r"\b(leave|give|write|post)\b.{0,40}\b(positive|5[- ]?star|five[- ]star|good|great)\b"
                       r".{0,20}\b(review|feedback|rating)|\b(remove|change|delete|revise|take down)\b"
                       r".{0,30}\b(review|feedback)|positive (bewertung|rezension)|5 sterne|avis positif|"
                       r"5 étoiles|高評価|星5|レビューを(削除|変更)",
                       "索要好评或要求修改/删除评价（评价政策禁止 [R1][R4]）",
                       "asks for a positive review or a review change (review policy forbids it [R1][R4])"),
    "review_incentive": (r"\b(gift card|voucher|coupon|discount|free|bonus|extra refund)\b.{0,80}\b"
                         r"(review|feedback)\b|\b(review|feedback)\b.{0,80}\b(gift card|voucher|coupon|"
                         r"discount|free|bonus|extra refund)\b",
                         "以好处换取评价（违反评价政策，美国还违反 FTC 16 CFR 465 [R1][F4]）",
                         "ties an incentive to a review or feedback (review policy, FTC 16 CFR 465 [R1][F4])"),
    "marketing": (r"\b(coupon|promo(tion(al)?)? code|discount code|newsletter|follow us|our (new|latest) "
                  r"(collection|products?)|check out our|next (order|purchase)|shop (our|now))\b|gutschein|"
                  r"rabattcode|code promo|クーポン",
                  "含优惠券或营销内容（消息渠道禁止任何营销 [M4][M8]）",
                  "coupons or marketing (no promotion of any kind in buyer messages [M4][M8])"),
    "off_amazon_payment": (r"\b(paypal|venmo|zelle|western union|bank transfer|wire transfer|cash app|"
                           r"überweisung|virement)\b",
                           "承诺在亚马逊之外付款或退款（退款必须通过亚马逊订单 [Ret2]）",
                           "promises a payment or refund outside Amazon (refunds go through the order [Ret2])"),
    "conditional_claim": (r"\bif you (cancel|withdraw|close|drop|remove)\b.{0,40}\b(a-to-z|claim|chargeback|case|"
                          r"review|feedback)",
                          "以撤销索赔或评价为条件给出补偿（政策不允许 [F2][A3]）",
                          "makes an offer conditional on withdrawing a claim or feedback (not allowed [F2][A3])"),
    "removal_promise": (r"\b(we|i)('ll| will| can| shall)\b.{0,30}\b(remove|delete|take down)\b.{0,30}"
                        r"\b(review|feedback|rating)",
                        "承诺删除评价（只有亚马逊能删除，且仅限政策列出的情况 [F1]）",
                        "promises to remove a review or feedback (only Amazon can, in listed cases [F1])"),
    "blame": (r"\b(your fault|you should have (read|checked|known|looked|measured|followed|ordered|asked)|"
              r"you didn'?t read|you failed to|as clearly stated|you must have)\b|"
              r"ihre schuld|sie hätten|votre faute|vous auriez dû",
              "指责买家（先认可问题，再说明事实 [C8][C9]）", "blames the buyer (acknowledge, then explain [C8][C9])"),
    "emoji": ("[\U0001F300-\U0001FAFF\u2600-\u27BF]", "含表情符号（消息政策禁止 [M9]）",
              "contains emojis (forbidden in buyer messages [M9])"),
}

_ACRONYMS = {"FBA", "FBM", "USPS", "UPS", "DHL", "ASIN", "USA", "DPD", "GLS", "EU", "UK", "US", "OK", "GDPR",
             "DSGVO", "RGPD", "SKU", "EUR", "USD", "GBP", "JPY", "PDF", "FAQ", "ID"}


def red_lines(text: str, language: str, forbid: Iterable[str]) -> list[Finding]:
    found = [Finding(code, False, zh, en) for code, (pattern, zh, en) in RED_LINES.items()
             if re.search(pattern, flat(text), re.IGNORECASE)]
    for pattern in forbid:
        if match := re.search(pattern, flat(text), re.IGNORECASE):
            found.append(Finding("policy_promise", False, f"承诺了本案政策不允许的内容：「{match.group(0)}」",
                                 f"promises what the policy does not allow here: '{match.group(0)}'"))
    if language not in {"zh", "ja"} and re.search(r"[\u4e00-\u9fff]", text):
        found.append(Finding("chinese_left", False, "回复中残留中文（买家看不懂）",
                             "the agent's Chinese is left in the reply (the buyer cannot read it)"))
    written = detect_language(text)
    if written and written != language and not (written == "zh" and language == "ja"):
        zh_name, en_name = LANGUAGE_NAMES.get(language, (language, language))
        got_zh, got_en = LANGUAGE_NAMES.get(written, (written, written))
        found.append(Finding("wrong_language", False, f"回复用了{got_zh}，应该用买家的语言（{zh_name}）[M5]",
                             f"written in {got_en}; reply in the buyer's language ({en_name}) [M5]"))
    shouted = [w for w in re.findall(r"\b[A-ZÄÖÜ]{3,}\b", text) if w not in _ACRONYMS]
    if len(shouted) >= 3 or "!!" in text or "！！" in text:
        found.append(Finding("shouting", False, "大写或连续感叹号显得在吼叫",
                             "capitals or repeated exclamation marks read as shouting"))
    return found
