"""sh:minCount and sh:maxCount on one (shape, path) run as one query (shapecompiler.py): the
results must be those of the two constraints checked apart, which pySHACL does."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib.namespace import SH

from dhr_graph import resources
from dhr_graph.datagraph import DataReport, read_graph, validate_data
from dhr_graph.shapecompiler import compile_shapes

PREFIXES = ("@prefix ex: <http://example.org/> .\n@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
            "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n")
# focus nodes with 0 to 3 values of ex:p; ex:dup has one value, written in two named graphs
DATA = PREFIXES + """
ex:zero a ex:Thing .
ex:one a ex:Thing ; ex:p 1 .
ex:two a ex:Thing ; ex:p 1, 2 .
ex:three a ex:Thing ; ex:p 1, 2, 3 .
ex:dup a ex:Thing .
ex:other ex:p 1, 2, 3, 4 .
ex:g1 { ex:dup ex:p 1 . }
ex:g2 { ex:dup ex:p 1 . }
"""
SHAPES = {
    "exactly one": "ex:n a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property ex:s .\nex:s sh:path ex:p ; "
                   "sh:minCount 1 ; sh:maxCount 1 .\n",
    "a range, with a message and a severity": "ex:s a sh:PropertyShape ; sh:targetClass ex:Thing ; sh:path ex:p ; "
                                              "sh:minCount 2 ; sh:maxCount 2 ; sh:message \"two\" ; "
                                              "sh:severity sh:Warning .\n",
    "bounds both broken": "ex:s sh:targetClass ex:Thing ; sh:path ex:p ; sh:minCount 3 ; sh:maxCount 1 .\n",
    "zero allowed": "ex:s sh:targetClass ex:Thing ; sh:path ex:p ; sh:minCount 0 ; sh:maxCount 2 .\n",
    "two routes": "ex:a sh:targetClass ex:Thing ; sh:property ex:s .\nex:b sh:targetNode ex:one, ex:three ; "
                  "sh:property ex:s .\nex:s sh:path ex:p ; sh:minCount 1 ; sh:maxCount 1 .\n",
    "beside value tests": "ex:s sh:targetClass ex:Thing ; sh:path ex:p ; sh:minCount 1 ; sh:maxCount 2 ; "
                          "sh:datatype xsd:integer ; sh:maxInclusive 2 .\n",
}


def _findings(report: DataReport) -> list[tuple[str, ...]]:
    """What a SHACL report says of each result (pySHACL words its own messages: see _messages)."""
    return sorted((f.focus.n3(), f.path.n3() if f.path is not None else "", f.value.n3() if f.value is not None else "",
                   str(f.shape), str(f.component), str(f.severity)) for f in report.findings)


def _messages(report: DataReport, shapes: Path) -> None:
    """The shape's sh:message, or else the compiled engine's own words for each bound."""
    g = read_graph([shapes])
    for f in report.findings:
        if f.component in (SH.MinCountConstraintComponent, SH.MaxCountConstraintComponent):
            own = g.value(f.shape, SH.message)
            low = f.component == SH.MinCountConstraintComponent
            bound = g.value(f.shape, SH.minCount if low else SH.maxCount)
            assert f.message == (str(own) if own else f"{'Less' if low else 'More'} than {bound} values")


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_a_count_pair_gives_the_results_of_both_constraints(tmp_path: Path, name: str) -> None:
    data, shapes = tmp_path / "data.trig", tmp_path / "shapes.ttl"
    data.write_text(DATA, encoding="utf-8")
    shapes.write_text(PREFIXES + SHAPES[name], encoding="utf-8")
    compiled, general = (validate_data([data], [shapes], engine=e) for e in ("auto", "pyshacl"))
    assert compiled.engine == "sparql"
    assert _findings(compiled) == _findings(general) != []
    _messages(compiled, shapes)
    pairs = [c for c in compile_shapes(read_graph([shapes]))
             if {SH.MinCountConstraintComponent, SH.MaxCountConstraintComponent} & set(c.components)]
    assert all(len(c.components) == 2 for c in pairs) and pairs  # one query per (shape, path) and route set


def test_every_count_pair_of_the_bundled_shapes_is_one_query() -> None:
    shapes = read_graph(sorted(resources.shapes_dir().glob("*.ttl")))
    paired = {s for s in shapes.subjects(SH.minCount, None) if (s, SH.maxCount, None) in shapes}
    checks = compile_shapes(shapes)
    counts = [c for c in checks if {SH.MinCountConstraintComponent, SH.MaxCountConstraintComponent} & set(c.components)]
    assert paired and {c.shape for c in counts if len(c.components) == 2} == paired
    assert all(sum(1 for c in counts if c.shape == s) == 1 for s in paired)
