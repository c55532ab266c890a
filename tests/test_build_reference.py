"""A build reads the reference data (ontology, schemes, registry) once: into its store. The
validator's own copy of it, which only batch validation outside a store needs, is read on
first use, not by every build (issue 17: it cost each build about a second)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dhr_graph import resources
from dhr_graph.errors import DhrGraphError
from dhr_graph.pipeline import Toolkit, build
from dhr_graph.validation import Validator


def test_a_build_does_not_read_the_reference_data_into_the_validator(tmp_path: Path) -> None:
    toolkit = Toolkit.load()
    report = build(None, tmp_path / "store", toolkit=toolkit)
    assert report.committed and len(report.landed) == 1
    assert "reference" not in vars(toolkit.validator)  # the cached property was never computed


def test_the_reference_graph_is_read_when_first_needed(tmp_path: Path) -> None:
    files = sorted(resources.ontology_dir().glob("*.ttl"))
    validator = Validator.load(reference=files)
    assert "reference" not in vars(validator)
    assert len(validator.reference) > 10_000  # the registry and schemes are in it
    assert validator.reference is validator.reference  # read once
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle", encoding="utf-8")
    with pytest.raises(DhrGraphError, match=r"bad.ttl:\d+: cannot read Turtle"):
        _ = Validator.load(reference=[bad]).reference
