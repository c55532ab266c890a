"""Write a deterministic SYNTHETIC corpus of review summary pages for benchmarks.

Why synthetic: the national library holds a few hundred pages at most, and a benchmark must be
able to go well beyond it and be re-created byte for byte on any machine. The pages follow the
reference summary-page format so they go through the real parser, resolver and classifier.

What makes it realistic (all vocabulary lives in `corpus-vocabulary.json`):
- partnership areas are drawn with weights (big cities hold more reviews);
- agencies are drawn from a Zipf-like distribution over body types (the police and the
  council are addressed most, a fire service rarely), national bodies and addressee groups
  included, which gives a few hundred distinct bodies;
- each body is written in several spellings (canonical name, short forms, acronyms and
  generic names such as "The Police"), and clinical commissioning groups give way to
  integrated care boards from July 2022;
- about one row in five has several addressees;
- recommendation wording comes from themed templates, about 15 per review.
Every page says in its own text that it is SYNTHETIC. Every page is a distinct review with its
own file name (the review key): (partnership, publication month, year of death) is drawn again
when taken, and past 2,000 reviews, when that space runs thin (51 partnerships over 2012-2025),
a partnership may publish a second review in the same month (file name suffix `-2`, `-3`, ...),
as real partnerships do. Up to 2,000 reviews the pages are the same bytes as before that change.

    python benchmarks/generate_corpus.py --reviews 500 --out /tmp/corpus-500
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

VOCABULARY = Path(__file__).with_name("corpus-vocabulary.json")
SEED = 20250601
MIN_REVIEWS, MAX_REVIEWS = 10, 50000
REDRAWS = 16  # draws of a taken (partnership, month, death) before a second review in that month
ICB_FROM = "2022-07"  # clinical commissioning groups became integrated care boards
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
ZIPF_EXPONENT = 1.1


@dataclass(frozen=True)
class Body:
    """One body: its canonical name first, then the other ways pages write it."""

    spellings: tuple[str, ...]
    generic: tuple[str, ...] = ()


def zipf_weights(n: int, exponent: float = ZIPF_EXPONENT) -> list[float]:
    return [1.0 / (rank ** exponent) for rank in range(1, n + 1)]


def file_slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class CorpusGenerator:
    """Draws reviews from the vocabulary with one seeded random generator."""

    def __init__(self, vocabulary: dict, seed: int = SEED) -> None:
        self.v = vocabulary
        self.rng = random.Random(seed)
        self.counties = {c["name"]: c for c in vocabulary["counties"]}
        self.areas = vocabulary["areas"]
        self.area_weights = [a["weight"] for a in self.areas]
        self.local_types = vocabulary["local_bodies"]
        self.national = [Body(tuple(names)) for names in vocabulary["national_bodies"]]
        self.national_weights = zipf_weights(len(self.national))

    def local_body(self, kind: dict, area: dict) -> Body:
        county = self.counties[area["county"]]
        if "spellings_from" in kind:
            names = county[kind["spellings_from"]]
            names = [names] if isinstance(names, str) else names
        else:
            names = [s.format(area=area["name"], county=county["name"], council=area["council"])
                     for s in kind["spellings"]]
        return Body(tuple(names), tuple(kind.get("generic", ())))

    def spell(self, body: Body) -> str:
        """Canonical name most of the time, a variant or a generic name otherwise."""
        roll = self.rng.random()
        if roll < 0.6 or len(body.spellings) == 1 and not body.generic:
            return body.spellings[0]
        if roll < 0.92 and len(body.spellings) > 1:
            return self.rng.choice(body.spellings[1:])
        if body.generic:
            return self.rng.choice(body.generic)
        return body.spellings[0]

    def addressee(self, area: dict, published: str) -> tuple[str, str]:
        """(identity of the body, its name as written on the row)."""
        roll = self.rng.random()
        if roll < 0.05:
            name = self.rng.choice(self.v["groups"])
            return f"group:{name}", name
        if roll < 0.17:
            body = self.rng.choices(self.national, self.national_weights)[0]
            return f"national:{body.spellings[0]}", self.spell(body)
        types = [t for t in self.local_types
                 if not (t["type"] == "ccg" and published >= ICB_FROM)
                 and not (t["type"] == "icb" and published < ICB_FROM)]
        kind = self.rng.choices(types, zipf_weights(len(types)))[0]
        body = self.local_body(kind, area)
        return f"{kind['type']}:{body.spellings[0]}", self.spell(body)

    def row_addressees(self, area: dict, published: str) -> list[str]:
        count = self.rng.choices([1, 2, 3, 4], [78, 15, 5, 2])[0]
        seen: dict[str, str] = {}
        for _ in range(count * 3):
            ident, written = self.addressee(area, published)
            seen.setdefault(ident, written)
            if len(seen) == count:
                break
        return list(seen.values())

    def recommendation_text(self, first_addressee: str) -> str:
        template = self.rng.choice(self.v["templates"])["text"]
        slots = {name: self.rng.choice(values) for name, values in self.v["fillers"].items()}
        return template.format(agency=first_addressee, **slots)

    def review(self, used: dict[tuple[str, str, int], int]) -> tuple[dict, str, int, int]:
        """(area, publication month, year of death, n): the n-th review with that triple."""
        for attempt in range(REDRAWS + 1):
            area = self.rng.choices(self.areas, self.area_weights)[0]
            year = self.rng.randint(2012, 2025)
            month = self.rng.randint(1, 12 if year < 2025 else 6)
            published = f"{year}-{month:02d}"
            death = year - self.rng.choices([1, 2, 3, 4, 5], [10, 35, 30, 15, 10])[0]
            key = (area["name"], published, death)
            if key not in used or attempt == REDRAWS:
                used[key] = used.get(key, 0) + 1
                return area, published, death, used[key]
        raise AssertionError("unreachable")

    def page(self, used: dict[tuple[str, str, int], int]) -> tuple[str, str]:
        """(file name, page text) of one new review."""
        area, published, death, nth = self.review(used)
        year, month = published.split("-")
        n_recs = max(3, min(40, round(self.rng.gauss(15, 5))))
        style = self.rng.choice(self.v["number_styles"])
        section = self.rng.randint(2, 12)
        rows = []
        for i in range(1, n_recs + 1):
            addressees = self.row_addressees(area, published)
            text = self.recommendation_text(addressees[0])
            number = style.format(section=section, i=i)
            rows.append(f"| {number} | {text} | " + " | ".join(addressees) + " |")
        name = area["name"]
        lines = [
            "About this page. SYNTHETIC benchmark page generated by dhr-graph "
            "(benchmarks/generate_corpus.py); not a real review. Places are used as names only: "
            "no review, death or person described here is real.",
            "Source · Domestic Homicide Review",
            f"{name} review",
            f"CSP: {name}",
            f"Published: {MONTHS[int(month) - 1]} {year}",
            f"Year of death: {death}",
            f"Extracted: {n_recs} recs",
            "SYNTHETIC example of a statutory domestic homicide review, generated for dhr-graph "
            "benchmarks. Source: dhr-graph synthetic benchmark corpus.",
            "View full report (PDF) ↗",
            "Source: dhr-graph synthetic benchmark corpus",
            "Summary",
            self.rng.choice(self.v["summaries"]),
            "Extracted recommendations",
            "| # | Recommendation | Addressed to |",
            "|---|---|---|",
            *rows,
            "| Recommendations extracted from the SYNTHETIC page generator. Source: dhr-graph "
            "synthetic benchmark corpus. View full report ↗ | ||",
        ]
        suffix = f"-{nth}" if nth > 1 else ""
        return f"{file_slug(name)}-{published}-d{death}{suffix}.txt", "\n".join(lines) + "\n"


def generate(reviews: int, out: Path, seed: int = SEED) -> list[Path]:
    """Write `reviews` pages into `out` (created); the same arguments give the same bytes."""
    if not MIN_REVIEWS <= reviews <= MAX_REVIEWS:
        raise ValueError(f"--reviews must be between {MIN_REVIEWS} and {MAX_REVIEWS}")
    vocabulary = json.loads(VOCABULARY.read_text(encoding="utf-8"))
    gen = CorpusGenerator(vocabulary, seed)
    out.mkdir(parents=True, exist_ok=True)
    used: dict[tuple[str, str, int], int] = {}
    written = []
    for _ in range(reviews):
        name, text = gen.page(used)
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, required=True, help=f"{MIN_REVIEWS} to {MAX_REVIEWS}")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the pages into")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    try:
        pages = generate(args.reviews, args.out, args.seed)
    except ValueError as exc:
        parser.error(str(exc))
    print(f"wrote {len(pages)} SYNTHETIC pages to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
