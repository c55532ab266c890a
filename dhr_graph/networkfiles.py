"""Write projected networks in the formats network tools open.

- GraphML: Gephi, Cytoscape and yEd. Every attribute is a typed GraphML key; each node
  also carries yEd's own `nodegraphics` data (a coloured ellipse sized by recommendations,
  its label as the node label), because yEd shows only that and ignores plain keys.
  In Gephi and Cytoscape the `label` key is the label; other keys become columns.
- GEXF 1.2 (Gephi): attributes plus `viz` colour and size.
- Cytoscape.js JSON (`elements` with `data` objects; `name` repeats the label for
  Cytoscape desktop), node-link JSON (networkx's layout), DOT (Graphviz), and CSV node and
  edge lists (`NAME-nodes.csv`, `NAME-edges.csv`).
Colours come from `data/web/palette.json`, so every format and the HTML page agree.
"""

from __future__ import annotations

import csv
import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .nodestyle import node_colour, node_size
from .outputs import OutputFiles, atomic_output

if TYPE_CHECKING:  # networkx loads with the writers that call it, not with the list of formats
    import networkx as nx

GRAPH_FORMATS = ("graphml", "gexf", "cyjs", "nodelink", "dot", "csv")
GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
YED_NS = "http://www.yworks.com/xml/graphml"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"


def styled(graph: nx.Graph) -> dict[Any, tuple[str, float]]:
    return {n: (node_colour({**d, "iri": str(n)}), node_size(d)) for n, d in graph.nodes(data=True)}


def write_graph(graph: nx.Graph, path: str | Path, fmt: str) -> list[Path]:
    """Write `graph` as `fmt` (one of GRAPH_FORMATS); returns the files written."""
    path = Path(path)
    if fmt == "csv":
        return write_csv(graph, path)
    writer = {"graphml": write_graphml, "gexf": write_gexf, "cyjs": write_cytoscape,
              "nodelink": write_node_link, "dot": write_dot}[fmt]
    writer(graph, path)
    return [path]


# ---------------------------------------------------------------- GraphML (+ yEd)

def _graphml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    return "string"


def _graphml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _keys(items: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Attribute name -> GraphML type, widening long to double when both are seen."""
    types: dict[str, str] = {}
    for data in items:
        for name, value in data.items():
            t = _graphml_type(value)
            seen = types.get(name)
            if seen is None or seen == t:
                types[name] = t
            elif {seen, t} == {"long", "double"}:
                types[name] = "double"
            else:
                types[name] = "string"
    return dict(sorted(types.items()))


def write_graphml(graph: nx.Graph, path: Path) -> None:
    """GraphML with typed keys and yEd node graphics (circle layout grouped by sector)."""
    ET.register_namespace("", GRAPHML_NS)
    ET.register_namespace("y", YED_NS)
    ET.register_namespace("xsi", XSI_NS)
    g, y = f"{{{GRAPHML_NS}}}", f"{{{YED_NS}}}"
    root = ET.Element(f"{g}graphml", {
        f"{{{XSI_NS}}}schemaLocation":
            f"{GRAPHML_NS} http://www.yworks.com/xml/schema/graphml/1.1/ygraphml.xsd"})
    key_ids: dict[tuple[str, str], str] = {}
    for domain, items in (("graph", [graph.graph]), ("node", (d for _, d in graph.nodes(data=True))),
                          ("edge", (d for _, _, d in graph.edges(data=True)))):
        for name, gtype in _keys(items).items():
            key_id = key_ids[(domain, name)] = f"{domain[0]}_{name}"
            ET.SubElement(root, f"{g}key", {"id": key_id, "for": domain, "attr.name": name, "attr.type": gtype})
    ET.SubElement(root, f"{g}key", {"id": "yed_node", "for": "node", "yfiles.type": "nodegraphics"})
    body = ET.SubElement(root, f"{g}graph", {"id": str(graph.graph.get("name", "G")),
                                             "edgedefault": "directed" if graph.is_directed() else "undirected"})
    for name, value in sorted(graph.graph.items()):
        ET.SubElement(body, f"{g}data", {"key": key_ids[("graph", name)]}).text = _graphml_value(value)

    styles = styled(graph)
    positions = circle_layout(graph)
    for node, data in graph.nodes(data=True):
        el = ET.SubElement(body, f"{g}node", {"id": str(node)})
        for name, value in data.items():
            ET.SubElement(el, f"{g}data", {"key": key_ids[("node", name)]}).text = _graphml_value(value)
        colour, size = styles[node]
        x, yy = positions[node]
        shape = ET.SubElement(ET.SubElement(el, f"{g}data", {"key": "yed_node"}), f"{y}ShapeNode")
        ET.SubElement(shape, f"{y}Geometry", {"height": str(size), "width": str(size),
                                              "x": f"{x - size / 2:.1f}", "y": f"{yy - size / 2:.1f}"})
        ET.SubElement(shape, f"{y}Fill", {"color": colour, "transparent": "false"})
        ET.SubElement(shape, f"{y}NodeLabel").text = str(data.get("label", node))
        ET.SubElement(shape, f"{y}Shape", {"type": "ellipse"})
    for i, (u, v, data) in enumerate(graph.edges(data=True)):
        el = ET.SubElement(body, f"{g}edge", {"id": f"e{i}", "source": str(u), "target": str(v)})
        for name, value in data.items():
            ET.SubElement(el, f"{g}data", {"key": key_ids[("edge", name)]}).text = _graphml_value(value)
    tree = ET.ElementTree(root)
    ET.indent(tree, space=" ")
    with atomic_output(path) as handle:
        tree.write(handle, encoding="utf-8", xml_declaration=True)


def circle_layout(graph: nx.Graph, spacing: float = 40.0) -> dict[Any, tuple[float, float]]:
    """Nodes on a circle, grouped by kind and sector: a readable start for yEd and Gephi layouts."""
    order = sorted(graph.nodes(data=True), key=lambda nd: (str(nd[1].get("kind", "")),
                                                          str(nd[1].get("sector", "")),
                                                          str(nd[1].get("label", "")), str(nd[0])))
    n = max(1, len(order))
    radius = max(100.0, spacing * n / (2 * math.pi))
    return {node: (round(radius * math.cos(2 * math.pi * i / n), 1), round(radius * math.sin(2 * math.pi * i / n), 1))
            for i, (node, _) in enumerate(order)}


# ---------------------------------------------------------------- GEXF

def write_gexf(graph: nx.Graph, path: Path) -> None:
    """GEXF 1.2 with Gephi's viz colour, size and position on every node."""
    import networkx as nx

    out = graph.copy()
    styles = styled(graph)
    positions = circle_layout(graph)
    for node, data in out.nodes(data=True):
        colour, size = styles[node]
        r, gr, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
        x, y = positions[node]
        data["viz"] = {"color": {"r": r, "g": gr, "b": b, "a": 1.0}, "size": size / 2,
                       "position": {"x": x, "y": y, "z": 0.0}}
    with atomic_output(path) as handle:
        nx.write_gexf(out, handle, encoding="utf-8", prettyprint=True)


# ---------------------------------------------------------------- JSON

def cytoscape_document(graph: nx.Graph) -> dict[str, Any]:
    """Cytoscape.js elements JSON: `{"data": {...}, "elements": {"nodes": [...], "edges": [...]}}`."""
    from . import __version__

    styles = styled(graph)
    nodes = []
    for node, data in graph.nodes(data=True):
        colour, size = styles[node]
        nodes.append({"data": {"id": str(node), "name": str(data.get("label", node)), **data,
                               "colour": colour, "size": size}})
    edges = [{"data": {"id": f"e{i}", "source": str(u), "target": str(v), **data}}
             for i, (u, v, data) in enumerate(graph.edges(data=True))]
    return {
        "format_version": "1.0",
        "generated_by": f"dhr-graph {__version__}",
        "target_cytoscapejs_version": "~3",
        "data": {**graph.graph, "directed": graph.is_directed()},
        "elements": {"nodes": nodes, "edges": edges},
    }


def write_cytoscape(graph: nx.Graph, path: Path) -> None:
    _write_json(cytoscape_document(graph), path)


def write_node_link(graph: nx.Graph, path: Path) -> None:
    """networkx node-link JSON (`nodes`, `edges`), read back with `nx.node_link_graph(..., edges="edges")`."""
    import networkx as nx

    _write_json(nx.node_link_data(graph, edges="edges"), path)


def _write_json(document: Any, path: Path) -> None:
    with atomic_output(path, "w") as handle:
        json.dump(document, handle, ensure_ascii=False, indent=1)
        handle.write("\n")


# ---------------------------------------------------------------- DOT

def dot_quote(value: Any) -> str:
    """A DOT double-quoted string: backslashes, quotes and line breaks escaped."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n") + '"'


def _dot_attrs(attrs: dict[str, Any]) -> str:
    return ", ".join(f"{name}={dot_quote(value)}" for name, value in attrs.items())


def write_dot(graph: nx.Graph, path: Path) -> None:
    """Graphviz DOT; Graphviz wants integer `weight`, so a fractional one is kept as `score`."""
    directed = graph.is_directed()
    styles = styled(graph)
    lines = [f"{'digraph' if directed else 'graph'} {dot_quote(graph.graph.get('name', 'G'))} {{",
             f"  graph [{_dot_attrs({'label': graph.graph.get('name', ''), 'overlap': 'false'})}];",
             '  node [shape="ellipse", style="filled", fontsize="10"];']
    for node, data in graph.nodes(data=True):
        colour, size = styles[node]
        attrs = {**data, "fillcolor": colour, "width": round(size / 72, 2), "height": round(size / 72, 2)}
        lines.append(f"  {dot_quote(node)} [{_dot_attrs(attrs)}];")
    arrow = "->" if directed else "--"
    for u, v, data in graph.edges(data=True):
        attrs = dict(data)
        weight = attrs.get("weight", 1)
        if isinstance(weight, float) and not weight.is_integer():
            attrs["score"] = weight
            attrs["weight"] = max(1, round(weight))
        attrs["penwidth"] = round(1 + math.log1p(float(weight)), 2)
        lines.append(f"  {dot_quote(u)} {arrow} {dot_quote(v)} [{_dot_attrs(attrs)}];")
    lines.append("}")
    with atomic_output(path, "w") as handle:
        handle.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------- CSV

def csv_paths(path: Path) -> tuple[Path, Path]:
    """`out/net.csv` -> `out/net-nodes.csv`, `out/net-edges.csv`."""
    stem = path.name[:-4] if path.name.endswith(".csv") else path.name
    return path.with_name(f"{stem}-nodes.csv"), path.with_name(f"{stem}-edges.csv")


def write_csv(graph: nx.Graph, path: Path) -> list[Path]:
    """A node list (id, label, kind, then the other attributes) and an edge list (source, target, ...)."""
    nodes_path, edges_path = csv_paths(path)
    first = ["label", "kind"]
    node_cols = first + sorted({k for _, d in graph.nodes(data=True) for k in d} - set(first))
    edge_cols = ["weight"] + sorted({k for _, _, d in graph.edges(data=True) for k in d} - {"weight"})
    with OutputFiles() as files:  # renamed into place together: never new nodes beside old edges
        with files.open(nodes_path, "w") as handle:
            out = csv.writer(handle)
            out.writerow(["id", *node_cols])
            for node, data in graph.nodes(data=True):
                out.writerow([node, *(data.get(c, "") for c in node_cols)])
        with files.open(edges_path, "w") as handle:
            out = csv.writer(handle)
            out.writerow(["source", "target", *edge_cols])
            for u, v, data in graph.edges(data=True):
                out.writerow([u, v, *(data.get(c, "") for c in edge_cols)])
    return [nodes_path, edges_path]
