"""The quick mention finder (word trie, cached name shapes) finds exactly what the plain one did.

The plain finder below is the earlier algorithm, kept here as the oracle: at every word that may
open a name, try every run length from the longest down, join the word keys and look the run up
as written or without "NHS". Both are run over every recommendation of the bundled and test
pages, a synthetic corpus and texts written to hit the edge cases; results must be equal, in order.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from dhr_graph.agencies import Registry
from dhr_graph.agencynames import STOPWORDS, WORD, _NON_WORD, _opens_sentence, normalise, without_nhs, word_key
from dhr_graph.iris import Minter
from dhr_graph.mentiontrie import MentionTrie
from dhr_graph.parser import parse_page
from dhr_graph import resources
from dhr_graph.records import Resolution

from .conftest import DATA

ROOT = Path(__file__).resolve().parent.parent
_SENTENCE_END = re.compile(r"[.!?:;]\s*$|^\s*$")  # how the plain finder saw a sentence's opening


def _plain_written_as_name(span: str, form: str, text: str, start: int) -> bool:
    letters = _NON_WORD.sub("", form)
    if letters.isupper() or any(c.isdigit() for c in letters) or (letters and not letters.islower()
                                                                 and len(form.split()) == 1 and len(letters) <= 6):
        return _NON_WORD.sub("", span) == letters
    significant = [w for w in WORD.findall(span) if normalise(w) not in STOPWORDS]
    if not significant or not all(w[0].isupper() or w[0].isdigit() for w in significant):
        return False
    if len(significant) == 1 and _SENTENCE_END.search(text[:start]):
        return False
    return True


def plain_mentions(reg: Registry, text: str, csp: str, published: str | None,
                   minter: Minter) -> tuple[Resolution, ...]:
    area = normalise(csp)
    words = list(WORD.finditer(text))
    keys = [word_key(w.group()) for w in words]
    found: dict[str, Resolution] = {}
    i = 0
    while i < len(words):
        step = 1
        if keys[i] not in reg._mention_first and keys[i] != "nhs":
            i += 1
            continue
        for length in range(min(reg._mention_max, len(words) - i), 0, -1):
            key = " ".join(keys[i:i + length])
            if key not in reg._mention_keys_set and (without_nhs(key) or key) not in reg._mention_keys_set:
                continue
            looked = reg._lookup(key, area) if len(key) >= 3 else None
            if not looked or looked[0].entry.kind == "group":
                continue
            span = text[words[i].start():words[i + length - 1].end()]
            if not _plain_written_as_name(span, looked[0].form, text, words[i].start()):
                continue
            res = reg.resolve(span, csp, published, minter)
            if res.method in ("exact", "alias", "acronym", "generic", "area", "function", "date") \
                    and res.kind != "group":
                found.setdefault(res.iri, res)
                step = length
                break
        i += step
    return tuple(found.values())


EDGE_TEXTS = [
    "NHS England and the NHS Southampton City CCG should ask Southampton City NHS CCG and NHS NHS England.",
    "Police should act. Police Scotland and the Police will report; Home Office staff agree.",
    "Respect\u00a0the wishes.\u2003Respect the family. See: Respect. Then\n\nRespect again;  Respect",
    # a one-word name after each way a sentence may end, one per text (a later mention would hide it)
    *(f"Ask them{end}Respect and Refuge." for end in ("; ", ":\u2003", ".\n", "!", "? ", " ", ", ", "\n")),
    "The Children\u2019s Services & Education, the CCG (Clinical Commissioning Group) and 4LSAB met MoJ.",
    "Hampshire Constabulary Hampshire Constabulary Hampshire Constabulary, nhs nhs nhs nhs nhs nhs.",
    "",
    "nhs",
    "The Probation Service, the National Probation Service and HM Prison and Probation Service.",
]


def _texts() -> list[tuple[str, str, str | None]]:
    pages = [*resources.sample_pages(), *sorted((DATA / "agencies").glob("*.txt")),
             *sorted((DATA / "pages").glob("*.txt"))]
    out = []
    for page in pages:
        review = parse_page(page)
        out += [(r.text, review.csp, review.published) for r in review.recommendations]
    for csp in ("Southampton", "Leeds", "Cardiff"):
        out += [(t, csp, "2022-06") for t in EDGE_TEXTS]
    return out


def _compare(reg: Registry, minter: Minter, texts: list[tuple[str, str, str | None]]) -> int:
    n = 0
    for text, csp, published in texts:
        quick = reg.mentions(text, csp, published, minter)
        assert quick == plain_mentions(reg, text, csp, published, minter), (csp, text[:80])
        n += len(quick)
    return n


def test_same_mentions_as_plain_finder(registry: Registry, minter: Minter) -> None:
    assert _compare(registry, minter, _texts()) > 20


def test_same_mentions_on_a_synthetic_corpus(registry: Registry, minter: Minter, tmp_path: Path) -> None:
    generator = ROOT / "benchmarks" / "generate_corpus.py"
    if not generator.exists():
        pytest.skip("benchmarks/generate_corpus.py not present")
    subprocess.run([sys.executable, str(generator), "--reviews", "60", "--out", str(tmp_path)],
                   check=True, capture_output=True)
    texts = []
    for page in sorted(tmp_path.rglob("*.txt")):
        review = parse_page(page)
        texts += [(r.text, review.csp, review.published) for r in review.recommendations]
    assert len(texts) > 300
    assert _compare(registry, minter, texts) > 300


def test_trie_lengths_cover_every_matching_run() -> None:
    keys = {"home office", "southampton city ccg", "police", "nhs england", "city", "a b c"}
    trie = MentionTrie(keys)
    words = ["nhs", "southampton", "city", "nhs", "ccg", "nhs", "home", "office", "police", "a", "b", "c", "nhs",
             "england"]
    for start in range(len(words)):
        most = min(4, len(words) - start)
        expected = [n for n in range(most, 0, -1)
                    if " ".join(words[start:start + n]) in keys
                    or (without_nhs(" ".join(words[start:start + n])) or "") in keys]
        got = trie.lengths(words, start, most)
        assert set(expected) <= set(got), (start, expected, got)
        assert got == sorted(got, reverse=True)
    assert trie.lengths(words, 1, 4) == [4]  # "southampton city nhs ccg" spells a key without its NHS
    assert trie.lengths(words, 5, 4) == [3]  # "nhs home office" is "home office" without its NHS
    assert trie.lengths(words, 6, 4) == [2]  # "home office"
    assert trie.lengths(words, 8, 4) == [1]  # "police"
    assert trie.lengths(words, 9, 4) == [4, 3]  # "a b c nhs" (a trailing NHS too), then "a b c"


@pytest.mark.parametrize("prefix", ["", "   ", "\n", "Done.", "Done. ", "Done.\u00a0\u2003", "Done:\n\n",
                                    "Ask the", "Ask the ", "e.g", "end;\t", "x!", "why? ", "a.b\n"])
def test_sentence_opening_read_backwards_as_the_regex(prefix: str) -> None:
    text = prefix + "Respect the wishes"
    assert _opens_sentence(text, len(prefix)) == bool(_SENTENCE_END.search(text[:len(prefix)]))
