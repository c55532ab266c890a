"""A truncated page must not silently shrink a stored review, and of two copies of one review in
the same run the fuller one is kept (the other is reported), whichever comes first."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from dhr_graph.cli import main
from dhr_graph.iris import DHR
from dhr_graph.store import GraphStore

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def recommendation_numbers(store: Path) -> set[str]:
    gs = GraphStore(store)
    try:
        recs = {q.subject for q in gs.store.quads_for_pattern(None, RDF_TYPE, ox.NamedNode(str(DHR.Recommendation)))}
        return {q.object.value for r in recs
                for q in gs.store.quads_for_pattern(r, ox.NamedNode(str(DHR.number)), None)}
    finally:
        gs.close()


def cut_to(text: str, keep: int) -> str:
    """The page with only the first `keep` rows of its recommendations table (as a download cut short)."""
    lines, out, rows = text.splitlines(keepends=True), [], 0
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        is_row = line.lstrip().startswith("|") and cells and cells[0][:1].isdigit()
        if is_row:
            rows += 1
            if rows > keep:
                break
        out.append(line)
    return "".join(out)


@pytest.fixture()
def pages(tmp_path: Path, sample_page: Path, sample_text: str) -> tuple[Path, Path]:
    # one file name in two folders: the name is the review's key (identity.py), so both are one review
    folder = tmp_path / "pages"
    (folder / "full").mkdir(parents=True)
    (folder / "cut").mkdir()
    good = folder / "full" / sample_page.name
    shutil.copy(sample_page, good)
    short = folder / "cut" / sample_page.name
    short.write_text(cut_to(sample_text, 3), encoding="utf-8")
    return good, short


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", *args, "--quiet"], catch_exceptions=False)
    return result.exit_code, result.stderr


def test_the_truncated_copy_really_is_the_same_review_cut_short(pages: tuple[Path, Path], tmp_path: Path) -> None:
    good, short = pages
    assert run(str(good), "--store", str(tmp_path / "full"))[0] == 0
    assert run(str(short), "--store", str(tmp_path / "cut"))[0] == 0
    full, cut = recommendation_numbers(tmp_path / "full"), recommendation_numbers(tmp_path / "cut")
    assert len(full) == 18 and len(cut) == 3 and cut < full


def test_truncated_page_does_not_shrink_the_stored_review(pages: tuple[Path, Path], sample_store: Path,
                                                          tmp_path: Path) -> None:
    _, short = pages
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    before = recommendation_numbers(store)
    code, err = run(str(short), "--store", str(store))
    assert code == 2 and "Traceback" not in err  # its only page was left out: nothing was done
    line, = [ln for ln in err.splitlines() if "cut/" in ln and "would drop" in ln]
    assert "has 3 recommendations where the stored review" in line and "has 18" in line
    assert "would drop 15" in line and "--allow-shrink" in line
    assert recommendation_numbers(store) == before


def test_allow_shrink_replaces_the_stored_review(pages: tuple[Path, Path], sample_store: Path,
                                                 tmp_path: Path) -> None:
    _, short = pages
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    result = CliRunner().invoke(main, ["build", str(short), "--store", str(store), "--allow-shrink"],
                                catch_exceptions=False)
    assert result.exit_code == 0
    assert "warning:" in result.stderr and "would drop 15" in result.stderr  # said, though allowed
    assert len(recommendation_numbers(store)) == 3


@pytest.mark.parametrize("order", ["full-first", "truncated-first"])
@pytest.mark.parametrize("seeded", [False, True], ids=["new-store", "seeded-store"])
def test_full_and_truncated_copy_in_one_run_keep_the_full_one(order: str, seeded: bool, pages: tuple[Path, Path],
                                                              sample_store: Path, tmp_path: Path) -> None:
    good, short = pages
    store = tmp_path / "store"
    if seeded:
        shutil.copytree(sample_store, store)
    inputs = [good, short] if order == "full-first" else [short, good]
    code, err = run(*map(str, inputs), "--store", str(store))
    assert code == 1 and "Traceback" not in err  # one page was left out, and it says so
    assert len(recommendation_numbers(store)) == 18
    reported = [ln for ln in err.splitlines() if ln.startswith(str(short))]
    assert len(reported) == 1 and "left out" in reported[0]
    assert not [ln for ln in err.splitlines() if ln.startswith(str(good))]


def test_two_copies_that_each_lack_something_keep_the_first_and_report_the_second(
        tmp_path: Path, sample_text: str) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = tmp_path / "a" / "review.txt"  # one file name: one review key (identity.py)
    first.write_text(cut_to(sample_text, 5), encoding="utf-8")
    lines = cut_to(sample_text, 18).splitlines(keepends=True)
    row_at = [i for i, ln in enumerate(lines) if ln.lstrip().startswith("|") and ln.strip("| \n")[:1].isdigit()]
    second = tmp_path / "b" / "review.txt"
    second.write_text("".join(ln for i, ln in enumerate(lines) if i != row_at[0]), encoding="utf-8")  # row 1 lost
    store = tmp_path / "store"
    code, err = run(str(first), str(second), "--store", str(store))
    assert code == 1
    line, = [ln for ln in err.splitlines() if ln.startswith(str(second))]
    assert "same review key" in line and "left out" in line
    assert len(recommendation_numbers(store)) == 5


def test_rebuilding_the_same_page_is_not_a_shrink(sample_page: Path, sample_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    code, err = run(str(sample_page), "--store", str(store))
    assert code == 0, err
