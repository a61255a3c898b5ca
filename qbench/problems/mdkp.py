"""Multi-dimensional 0/1 knapsack (MDKP): max p.x  s.t.  R x <= b,  x in {0,1}^n.

File layouts read (all whitespace-separated numbers; line breaks carry no meaning):

* **SAC-94 ``.dat``** (one instance): ``n m opt``, the n profits, the m x n weight rows, the m
  capacities. A non-zero ``opt`` is the proven optimum of the instance.
* **OR-Library ``mknap1.txt`` / ``mknapcb*.txt``** (many instances): ``K``, then K blocks in the SAC-94
  order (``opt`` = 0 when unknown, always so in mknapcb). Instances are named ``STEM-KK`` with ``KK`` the
  0-based position (``mknapcb1-00`` .. ``mknapcb1-29``); for ``mknapcb*`` files the Chu & Beasley
  label ``m.n-KK`` (``5.100-00``) is kept as ``reference_name``, and when an ``mkcbres.txt`` sits in the
  same folder its best-known values are attached (status ``best-known``: GA values, not proofs).
* **OR-Library ``mknap2.txt``**: free text, then sections starting ``problem NAME.DAT`` and a line of
  ``+``; each holds ``m n`` (constraints FIRST), the n profits, the m capacities (BEFORE the matrix),
  the m x n weights and the optimum. Instances are named by the lower-cased NAME (``pb1``), which
  matches the stems of the SAC-94 ``.dat`` files.

``sniff`` is strict, because QAPLIB and market-split files also end in ``.dat``: every token must be
a number and the counts implied by the headers must consume the file exactly.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from qbench.errors import ConfigError, InstanceFormatError
from qbench.problems import mdkp_search as search
from qbench.problems.base import FEASIBILITY_TOL, BinaryModel, Optimum, Problem
from qbench.problems.io import Tokens, parse_number, read_text

SUFFIXES = (".dat", ".txt")

_MKNAP2_SECTION = re.compile(r"^\s*problem\s+(\S+?)\.DAT\s*$", re.IGNORECASE | re.MULTILINE)
_PLUS_LINE = re.compile(r"^\s*\++\s*$")
_MKCBRES_LINE = re.compile(r"^\s*(\d+)\.(\d+)-(\d+)\s+(\S+)\s*$")
_MKNAPCB_STEM = re.compile(r"^mknapcb\d+$", re.IGNORECASE)
MKCBRES_NAME = "mkcbres.txt"


class MDKP(Problem):
    kind = "mdkp"

    def __init__(self, name: str, profits, weights, capacities, optimum: Optimum | None = None,
                 source: str | Path | None = None, reference_name: str | None = None):
        p = np.asarray(profits, dtype=float).reshape(-1)
        r = np.atleast_2d(np.asarray(weights, dtype=float))
        b = np.asarray(capacities, dtype=float).reshape(-1)
        if r.shape != (b.shape[0], p.shape[0]):
            raise ValueError(f"weights have shape {r.shape}, expected {(b.shape[0], p.shape[0])} "
                             "(constraints x items)")
        for label, arr in (("profits", p), ("weights", r), ("capacities", b)):
            if not np.isfinite(arr).all() or (arr < 0).any():
                raise ValueError(f"{label} must be finite and non-negative")
        super().__init__(name, BinaryModel("max", p, A_ub=r, b_ub=b), optimum, source)
        self.profits, self.weights, self.capacities = p, r, b
        self.reference_name = reference_name
        # Weights relative to each capacity; a zero capacity makes its items effectively unbounded
        # in weight (they can never be packed), which is what the ratios below should see.
        self._relative = r / np.maximum(b, 1e-12)[:, None]
        # Per-row weight scale: the local search checks the rows with the least slack in these units first.
        self._row_scale = np.maximum(r.mean(axis=1), 1e-12)
        self._orders: list[np.ndarray] | None = None

    @property
    def num_items(self) -> int:
        return self.profits.shape[0]

    @property
    def num_knapsack_constraints(self) -> int:
        return self.capacities.shape[0]

    @property
    def tightness(self) -> np.ndarray:
        """b_i / sum_j r_ij per constraint (Chu-Beasley's tightness ratio)."""
        totals = self.weights.sum(axis=1)
        return np.divide(self.capacities, totals, out=np.ones_like(self.capacities), where=totals > 0)

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"items": self.num_items, "constraints": self.num_knapsack_constraints,
                               "tightness": round(float(self.tightness.mean()), 4)}
        if self.reference_name:
            out["reference_name"] = self.reference_name
        return out

    # ---- evaluation -----------------------------------------------------------------------------
    def objective(self, X: np.ndarray) -> np.ndarray:
        return np.atleast_2d(np.asarray(X, dtype=float)) @ self.profits

    def violation(self, X: np.ndarray) -> np.ndarray:
        load = np.atleast_2d(np.asarray(X, dtype=float)) @ self.weights.T
        return np.clip(load - self.capacities, 0.0, None).sum(axis=1)

    # ---- solutions ------------------------------------------------------------------------------
    def repair(self, x: np.ndarray) -> np.ndarray:
        """Feasible solution near ``x``: drop items until every knapsack fits, then run the local
        search with forced insertions once per fill order, keeping the better result (see
        :mod:`qbench.problems.mdkp_search`).

        Drop rule: remove the chosen item with the smallest profit per unit of *relative* weight
        (r_ij / b_i) summed over the currently violated constraints, i.e. the item that buys the most
        relief for the least profit. Fill orders (see :meth:`fill_orders`): each has instances where it
        alone gets stuck far from the optimum, so both are tried. A feasible ``x`` never gets worse."""
        chosen = self._as_mask(x)
        load = search.drop(self, chosen, self.weights @ chosen)
        orders = self.fill_orders()
        best = None
        for order, memo in zip(orders, self._memos):
            candidate = chosen.copy()
            search.forced_insertion(self, candidate, load.copy(), order, memo)
            if best is None or self.profits @ candidate > self.profits @ best:
                best = candidate
        return best.astype(np.uint8)

    def improve(self, x: np.ndarray) -> np.ndarray:
        """Local search that never leaves the feasible set, repeated until no move helps (details and
        caps in :mod:`qbench.problems.mdkp_search`):

        * add every item that still fits (the only improving 1-flips, profits being non-negative);
        * the best improving 1-swap (one item out, one in);
        * else the best improving (1,2)-swap (one out, two in);
        * else a forced insertion: put an outside item in, drop others by the drop rule until
          feasible, refill and rerun the moves above; accepted if strictly better.

        An infeasible ``x`` is returned unchanged."""
        chosen = self._as_mask(x)
        load = self.weights @ chosen
        if (load > self.capacities + FEASIBILITY_TOL).any():
            return chosen.astype(np.uint8)
        order = self.fill_orders()[0]
        search.forced_insertion(self, chosen, load, order, self._memos[0])
        return chosen.astype(np.uint8)

    def greedy(self) -> np.ndarray:
        return self.repair(np.zeros(self.num_items, dtype=np.uint8))

    def fill_orders(self) -> list[np.ndarray]:
        """Item orders for greedy filling, most attractive first:

        1. profit per summed relative weight, p_j / sum_i (r_ij / b_i);
        2. profit per surrogate weight, p_j / sum_i u_i r_ij, with u the optimal duals of the LP
           relaxation (the Pirkul / Chu-Beasley choice: it weighs the constraints that actually bind).
        """
        if self._orders is None:
            relative = self.profits / np.maximum(self._relative.sum(axis=0), 1e-12)
            orders = [np.argsort(-relative, kind="stable")]
            duals = _lp_duals(self.profits, self.weights, self.capacities)
            if duals is not None and duals.any():
                with np.errstate(divide="ignore"):
                    surrogate = self.profits / (duals @ self.weights)
                surrogate = np.nan_to_num(surrogate, nan=0.0, posinf=np.finfo(float).max)
                order = np.argsort(-surrogate, kind="stable")
                if not np.array_equal(order, orders[0]):
                    orders.append(order)
            self._orders = orders
            self._memos = [search.SearchMemo() for _ in orders]
        return self._orders

    def _as_mask(self, x: np.ndarray) -> np.ndarray:
        chosen = np.asarray(x).reshape(-1) != 0
        if chosen.shape[0] != self.num_items:
            raise ValueError(f"{chosen.shape[0]} bits for {self.num_items} items")
        return chosen.copy()


def _lp_duals(profits: np.ndarray, weights: np.ndarray, capacities: np.ndarray) -> np.ndarray | None:
    """Optimal dual values (>= 0) of the knapsack rows in the LP relaxation, or None if HiGHS fails."""
    from scipy.optimize import linprog

    res = linprog(-profits, A_ub=weights, b_ub=capacities, bounds=(0.0, 1.0), method="highs")
    if res.status != 0 or res.ineqlin is None:
        return None
    return np.clip(-np.asarray(res.ineqlin.marginals, dtype=float), 0.0, None)


# ---- sniffing -------------------------------------------------------------------------------------
def sniff(path: str | Path, text: str) -> bool:
    """Is this an MDKP file in one of the three layouts? (Strict: see the module docstring.)"""
    if _MKNAP2_SECTION.search(text):
        return True
    try:
        values = np.array(text.split(), dtype=float)
    except ValueError:
        return False
    return _fits_single(values) or _fits_multi(values)


def _is_count(v: float) -> bool:
    return bool(np.isfinite(v)) and v >= 1 and v == int(v)


def _block_end(values: np.ndarray, pos: int) -> int | None:
    """Where the SAC-94-ordered block starting at ``pos`` would end, or None if its header is bad."""
    if pos + 3 > values.shape[0] or not (_is_count(values[pos]) and _is_count(values[pos + 1])):
        return None
    n, m = int(values[pos]), int(values[pos + 1])
    return pos + 3 + n + m * n + m


def _fits_single(values: np.ndarray) -> bool:
    return _block_end(values, 0) == values.shape[0]


def _fits_multi(values: np.ndarray) -> bool:
    if not values.shape[0] or not _is_count(values[0]):
        return False
    pos = 1
    for _ in range(int(values[0])):
        end = _block_end(values, pos)
        if end is None or end > values.shape[0]:
            return False
        pos = end
    return pos == values.shape[0]


# ---- reading --------------------------------------------------------------------------------------
def read(path: str | Path) -> list[MDKP]:
    """All instances in a SAC-94 ``.dat``, OR-Library ``mknap1``/``mknapcb*`` or ``mknap2`` file."""
    path = Path(path)
    text = read_text(path)
    if _MKNAP2_SECTION.search(text):
        return _read_mknap2(path, text)
    tokens = Tokens(text, path)
    if _looks_single(text):
        problems = [_read_block(tokens, path, path.stem, layout="sac")]
    else:
        problems = _read_orlib(tokens, path)
    tokens.expect_end()
    return problems


def _looks_single(text: str) -> bool:
    """SAC-94 single instance or OR-Library multi-instance file? Decided by the counts when the file
    is well formed; otherwise by the first line (``n m opt`` vs ``K``), so that the careful parse
    reports the real defect of a broken file instead of a confusing layout mismatch."""
    try:
        values = np.array(text.split(), dtype=float)
    except ValueError:
        values = None
    if values is not None:
        if _fits_single(values):
            return True
        if _fits_multi(values):
            return False
    first = next((line.split() for line in text.splitlines() if line.strip()), [])
    return len(first) != 1


def _read_orlib(tokens: Tokens, path: Path) -> list[MDKP]:
    line = tokens.line
    count = tokens.next_int("the number of problems K")
    if count < 1:
        raise InstanceFormatError(path, f"the number of problems must be positive, found {count}", line)
    chu_beasley = bool(_MKNAPCB_STEM.match(path.stem))
    table = path.with_name(MKCBRES_NAME)
    best_known = read_mkcbres(table) if chu_beasley and table.is_file() else {}
    problems = []
    for k in range(count):
        problem = _read_block(tokens, path, f"{path.stem}-{k:02d}", layout="sac")
        if chu_beasley:
            label = f"{problem.num_knapsack_constraints}.{problem.num_items}-{k:02d}"
            problem.reference_name = label
            if problem.optimum is None and label in best_known:
                problem.optimum = Optimum(best_known[label], "best-known",
                                          source=f"{MKCBRES_NAME} (Chu & Beasley 1998 GA)")
        problems.append(problem)
    return problems


def read_mkcbres(path: str | Path) -> dict[str, float]:
    """Chu & Beasley best feasible values, ``{"5.100-00": 24381.0, ...}`` (first table of the file;
    the second table, LP relaxation values, is skipped)."""
    text = read_text(path)
    values: dict[str, float] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if "LP" in line and values:
            break  # header of the LP-relaxation table
        match = _MKCBRES_LINE.match(line)
        if match:
            m, n, k, value = match.groups()
            values[f"{int(m)}.{int(n)}-{k}"] = float(parse_number(value, path, lineno))
    if not values:
        raise InstanceFormatError(path, "no 'm.n-kk value' lines found (expected Chu & Beasley's mkcbres table)")
    return values


def _read_block(tokens: Tokens, path: Path, name: str, *, layout: str) -> MDKP:
    """One instance. ``layout='sac'``: n m opt, profits, weights, capacities.
    ``layout='mknap2'``: m n, profits, capacities, weights, opt."""
    header_line = tokens.line
    if layout == "sac":
        n = _read_count(tokens, path, "the number of items n")
        m = _read_count(tokens, path, "the number of constraints m")
        opt_line = tokens.line
        opt = tokens.next_number("the optimum")
    else:
        m = _read_count(tokens, path, "the number of constraints m")
        n = _read_count(tokens, path, "the number of items n")
    profits = _nonnegative(tokens, path, n, "profit", lambda k: f"item {k + 1}")
    if layout == "sac":
        weights = _nonnegative(tokens, path, m * n, "weight", lambda k: f"constraint {k // n + 1}, item {k % n + 1}")
        capacities = _nonnegative(tokens, path, m, "capacity", lambda k: f"constraint {k + 1}")
    else:
        capacities = _nonnegative(tokens, path, m, "capacity", lambda k: f"constraint {k + 1}")
        weights = _nonnegative(tokens, path, m * n, "weight", lambda k: f"constraint {k // n + 1}, item {k % n + 1}")
        opt_line = tokens.line
        opt = tokens.next_number("the optimum")
    if opt < 0:
        raise InstanceFormatError(path, f"{name}: negative optimum {opt:g}", opt_line)
    optimum = Optimum(float(opt), "proven", source="file header") if opt else None
    try:
        return MDKP(name, profits, weights.reshape(m, n), capacities, optimum, path)
    except ValueError as exc:  # pragma: no cover - the checks above catch everything MDKP rejects
        raise InstanceFormatError(path, f"{name}: {exc}", header_line) from None


def _read_count(tokens: Tokens, path: Path, what: str) -> int:
    line = tokens.line
    value = tokens.next_int(what)
    if value < 1:
        raise InstanceFormatError(path, f"{what} must be positive, found {value}", line)
    return value


def _nonnegative(tokens: Tokens, path: Path, count: int, what: str, where) -> np.ndarray:
    out = np.empty(count)
    for k in range(count):
        line = tokens.line
        value = tokens.next_number(f"{what}s ({where(k)})")
        if value < 0:
            raise InstanceFormatError(path, f"negative {what} {value:g} ({where(k)})", line)
        out[k] = value
    return out


def _read_mknap2(path: Path, text: str) -> list[MDKP]:
    lines = text.splitlines()
    starts = [(i, m.group(1)) for i, line in enumerate(lines) if (m := _MKNAP2_SECTION.match(line))]
    problems = []
    for k, (start, raw_name) in enumerate(starts):
        stop = starts[k + 1][0] if k + 1 < len(starts) else len(lines)
        body = [("" if _PLUS_LINE.match(line) else line) for line in lines[start + 1:stop]]
        # Blank lines in front keep Tokens' line numbers equal to the file's.
        tokens = Tokens("\n" * (start + 1) + "\n".join(body), path)
        if not len(tokens):
            raise InstanceFormatError(path, f"problem {raw_name}.DAT has no numbers under it", start + 1)
        problems.append(_read_block(tokens, path, raw_name.lower(), layout="mknap2"))
        tokens.expect_end()
    return problems


# ---- generator ------------------------------------------------------------------------------------
def generate(n: int, m: int, tightness: float = 0.5, seed: int = 0, name: str | None = None) -> MDKP:
    """Chu & Beasley (1998) style instance, deterministic per seed: integer weights U[1, 1000],
    capacities b_i = floor(tightness * sum_j r_ij), correlated integer profits
    p_j = floor(sum_i r_ij / m + 500 U(0, 1)). No optimum is attached."""
    for label, value in (("n", n), ("m", m)):
        if int(value) != value or value < 1:
            raise ConfigError(f"mdkp generator: {label} must be a positive integer, got {value!r}")
    if not 0.0 < tightness <= 1.0:
        raise ConfigError(f"mdkp generator: tightness must be in (0, 1], got {tightness!r}")
    n, m = int(n), int(m)
    rng = np.random.default_rng(seed)
    weights = rng.integers(1, 1001, size=(m, n)).astype(float)
    capacities = np.floor(tightness * weights.sum(axis=1))
    profits = np.floor(weights.sum(axis=0) / m + 500.0 * rng.random(n))
    return MDKP(name or f"mdkp-n{n}-m{m}-t{tightness:g}-s{seed}", profits, weights, capacities)
