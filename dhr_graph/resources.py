"""Where the bundled data files (ontology, shapes, queries, sample pages) are.

In a built wheel they sit inside the package (`dhr_graph/data/...`, mapped there by
pyproject.toml); in a source checkout or editable install they are the top-level folders of
the repository. Looking in both places keeps one copy of each file in the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    for candidate in (_PACKAGE / "data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled data folder {name!r} not found next to {_PACKAGE}")


def ontology_dir() -> Path:
    """Ontology, concept schemes and agency registry (Turtle)."""
    return _data_dir("ontology")


def shapes_dir() -> Path:
    """SHACL shapes (Turtle)."""
    return _data_dir("shapes")


def queries_dir() -> Path:
    """Named SPARQL queries (`NAME.rq`)."""
    return _data_dir("queries")


def samples_dir() -> Path:
    """Bundled sample pages (the reference page, with its source named in its text)."""
    return _PACKAGE / "data" / "samples"


def sample_pages() -> list[Path]:
    return sorted(samples_dir().glob("*.txt"))
