"""The one table of languages caseloop knows: buyers' and replies' languages, and each market's.

Case files, reply checks, exercises and reports name a language by its code here.
"""

from __future__ import annotations

# code -> (zh name, en name)
LANGUAGES: dict[str, tuple[str, str]] = {
    "en": ("英语", "English"), "de": ("德语", "German"), "fr": ("法语", "French"), "it": ("意大利语", "Italian"),
    "es": ("西班牙语", "Spanish"), "nl": ("荷兰语", "Dutch"), "pl": ("波兰语", "Polish"), "sv": ("瑞典语", "Swedish"),
    "pt": ("葡萄牙语", "Portuguese"), "ja": ("日语", "Japanese"), "zh": ("中文", "Chinese"),
    "ar": ("阿拉伯语", "Arabic"),
}
# The language buyers of a marketplace write in, where it is not English.
MARKET_LANGUAGE = {"DE": "de", "FR": "fr", "IT": "it", "ES": "es", "NL": "nl", "PL": "pl", "SE": "sv", "BR": "pt",
                   "MX": "es", "JP": "ja", "AE": "ar", "SA": "ar"}


def language_name(code: str) -> tuple[str, str]:
    """(zh, en) name of a language code; the code itself when caseloop does not know it."""
    return LANGUAGES.get(code, (code, code))
