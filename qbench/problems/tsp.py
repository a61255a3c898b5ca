"""Travelling salesman (symmetric and asymmetric): TSPLIB reader, sub-instance builder, random Euclidean
generator, Held-Karp exact solver, assignment + 2-opt repair.

Binary model (position encoding with city 0 fixed at position 0, m = n - 1): x[(c-1)*m + (t-1)] = 1 iff
city c (1..m) is visited at position t (1..m). Rows and columns of the m x m assignment matrix sum to one
(2m equalities). The tour cost is quadratic between consecutive positions,
    sum_t sum_{c != c'} W[c, c'] x[c,t] x[c',t+1],
plus linear terms for the edges out of and back into the fixed city: W[0, c] x[c,1] + W[c, 0] x[c,m].
Nothing assumes W is symmetric, so ATSP instances use the same model.

Even 14 cities need 169 binaries, so experiments use sub-instances (:func:`subinstance`) whose optimum
is computed exactly by Held-Karp.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from qbench.errors import ConfigError, InstanceFormatError
from qbench.problems import tsplib
from qbench.problems.base import BinaryModel, Optimum, Problem
from qbench.problems.permutation import (
    LazyModel, assignment_equalities, assignment_matrices, assignment_violation, decode_exact,
    nearest_permutation, onehot,
)
from qbench.sampleset import SampleSet

SUFFIXES = (".tsp", ".atsp")
#: Held-Karp needs 2^(n-1) (n-1) table entries: n = 20 is 10M entries (~1 s); beyond that use the MILP.
HELD_KARP_MAX_N = 20
#: Sub-instances and generated instances up to this size get their optimum computed when built.
SOLVE_ON_BUILD_MAX_N = 16

#: Proven optimal tour lengths from the TSPLIB tables (Reinelt), for files that carry no value.
TSPLIB_OPTIMA = {
    # symmetric
    "burma14": 3323, "ulysses16": 6859, "gr17": 2085, "gr21": 2707, "ulysses22": 7013, "gr24": 1272,
    "fri26": 937, "bayg29": 1610, "bays29": 2020, "dantzig42": 699, "swiss42": 1273, "att48": 10628,
    "gr48": 5046, "hk48": 11461, "eil51": 426, "berlin52": 7542, "brazil58": 25395, "st70": 675,
    "eil76": 538, "pr76": 108159, "gr96": 55209, "rat99": 1211, "kroA100": 21282, "kroB100": 22141,
    "kroC100": 20749, "kroD100": 21294, "kroE100": 22068, "rd100": 7910, "eil101": 629, "lin105": 14379,
    "pr107": 44303, "gr120": 6942, "pr124": 59030, "bier127": 118282, "ch130": 6110, "pr136": 96772,
    "gr137": 69853, "pr144": 58537, "ch150": 6528, "kroA150": 26524, "kroB150": 26130, "pr152": 73682,
    "u159": 42080, "kroA200": 29368, "kroB200": 29437,
    # asymmetric
    "br17": 39, "ftv33": 1286, "ftv35": 1473, "ftv38": 1530, "p43": 5620, "ftv44": 1613, "ftv47": 1776,
    "ry48p": 14422, "ft53": 6905, "ftv55": 1608, "ftv64": 1839, "ft70": 38673, "ftv70": 1950,
    "kro124p": 36230, "ftv170": 2755, "rbg323": 1326, "rbg358": 1163, "rbg403": 2465, "rbg443": 2720,
}


class TSPProblem(LazyModel, Problem):
    kind = "tsp"

    def __init__(self, name: str, weights: np.ndarray, optimum: Optimum | None = None,
                 source: str | Path | None = None, *, city_ids: list[int] | None = None,
                 coords: np.ndarray | None = None, edge_weight_type: str = "EXPLICIT"):
        W = np.array(weights, dtype=float)
        if W.ndim != 2 or W.shape[0] != W.shape[1] or W.shape[0] < 2:
            raise ValueError(f"weights must be a square matrix of at least 2 cities, got shape {W.shape}")
        np.fill_diagonal(W, 0.0)
        self.weights = W
        self.n = W.shape[0]
        self.m = self.n - 1
        #: original node numbers (1-based, TSPLIB style) of the cities of a sub-instance
        self.city_ids = list(city_ids) if city_ids is not None else list(range(1, self.n + 1))
        self.coords = coords
        self.edge_weight_type = edge_weight_type
        super().__init__(name, None, optimum, source)

    # ---- model ----------------------------------------------------------------------------------
    def _build_model(self) -> BinaryModel:
        m, W = self.m, self.weights
        c = np.zeros((m, m))                      # [city-1, position-1]
        c[:, 0] += W[0, 1:]
        c[:, m - 1] += W[1:, 0]
        Q = np.zeros((m, m, m, m))                # [c, t, c', t']
        inner = W[1:, 1:]
        for t in range(m - 1):
            Q[:, t, :, t + 1] = inner
        A_eq, b_eq = assignment_equalities(m)
        names = [f"x_c{city}_t{pos}" for city in range(1, self.n) for pos in range(1, self.n)]
        return BinaryModel("min", c.reshape(-1), Q.reshape(m * m, m * m), 0.0, A_eq=A_eq, b_eq=b_eq,
                           var_names=names)

    @property
    def sense(self) -> str:
        return "min"

    @property
    def num_variables(self) -> int:
        return self.m * self.m

    @property
    def symmetric(self) -> bool:
        return bool(np.array_equal(self.weights, self.weights.T))

    def inequality_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """Only one-hot equalities: no row needs slack."""
        return np.zeros((0, self.num_variables)), np.zeros(0)

    def describe(self) -> dict:
        return {"cities": self.n, "variables": self.num_variables, "constraints": 2 * self.m,
                "symmetric": self.symmetric, "edge_weight_type": self.edge_weight_type}

    # ---- tours <-> bitstrings -------------------------------------------------------------------
    def tour_cost(self, tours: np.ndarray) -> np.ndarray:
        """Lengths of closed tours (n,) or (S, n), any rotation, nodes 0-based."""
        T = np.atleast_2d(np.asarray(tours, dtype=np.int64))
        return self.weights[T, np.roll(T, -1, axis=1)].sum(axis=1)

    def encode(self, tours: np.ndarray) -> np.ndarray:
        """Tours (rotated so city 0 comes first) as one-hot bitstrings (S, m^2)."""
        T = np.atleast_2d(np.asarray(tours, dtype=np.int64))
        T = np.array([np.roll(t, -int(np.flatnonzero(t == 0)[0])) for t in T])
        positions = np.empty((T.shape[0], self.m), dtype=np.int64)
        rows = np.arange(T.shape[0])[:, None]
        positions[rows, T[:, 1:] - 1] = np.arange(self.m)[None, :]
        return onehot(positions, self.m)

    def _tour_of(self, positions: np.ndarray) -> np.ndarray:
        return np.concatenate([[0], np.argsort(positions) + 1])

    def decode(self, x: np.ndarray) -> np.ndarray | None:
        """The tour (starting at city 0) a valid bitstring encodes, else None."""
        positions = decode_exact(x, self.m)
        return None if positions is None else self._tour_of(positions)

    # ---- evaluation -----------------------------------------------------------------------------
    def objective(self, X: np.ndarray) -> np.ndarray:
        """The model's quadratic form for any bitstrings, in O(S m^3)."""
        M = assignment_matrices(X, self.m).astype(float)     # [s, city-1, position-1]
        W = self.weights
        ends = M[:, :, 0] @ W[0, 1:] + M[:, :, -1] @ W[1:, 0]
        inner = W[1:, 1:] @ M[:, :, 1:]                      # [s, c, t] = sum_c' W[c, c'] M[c', t+1]
        return ends + (M[:, :, :-1] * inner).sum(axis=(1, 2))

    def violation(self, X: np.ndarray) -> np.ndarray:
        return assignment_violation(X, self.m)

    # ---- solutions ------------------------------------------------------------------------------
    def local_search(self, tour: np.ndarray) -> np.ndarray:
        """Best-improvement descent over 2-opt reversals and single-city moves (batched costs; no
        symmetry assumed, so reversed segments are re-costed in full)."""
        tour = np.asarray(tour, dtype=np.int64).copy()
        if self.n <= 2:
            return tour
        neighbourhood = self._neighbourhood()
        current = self.tour_cost(tour)[0]
        while True:
            candidates = tour[neighbourhood]
            costs = self.tour_cost(candidates)
            best = int(np.argmin(costs))
            if not costs[best] < current - 1e-9:
                return tour
            tour, current = candidates[best], costs[best]

    def _neighbourhood(self) -> np.ndarray:
        """Index maps (K, n) of every 2-opt reversal of positions i..j and every move of the city at
        position p to position q (position 0, city 0, stays put)."""
        if getattr(self, "_moves", None) is None:
            n = self.n
            i, j = np.triu_indices(n, 1)
            i, j = i[i >= 1], j[i >= 1]
            idx = np.tile(np.arange(n), (i.shape[0], 1))
            span = (idx >= i[:, None]) & (idx <= j[:, None])
            reversals = np.where(span, (i + j)[:, None] - idx, idx)
            p, q = np.nonzero(~np.eye(n - 1, dtype=bool))
            p, q = p + 1, q + 1
            k = np.arange(n)[None, :]
            # moving p to q shifts the cities between them by one place towards p's old position
            forward = (p < q)[:, None] & (k >= p[:, None]) & (k < q[:, None])
            backward = (p > q)[:, None] & (k > q[:, None]) & (k <= p[:, None])
            moves = np.where(forward, k + 1, np.where(backward, k - 1, k))
            moves[np.arange(p.shape[0]), q] = p
            self._moves = np.vstack([reversals, moves])
        return self._moves

    def repair(self, x: np.ndarray) -> np.ndarray:
        """Closest tour (most ones kept, by linear assignment), then 2-opt / move descent."""
        return self.encode(self.local_search(self._tour_of(nearest_permutation(x, self.m))))[0]

    def improve(self, x: np.ndarray) -> np.ndarray:
        tour = self.decode(x)
        return np.asarray(x, dtype=np.uint8) if tour is None else self.encode(self.local_search(tour))[0]

    def greedy(self) -> np.ndarray:
        """Nearest-neighbour tour from city 0, then local search."""
        tour, left = [0], set(range(1, self.n))
        while left:
            here = tour[-1]
            nxt = min(left, key=lambda c: (self.weights[here, c], c))
            tour.append(nxt)
            left.remove(nxt)
        return self.encode(self.local_search(np.array(tour)))[0]

    def solution_repr(self, x: np.ndarray) -> list[int]:
        """The tour as 0-based cities starting at 0; for an invalid bitstring the city at each position,
        -1 where a position does not hold exactly one city."""
        tour = self.decode(x)
        if tour is not None:
            return [int(c) for c in tour]
        M = assignment_matrices(x, self.m)[0]
        counts = M.sum(axis=0)
        return [0] + [int(M[:, t].argmax()) + 1 if counts[t] == 1 else -1 for t in range(self.m)]

    def solve_dedicated(self, time_limit: float | None = None):
        if self.n > HELD_KARP_MAX_N:
            return None
        start = time.perf_counter()
        value, tour = held_karp(self.weights)
        return SampleSet.single(self.encode(tour)[0], energy=value, info={
            "status": "optimal", "bound": value, "gap_pct": 0.0, "method": "Held-Karp dynamic programming",
            "seconds": time.perf_counter() - start})


def held_karp(weights: np.ndarray) -> tuple[float, np.ndarray]:
    """Exact shortest closed tour by dynamic programming over subsets (vectorised per subset size and
    end city). Returns (length, tour starting at city 0). Memory 2^(n-1) (n-1) entries."""
    W = np.asarray(weights, dtype=float)
    n = W.shape[0]
    if n <= 2:
        return float(W[0, 1:].sum() + W[1:, 0].sum()), np.arange(n)
    m = n - 1
    full = 1 << m
    inner = W[1:, 1:].copy()
    np.fill_diagonal(inner, np.inf)
    best = np.full((full, m), np.inf)
    parent = np.full((full, m), -1, dtype=np.int8)
    singles = 1 << np.arange(m)
    best[singles, np.arange(m)] = W[0, 1:]
    sets = np.arange(full)
    size = np.zeros(full, dtype=np.int64)
    for bit in range(m):
        size += (sets >> bit) & 1
    for k in range(2, m + 1):
        layer = sets[size == k]
        for j in range(m):
            ending = layer[(layer >> j) & 1 == 1]
            before = ending ^ (1 << j)
            cand = best[before] + inner[:, j][None, :]
            arg = cand.argmin(axis=1)
            best[ending, j] = cand[np.arange(ending.shape[0]), arg]
            parent[ending, j] = arg
    closing = best[full - 1] + W[1:, 0]
    j = int(np.argmin(closing))
    value = float(closing[j])
    path, S = [], full - 1
    while j >= 0:
        path.append(j + 1)
        S, j = S ^ (1 << j), int(parent[S, j])
    return value, np.array([0, *reversed(path)], dtype=np.int64)


# ---- files, sub-instances, generator ----------------------------------------------------------------

def sniff(path, text: str) -> bool:
    """A TSPLIB file: the first non-blank line is a `KEY: value` header and TYPE is TSP or ATSP."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines or lines[0].partition(":")[0].strip().upper() not in tsplib.HEADER_KEYS:
        return False
    for ln in lines[:20]:
        key, _, value = ln.partition(":")
        if key.strip().upper() == "TYPE":
            return value.strip().upper().startswith(("TSP", "ATSP"))
    return False


def read(path: str | Path) -> list[TSPProblem]:
    """A TSPLIB `.tsp`/`.atsp`. The optimum is the TSPLIB table value for the file's name and/or the
    length of a `<name>.opt.tour` beside it (both proven optimal; they must agree)."""
    path = Path(path)
    inst = tsplib.read_instance(path)
    name = path.name.split(".")[0]
    problem = TSPProblem(name, inst.weights, None, path, coords=inst.coords, edge_weight_type=inst.edge_weight_type)
    tour_file = path.with_name(f"{name}.opt.tour")
    tour_value = None
    if tour_file.is_file():
        tour_value = float(problem.tour_cost(tsplib.read_tour(tour_file, problem.n))[0])
    if name in TSPLIB_OPTIMA:
        if tour_value is not None and tour_value != TSPLIB_OPTIMA[name]:
            raise InstanceFormatError(tour_file, f"tour length {tour_value:g} differs from the published optimum "
                                      f"{TSPLIB_OPTIMA[name]} of {name}")
        problem.optimum = Optimum(float(TSPLIB_OPTIMA[name]), "proven", "TSPLIB optimal tour lengths (Reinelt)")
    elif tour_value is not None:
        problem.optimum = Optimum(tour_value, "proven", f"length of {tour_file.name}")
    return [problem]


def subinstance(problem: TSPProblem, k: int, seed: int | None = None, mode: str | None = None) -> TSPProblem:
    """The instance restricted to k of its cities: the first k (``mode="first"``, the default without a
    seed) or k drawn at random with ``seed`` (``mode="random"``, the default with a seed; seed None
    means 0). Up to SOLVE_ON_BUILD_MAX_N cities the optimum is computed by Held-Karp."""
    mode = mode or ("random" if seed is not None else "first")
    if mode not in ("first", "random"):
        raise ConfigError(f"sub-instance mode must be 'first' or 'random', got {mode!r}")
    k = int(k)
    if not 2 <= k <= problem.n:
        raise ConfigError(f"sub-instance size k must be between 2 and {problem.n} for {problem.name}, got {k}")
    if mode == "first":
        cities = np.arange(k)
        name = f"{problem.name}-first{k}"
    else:
        seed = 0 if seed is None else int(seed)
        cities = np.sort(np.random.default_rng(seed).choice(problem.n, size=k, replace=False))
        name = f"{problem.name}-k{k}-s{seed}"
    sub = TSPProblem(name, problem.weights[np.ix_(cities, cities)], None, problem.source,
                     city_ids=[problem.city_ids[c] for c in cities],
                     coords=None if problem.coords is None else problem.coords[cities],
                     edge_weight_type=problem.edge_weight_type)
    if k == problem.n and mode == "first" and problem.optimum is not None:
        sub.optimum = problem.optimum
    elif k <= SOLVE_ON_BUILD_MAX_N:
        sub.optimum = Optimum(held_karp(sub.weights)[0], "computed", "Held-Karp")
    return sub


def generate(n: int | None = None, seed: int | None = None, *, file: str | Path | None = None,
             k: int | None = None, mode: str | None = None, grid: int = 1000) -> TSPProblem:
    """Either a random Euclidean instance (``n`` cities with integer coordinates uniform in
    [0, grid)^2, TSPLIB EUC_2D distances; seed None means 0) or, with ``file``, that TSPLIB file cut to
    a sub-instance of ``k`` cities (see :func:`subinstance` for ``mode`` and ``seed``)."""
    if file is not None:
        if n is not None:
            raise ConfigError("give either 'n' (random instance) or 'file' (+ 'k'), not both")
        problem = read(file)[0]
        return problem if k is None else subinstance(problem, k, seed=seed, mode=mode)
    if k is not None or mode is not None:
        raise ConfigError("'k' and 'mode' select a sub-instance of a 'file'")
    n = 8 if n is None else int(n)
    if not 2 <= n <= tsplib.MAX_DIMENSION:
        raise ConfigError(f"number of cities n must be between 2 and {tsplib.MAX_DIMENSION}, got {n}")
    seed = 0 if seed is None else int(seed)
    coords = np.random.default_rng(seed).integers(0, grid, size=(n, 2)).astype(float)
    W = tsplib.coordinate_distances(coords, "EUC_2D")
    problem = TSPProblem(f"tsp-n{n}-s{seed}", W, None, None, coords=coords, edge_weight_type="EUC_2D")
    if n <= SOLVE_ON_BUILD_MAX_N:
        problem.optimum = Optimum(held_karp(W)[0], "computed", "Held-Karp")
    return problem
