"""SHACL validation of review graphs with pySHACL against the shapes in `shapes/`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import Graph
from rdflib.namespace import SH

from . import resources


@dataclass(frozen=True)
class ShapeResult:
    severity: str  # "Violation" | "Warning" | "Info"
    focus: str
    path: str | None
    message: str


@dataclass(frozen=True)
class ValidationResult:
    source: str
    results: tuple[ShapeResult, ...]

    @property
    def conforms(self) -> bool:
        """Only violations stop a review from landing; warnings and infos are reported."""
        return not any(r.severity == "Violation" for r in self.results)

    def messages(self) -> list[str]:
        return [f"{r.severity.lower()}: {self.source}: {r.message} ({r.focus})" for r in self.results]


class Validator:
    """Holds the parsed shapes so each review is validated without re-reading them."""

    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes

    @classmethod
    def load(cls, files: list[Path] | None = None) -> Validator:
        shapes = Graph()
        for path in files or sorted(resources.shapes_dir().glob("*.ttl")):
            shapes.parse(path, format="turtle")
        return cls(shapes)

    def validate(self, graph: Graph, source: str = "") -> ValidationResult:
        _, report, _ = shacl_validate(graph, shacl_graph=self.shapes, advanced=True, allow_warnings=True)
        results = []
        for node in report.subjects(SH.resultSeverity, None):
            severity = str(report.value(node, SH.resultSeverity)).rsplit("#", 1)[-1]
            path = report.value(node, SH.resultPath)
            results.append(ShapeResult(
                severity=severity,
                focus=str(report.value(node, SH.focusNode)),
                path=str(path) if path is not None else None,
                message=str(report.value(node, SH.resultMessage) or "does not conform"),
            ))
        results.sort(key=lambda r: (r.severity, r.focus, r.message))
        return ValidationResult(source=source, results=tuple(results))
