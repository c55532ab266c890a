"""How nodes look in every network output: colour by sector (or by kind), size by recommendations.

The colours live in `data/web/palette.json`, so the network files (networkfiles.py) and the
explorer page (explorer.py) agree, and a user can read or change them in one place.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

WEB_DIR = Path(__file__).resolve().parent / "data" / "web"


@lru_cache(maxsize=1)
def palette() -> dict[str, Any]:
    """The shipped palette: colours by sector key, by node kind, and one for anything else."""
    with open(WEB_DIR / "palette.json", encoding="utf-8") as handle:
        return json.load(handle)


def node_colour(data: dict[str, Any]) -> str:
    """Sector colour for agencies and sectors, a colour per kind for reviews and themes."""
    pal = palette()
    sector_iri = data.get("sector_iri") or ""
    if data.get("kind") == "sector":
        sector_iri = data.get("iri", "")
    key = sector_iri.rstrip("/").rsplit("/", 1)[-1] if sector_iri else ""
    if key in pal["sector"]:
        return pal["sector"][key]
    return pal["kind"].get(data.get("kind", ""), pal["other"])


def node_size(data: dict[str, Any]) -> float:
    """Diameter in points: grows with the square root of the recommendations."""
    return round(16.0 + 8.0 * math.sqrt(max(0, int(data.get("recommendations", 0) or 0))), 1)
