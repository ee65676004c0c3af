"""The check of a written reply, as a senior mentor would judge it before letting it be sent.

A reply is judged in three steps:

1. **Could it be sent at all?** Not if it crosses a platform red line (contact details in any
   disguise, review solicitation, incentives, off-Amazon payment ...), is written in a language the
   buyer does not write, still has template placeholders, is a list of words rather than prose, is
   about another case or another buyer, or does what this case rules out (the case file's
   `reply.wrong`) or states its facts wrongly (`reply.facts`). Any of these: 0 points, with the reason.
2. **Does it solve this buyer's problem?** Every `reply.must` item of the case (the remedy, the
   choice to offer) must be there; a reply that misses one is weak (a quarter of the points).
3. **Is it written well?** Greeting the buyer by name, acknowledging the problem, a time for the
   next step, a closing, a fitting length, the buyer's register (Sie, vous, usted, Lei, u, keigo) and
   spelling. Each gap costs a level: 4 levels (excellent, good, adequate, weak) map to the points.

The grader says when it is unsure (a borderline reply, words it does not know, phrasing it cannot
place); the score's `unsure` reasons put the reply first in the mentor's queue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from caseloop.checks.casefile import library as case_library
from caseloop.checks.caserules import Fact, reply_rules
from caseloop.checks.fluency import translation_markers
from caseloop.checks.languages import SIMPLIFIED_ONLY, detect_language, register, word_count
from caseloop.checks.phrases import ELEMENTS, FUNCTION_WORDS, JA_GRAMMAR, element_pattern
from caseloop.checks.redlines import red_lines
from caseloop.checks.score import Finding, Score, answer_text, blank, report
from caseloop.checks.spelling import unknown_words
from caseloop.languages import language_name

# What each rubric element is, and why a reply needs it: (zh label, en label, zh why, en why).
_ELEMENTS: dict[str, tuple[str, str, str, str]] = {
    "greeting": ("以称呼开头", "opens with a greeting", "先称呼买家，回复才像是写给本人的",
                 "a greeting shows the reply is written to this buyer"),
    "empathy": ("认可买家的感受", "acknowledges how the buyer feels", "先认可感受，买家才愿意听方案 [C1][C6]",
                "acknowledging the feeling first makes the buyer ready to hear the fix [C1][C6]"),
    "apology": ("针对问题道歉", "apologises for the problem", "无条件地道歉不等于承认责任 [C2][C7]",
                "an unconditional apology is not an admission of liability [C2][C7]"),
    "action": ("给出具体行动（退款、补发、追踪、退货标签）",
               "offers a concrete action (refund, replacement, tracking, return label)",
               "买家要的是解决办法，不只是道歉 [C1][C7]", "the buyer needs a fix, not only an apology [C1][C7]"),
    "time": ("给出时间承诺", "commits to a time (e.g. within 2 business days)",
             "没有时间点的承诺等于没有承诺 [M1][C6]", "a promise without a date is no promise [M1][C6]"),
    "closing": ("礼貌结尾", "closes politely", "礼貌结尾是专业回复的一部分",
                "a polite closing is part of a professional reply"),
}
DEFAULT_RUBRIC = ("greeting", "empathy", "apology", "action", "time", "closing")
LEVELS = {4: ("优秀", "excellent"), 3: ("良好", "good"), 2: ("合格", "adequate"), 1: ("较弱", "weak"),
          0: ("不能发送", "cannot be sent")}
# Registers a buyer of each language expects from a seller (None: the language has no such choice).
FORMAL = {"de", "fr", "es", "it", "nl", "ja"}
_PLACEHOLDER = re.compile(r"\[[^\]\n]{2,40}\]|\{[^}\n]{2,30}\}|<[a-z _]{2,30}>|\bX{2,}\b|\bxx+\b|_{3,}|#{3,}\w*",
                          re.IGNORECASE)
# A reply is about another case when it matches that case this many times better than its own, and at
# least this share of how well that case's own model reply matches it.
OTHER_CASE_RATIO = 1.5
OTHER_CASE_MODEL_SHARE = 0.4
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


@dataclass
class _Reply:
    """A reply being judged, with what the check knows about its case."""

    text: str
    language: str
    buyer_name: str | None
    case_id: str | None
    case: dict[str, Any] | None
    findings: list[Finding] = field(default_factory=list)
    unsure: list[str] = field(default_factory=list)

    @property
    def flat(self) -> str:
        return " ".join(self.text.split())

    def fail(self, code: str, zh: str, en: str) -> None:
        self.findings.append(Finding(code, False, zh, en))

    def passed(self, code: str, zh: str, en: str) -> None:
        self.findings.append(Finding(code, True, zh, en))


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _prose_share(text: str, language: str) -> float:
    """How much of the text is the grammar of sentences: function words per word (particles for Japanese)."""
    if language == "ja":
        chars = len(re.sub(r"\s", "", text))
        return min(1.0, len(JA_GRAMMAR.findall(text)) * 6 / max(chars, 1))
    words = _words(text)
    small = FUNCTION_WORDS.get(language, FUNCTION_WORDS["en"])
    return sum(w in small for w in words) / max(len(words), 1)


def _sentences(text: str, language: str) -> int:
    """Sentences of five or more words that have at least one function word (clauses, not fragments)."""
    if language == "ja":
        return sum(1 for s in re.split(r"[。！？\n]", text) if len(s.strip()) >= 8 and JA_GRAMMAR.search(s))
    small = FUNCTION_WORDS.get(language, FUNCTION_WORDS["en"])
    parts = re.split(r"[.!?;:\n]+|,\s", text)
    return sum(1 for part in parts if len(ws := _words(part)) >= 5 and sum(w in small for w in ws) >= 1)


def _listed(text: str, language: str) -> bool:
    """Mostly short fragments between commas, colons, full stops or on their own lines: a list of words, however
    long, even when written on one line with "Tracking: in transit. Latest date: Thursday." between them."""
    body = [line for line in text.strip().splitlines()[1:-1]] or text.strip().splitlines()
    pieces = [p for p in re.split(r"[,，、;:\n／]|\s[-/]\s|[.!?。！？](?:\s|$)", "\n".join(body)) if p.strip()]
    size = (lambda p: len(re.sub(r"\s", "", p)) // 3) if language == "ja" else (lambda p: len(_words(p)))
    short = sum(1 for p in pieces if size(p) <= 3)
    return len(pieces) >= 6 and short >= 0.7 * len(pieces)


def _gates(reply: _Reply, forbid: Iterable[str]) -> None:
    """Everything that makes a reply impossible to send (each a failed finding)."""
    for finding in red_lines(reply.text, reply.language):
        reply.findings.append(finding)
    for pattern in forbid:
        if match := re.search(pattern, reply.flat, re.IGNORECASE):
            reply.fail("policy_promise", f"承诺了本案政策不允许的内容：「{match.group(0)}」",
                       f"promises what the policy does not allow here: '{match.group(0)}'")
    if (reply.language not in {"zh", "ja"} and re.search(r"[\u4e00-\u9fff]", reply.text)
            or reply.language == "ja" and len(set(SIMPLIFIED_ONLY.findall(reply.text))) >= 2):
        reply.fail("chinese_left", "回复中残留中文（买家看不懂）",
                   "the agent's Chinese is left in the reply (the buyer cannot read it)")
    written = detect_language(reply.text)
    if written and written != reply.language and not (written == "zh" and reply.language == "ja"):
        (want_zh, want_en), (got_zh, got_en) = language_name(reply.language), language_name(written)
        reply.fail("wrong_language", f"回复用了{got_zh}，应该用买家的语言（{want_zh}）[M5]",
                   f"written in {got_en}; reply in the buyer's language ({want_en}) [M5]")
    elif written is None and word_count(reply.text, reply.language) >= 20:
        reply.unsure.append("language not recognised")
    if placeholder := _PLACEHOLDER.search(reply.text):
        reply.fail("placeholder", f"模板占位符没有替换：「{placeholder.group(0)}」",
                   f"a template placeholder is left in: '{placeholder.group(0)}'")
    share, sentences = _prose_share(reply.text, reply.language), _sentences(reply.text, reply.language)
    if share < 0.12 or sentences == 0 or (sentences < 2 and share < 0.2) or _listed(reply.text, reply.language):
        reply.fail("not_prose", "这不是写给买家的句子，而是关键词列表：请用完整的句子回复",
                   "this is a list of words, not sentences to the buyer: write the reply in full sentences")
    elif share < 0.18:
        reply.unsure.append("few sentence words")
    _other_case(reply)
    rules = _rules(reply)
    if rules is None:
        return
    for rule, matched in _case_mistakes(reply, rules, blocking=True):
        _say_mistake(reply, rule, matched)


def _case_mistakes(reply: _Reply, rules: Any, blocking: bool) -> list[tuple[Any, str]]:
    """The case's `wrong` rules the reply breaks and the facts it states wrongly, each with the text that does:
    those that block sending (no `levels`), or those that cost levels."""
    found = [*rules.wrong(reply.text, reply.language), *rules.false_facts(reply.text, reply.language)]
    return [(item, matched) for item, matched in found if (item.levels is None) == blocking]


def _say_mistake(reply: _Reply, item: Any, matched: str) -> None:
    if isinstance(item, Fact):
        reply.fail(f"false_fact:{item.id}", f"本案事实写错了：{item.zh}（回复写的是「{matched[:40]}」）",
                   f"states this case's facts wrongly: {item.en} (the reply says '{matched[:40]}')")
    else:
        reply.fail(f"case_wrong:{item.id}", f"本案不能这样处理：{item.zh}（「{matched[:50]}」）",
                   f"wrong for this case: {item.en} ('{matched[:50]}')")


def _rules(reply: _Reply) -> Any:
    return reply_rules(reply.case) if reply.case else None


def _other_case(reply: _Reply) -> None:
    """A reply about another buyer or another case: a wrong name in the greeting, or a closer case."""
    if reply.case is None:
        return
    library = case_library()
    if (other := _greets_someone_else(reply)) is not None:
        reply.fail("other_case", f"称呼的是另一位买家（{other}），这位买家是 {reply.buyer_name}",
                   f"greets someone else ({other}); this buyer is {reply.buyer_name}")
        return
    ranking = library.ranking(reply.text)
    own_score = dict(ranking).get(reply.case_id or "", 0.0)
    top_id, top_score = ranking[0]
    if top_id == reply.case_id:
        return
    rules = _rules(reply)
    topic = rules.on_topic(reply.text) if rules is not None else []
    # Another case's own model reply is matched about as well: the reply is about that case.
    closer = top_score >= OTHER_CASE_RATIO * own_score
    like_its_model = top_score >= OTHER_CASE_MODEL_SHARE * library.model_scores.get(top_id, float("inf"))
    if closer and like_its_model and not topic:
        title = library.case(top_id).get("title", top_id)
        reply.fail("other_case", f"这封回复讲的是另一个案例（{top_id}：{title}），不是这位买家的问题",
                   f"this reply is about another case ({top_id}: {title}), not this buyer's problem")
    elif closer or like_its_model:
        reply.unsure.append(f"reads close to case {top_id}")


def _signed_off(text: str) -> bool:
    """A closing by shape: a short last line (the agent's name) after a line that ends with a comma."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return len(lines) >= 3 and len(lines[-1].split()) <= 3 and lines[-2].endswith((",", "，", "、"))


# Words a greeting line may hold besides the buyer's name: salutations, titles and "customer".
_GREETING_WORDS = frozenset("""dear hi hello hey good morning afternoon evening greetings mr mrs ms miss mx dr sir madam
customer team there all sehr geehrte geehrter geehrtes liebe lieber hallo guten tag morgen abend herr frau kunde kundin
bonjour bonsoir madame monsieur mademoiselle cher chère client cliente estimado estimada hola buenos buenas días tardes
noches querido querida señor señora sr sra srta don doña gentile gentili egregio egregia caro cara buongiorno
buonasera salve ciao signor signore signora signorina dott dottoressa geachte beste lieve hallo hoi goedemorgen
goedemiddag goedenavond goedendag dag heer mevrouw mevr dhr klant""".split())


def _greets_someone_else(reply: _Reply) -> str | None:
    """The name in the greeting line when it is not this buyer's (a reply written to another buyer)."""
    if not reply.buyer_name or not reply.text.strip():
        return None
    first = reply.text.strip().splitlines()[0][:80]
    surname = reply.buyer_name.split()[-1]
    if surname.lower() in first.lower():
        return None
    if reply.language == "ja":
        named = re.match(r"^\s*([^\s、,。]{1,6}?)(様|さま|殿)", first)
        return named.group(1) if named and named.group(1) not in {"お客", "お客様", "ご担当者", "皆"} else None
    own = {word.lower() for word in re.findall(r"[^\W\d_]+", reply.buyer_name)}  # "Dear Amazon" to "Amazon ... team"
    names = [w for w in re.findall(r"[^\W\d_]+", first) if w[0].isupper() and len(w) >= 3
             and w.lower() not in _GREETING_WORDS and w.lower() not in own]
    return names[0] if names else None


def _element(reply: _Reply, code: str) -> bool:
    patterns = ELEMENTS.get(reply.language, ELEMENTS["en"])
    if code not in patterns:
        return False
    if code == "closing" and _signed_off(reply.text):
        return True
    haystack = reply.text.strip() if code == "greeting" else reply.flat
    found = element_pattern(reply.language if reply.language in ELEMENTS else "en", code).search(haystack) is not None
    if code == "greeting" and reply.buyer_name:
        first = reply.text.strip().splitlines()[0].lower() if reply.text.strip() else ""
        surname = reply.buyer_name.split()[-1].lower()
        found = surname in first[:80]
    return found


def _quality(reply: _Reply, require: tuple[str, ...], min_words: int, max_words: int,
             known: Iterable[str]) -> int:
    """The writing gaps of a reply that can be sent (each costs a level), recorded as findings."""
    gaps = 0
    wanted = [code for code in ("greeting", "empathy", "time", "closing") if code in require or
              (code == "empathy" and "apology" in require)]
    for code in wanted:
        ok = _element(reply, code) or (code == "empathy" and _element(reply, "apology"))
        zh, en, why_zh, why_en = _ELEMENTS[code]
        if code == "greeting" and reply.buyer_name:
            zh, en = f"以称呼买家姓名（{reply.buyer_name}）开头", f"greets the buyer by name ({reply.buyer_name})"
        if ok:
            reply.passed(code, zh, en)
        else:
            gaps += 1
            reply.fail(code, f"缺少：{zh}（{why_zh}）", f"missing: {en} ({why_en})")
    words = word_count(reply.text, reply.language)
    if words < min_words:
        gaps += 1
        reply.fail("too_short", f"回复过短（{words} 词，至少 {min_words}）：方案和时间要写清楚",
                   f"too short ({words} words, at least {min_words}): spell out the fix and the date")
    elif words > max_words:
        gaps += 1
        reply.fail("too_long", f"回复过长（{words} 词，最多 {max_words}）：买家只读前几行",
                   f"too long ({words} words, at most {max_words}): buyers read the first lines only")
    unknown = unknown_words(reply.text, reply.language, known)
    if len(unknown) >= 3:
        gaps += 3
        reply.fail("spelling", f"拼写或用词错误较多：{', '.join(unknown[:5])}（亚马逊要求回复无拼写错误）",
                   f"several spelling or word errors: {', '.join(unknown[:5])} (Amazon expects error-free replies)")
    elif unknown:
        gaps += 1
        reply.fail("spelling", f"拼写可能有误：{', '.join(unknown)}", f"possible spelling errors: {', '.join(unknown)}")
        reply.unsure.append(f"words the dictionary does not know: {', '.join(unknown)}")
    markers = translation_markers(reply.text, reply.language)
    if markers:
        reply.unsure.append(f"phrasing of a word-by-word translation: {'; '.join(markers)}")
    if len(markers) >= 2:  # two constructions cost a level, four (a whole reply in translation) two
        gaps += 1 if len(markers) < 4 else 2
        reply.fail("translated", f"读起来像逐字翻译：{'；'.join(markers[:4])}（回复应像母语者写的）",
                   f"reads like a word-by-word translation: {'; '.join(markers[:4])} (write it as a native speaker "
                   "would)")
    if reply.language in FORMAL and register(reply.text, reply.language) == "informal":
        gaps += 3
        zh_name, en_name = language_name(reply.language)
        reply.fail("register", f"对{zh_name}买家用了非正式称呼（应使用敬语：Sie / vous / usted / Lei / u / 敬語）",
                   f"informal register to a {en_name}-speaking buyer (use the formal Sie / vous / usted / Lei / u / "
                   "keigo)")
    return gaps


def _known_words(reply: _Reply) -> list[str]:
    """Words the spelling check accepts for this case: names, product and the case's own text."""
    case = reply.case or {}
    texts = [reply.buyer_name or "", str(case.get("product_line", "")), str(case.get("buyer_message", "")),
             str(case.get("title", "")), str(case.get("reply_template", "")),
             *map(str, case.get("resolution_steps", []))]
    return [w for text in texts for w in _words(text)]


def reply(
    answer: Any,
    points: float,
    *,
    case: str | None = None,
    buyer_name: str | None = None,
    require: tuple[str, ...] = DEFAULT_RUBRIC,
    language: str | None = None,
    min_words: int | None = None,
    max_words: int = 250,
    problem: tuple[str, ...] = (),
    forbid: tuple[str, ...] = (),
) -> Score:
    """A written reply to a buyer, judged as a senior mentor would (see the module's docstring).

    `case` names the case file the exercise is built on; its buyer's name, language and reply
    rules then apply (`buyer_name` and `language` override them). `require` picks the writing
    elements that count (greeting, empathy or apology, time, closing). `problem` and `forbid` are
    extra patterns: the reply must match one of `problem`, and none of `forbid`.
    """
    text = answer_text(answer)
    if not text:
        return blank(points)
    unknown = [code for code in require if code not in _ELEMENTS]
    if unknown:
        raise ValueError(f"unknown rubric element(s) {unknown}; use {sorted(_ELEMENTS)}")
    case_data = case_library().case(case) if case else None
    name = buyer_name if buyer_name is not None else (case_data or {}).get("buyer_name")
    lang = language or (case_data or {}).get("language") or "en"
    judged = _Reply(text, lang, name, case, case_data)
    _gates(judged, forbid)
    blocked = any(not f.ok for f in judged.findings)  # could not be sent; the rest is still said, to learn from
    rules = _rules(judged)
    mistakes = _case_mistakes(judged, rules, blocking=False) if rules is not None else []
    for item, matched in mistakes:
        _say_mistake(judged, item, matched)
    missing = rules.missing(text, lang) if rules is not None else []
    for rule in missing:
        judged.fail(f"case_missing:{rule.id}", f"没有做到本案要求的：{rule.zh}", f"does not do what this case needs: "
                    f"{rule.en}")
    if rules is not None and not missing:
        judged.passed("case_remedy", "给出了本案需要的处理方案", "offers what this case needs")
    if rules is None and "action" in require:
        if _element(judged, "action"):
            judged.passed("action", _ELEMENTS["action"][0], _ELEMENTS["action"][1])
        else:
            missing = ["action"]
            judged.fail("action", f"缺少：{_ELEMENTS['action'][0]}（{_ELEMENTS['action'][2]}）",
                        f"missing: {_ELEMENTS['action'][1]} ({_ELEMENTS['action'][3]})")
    if problem and not any(re.search(p, judged.flat, re.IGNORECASE) for p in problem):
        missing = [*missing, "restate"]
        judged.fail("restate", "没有复述买家的问题", "does not restate the buyer's problem")
    floor = 15 if lang != "ja" else 5
    gaps = _quality(judged, tuple(require), min_words if min_words is not None else floor, max_words,
                    _known_words(judged))
    needed = len(rules.must) if rules is not None else 1
    # Missing what the case needs costs a level per item; missing most of it leaves the buyer's problem unsolved.
    gaps += sum(item.levels for item, _ in mistakes)
    level = 0 if blocked else 1 if len(missing) * 2 > needed else max(1, 4 - gaps - len(missing))
    if level == 2:  # the middle band: between a reply that may be sent and one that needs a rewrite
        judged.unsure.append("between a pass and a rewrite (adequate)")
    return _scored(judged, level, points)


def _scored(judged: _Reply, level: int, points: float) -> Score:
    zh, en = LEVELS[level]
    judged.findings.insert(0, Finding("level", level > 0, f"评级：{zh}（{level}/4）", f"level: {en} ({level}/4)"))
    score = Score(round(points * level / 4, 2), points, judged.findings, unsure=judged.unsure, level=level)
    return report(score)
