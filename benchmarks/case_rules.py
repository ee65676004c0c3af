"""Time the reply rules of every case on 150-word replies: each call must take under 2 ms.

For every case with a `reply:` block, two replies of 150 words (450 characters in Japanese) are checked:
the case's own reply repeated (many matches, early) and a polite reply that matches nothing (every pattern
scans the whole text). Each of `missing`, `wrong`, `false_facts` and `on_topic` runs `--repeat` times;
the script prints the median and the slowest per method and exits with status 1 if any median reaches 2 ms.
The first call, which reads the lexicon and compiles the patterns, is timed on its own.

    python benchmarks/case_rules.py [--repeat 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import yaml

from caseloop.cases.schema import yaml_loader
from caseloop.checks.caserules import reply_rules

REPO = Path(__file__).resolve().parent.parent
LIMIT_MS = 2.0
WORDS = 150
NEUTRAL = {
    "en": "Thank you for your message about the item and the situation you describe in it.",
    "de": "Vielen Dank für Ihre Nachricht über den Artikel und die Situation, die Sie beschreiben.",
    "fr": "Merci pour votre message au sujet de l'article et de la situation que vous décrivez.",
    "es": "Gracias por su mensaje sobre el artículo y la situación que usted describe en él.",
    "it": "La ringraziamo per il Suo messaggio sull'articolo e sulla situazione che descrive.",
    "ja": "このたびはご連絡いただき誠にありがとうございます。内容を拝見いたしました。",
}


def sized(text: str, language: str) -> str:
    """`text` repeated to 150 words (450 characters for Japanese, which counts two characters a word)."""
    if language == "ja":
        return (text * (3 * WORDS // len(text) + 1))[:3 * WORDS]
    words = text.split()
    return " ".join((words * (WORDS // len(words) + 1))[:WORDS])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    cases = [yaml.load(path.read_text(encoding="utf-8"), Loader=yaml_loader())
             for path in sorted((REPO / "cases").glob("C-*.yaml"))]
    cases = [case for case in cases if "reply" in case]
    started = time.perf_counter()
    first = reply_rules(cases[0])
    first.missing(cases[0]["reply_template"], cases[0]["language"])
    print(f"first call (lexicon read, patterns compiled): {(time.perf_counter() - started) * 1000:.1f} ms")
    times: dict[str, list[float]] = {"missing": [], "wrong": [], "false_facts": [], "on_topic": []}
    for case in cases:
        rules, language = reply_rules(case), case["language"]
        for text in (sized(case["reply_template"], language), sized(NEUTRAL[language], language)):
            for name, samples in times.items():
                method = getattr(rules, name)
                arguments = (text,) if name == "on_topic" else (text, language)
                method(*arguments)
                runs = []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    method(*arguments)
                    runs.append((time.perf_counter() - start) * 1000)
                samples.append(statistics.median(runs))
    print(f"{len(cases)} cases x 2 replies of {WORDS} words, median of {args.repeat} calls each")
    print(f"{'method':<12} {'median ms':>10} {'slowest ms':>11}")
    for name, samples in times.items():
        print(f"{name:<12} {statistics.median(samples):>10.3f} {max(samples):>11.3f}")
    slowest = max(max(samples) for samples in times.values())
    return 0 if slowest < LIMIT_MS else 1


if __name__ == "__main__":
    sys.exit(main())
