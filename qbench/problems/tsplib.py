"""TSPLIB95 reader (``.tsp``, ``.atsp``, ``.tour``): header, sections and the exact distance functions.

Written for this suite instead of using the ``tsplib95`` package so that every malformed file yields an
:class:`~qbench.errors.InstanceFormatError` naming the file and line, the weight matrix is a dense numpy
array, and node numbering is unambiguous: nodes are 0-based everywhere inside qbench, whatever the
file's edge-weight type (tsplib95 numbers EXPLICIT instances from 0 but their `.opt.tour` files from 1).

Distances follow tsp95.pdf (Reinelt) exactly, including its rounding rules: ``nint(x) = (int)(x + 0.5)``;
GEO truncates degrees toward zero, uses PI = 3.141592 and RRR = 6378.388 and truncates the final
distance after adding 1; ATT rounds up whenever the nearest integer is below the pseudo-Euclidean value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qbench.errors import InstanceFormatError
from qbench.problems.io import parse_number, read_text

#: Dense storage limit: a 5000-city matrix is 200 MB of float64.
MAX_DIMENSION = 5000

HEADER_KEYS = {"NAME", "TYPE", "COMMENT", "DIMENSION", "CAPACITY", "EDGE_WEIGHT_TYPE", "EDGE_WEIGHT_FORMAT",
               "EDGE_DATA_FORMAT", "NODE_COORD_TYPE", "DISPLAY_DATA_TYPE"}
SECTIONS = {"NODE_COORD_SECTION", "EDGE_WEIGHT_SECTION", "DISPLAY_DATA_SECTION", "TOUR_SECTION",
            "FIXED_EDGES_SECTION", "DEPOT_SECTION", "DEMAND_SECTION", "EDGE_DATA_SECTION"}
COORD_DIMS = {"EUC_2D": 2, "CEIL_2D": 2, "MAN_2D": 2, "MAX_2D": 2, "GEO": 2, "ATT": 2,
              "EUC_3D": 3, "MAN_3D": 3, "MAX_3D": 3}
#: Matrix formats: (triangle, with diagonal). *_COL formats of a symmetric matrix list the same numbers
#: as the opposite *_ROW format, so they are read as that.
EXPLICIT_FORMATS = {
    "FULL_MATRIX": ("full", True),
    "UPPER_ROW": ("upper", False), "LOWER_COL": ("upper", False),
    "LOWER_ROW": ("lower", False), "UPPER_COL": ("lower", False),
    "UPPER_DIAG_ROW": ("upper", True), "LOWER_DIAG_COL": ("upper", True),
    "LOWER_DIAG_ROW": ("lower", True), "UPPER_DIAG_COL": ("lower", True),
}


@dataclass
class TsplibFile:
    path: Path
    header: dict[str, str] = field(default_factory=dict)
    header_lines: dict[str, int] = field(default_factory=dict)
    sections: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # tokens with their lines
    section_lines: dict[str, int] = field(default_factory=dict)

    @property
    def type(self) -> str:
        return self.header.get("TYPE", "").split()[0].upper() if self.header.get("TYPE") else ""

    def error(self, message: str, key: str | None = None, line: int | None = None) -> InstanceFormatError:
        if line is None and key is not None:
            line = self.header_lines.get(key, self.section_lines.get(key))
        return InstanceFormatError(self.path, message, line)


@dataclass
class TsplibInstance:
    name: str
    type: str                     # "TSP" or "ATSP"
    weights: np.ndarray           # (n, n), zero diagonal
    edge_weight_type: str
    comment: str = ""
    coords: np.ndarray | None = None


def parse(path: str | Path) -> TsplibFile:
    """Split a TSPLIB file into header fields and section token streams (nothing interpreted yet)."""
    path = Path(path)
    text = read_text(path)
    f = TsplibFile(path)
    current: str | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        first = line.split()[0]
        if first[0].isalpha():
            key, sep, value = line.partition(":")
            key = key.strip().upper()
            if key == "EOF":
                break
            if key in SECTIONS:
                if value.strip():
                    raise InstanceFormatError(path, f"unexpected text after {key}", lineno)
                if key in f.sections:
                    raise InstanceFormatError(path, f"{key} appears twice", lineno)
                current = key
                f.sections[key] = []
                f.section_lines[key] = lineno
                continue
            if key not in HEADER_KEYS:
                what = "a number" if current else "a TSPLIB keyword"
                raise InstanceFormatError(path, f"expected {what}, found {first!r}", lineno)
            if not sep:
                raise InstanceFormatError(path, f"header {key} needs ': value'", lineno)
            if key in f.header:
                raise InstanceFormatError(path, f"header {key} appears twice", lineno)
            f.header[key] = value.strip()
            f.header_lines[key] = lineno
            current = None
            continue
        if current is None:
            raise InstanceFormatError(path, f"data {first!r} outside any section", lineno)
        f.sections[current].extend((tok, lineno) for tok in line.split())
    return f


def _dimension(f: TsplibFile) -> int:
    if "DIMENSION" not in f.header:
        raise f.error("missing DIMENSION")
    token = f.header["DIMENSION"]
    n = parse_number(token, f.path, f.header_lines["DIMENSION"], integer=True)
    if not 2 <= n <= MAX_DIMENSION:
        raise f.error(f"DIMENSION must be between 2 and {MAX_DIMENSION}, got {n}", "DIMENSION")
    return int(n)


def _numbers(f: TsplibFile, section: str, count: int, what: str) -> tuple[np.ndarray, np.ndarray]:
    tokens = f.sections[section]
    if len(tokens) < count:
        last = tokens[-1][1] if tokens else f.section_lines[section]
        raise f.error(f"{section} holds {len(tokens)} numbers, {count} expected for {what} (file truncated?)",
                      line=last)
    if len(tokens) > count:
        raise f.error(f"unexpected extra data {tokens[count][0]!r} in {section} ({count} numbers expected "
                      f"for {what})", line=tokens[count][1])
    values = np.array([parse_number(t, f.path, ln) for t, ln in tokens], dtype=float)
    lines = np.array([ln for _, ln in tokens], dtype=np.int64)
    return values, lines


def _explicit_weights(f: TsplibFile, n: int) -> np.ndarray:
    fmt = f.header.get("EDGE_WEIGHT_FORMAT", "").upper()
    if fmt not in EXPLICIT_FORMATS:
        raise f.error(f"EDGE_WEIGHT_FORMAT {fmt or '(missing)'!r} not supported; expected one of "
                      f"{', '.join(EXPLICIT_FORMATS)}", "EDGE_WEIGHT_FORMAT" if fmt else "EDGE_WEIGHT_TYPE")
    if "EDGE_WEIGHT_SECTION" not in f.sections:
        raise f.error("EDGE_WEIGHT_TYPE EXPLICIT needs an EDGE_WEIGHT_SECTION", "EDGE_WEIGHT_TYPE")
    triangle, diagonal = EXPLICIT_FORMATS[fmt]
    W = np.zeros((n, n))
    L = np.zeros((n, n), dtype=np.int64)
    if triangle == "full":
        values, lines = _numbers(f, "EDGE_WEIGHT_SECTION", n * n, f"a {n}x{n} FULL_MATRIX")
        W[:], L[:] = values.reshape(n, n), lines.reshape(n, n)
    else:
        k = 0 if diagonal else 1
        rows, cols = np.triu_indices(n, k) if triangle == "upper" else np.tril_indices(n, -k)
        values, lines = _numbers(f, "EDGE_WEIGHT_SECTION", rows.shape[0], f"{fmt} of dimension {n}")
        W[rows, cols] = values
        W[cols, rows] = values
        L[rows, cols] = lines
        L[cols, rows] = lines
    if f.type == "TSP":
        asym = np.argwhere(W != W.T)
        if asym.shape[0]:
            i, j = asym[np.argmax(L[asym[:, 0], asym[:, 1]])]
            raise f.error(f"TYPE TSP needs a symmetric matrix, but d({i + 1},{j + 1}) = {W[i, j]:g} differs "
                          f"from d({j + 1},{i + 1}) = {W[j, i]:g} (use TYPE ATSP)", line=int(L[i, j]))
    np.fill_diagonal(W, 0.0)  # ATSP files put placeholders (9999, 100000000, ...) there
    return W


def _node_lines(f: TsplibFile, section: str, n: int, width: int) -> np.ndarray:
    """`id v1 .. v_width` lines, ids 1..n each exactly once (any order); values by 0-based node."""
    tokens = f.sections[section]
    by_line: dict[int, list[str]] = {}
    for tok, ln in tokens:
        by_line.setdefault(ln, []).append(tok)
    if len(by_line) != n:
        last = tokens[-1][1] if tokens else f.section_lines[section]
        raise f.error(f"{section} has {len(by_line)} node lines, DIMENSION is {n}", line=last)
    out = np.full((n, width), np.nan)
    for ln, toks in by_line.items():
        if len(toks) != width + 1:
            raise f.error(f"expected 'id' and {width} coordinates, found {len(toks)} values", line=ln)
        node = parse_number(toks[0], f.path, ln, integer=True)
        if not 1 <= node <= n:
            raise f.error(f"node id {node} out of range 1..{n}", line=ln)
        if not np.isnan(out[node - 1, 0]):
            raise f.error(f"node id {node} appears twice", line=ln)
        out[node - 1] = [parse_number(t, f.path, ln) for t in toks[1:]]
    return out


def nint(x: np.ndarray) -> np.ndarray:
    return np.floor(x + 0.5)


def coordinate_distances(coords: np.ndarray, edge_weight_type: str) -> np.ndarray:
    """The TSPLIB distance matrix for node coordinates (n, 2 or 3)."""
    diff = coords[:, None, :] - coords[None, :, :]
    t = edge_weight_type
    if t in ("EUC_2D", "EUC_3D"):
        return nint(np.sqrt((diff ** 2).sum(-1)))
    if t == "CEIL_2D":
        return np.ceil(np.sqrt((diff ** 2).sum(-1)))
    if t in ("MAN_2D", "MAN_3D"):
        return nint(np.abs(diff).sum(-1))
    if t in ("MAX_2D", "MAX_3D"):
        return nint(np.abs(diff)).max(-1)
    if t == "ATT":
        r = np.sqrt((diff ** 2).sum(-1) / 10.0)
        tr = nint(r)
        return np.where(tr < r, tr + 1.0, tr)
    if t == "GEO":
        pi, rrr = 3.141592, 6378.388
        deg = np.trunc(coords)
        rad = pi * (deg + 5.0 * (coords - deg) / 3.0) / 180.0
        lat, lon = rad[:, 0], rad[:, 1]
        q1 = np.cos(lon[:, None] - lon[None, :])
        q2 = np.cos(lat[:, None] - lat[None, :])
        q3 = np.cos(lat[:, None] + lat[None, :])
        arg = np.clip(0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3), -1.0, 1.0)
        return np.trunc(rrr * np.arccos(arg) + 1.0)
    raise ValueError(f"unsupported EDGE_WEIGHT_TYPE {t}")


def read_instance(path: str | Path) -> TsplibInstance:
    f = parse(path)
    if f.type not in ("TSP", "ATSP"):
        raise f.error(f"TYPE {f.type or '(missing)'!r} is not a travelling salesman instance (TSP or ATSP)",
                      "TYPE" if f.type else None, line=None if f.type else 1)
    n = _dimension(f)
    ewt = f.header.get("EDGE_WEIGHT_TYPE", "").upper()
    coords = None
    if ewt == "EXPLICIT":
        W = _explicit_weights(f, n)
    elif ewt in COORD_DIMS:
        if "NODE_COORD_SECTION" not in f.sections:
            raise f.error(f"EDGE_WEIGHT_TYPE {ewt} needs a NODE_COORD_SECTION", "EDGE_WEIGHT_TYPE")
        coords = _node_lines(f, "NODE_COORD_SECTION", n, COORD_DIMS[ewt])
        W = coordinate_distances(coords, ewt)
        np.fill_diagonal(W, 0.0)
    else:
        raise f.error(f"EDGE_WEIGHT_TYPE {ewt or '(missing)'!r} not supported; expected EXPLICIT or one of "
                      f"{', '.join(COORD_DIMS)}", "EDGE_WEIGHT_TYPE" if ewt else None, line=None if ewt else 1)
    if "DISPLAY_DATA_SECTION" in f.sections:
        _node_lines(f, "DISPLAY_DATA_SECTION", n, 2)  # validated, not used
    if np.abs(W).max(initial=0.0) * n > 2.0 ** 53:
        raise f.error("edge weights too large: tour lengths would exceed 2^53 (not exact in float64)")
    name = f.header.get("NAME", "").strip() or f.path.stem
    return TsplibInstance(name, f.type, W, ewt, f.header.get("COMMENT", ""), coords)


def read_tour(path: str | Path, dimension: int | None = None) -> np.ndarray:
    """The first tour of a TSPLIB TOUR file as 0-based nodes. TSPLIB tours are 1-based; a tour that is a
    permutation of 0..n-1 instead (written by some tools) is accepted as 0-based."""
    f = parse(path)
    if f.type and f.type != "TOUR":
        raise f.error(f"TYPE {f.type!r} is not a TOUR file", "TYPE")
    if "TOUR_SECTION" not in f.sections:
        raise f.error("no TOUR_SECTION", line=1)
    tokens = f.sections["TOUR_SECTION"]
    nodes, lines = [], []
    for tok, ln in tokens:
        v = parse_number(tok, f.path, ln, integer=True)
        if v == -1:
            break
        nodes.append(int(v))
        lines.append(ln)
    else:
        raise f.error("TOUR_SECTION does not end with -1 (file truncated?)",
                      line=tokens[-1][1] if tokens else f.section_lines["TOUR_SECTION"])
    n = dimension if dimension is not None else (_dimension(f) if "DIMENSION" in f.header else len(nodes))
    if "DIMENSION" in f.header and _dimension(f) != n:
        raise f.error(f"tour DIMENSION {_dimension(f)} does not match the instance ({n} nodes)", "DIMENSION")
    if len(nodes) != n:
        raise f.error(f"tour lists {len(nodes)} nodes, expected {n}", line=lines[-1] if lines else None)
    base = 0 if (0 in nodes and n not in nodes) else 1
    seen = set()
    for v, ln in zip(nodes, lines):
        if not base <= v < n + base:
            raise f.error(f"tour node {v} out of range {base}..{n - 1 + base}", line=ln)
        if v in seen:
            raise f.error(f"tour visits node {v} twice", line=ln)
        seen.add(v)
    return np.array(nodes, dtype=np.int64) - base
