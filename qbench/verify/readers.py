"""Minimal readers for the instance formats, written from the format notes in SOURCES.md.

They share no code with ``qbench.problems``: the point is that a parser bug on the solver path cannot
also hide the wrong answer here. They are deliberately plain (token streams, numpy arrays) and assume
well-formed files; anything odd raises :class:`VerifyReadError` and counts as a mismatch.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class VerifyReadError(Exception):
    pass


@dataclass
class Mdkp:
    profits: np.ndarray      # (n,)
    weights: np.ndarray      # (m, n)
    capacities: np.ndarray   # (m,)
    name: str = ""           # "#NAME" selectors: stem, stem-KK (OR-Library), lower-case name (mknap2)


@dataclass
class Graph:
    n: int
    edges: np.ndarray        # (E, 2), 0-based


@dataclass
class Qap:
    flow: np.ndarray         # first matrix of the file
    distance: np.ndarray     # second matrix


@dataclass
class Tsp:
    weights: np.ndarray      # (n, n), diagonal ignored


@dataclass
class MarketSplit:
    A: np.ndarray            # (m, n)
    b: np.ndarray            # (m,)
    variant: str = "feasibility"


def _numbers(text: str) -> list[float]:
    try:
        return [float(t) for t in text.split()]
    except ValueError as exc:
        raise VerifyReadError(f"not a number: {exc}") from None


def _take(values: list[float], start: int, count: int) -> np.ndarray:
    if start + count > len(values):
        raise VerifyReadError("file ends early")
    return np.array(values[start:start + count], dtype=float)


# ---- MDKP: SAC-94 single instance, OR-Library multi-instance (mknap1, mknapcb*), mknap2 ---------------
def read_mdkp(text: str, stem: str = "") -> list[Mdkp]:
    if re.search(r"problem\s+\S+\.DAT", text, flags=re.IGNORECASE):
        return _read_mknap2(text)
    v = _numbers(text)
    if len(v) >= 3:
        n, m = int(v[0]), int(v[1])
        if len(v) == 3 + n + m * n + m:
            inst = _sac_block(v, 0)[0]
            inst.name = stem
            return [inst]
    k, pos, out = int(v[0]), 1, []
    for i in range(k):
        inst, pos = _sac_block(v, pos)
        inst.name = f"{stem}-{i:02d}"
        out.append(inst)
    return out


def _sac_block(v: list[float], pos: int) -> tuple[Mdkp, int]:
    n, m = int(_take(v, pos, 1)[0]), int(_take(v, pos + 1, 1)[0])
    pos += 3
    profits = _take(v, pos, n)
    weights = _take(v, pos + n, m * n).reshape(m, n)
    capacities = _take(v, pos + n + m * n, m)
    return Mdkp(profits, weights, capacities), pos + n + m * n + m


def _read_mknap2(text: str) -> list[Mdkp]:
    out = []
    names = re.findall(r"problem\s+(\S+)\.DAT", text, flags=re.IGNORECASE)
    for name, block in zip(names, re.split(r"problem\s+\S+\.DAT", text, flags=re.IGNORECASE)[1:]):
        body = block.split("\n", 1)[1] if "\n" in block else ""
        body = re.sub(r"^\s*\++\s*$", "", body, count=1, flags=re.MULTILINE)
        v = _numbers(body)
        m, n = int(v[0]), int(v[1])
        profits = _take(v, 2, n)
        capacities = _take(v, 2 + n, m)
        weights = _take(v, 2 + n + m, m * n).reshape(m, n)
        out.append(Mdkp(profits, weights, capacities, name.lower()))
    return out


# ---- MIS: DIMACS edge format (.gph, Sloane .txt) ------------------------------------------------------
def read_graph(text: str) -> list[Graph]:
    n, edges = None, []
    for line in text.splitlines():
        parts = line.split()
        if not parts or parts[0] == "c":
            continue
        if parts[0] == "p":
            n = int(parts[2])
        elif parts[0] == "e":
            edges.append((int(parts[1]) - 1, int(parts[2]) - 1))
    if n is None:
        raise VerifyReadError("no 'p edge N M' line")
    return [Graph(n, np.array(edges, dtype=np.int64).reshape(-1, 2))]


# ---- QAP: QAPLIB .dat ----------------------------------------------------------------------------------
def read_qap(text: str) -> list[Qap]:
    first, _, rest = text.lstrip().partition("\n")
    n = int(first.split()[0])
    v = _numbers(rest)
    flow = _take(v, 0, n * n).reshape(n, n)
    distance = _take(v, n * n, n * n).reshape(n, n)
    return [Qap(flow, distance)]


# ---- Market split: QOBLIB .dat -------------------------------------------------------------------------
def read_marketsplit(text: str, variant: str = "feasibility") -> list[MarketSplit]:
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    m, n = (int(t) for t in lines[0].split()[:2])
    rows = np.array([_numbers(ln) for ln in lines[1:1 + m]], dtype=float)
    if rows.shape != (m, n + 1):
        raise VerifyReadError(f"expected {m} rows of {n + 1} numbers")
    return [MarketSplit(rows[:, :n], rows[:, n], variant)]


# ---- TSP / ATSP: TSPLIB95 ------------------------------------------------------------------------------
def read_tsplib(text: str) -> list[Tsp]:
    header: dict[str, str] = {}
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        s = line.strip()
        if not s or s == "EOF":
            continue
        head = re.match(r"^([A-Za-z_]+)\s*(:?)\s*(.*)$", s)
        if head and head.group(1).upper().endswith("_SECTION"):
            current = head.group(1).upper()
            sections[current] = [head.group(3)] if head.group(3) else []
        elif head and head.group(2):
            header[head.group(1).upper()] = head.group(3).strip()
            current = None
        elif current is not None:
            sections[current].append(s)
    n = int(header["DIMENSION"])
    ewt = header.get("EDGE_WEIGHT_TYPE", "").upper()
    if ewt == "EXPLICIT":
        return [Tsp(_explicit(_numbers(" ".join(sections["EDGE_WEIGHT_SECTION"])), n,
                              header.get("EDGE_WEIGHT_FORMAT", "FULL_MATRIX").upper()))]
    coords = np.array([_numbers(ln)[1:3] for ln in sections["NODE_COORD_SECTION"][:n]], dtype=float)
    return [Tsp(coordinate_weights(coords, ewt))]


def _explicit(v: list[float], n: int, fmt: str) -> np.ndarray:
    W = np.zeros((n, n))
    if fmt == "FULL_MATRIX":
        return _take(v, 0, n * n).reshape(n, n)
    cells = {
        "UPPER_ROW": [(i, j) for i in range(n) for j in range(i + 1, n)],
        "LOWER_ROW": [(i, j) for i in range(n) for j in range(i)],
        "UPPER_DIAG_ROW": [(i, j) for i in range(n) for j in range(i, n)],
        "LOWER_DIAG_ROW": [(i, j) for i in range(n) for j in range(i + 1)],
        "UPPER_COL": [(i, j) for j in range(n) for i in range(j)],
        "LOWER_COL": [(i, j) for j in range(n) for i in range(j + 1, n)],
    }.get(fmt)
    if cells is None:
        raise VerifyReadError(f"EDGE_WEIGHT_FORMAT {fmt} not handled by the verifier")
    vals = _take(v, 0, len(cells))
    for (i, j), w in zip(cells, vals):
        W[i, j] = W[j, i] = w
    return W


def coordinate_weights(coords: np.ndarray, ewt: str) -> np.ndarray:
    n = coords.shape[0]
    W = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i != j:
                W[i, j] = _distance(coords[i], coords[j], ewt)
    return W


def _distance(a, b, ewt: str) -> float:
    dx, dy = a[0] - b[0], a[1] - b[1]
    if ewt == "EUC_2D":
        return float(int(math.sqrt(dx * dx + dy * dy) + 0.5))
    if ewt == "CEIL_2D":
        return float(math.ceil(math.sqrt(dx * dx + dy * dy)))
    if ewt == "ATT":
        r = math.sqrt((dx * dx + dy * dy) / 10.0)
        t = int(r + 0.5)
        return float(t + 1 if t < r else t)
    if ewt == "GEO":
        def rad(x):
            deg = int(x)
            return 3.141592 * (deg + 5.0 * (x - deg) / 3.0) / 180.0
        lat_a, lon_a, lat_b, lon_b = rad(a[0]), rad(a[1]), rad(b[0]), rad(b[1])
        q1, q2, q3 = math.cos(lon_a - lon_b), math.cos(lat_a - lat_b), math.cos(lat_a + lat_b)
        return float(int(6378.388 * math.acos(0.5 * ((1 + q1) * q2 - (1 - q1) * q3)) + 1.0))
    raise VerifyReadError(f"EDGE_WEIGHT_TYPE {ewt or '(missing)'} not handled by the verifier")


READERS = {"mdkp": read_mdkp, "mis": read_graph, "qap": read_qap, "tsp": read_tsplib,
           "marketsplit": read_marketsplit}


def read_file(path: str | Path, kind: str) -> list:
    raw = Path(path).read_bytes()
    text = raw.decode("utf-8", errors="strict")
    try:
        return read_mdkp(text, Path(path).stem) if kind == "mdkp" else READERS[kind](text)
    except VerifyReadError:
        raise
    except (ValueError, IndexError, KeyError) as exc:
        raise VerifyReadError(f"{path}: cannot read as {kind} ({type(exc).__name__}: {exc})") from None
