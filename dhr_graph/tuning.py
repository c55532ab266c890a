"""Process-wide tuning that a program may opt into; the library never changes process state.

A build or a full link computation makes millions of small objects (terms, rows, links), none
in a reference cycle worth finding, and Python's cyclic collector would walk them, and every
other object of the process, over and over. The `dhr-graph` command enters `fewer_gc_pauses()`
for the whole command; a program that embeds the package decides for itself.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

# The first generation is collected after this many net allocations instead of 700: a few
# collections over a whole build instead of thousands, each over young objects only.
_THRESHOLDS = (200_000, 50, 100)


@contextlib.contextmanager
def fewer_gc_pauses() -> Iterator[None]:
    """Freeze what exists (the collector then never rescans it) and collect rarely, until the
    block ends; the thresholds and frozen objects are then as they were."""
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()
