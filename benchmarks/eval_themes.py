"""Evaluate the theme classifier against the hand-labelled gold set.

The gold set (tests/data/themes-gold.jsonl) was labelled before any rule was written. Its
"tuning" items were used to refine the rules; its "held-out" items (two whole synthetic pages)
never were, so their scores are the honest estimate. Prints a Markdown table of per-theme and
micro-averaged precision, recall and F1 for both parts.

    python benchmarks/eval_themes.py [--gold FILE] [--themes FILE ...] [--errors tuning]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dhr_graph.themes import ThemeScheme

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GOLD = ROOT / "tests" / "data" / "themes-gold.jsonl"
SPLITS = ("tuning", "held-out", "untuned")


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f


def load_gold(path: Path = DEFAULT_GOLD) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def theme_slug(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def evaluate(scheme: ThemeScheme, items: Sequence[dict[str, object]]) -> tuple[dict[str, Counts], Counts]:
    """Per-theme counts (keyed by slug) and their micro-average over `items`."""
    per: dict[str, Counts] = {theme_slug(iri): Counts() for iri, _ in scheme.themes()}
    for item in items:
        gold = set(item["themes"])  # type: ignore[arg-type]
        got = {theme_slug(a.theme) for a in scheme.classify(str(item["text"]))}
        for t in gold | got:
            c = per.setdefault(t, Counts())
            c.tp += t in gold and t in got
            c.fp += t in got and t not in gold
            c.fn += t in gold and t not in got
    micro = Counts(sum(c.tp for c in per.values()), sum(c.fp for c in per.values()),
                   sum(c.fn for c in per.values()))
    return per, micro


def markdown_table(scheme: ThemeScheme, gold: Sequence[dict[str, object]]) -> str:
    """Per-theme and micro-averaged P/R/F1 for the tuning and held-out parts, as Markdown."""
    results = {s: evaluate(scheme, [g for g in gold if g["split"] == s]) for s in SPLITS}
    sizes = {s: sum(1 for g in gold if g["split"] == s) for s in SPLITS}
    labels = {theme_slug(iri): label for iri, label in scheme.themes()}
    head = "| Theme | " + " | ".join(f"{s} P | {s} R | {s} F1 | {s} n" for s in SPLITS) + " |"
    lines = [head, "|" + "---|" * (1 + 4 * len(SPLITS))]

    def cells(c: Counts) -> str:
        p, r, f = c.prf()
        return f"{p:.2f} | {r:.2f} | {f:.2f} | {c.tp + c.fn}"

    for slug in sorted(labels, key=lambda s: labels[s].casefold()):
        lines.append(f"| {labels[slug]} | " + " | ".join(cells(results[s][0].get(slug, Counts()))
                                                        for s in SPLITS) + " |")
    lines.append("| **micro-average** | " + " | ".join(cells(results[s][1]) for s in SPLITS) + " |")
    lines.append("")
    lines.append("n = gold assignments of the theme. Items: " + ", ".join(
        f"{s} {sizes[s]}" for s in SPLITS) + ".")
    return "\n".join(lines)


def print_errors(scheme: ThemeScheme, items: Sequence[dict[str, object]]) -> None:
    for item in items:
        gold = set(item["themes"])  # type: ignore[arg-type]
        got = {theme_slug(a.theme): a.evidence for a in scheme.classify(str(item["text"]))}
        missed, extra = gold - set(got), set(got) - gold
        if missed or extra:
            print(f"- {item['id']}: missed {sorted(missed)}; extra {[(t, got[t]) for t in sorted(extra)]}")


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    ap.add_argument("--themes", type=Path, action="append", default=[], help="extra scheme file")
    ap.add_argument("--errors", choices=SPLITS, help="also list the errors on one part")
    args = ap.parse_args(argv)
    scheme = ThemeScheme.load(extra=args.themes)
    gold = load_gold(args.gold)
    print(markdown_table(scheme, gold))
    if args.errors:
        print(f"\nErrors on the {args.errors} part:")
        print_errors(scheme, [g for g in gold if g["split"] == args.errors])


if __name__ == "__main__":
    main()
