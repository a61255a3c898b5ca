"""Market split (Cornuejols-Dawande multi-dimensional subset sum), QOBLIB problem class 01.

Given A in Z^(m x n) and b, find x in {0,1}^n with A x = b. QOBLIB scores a candidate by the total
absolute deviation sum_i |a_i x - b_i| (0 exactly for solutions). Two variants:

* ``variant="feasibility"`` (default, QOBLIB's decision problem): the model is ``min 0 s.t. A x = b``.
  ``objective`` is 0 for every x and ``violation`` is the total absolute deviation, so "feasible" means
  "solves the market split" and the deviation of infeasible samples is still reported.
* ``variant="share"`` (the "market share" optimisation version): ``objective`` is the total absolute
  deviation and there are no constraints. Its BinaryModel minimises the *squared* deviation
  ||A x - b||^2 (= x^T A^T A x - 2 b^T A x + b^T b, a QUBO as it stands); both vanish on exactly the
  same x, but away from 0 the two orders differ, so the model's objective is not ``objective``.

Exact method: meet-in-the-middle enumeration (hash the 2^(n/2) partial sums of one half, look up the
complements of the other), practical up to n = 40; instances with more variables use the generic MILP.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np

from qbench.errors import ConfigError, InstanceFormatError
from qbench.problems.base import BinaryModel, Optimum, Problem
from qbench.problems.io import parse_number, read_text
from qbench.sampleset import SampleSet

SUFFIXES = (".dat",)
VARIANTS = ("feasibility", "share")
#: Meet-in-the-middle holds 2 x 2^(n/2) partial-sum vectors: n = 40 is 2 x 1M x m int64.
MITM_MAX_N = 40
MAX_ROWS, MAX_COLUMNS = 10_000, 100_000


class MarketSplitProblem(Problem):
    kind = "marketsplit"

    def __init__(self, name: str, A: np.ndarray, b: np.ndarray, variant: str = "feasibility",
                 optimum: Optimum | None = None, source: str | Path | None = None):
        if variant not in VARIANTS:
            raise ConfigError(f"market split variant must be one of {', '.join(VARIANTS)}, got {variant!r}")
        A = np.atleast_2d(np.asarray(A, dtype=np.int64))
        b = np.asarray(b, dtype=np.int64).reshape(-1)
        if A.shape[0] != b.shape[0]:
            raise ValueError(f"{A.shape[0]} rows but {b.shape[0]} right-hand sides")
        self.A, self.b, self.variant = A, b, variant
        self._Af, self._bf = A.astype(float), b.astype(float)
        super().__init__(name, self._build_model(), optimum, source)

    def _build_model(self) -> BinaryModel:
        m, n = self.A.shape
        names = [f"x{j + 1}" for j in range(n)]
        if self.variant == "feasibility":
            return BinaryModel("min", np.zeros(n), None, 0.0, A_eq=self._Af, b_eq=self._bf, var_names=names)
        gram = self._Af.T @ self._Af
        return BinaryModel("min", -2.0 * self._Af.T @ self._bf, gram, float(self._bf @ self._bf), var_names=names)

    def with_variant(self, variant: str) -> "MarketSplitProblem":
        return MarketSplitProblem(self.name, self.A, self.b, variant, self.optimum, self.source)

    def describe(self) -> dict:
        return {"rows": int(self.A.shape[0]), "variables": int(self.A.shape[1]), "variant": self.variant,
                "constraints": int(self.A.shape[0]) if self.variant == "feasibility" else 0,
                "max_coefficient": int(self.A.max(initial=0))}

    # ---- evaluation -----------------------------------------------------------------------------
    def residuals(self, X: np.ndarray) -> np.ndarray:
        """A x - b per sample, shape (S, m), exact integers."""
        X = np.atleast_2d(np.asarray(X)).astype(np.int64)
        return X @ self.A.T - self.b

    def deviation(self, X: np.ndarray) -> np.ndarray:
        """QOBLIB's score: total absolute deviation sum_i |a_i x - b_i| (0 iff x solves A x = b)."""
        return np.abs(self.residuals(X)).sum(axis=1).astype(float)

    def objective(self, X: np.ndarray) -> np.ndarray:
        if self.variant == "share":
            return self.deviation(X)
        return np.zeros(np.atleast_2d(X).shape[0])

    def violation(self, X: np.ndarray) -> np.ndarray:
        if self.variant == "feasibility":
            return self.deviation(X)
        return np.zeros(np.atleast_2d(X).shape[0])

    # ---- solutions ------------------------------------------------------------------------------
    def local_search(self, x: np.ndarray, max_rounds: int = 10_000) -> np.ndarray:
        """Best-improvement descent on the total absolute deviation over single flips and pair flips
        (all n + n(n-1)/2 moves costed in one batch per round). A market split sample cannot always be
        made feasible; this returns the best point found and feasibility is judged by the caller."""
        x = np.asarray(x, dtype=np.int64).reshape(-1).copy()
        n = x.shape[0]
        A = self.A
        r = A @ x - self.b
        iu, ju = np.triu_indices(n, 1)
        for _ in range(max_rounds):
            current = np.abs(r).sum()
            if current == 0:
                break
            step = A * (1 - 2 * x)[None, :]                  # change of r when flipping j
            single = np.abs(r[:, None] + step).sum(axis=0)
            pair = np.abs(r[:, None] + step[:, iu] + step[:, ju]).sum(axis=0) if n > 1 else np.zeros(0)
            j1 = int(np.argmin(single))
            if pair.size and pair.min() < single[j1]:
                k = int(np.argmin(pair))
                if not pair[k] < current:
                    break
                for j in (iu[k], ju[k]):
                    r += step[:, j]
                    x[j] ^= 1
            else:
                if not single[j1] < current:
                    break
                r += step[:, j1]
                x[j1] ^= 1
        return x.astype(np.uint8)

    def repair(self, x: np.ndarray) -> np.ndarray:
        return self.local_search(x)

    def improve(self, x: np.ndarray) -> np.ndarray:
        return self.local_search(x)

    def greedy(self) -> np.ndarray:
        return self.local_search(np.zeros(self.A.shape[1], dtype=np.uint8))

    def solve_dedicated(self, time_limit: float | None = None):
        """Meet-in-the-middle for n <= MITM_MAX_N (runs to completion; ``time_limit`` is not needed at
        that size), else None so the generic MILP is used."""
        if self.A.shape[1] > MITM_MAX_N:
            return None
        start = time.perf_counter()
        x, best_deviation, count = meet_in_the_middle(self.A, self.b)
        solved = best_deviation == 0
        info = {"method": "meet-in-the-middle enumeration", "num_optimal": count,
                "min_deviation": float(best_deviation), "seconds": time.perf_counter() - start}
        if self.variant == "share":
            info.update(status="optimal", bound=float(best_deviation), gap_pct=0.0)
        else:
            info.update(status="optimal" if solved else "infeasible", bound=0.0,
                        gap_pct=0.0 if solved else None)
        return SampleSet.single(x, energy=float(self.objective(x)[0]), info=info)


# ---- exact: meet in the middle --------------------------------------------------------------------

def _subset_sums(A_half: np.ndarray) -> np.ndarray:
    """A_half @ bits(s) for every subset s of the columns, shape (2^h, m); bit j of s = column j."""
    sums = np.zeros((1, A_half.shape[0]), dtype=np.int64)
    for column in A_half.T:
        sums = np.concatenate([sums, sums + column[None, :]])
    return sums


def _bits(index: int, width: int) -> np.ndarray:
    return ((index >> np.arange(width)) & 1).astype(np.uint8)


def meet_in_the_middle(A: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Minimum of ||A x - b||_1 over x in {0,1}^n, a minimiser and the number of minimisers.

    Left half partial sums L_i, right half R_j: x = (i, j) solves A x = b iff L_i = b - R_j. Vectors
    are hashed to one uint64 by a random linear map (wrapping arithmetic), matched by sort + binary
    search, and every hash match is verified exactly. If nothing matches, the minimum deviation is the
    L1 nearest-neighbour distance between {L_i} and {b - R_j}: k-d tree queries with a growing
    distance bound (1.5, 3.5, 7.5, ...), which are far faster than one unbounded query; the first
    bound that catches a pair catches every pair at the minimum distance."""
    A = np.asarray(A, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    m, n = A.shape
    h = n // 2
    left = _subset_sums(A[:, :h])
    target = b[None, :] - _subset_sums(A[:, h:])
    mult = np.random.default_rng(12345).integers(1, 2**63, size=m, dtype=np.uint64) | np.uint64(1)
    with np.errstate(over="ignore"):
        left_keys = (left.astype(np.uint64) * mult).sum(axis=1, dtype=np.uint64)
        target_keys = (target.astype(np.uint64) * mult).sum(axis=1, dtype=np.uint64)
    order = np.argsort(left_keys, kind="stable")
    sorted_keys = left_keys[order]
    lo = np.searchsorted(sorted_keys, target_keys, "left")
    hi = np.searchsorted(sorted_keys, target_keys, "right")
    count, first = 0, None
    hits = np.flatnonzero(hi > lo)
    for chunk in np.array_split(hits, max(1, int((hi - lo)[hits].sum()) // 5_000_000 + 1)):
        sizes = (hi - lo)[chunk]
        j = np.repeat(chunk, sizes)
        offset = np.arange(j.shape[0]) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        i = order[np.repeat(lo[chunk], sizes) + offset]
        ok = (left[i] == target[j]).all(axis=1)
        count += int(ok.sum())
        if first is None and ok.any():
            k = int(np.argmax(ok))
            first = (int(i[k]), int(j[k]))
    if first is not None:
        return np.concatenate([_bits(first[0], h), _bits(first[1], n - h)]), 0, count
    from scipy.spatial import cKDTree

    tree = cKDTree(left)
    radius = 1.5  # deviations are integers; widen the search box until some pair falls inside
    while True:
        dist, idx = tree.query(target, k=1, p=1, distance_upper_bound=radius, workers=-1)
        if np.isfinite(dist).any():
            break
        radius = 2 * radius + 0.5
    best = float(dist.min())
    near = np.flatnonzero(dist <= best + 0.5)
    count = int(np.sum(tree.query_ball_point(target[near], r=best + 0.5, p=1, return_length=True)))
    j = int(near[0])
    x = np.concatenate([_bits(int(idx[j]), h), _bits(j, n - h)])
    return x, int(round(best)), count


# ---- files ----------------------------------------------------------------------------------------

def _data_lines(text: str) -> list[tuple[int, list[str]]]:
    return [(k, ln.split()) for k, ln in enumerate(text.splitlines(), 1) if ln.strip() and not ln.lstrip().startswith("#")]


def sniff(path, text: str) -> bool:
    """QOBLIB: `m n`, then exactly m lines of n + 1 integers (comment lines start with '#')."""
    lines = _data_lines(text)
    if not lines or len(lines[0][1]) != 2 or not all(t.isdigit() for t in lines[0][1]):
        return False
    m, n = int(lines[0][1][0]), int(lines[0][1][1])
    if not (1 <= m <= MAX_ROWS and 1 <= n <= MAX_COLUMNS) or len(lines) != m + 1:
        return False
    return all(len(toks) == n + 1 and all(re.fullmatch(r"[+-]?\d+", t) for t in toks) for _, toks in lines[1:])


def read_matrix(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    path = Path(path)
    lines = _data_lines(read_text(path))
    if not lines:
        raise InstanceFormatError(path, "no data (only comments)")
    first_line, header = lines[0]
    if len(header) != 2:
        raise InstanceFormatError(path, f"header must be 'm n', found {len(header)} values", first_line)
    m, n = (parse_number(t, path, first_line, integer=True) for t in header)
    if not (1 <= m <= MAX_ROWS and 1 <= n <= MAX_COLUMNS):
        raise InstanceFormatError(path, f"need 1 <= m <= {MAX_ROWS} rows and 1 <= n <= {MAX_COLUMNS} "
                                  f"variables, got m = {m}, n = {n}", first_line)
    rows = lines[1:]
    if len(rows) < m:
        last = rows[-1][0] if rows else first_line
        raise InstanceFormatError(path, f"expected {m} rows, found {len(rows)} (file truncated?)", last)
    if len(rows) > m:
        raise InstanceFormatError(path, f"unexpected extra data after the {m} rows", rows[m][0])
    data = np.zeros((m, n + 1), dtype=np.int64)
    for r, (lineno, toks) in enumerate(rows):
        if len(toks) != n + 1:
            raise InstanceFormatError(path, f"row {r + 1} has {len(toks)} numbers, expected {n + 1} "
                                      f"({n} coefficients and the right-hand side)", lineno)
        data[r] = [parse_number(t, path, lineno, integer=True) for t in toks]
    A, b = data[:, :n], data[:, n]
    if (np.abs(A).sum(axis=1) + np.abs(b)).max() >= 2**53:
        raise InstanceFormatError(path, "coefficients too large: row sums exceed 2^53")
    return A, b


def read_solution(path: str | Path, n: int) -> np.ndarray:
    """A QOBLIB `.opt.sol`: either n 0/1 values, or lines `x#j v` (j = 1..n; unlisted variables are 0)
    after "#" comments."""
    path = Path(path)
    lines = _data_lines(read_text(path))
    if not lines:
        raise InstanceFormatError(path, "no solution values")
    x = np.zeros(n, dtype=np.uint8)
    if lines[0][1][0].startswith("x#"):
        seen = set()
        for lineno, toks in lines:
            if len(toks) != 2 or not toks[0].startswith("x#"):
                raise InstanceFormatError(path, "expected 'x#j value'", lineno)
            j = parse_number(toks[0][2:], path, lineno, integer=True)
            v = parse_number(toks[1], path, lineno, integer=True)
            if not 1 <= j <= n:
                raise InstanceFormatError(path, f"variable x#{j} out of range 1..{n}", lineno)
            if j in seen:
                raise InstanceFormatError(path, f"variable x#{j} listed twice", lineno)
            if v not in (0, 1):
                raise InstanceFormatError(path, f"value {v} of x#{j} is not 0 or 1", lineno)
            seen.add(j)
            x[j - 1] = v
        return x
    values = [(lineno, tok) for lineno, toks in lines for tok in toks]
    if len(values) != n:
        raise InstanceFormatError(path, f"expected {n} values, found {len(values)}", values[-1][0])
    for j, (lineno, tok) in enumerate(values):
        v = parse_number(tok, path, lineno, integer=True)
        if v not in (0, 1):
            raise InstanceFormatError(path, f"value {v} of x{j + 1} is not 0 or 1", lineno)
        x[j] = v
    return x


def certificate_paths(path: Path) -> list[Path]:
    """Solution files QOBLIB ships for an instance: `<stem>.opt.sol` beside it and, for the planted
    solutions of the m >= 8 instances, `instance_gen_set/<stem>.opt.sol`."""
    found = [path.with_name(f"{path.stem}.opt.sol"), path.parent / "instance_gen_set" / f"{path.stem}.opt.sol"]
    return [p for p in found if p.is_file()]


def read(path: str | Path, variant: str = "feasibility") -> list[MarketSplitProblem]:
    """A QOBLIB `ms_*.dat`. A certificate (see :func:`certificate_paths`) that solves A x = b makes the
    optimum 0 proven; one that does not is reported as a format error."""
    path = Path(path)
    A, b = read_matrix(path)
    problem = MarketSplitProblem(path.stem, A, b, variant, None, path)
    for cert in certificate_paths(path):
        x = read_solution(cert, A.shape[1])
        r = problem.residuals(x)[0]
        if r.any():
            i = int(np.flatnonzero(r)[0])
            raise InstanceFormatError(cert, f"certificate does not solve the instance: row {i + 1} gives "
                                      f"{int(r[i] + b[i])}, right-hand side {int(b[i])}")
        problem.optimum = Optimum(0.0, "proven", f"QOBLIB certificate {cert.parent.name}/{cert.name}")
    return [problem]


#: Generated instances up to this many variables get their optimum computed on creation (MITM, < 0.1 s).
SOLVE_ON_BUILD_MAX_N = 30


def generate(m: int = 3, coef_max: int = 99, seed: int = 0, n: int | None = None,
             variant: str = "feasibility", file: str | Path | None = None, solve: bool = True,
             ) -> MarketSplitProblem:
    """Cornuejols-Dawande instance: n = 10 (m - 1) variables unless given, a_ij uniform integers in
    [0, coef_max], b_i = floor(sum_j a_ij / 2). Such instances are often infeasible. With ``solve`` and
    n <= SOLVE_ON_BUILD_MAX_N the optimum is computed by meet-in-the-middle (status "computed"): the
    minimum deviation for ``share``; 0 for ``feasibility`` when a solution exists (none attached when
    the instance has no solution).

    With ``file``, that QOBLIB file is read instead, in the requested ``variant`` (so a config can run
    the share variant of a published instance)."""
    if file is not None:
        return read(file, variant)[0]
    m = int(m)
    n = 10 * (m - 1) if n is None else int(n)
    if not 1 <= m <= MAX_ROWS or not 1 <= n <= MAX_COLUMNS:
        raise ConfigError(f"market split needs m >= 1 rows and n >= 1 variables, got m = {m}, n = {n}")
    if int(coef_max) < 1:
        raise ConfigError(f"coef_max must be at least 1, got {coef_max}")
    A = np.random.default_rng(seed).integers(0, int(coef_max) + 1, size=(m, n))
    b = A.sum(axis=1) // 2
    problem = MarketSplitProblem(f"ms-m{m}-n{n}-D{coef_max}-s{seed}", A, b, variant)
    if solve and n <= SOLVE_ON_BUILD_MAX_N:
        _, best, count = meet_in_the_middle(A, b)
        if variant == "share" or best == 0:
            problem.optimum = Optimum(float(best) if variant == "share" else 0.0, "computed",
                                      f"meet-in-the-middle ({count} optimal solutions)")
    return problem
