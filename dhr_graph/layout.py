"""Node positions for network pages, computed once in Python so the browser only draws.

networkx's ForceAtlas2 compares every pair of nodes on every iteration, which is seconds for a
few hundred nodes and minutes for the thousands of agencies of a national store. So the force
layout runs on the best-connected agencies (the skeleton a reader orients by), and every other
node is placed beside the neighbours it already has, on a golden-angle spiral so that siblings
do not sit on each other. Nodes that reach no placed neighbour (small separate groups and lone
agencies) are laid out group by group on rings around the skeleton. The same graph always gives
the same positions: the order is fixed and the force layout is seeded.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # loaded by `layout`, so that importing this module (explorer.py does) costs nothing
    import networkx as nx

log = logging.getLogger(__name__)

GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))
Position = tuple[float, float]


def _strength(graph: nx.Graph, node: Hashable) -> float:
    return float(sum(d.get("weight", 1) for _, _, d in graph.edges(node, data=True)))


def _normalise(pos: dict[Hashable, Position], extent: float = 1000.0) -> dict[Hashable, Position]:
    if not pos:
        return {}
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return {n: (round((x - cx) / span * extent, 2), round((y - cy) / span * extent, 2)) for n, (x, y) in pos.items()}


def layout(graph: nx.Graph, *, core_size: int = 300, iterations: int = 100, seed: int = 7
           ) -> dict[Hashable, Position]:
    """Positions in [-500, 500]² for every node of `graph` (see the module docstring for how)."""
    import networkx as nx

    order = sorted(graph.nodes, key=lambda n: (-_strength(graph, n), -graph.degree(n), str(n)))
    connected = [n for n in order if graph.degree(n) > 0]
    core = connected[:core_size]
    skeleton = nx.Graph()
    skeleton.add_nodes_from(core)
    skeleton.add_edges_from((u, v, d) for u, v, d in graph.subgraph(core).edges(data=True))
    pos: dict[Hashable, Position] = {}
    if len(core) > 1:
        raw = nx.forceatlas2_layout(skeleton, max_iter=iterations, seed=seed, weight="weight",
                                    scaling_ratio=4.0, gravity=1.0)
        pos = {n: (float(p[0]), float(p[1])) for n, p in raw.items()}
    elif core:
        pos[core[0]] = (0.0, 0.0)
    spacing = _spacing(pos)
    placed_beside: dict[Hashable, int] = {}
    # farthest from the skeleton last: each node joins the neighbours placed before it
    pending = [n for n in connected if n not in pos]
    while pending:
        progress = []
        for node in pending:
            anchors = [m for m in graph.neighbors(node) if m in pos]
            if not anchors:
                continue
            weights = [graph.edges[node, m].get("weight", 1) for m in anchors]
            total = float(sum(weights))
            ax = sum(pos[m][0] * w for m, w in zip(anchors, weights)) / total
            ay = sum(pos[m][1] * w for m, w in zip(anchors, weights)) / total
            key = max(anchors, key=lambda m: (graph.edges[node, m].get("weight", 1), str(m)))
            k = placed_beside.get(key, 0) + 1
            placed_beside[key] = k
            radius = spacing * (0.6 + 0.35 * math.sqrt(k))
            pos[node] = (ax + radius * math.cos(k * GOLDEN_ANGLE), ay + radius * math.sin(k * GOLDEN_ANGLE))
            progress.append(node)
        if not progress:  # the rest reach no placed node: separate groups
            break
        done = set(progress)
        pending = [n for n in pending if n not in done]
    _rings(graph, [n for n in order if n not in pos], pos, spacing, seed)
    log.debug("layout: %d nodes, %d in the force-directed skeleton", len(pos), len(core))
    return _normalise(pos)


def _spacing(pos: dict[Hashable, Position]) -> float:
    """A typical distance between neighbours of the skeleton, the unit of the other placements."""
    if len(pos) < 2:
        return 1.0
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    area = (max(xs) - min(xs) + 1e-9) * (max(ys) - min(ys) + 1e-9)
    return math.sqrt(area / len(pos)) * 0.5


def _rings(graph: nx.Graph, rest: list[Hashable], pos: dict[Hashable, Position], spacing: float,
           seed: int) -> None:
    """Place separate groups (largest first) and lone nodes on rings around what is placed."""
    import networkx as nx

    if not rest:
        return
    sub = graph.subgraph(rest)
    groups = sorted((sorted(c, key=str) for c in nx.connected_components(sub)), key=lambda c: (-len(c), str(c[0])))
    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    radius = max(max(xs) - min(xs), max(ys) - min(ys)) / 2 + 3 * spacing
    angle, ring_used = 0.0, 0.0
    for group in groups:
        size = math.sqrt(len(group)) * spacing
        if len(group) > 1:
            local = nx.spring_layout(sub.subgraph(group), seed=seed, scale=size)
        else:
            local = {group[0]: (0.0, 0.0)}
        step = (size + 2 * spacing) / radius
        if ring_used + step > 2 * math.pi:  # this ring is full: start the next one further out
            radius += size + 4 * spacing
            ring_used, step = 0.0, (size + 2 * spacing) / radius
        angle = ring_used + step / 2
        ring_used += step
        gx, gy = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        for node in group:
            lx, ly = local[node]
            pos[node] = (gx + float(lx), gy + float(ly))
