"""Graph files and graph helpers for the graph problem kinds (MIS).

Formats read here:

* **DIMACS ASCII graphs** (``.gph`` from QOBLIB, ``.clq``/``.col`` from the DIMACS challenges, and
  Sloane's ``1tc.*.txt``/``1et.*.txt`` which use the same lines with wide, right-aligned columns):
  ``c`` comment lines, one ``p edge N M`` (or ``p col N M``) line, then ``M`` lines ``e u v`` with
  1-based vertex ids. ``N`` is always taken from the ``p`` line: in Sloane's graphs the first and last
  vertices are isolated and never appear on an ``e`` line.
* **Vertex-set solution files** (QOBLIB ``NAME.opt.sol``/``NAME.bst.sol``): optional ``#`` comment
  lines, one of which may read ``# Objective value = K``, then the 1-based ids of the chosen vertices
  (one per line in QOBLIB; any whitespace is accepted).

Plain edge lists without a ``p`` line are deliberately not read: they give neither the vertex count
(isolated vertices vanish) nor whether ids are 0- or 1-based, which is exactly the pitfall above.

Graphs are held as ``(num_vertices, edges)`` with ``edges`` an ``(E, 2)`` int64 array of 0-based,
``u < v`` pairs: compact for big graphs and directly usable for vectorised evaluation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from qbench.errors import InstanceFormatError
from qbench.problems.io import parse_number, read_text

_P_LINE = re.compile(r"^\s*p\s+(edge|col)\b", re.IGNORECASE)
_OBJECTIVE_COMMENT = re.compile(r"objective\s+value\s*[=:]\s*(\S+)", re.IGNORECASE)


@dataclass
class GraphData:
    """A simple undirected graph read from a file, plus where its ``p`` line was (for messages)."""

    num_vertices: int
    edges: np.ndarray  # (E, 2) int64, 0-based, u < v, no duplicates
    p_line: int | None = None


# ---- DIMACS ---------------------------------------------------------------------------------------
def looks_like_dimacs(text: str) -> bool:
    """Is the first line that is neither blank nor a ``c`` comment a ``p edge|col N M`` line?"""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or _is_comment(stripped):
            continue
        parts = stripped.split()
        return bool(_P_LINE.match(stripped)) and len(parts) == 4 and parts[2].isdigit() and parts[3].isdigit()
    return False


def _is_comment(stripped: str) -> bool:
    return stripped == "c" or stripped.startswith(("c ", "c\t"))


def read_dimacs(path: str | Path, text: str | None = None, *, allow_duplicates: bool = False) -> GraphData:
    """Parse a DIMACS edge file strictly.

    Errors (each an :class:`InstanceFormatError` naming the file and line): missing, repeated or
    malformed ``p`` line; ``e`` lines before the ``p`` line; non-integer or out-of-range vertex ids;
    self loops; duplicate edges (``u v`` twice, or ``u v`` and ``v u``) unless ``allow_duplicates``
    (some DIMACS colouring files list every edge in both directions); an ``e``-line count that differs
    from the ``M`` declared on the ``p`` line; any other line type (e.g. weighted ``n`` lines).
    """
    if text is None:
        text = read_text(path)
    n: int | None = None
    declared_edges = 0
    p_line = None
    us: list[int] = []
    vs: list[int] = []
    lines: list[int] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or _is_comment(stripped):
            continue
        parts = stripped.split()
        tag = parts[0].lower()
        if tag == "p":
            if n is not None:
                raise InstanceFormatError(path, f"second 'p' line (the first is on line {p_line})", lineno)
            if len(parts) != 4 or parts[1].lower() not in ("edge", "col"):
                raise InstanceFormatError(path, f"expected 'p edge N M', found {stripped!r}", lineno)
            n = int(parse_number(parts[2], path, lineno, integer=True))
            declared_edges = int(parse_number(parts[3], path, lineno, integer=True))
            if n < 1:
                raise InstanceFormatError(path, f"the graph must have at least one vertex (p line says {n})", lineno)
            if declared_edges < 0:
                raise InstanceFormatError(path, f"negative edge count {declared_edges}", lineno)
            p_line = lineno
        elif tag == "e":
            if n is None:
                raise InstanceFormatError(path, "edge line before the 'p edge N M' line", lineno)
            if len(parts) != 3:
                raise InstanceFormatError(path, f"expected 'e u v', found {stripped!r}", lineno)
            u = int(parse_number(parts[1], path, lineno, integer=True))
            v = int(parse_number(parts[2], path, lineno, integer=True))
            for w in (u, v):
                if not 1 <= w <= n:
                    raise InstanceFormatError(path, f"vertex {w} out of range 1..{n} (ids are 1-based)", lineno)
            if u == v:
                raise InstanceFormatError(path, f"self loop on vertex {u}", lineno)
            us.append(u - 1)
            vs.append(v - 1)
            lines.append(lineno)
        elif tag == "n":
            raise InstanceFormatError(path, "vertex weight lines ('n v w') are not supported: "
                                      "maximum independent set here is unweighted", lineno)
        else:
            raise InstanceFormatError(path, f"unexpected line {stripped[:40]!r} (expected 'c', 'p' or 'e' lines)", lineno)
    if n is None:
        last = text.count("\n") + (not text.endswith("\n"))
        raise InstanceFormatError(path, "reached the end without a 'p edge N M' line: not a DIMACS graph file", last)
    if len(us) != declared_edges:
        raise InstanceFormatError(path, f"the p line declares {declared_edges} edges but the file has "
                                  f"{len(us)} 'e' lines", p_line)
    edges = np.sort(np.column_stack([np.asarray(us, dtype=np.int64), np.asarray(vs, dtype=np.int64)]), axis=1)
    edges = edges.reshape(-1, 2)
    edges = _check_duplicates(path, n, edges, np.asarray(lines), allow_duplicates)
    return GraphData(n, edges, p_line)


def _check_duplicates(path, n: int, edges: np.ndarray, lines: np.ndarray, allow: bool) -> np.ndarray:
    keys = edges[:, 0] * n + edges[:, 1]
    _, first, counts = np.unique(keys, return_index=True, return_counts=True)
    if (counts == 1).all():
        return edges
    if allow:
        return edges[np.sort(first)]
    seen_first = np.zeros(len(keys), dtype=bool)
    seen_first[first] = True
    dup = int(np.flatnonzero(~seen_first)[0])
    original = int(np.flatnonzero(keys == keys[dup])[0])
    u, v = edges[dup] + 1
    raise InstanceFormatError(path, f"duplicate edge {u}-{v} (already on line {lines[original]})", int(lines[dup]))


def write_dimacs(path: str | Path, num_vertices: int, edges: np.ndarray, comment: str | None = None) -> None:
    """Write a graph as a DIMACS edge file (1-based ids), e.g. to save a generated instance."""
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    out = [f"c {line}" for line in (comment or "").splitlines()]
    out.append(f"p edge {num_vertices} {len(edges)}")
    out.extend(f"e {u + 1} {v + 1}" for u, v in edges)
    Path(path).write_text("\n".join(out) + "\n")


# ---- vertex-set solution files --------------------------------------------------------------------
def read_vertex_set(path: str | Path, num_vertices: int | None = None) -> tuple[np.ndarray, int | None]:
    """The 0-based vertex ids listed in a solution file and the objective its header states (or None).

    Checks: integer ids, within ``1..num_vertices`` when given, no repeats, and the stated objective
    (when present) equal to the number of vertices listed.
    """
    text = read_text(path)
    stated: int | None = None
    stated_line = None
    ids: list[int] = []
    where: dict[int, int] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            match = _OBJECTIVE_COMMENT.search(stripped)
            if match:
                value = parse_number(match.group(1), path, lineno)
                if value != int(value):
                    raise InstanceFormatError(path, f"objective value {value} is not a whole number of vertices", lineno)
                stated, stated_line = int(value), lineno
            continue
        for tok in stripped.split():
            v = int(parse_number(tok, path, lineno, integer=True))
            if v < 1 or (num_vertices is not None and v > num_vertices):
                limit = f"1..{num_vertices}" if num_vertices is not None else ">= 1"
                raise InstanceFormatError(path, f"vertex {v} out of range {limit} (ids are 1-based)", lineno)
            if v in where:
                raise InstanceFormatError(path, f"vertex {v} listed twice (first on line {where[v]})", lineno)
            where[v] = lineno
            ids.append(v - 1)
    if stated is not None and stated != len(ids):
        raise InstanceFormatError(path, f"header states objective {stated} but {len(ids)} vertices are listed", stated_line)
    return np.asarray(ids, dtype=np.int64), stated


def write_vertex_set(path: str | Path, vertices, objective: int | None = None) -> None:
    """Write a QOBLIB-style solution file (1-based ids, one per line, with an objective header)."""
    ids = np.asarray(vertices, dtype=np.int64).reshape(-1)
    header = [f"# Objective value = {len(ids) if objective is None else objective}"]
    Path(path).write_text("\n".join(header + [str(int(v) + 1) for v in ids]) + "\n")


# ---- graph helpers --------------------------------------------------------------------------------
def normalize_edges(num_vertices: int, edges) -> np.ndarray:
    """Edges as a sorted-pair (E, 2) int64 array; rejects self loops, out-of-range ids, duplicates."""
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    if edges.size and (edges.min() < 0 or edges.max() >= num_vertices):
        raise ValueError(f"edge endpoint out of range 0..{num_vertices - 1}")
    if (edges[:, 0] == edges[:, 1]).any():
        raise ValueError("self loops are not allowed")
    edges = np.sort(edges, axis=1)
    keys = edges[:, 0] * num_vertices + edges[:, 1]
    if np.unique(keys).shape[0] != keys.shape[0]:
        raise ValueError("duplicate edges")
    return edges


def complement_edges(num_vertices: int, edges: np.ndarray) -> np.ndarray:
    """The edges of the complement graph (for the stored-complemented DIMACS pitfall)."""
    adjacent = np.zeros((num_vertices, num_vertices), dtype=bool)
    adjacent[edges[:, 0], edges[:, 1]] = True
    iu, ju = np.triu_indices(num_vertices, k=1)
    keep = ~adjacent[iu, ju]
    return np.column_stack([iu[keep], ju[keep]]).astype(np.int64)


def adjacency_matrix(num_vertices: int, edges: np.ndarray) -> sp.csr_matrix:
    """Symmetric 0/1 adjacency in CSR form (int32 entries)."""
    rows = np.concatenate([edges[:, 0], edges[:, 1]])
    cols = np.concatenate([edges[:, 1], edges[:, 0]])
    data = np.ones(rows.shape[0], dtype=np.int32)
    A = sp.csr_matrix((data, (rows, cols)), shape=(num_vertices, num_vertices))
    A.sort_indices()
    return A


def greedy_clique_cover(num_vertices: int, edges: np.ndarray, max_dense: int = 4000) -> list[np.ndarray]:
    """Cliques (each of >= 2 vertices) that together contain every edge.

    Each uncovered edge is grown into a maximal clique by repeatedly adding the common neighbour with
    the most still-uncovered edges into the clique. Used to strengthen the MIS integer program: one
    ``sum_{v in K} x_v <= 1`` row per clique replaces the ``|K|(|K|-1)/2`` edge rows and gives a much
    tighter LP relaxation on dense graphs. Graphs with more than ``max_dense`` vertices (where the
    dense bookkeeping would not pay) get the plain edge cover.
    """
    n = num_vertices
    if n > max_dense or len(edges) == 0:
        return [np.asarray(e, dtype=np.int64) for e in edges]
    adjacent = np.zeros((n, n), dtype=bool)
    adjacent[edges[:, 0], edges[:, 1]] = True
    adjacent[edges[:, 1], edges[:, 0]] = True
    uncovered = adjacent.copy()
    cliques: list[np.ndarray] = []
    for u, v in edges:
        if not uncovered[u, v]:
            continue
        clique = [int(u), int(v)]
        common = np.flatnonzero(adjacent[u] & adjacent[v])
        while common.size:
            score = uncovered[np.ix_(clique, common)].sum(axis=0)
            w = int(common[int(np.argmax(score))])
            clique.append(w)
            common = common[adjacent[w, common]]
        members = np.array(sorted(clique), dtype=np.int64)
        uncovered[np.ix_(members, members)] = False
        cliques.append(members)
    return cliques
