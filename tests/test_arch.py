"""Architecture step (issue 18): theme rules split right, projection errors said right, logging on
the command line only, and process-wide tuning only when the command line asks for it."""

from __future__ import annotations

import gc
import logging
import re
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dhr_graph.cli import logs, main
from dhr_graph.errors import DhrGraphError
from dhr_graph.pipeline import Toolkit
from dhr_graph.themes import ThemeScheme, _lower_text

THEME_FILE = """@prefix dhr: <https://w3id.org/dhr-graph/def/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://example.org/t/x> a dhr:Theme ; skos:prefLabel "X"@en ; dhr:matchPattern {patterns} .
"""


def scheme_of(tmp_path: Path, *patterns: str) -> Path:
    f = tmp_path / "user-themes.ttl"
    f.write_text(THEME_FILE.format(patterns=" , ".join(f'"{p}"' for p in patterns)), encoding="utf-8")
    return f


@pytest.mark.parametrize("patterns, text", [
    # "]" first in a class ("[^]...]", "[]...]") is a literal, and a "|" inside a class splits nothing
    (("risk [^]|]+ment", "rota"), "The risk assessment and the rota were late."),
    (("risk [^]|]+ment", "safe(ty)?"), "A risk assessment for safety."),
    (("risk [^]a|a]+ment",), "A risk development."),  # split at the "|", the trigger did not compile
    (("(risk [^]a)(]+ment)", "rota"), "risk b]]ment on the rota"),
    (("x[]|(]y", "rota"), "x|y x(y x]y rota"),
    (("[^]|a]+ment",), "A development plan."),
])
def test_theme_rules_with_brackets_in_classes_find_what_the_rule_finds(tmp_path: Path, patterns: tuple[str, ...],
                                                                       text: str) -> None:
    """The combined trigger (rules split by first character) must find exactly what each rule
    finds on its own, and a user's valid rule must never crash loading the scheme."""
    scheme = ThemeScheme.load([scheme_of(tmp_path, *patterns)])
    (rules,) = scheme._rules
    low = _lower_text(text)
    expected = tuple(dict.fromkeys(text[m.start():m.end()] for m in rules.matcher.finditer(low)))
    assert expected  # the rules do match the text...
    assert [a.evidence for a in scheme.classify(text)] == [expected]  # ...and so does the fast scan


def test_a_trigger_that_does_not_compile_falls_back_to_every_word_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from dhr_graph import themes

    monkeypatch.setattr(themes, "_by_first_char", lambda pattern: [("r", "(isk")])  # a split gone wrong
    with caplog.at_level(logging.WARNING, logger="dhr_graph.themes"):
        scheme = ThemeScheme.load([scheme_of(tmp_path, "risk [^]|]+ment", "rota")])
    assert "combined trigger does not compile" in caplog.text
    (found,) = scheme.classify("The risk assessment and the rota were late.")
    assert found.evidence == ("risk assessment", "rota")


def test_rules_of_two_themes_may_use_the_same_group_name(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    f = scheme_of(tmp_path, "(?P<w>wo)rk(?P=w)")
    with f.open("a", encoding="utf-8") as more:
        more.write('<https://example.org/t/y> a dhr:Theme ; skos:prefLabel "Y"@en ; '
                   'dhr:matchPattern "(?P<w>ho)me(?P=w)" , "rota" .\n')
    with caplog.at_level(logging.WARNING, logger="dhr_graph.themes"):
        scheme = ThemeScheme.load([f])
    assert "finds the same, more slowly" in caplog.text
    text = "Workwo at homeho, not work; the rota."
    assert [(a.label, a.evidence) for a in scheme.classify(text)] == [("X", ("Workwo",)), ("Y", ("homeho", "rota"))]


def test_build_with_such_a_user_rule_is_not_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--store", str(tmp_path / "store"),
                                       "--themes", str(scheme_of(tmp_path, "[^]|a]+ment"))])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 0, result.output


def test_a_key_error_inside_a_projection_is_not_an_unknown_projection(monkeypatch: pytest.MonkeyPatch,
                                                                       tmp_path: Path) -> None:
    from dhr_graph import projections
    from dhr_graph.store import GraphStore

    def broken(store: GraphStore) -> object:
        return {}["missing column"]

    monkeypatch.setitem(projections.PROJECTIONS, "broken", broken)
    with pytest.raises(KeyError, match="missing column"):
        projections.project(GraphStore(tmp_path), "broken")
    with pytest.raises(DhrGraphError, match="unknown projection 'nope'"):
        projections.project(GraphStore(tmp_path), "nope")


# ---------------------------------------------------------------- logging

@pytest.fixture(scope="module")
def sample_copy(sample_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("logs") / "store"
    shutil.copytree(sample_store, path)
    return path


def test_verbose_and_quiet_set_what_the_library_logs_on_stderr(sample_copy: Path) -> None:
    runner = CliRunner(mix_stderr=False) if "mix_stderr" in CliRunner.__init__.__code__.co_varnames else CliRunner()
    package = logging.getLogger("dhr_graph")
    before = (package.level, list(package.handlers))
    plain = runner.invoke(main, ["links", "compute", "--store", str(sample_copy)])
    verbose = runner.invoke(main, ["-v", "links", "compute", "--store", str(sample_copy)])
    debug = runner.invoke(main, ["-vv", "links", "compute", "--store", str(sample_copy)])
    assert plain.exit_code == verbose.exit_code == debug.exit_code == 0
    assert "dhr-graph: info: links:" not in plain.stderr
    assert "dhr-graph: info: links: 0 links of 1 reviews computed" in verbose.stderr
    assert "dhr-graph: info: dhr_graph.links.refresh: links:" in debug.stderr  # -vv says which module
    assert verbose.stdout.startswith("0 links computed")  # results stay on stdout, logs go to stderr
    assert (package.level, list(package.handlers)) == before  # the command leaves logging as it was


def test_quiet_keeps_warnings_back_and_errors_through(capsys: pytest.CaptureFixture[str]) -> None:
    log = logging.getLogger("dhr_graph.somewhere")
    for verbosity, shown in ((-1, {"error"}), (0, {"warning", "error"}), (1, {"info", "warning", "error"})):
        state = logs.configure(verbosity)
        try:
            log.info("the info")
            log.warning("the warning")
            log.error("the error")
        finally:
            logs.restore(state)
        err = capsys.readouterr().err
        assert {level for level in ("info", "warning", "error") if f"dhr-graph: {level}: the {level}" in err} == shown
    log.warning("after")  # nothing configured any more: the library itself prints nothing
    assert "dhr-graph:" not in capsys.readouterr().err


def test_library_modules_never_configure_logging_or_print() -> None:
    """Library code logs through logging.getLogger(__name__); only the CLI configures or prints."""
    package = Path(__file__).resolve().parent.parent / "dhr_graph"
    for path in sorted(package.rglob("*.py")):
        if "cli" in path.relative_to(package).parts or path.name == "__main__.py":
            continue
        source = path.read_text(encoding="utf-8")
        for banned in (r"logging\.basicConfig", r"\.addHandler\(", r"(?<![\w.])print\(", r"\bgc\.(disable|freeze|set_threshold)\("):
            if "print" in banned and path.name in ("schemedoc.py", "registrygen.py"):  # their own `python -m` command lines
                continue
            if "gc" in banned and path.name == "tuning.py":  # the opt-in itself
                continue
            assert not re.search(banned, source), f"{path.name}: {banned}"


# ---------------------------------------------------------------- process-wide state

def gc_state() -> tuple[tuple[int, int, int], bool, int]:
    return gc.get_threshold(), gc.isenabled(), gc.get_freeze_count()


def test_library_calls_leave_the_collector_alone(tmp_path: Path, sample_copy: Path, toolkit: Toolkit,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """What the build and a full link computation see of the collector is what their caller set."""
    from dhr_graph import links
    from dhr_graph.links import refresh
    from dhr_graph.pipeline import build
    from dhr_graph.store import GraphStore

    outside = gc_state()
    seen: list[tuple[tuple[int, int, int], bool, int]] = []

    def progress(pages: Iterable[Path]) -> Iterator[Path]:
        for page in pages:
            seen.append(gc_state())
            yield page

    build(None, tmp_path / "store", toolkit=toolkit, progress=progress)
    read = refresh.Corpus.read

    def reading(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc_state())
        return read(*args, **kwargs)

    monkeypatch.setattr(refresh.Corpus, "read", reading)
    GraphStore(sample_copy).replace({}, edit=links.recompute_all)
    assert len(seen) == 2 and all(state == outside for state in seen)


def test_the_command_line_opts_in_for_the_whole_command(sample_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dhr_graph.links import refresh

    outside = gc_state()
    seen: list[tuple[tuple[int, int, int], bool, int]] = []
    recompute = refresh.recompute_all

    def recording(store: Any, settings: Any) -> int:
        seen.append(gc_state())
        return recompute(store, settings)

    monkeypatch.setattr(refresh, "recompute_all", recording)
    result = CliRunner().invoke(main, ["links", "compute", "--store", str(sample_copy)])
    assert result.exit_code == 0, result.output
    (inside,) = seen
    assert inside[0][0] > outside[0][0] and inside[2] > 0  # collect rarely, what existed frozen
    assert gc_state() == outside  # and all as it was afterwards
