"""Quadratic assignment problem (Koopmans-Beckmann form): QAPLIB reader, Taillard-style generator,
repair/local search and an exact branch-and-bound for small n.

    minimise  sum_{i,j} F[i, j] * D[p(i), p(j)]   over permutations p (p(i) = location of facility i)

Binary model: x[i*n + k] = 1 iff facility i is at location k (n^2 variables); every row and column of
the assignment matrix sums to one (2n equalities in A_eq); the objective is the quadratic form with
Q = kron(F, D), i.e. Q[(i,k), (j,l)] = F[i,j] * D[k,l] (diagonal terms F[i,i] D[k,k] become linear).

QAPLIB files do not say which matrix is the flow and which the distance; we read the first as F and the
second as D, which is the convention of the published `.sln` permutations (three files use the inverse
one, see :func:`solution_permutation`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qbench.errors import ConfigError, InstanceFormatError
from qbench.problems.base import BinaryModel, Optimum, Problem
from qbench.problems.io import Tokens, read_text
from qbench.problems.permutation import (
    LazyModel, assignment_equalities, assignment_matrices, assignment_violation, decode_exact,
    decode_partial, inverse_permutation, nearest_permutation, onehot, swap_neighbours,
)
from qbench.sampleset import SampleSet

SUFFIXES = (".dat",)
MAX_FACILITIES = 1000

#: QAPLIB instances whose published value is only the best known (optimality not established). Files
#: that carry their value on the header line (``n value``, the non-official ones) are taken as proven
#: only for n <= 11, which were settled by exhaustive enumeration (see the instance set's SOURCES.md).
BEST_KNOWN_ONLY = frozenset({
    "tai13a", "tai14a", "tai16a", "tai18a", "tai19a", "tai21a", "tai22a", "tai23a", "tai24a",
    "tai26a", "tai27a", "tai28a", "tai29a", "tai30a", "tai35a", "tai40a", "tai50a", "tai60a",
    "tai80a", "tai100a", "tai50b", "tai60b", "tai80b", "tai100b", "tai150b", "tai256c", "tho40",
    "tho150", "wil100", "sko100a", "sko100b", "sko100c", "sko100d", "sko100e", "sko100f", "sko90",
})
HEADER_VALUE_PROVEN_MAX_N = 11

#: solve_dedicated runs the branch-and-bound up to this size. Measured (one core): every QAPLIB n <= 12
#: instance within ~20 s (nug12 7 s, tai12a 16 s), structured larger ones quickly (chr15a 0.6 s, esc16a
#: 23 s), but unstructured n = 14 (nug14, had14) does not finish in 60 s. Without a time limit, sizes
#: above UNLIMITED_MAX_N get DEFAULT_TIME_LIMIT seconds and report status "time_limit" with a bound.
EXACT_MAX_N = 16
UNLIMITED_MAX_N = 12
DEFAULT_TIME_LIMIT = 600.0


class QAPProblem(LazyModel, Problem):
    kind = "qap"

    def __init__(self, name: str, flow: np.ndarray, distance: np.ndarray, optimum: Optimum | None = None,
                 source: str | Path | None = None):
        flow = np.asarray(flow, dtype=float)
        distance = np.asarray(distance, dtype=float)
        if flow.ndim != 2 or flow.shape[0] != flow.shape[1] or flow.shape != distance.shape:
            raise ValueError(f"flow {flow.shape} and distance {distance.shape} must be equal square matrices")
        self.flow = flow
        self.distance = distance
        self.n = flow.shape[0]
        super().__init__(name, None, optimum, source)

    # ---- model ----------------------------------------------------------------------------------
    def _build_model(self) -> BinaryModel:
        n = self.n
        A_eq, b_eq = assignment_equalities(n)
        names = [f"x_{i}_{k}" for i in range(n) for k in range(n)]
        return BinaryModel("min", np.zeros(n * n), np.kron(self.flow, self.distance), 0.0,
                           A_eq=A_eq, b_eq=b_eq, var_names=names)

    @property
    def sense(self) -> str:
        return "min"

    @property
    def num_variables(self) -> int:
        return self.n * self.n

    def inequality_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """Only one-hot equalities: no row needs slack."""
        return np.zeros((0, self.num_variables)), np.zeros(0)

    def describe(self) -> dict:
        return {"facilities": self.n, "variables": self.n * self.n, "constraints": 2 * self.n,
                "symmetric": bool(np.array_equal(self.flow, self.flow.T)
                                  and np.array_equal(self.distance, self.distance.T))}

    # ---- evaluation -----------------------------------------------------------------------------
    def cost(self, perms: np.ndarray) -> np.ndarray:
        """Costs of permutations (n,) or (S, n) (p[i] = location of facility i)."""
        P = np.atleast_2d(np.asarray(perms, dtype=np.int64))
        out = np.empty(P.shape[0])
        step = max(1, 2_000_000 // (self.n * self.n))
        for s in range(0, P.shape[0], step):
            Pc = P[s:s + step]
            out[s:s + step] = np.einsum("ij,sij->s", self.flow, self.distance[Pc[:, :, None], Pc[:, None, :]])
        return out

    def objective(self, X: np.ndarray) -> np.ndarray:
        """x^T kron(F, D) x for any bitstrings, in O(S n^3) instead of O(S n^4)."""
        M = assignment_matrices(X, self.n).astype(float)
        located = M @ self.distance @ M.transpose(0, 2, 1)  # [s, i, j] = sum_kl M_ik D_kl M_jl
        return np.einsum("ij,sij->s", self.flow, located)

    def violation(self, X: np.ndarray) -> np.ndarray:
        return assignment_violation(X, self.n)

    # ---- solutions ------------------------------------------------------------------------------
    def local_search(self, perm: np.ndarray) -> np.ndarray:
        """Best-improvement 2-swap descent (every neighbour costed in one batch)."""
        perm = np.asarray(perm, dtype=np.int64).copy()
        current = self.cost(perm)[0]
        while self.n > 1:
            neighbours = swap_neighbours(perm)
            costs = self.cost(neighbours)
            best = int(np.argmin(costs))
            if not costs[best] < current - 1e-9:
                break
            perm, current = neighbours[best], costs[best]
        return perm

    def repair(self, x: np.ndarray) -> np.ndarray:
        """Closest permutation (most ones kept, by linear assignment), then 2-swap descent."""
        return onehot(self.local_search(nearest_permutation(x, self.n)))[0]

    def improve(self, x: np.ndarray) -> np.ndarray:
        perm = decode_exact(x, self.n)
        return np.asarray(x, dtype=np.uint8) if perm is None else onehot(self.local_search(perm))[0]

    def greedy(self) -> np.ndarray:
        """Busiest facilities on the most central locations, then 2-swap descent."""
        busy = np.argsort(-(self.flow.sum(0) + self.flow.sum(1)), kind="stable")
        central = np.argsort(self.distance.sum(0) + self.distance.sum(1), kind="stable")
        perm = np.empty(self.n, dtype=np.int64)
        perm[busy] = central
        return onehot(self.local_search(perm))[0]

    def solution_repr(self, x: np.ndarray) -> list[int]:
        """Location of each facility (0-based); -1 marks a facility without exactly one location."""
        perm = decode_exact(x, self.n)
        return [int(v) for v in perm] if perm is not None else decode_partial(x, self.n)

    def solve_dedicated(self, time_limit: float | None = None):
        if self.n > EXACT_MAX_N:
            return None
        if time_limit is None and self.n > UNLIMITED_MAX_N:
            time_limit = DEFAULT_TIME_LIMIT
        perm, value, bound, status, nodes, seconds = branch_and_bound(self, time_limit)
        gap = 0.0 if value == bound else 100.0 * (value - bound) / max(abs(value), 1e-12)
        return SampleSet.single(onehot(perm)[0], energy=value, info={
            "status": status, "bound": bound, "gap_pct": gap, "seconds": seconds, "nodes": nodes,
            "method": "branch-and-bound (Gilmore-Lawler-type bound)"})


# ---- exact: vectorised depth-first branch-and-bound ---------------------------------------------

def _heuristic_start(problem: QAPProblem, starts: int = 8) -> tuple[np.ndarray, float]:
    best = decode_exact(problem.greedy(), problem.n)
    rng = np.random.default_rng(0)
    for _ in range(starts):
        cand = problem.local_search(rng.permutation(problem.n))
        if problem.cost(cand)[0] < problem.cost(best)[0]:
            best = cand
    return best, float(problem.cost(best)[0])


def _completion_bounds(F: np.ndarray, D: np.ndarray) -> tuple[list[np.ndarray], list[float]]:
    """Per depth d (facilities 0..d-1 placed), a node-independent lower bound msp[d][a, k] on the cost
    between unplaced facility d+a at location k and the other unplaced facilities, plus a constant.

    With non-negative data this is the Gilmore-Lawler minimal scalar product of facility d+a's flows
    (ascending) with the smallest distances out of k (descending), taken over all locations instead
    of the node's free ones (a superset, hence still a lower bound, and the same for every node)."""
    n = F.shape[0]
    off = ~np.eye(n, dtype=bool)
    nonneg = (F[off] >= 0).all() and (D[off] >= 0).all()
    rows_of_D = np.sort(D[off].reshape(n, n - 1), axis=1)  # out-distances of each location, ascending
    msp, const = [], []
    for d in range(n):
        U = np.arange(d, n)
        u = U.shape[0]
        if not nonneg:
            Fu = F[np.ix_(U, U)][~np.eye(u, dtype=bool)]
            lo, hi = D[off].min(initial=0.0), D[off].max(initial=0.0)
            msp.append(np.zeros((u, n)))
            const.append(float(np.minimum(Fu * lo, Fu * hi).sum()))
            continue
        flows = np.sort(F[np.ix_(U, U)][~np.eye(u, dtype=bool)].reshape(u, u - 1), axis=1)
        dists = rows_of_D[:, : u - 1][:, ::-1]          # smallest u-1, descending
        msp.append(flows @ dists.T)
        const.append(0.0)
    return msp, const


def branch_and_bound(problem: QAPProblem, time_limit: float | None = None, chunk: int = 4096):
    """Exact QAP by depth-first branch-and-bound over partial assignments, a chunk of nodes at a time.

    Facilities are placed busiest first. For each node the bound is the cost among placed facilities
    plus max(row minima, column minima) of a Gilmore-Lawler-type matrix (exact cost to the placed
    facilities + :func:`_completion_bounds`). Returns (perm, value, bound, status, nodes, seconds).
    """
    start = time.perf_counter()
    n = problem.n
    order = np.argsort(-(np.abs(problem.flow).sum(0) + np.abs(problem.flow).sum(1)), kind="stable")
    F = problem.flow[np.ix_(order, order)]
    D = problem.distance
    diagF, diagD = np.diag(F), np.diag(D)
    msp, const = _completion_bounds(F, D)
    best_perm, best = _heuristic_start(problem)
    tol = 1e-9 * max(1.0, abs(best))
    # stack entries: (depth, locations (N, depth), partial costs (N,), lower bounds (N,))
    stack = [(0, np.zeros((1, 0), dtype=np.int64), np.zeros(1), np.full(1, -np.inf))]
    nodes = 0
    status = "optimal"
    while stack:
        if time_limit is not None and time.perf_counter() - start > time_limit:
            status = "time_limit"
            break
        d, loc, partial, lower = stack.pop()
        if loc.shape[0] > chunk:
            stack.append((d, loc[chunk:], partial[chunk:], lower[chunk:]))
            loc, partial = loc[:chunk], partial[:chunk]
        nodes += loc.shape[0]
        N, u = loc.shape[0], n - d
        # lin[s, a, k]: exact cost of putting unplaced facility d+a at k, against the placed ones
        out_to = D[:, loc].transpose(1, 0, 2)        # [s, k, j] = D[k, loc_j]
        in_from = D.T[:, loc].transpose(1, 0, 2)     # [s, k, j] = D[loc_j, k]
        lin = (out_to @ F[d:, :d].T + in_from @ F[:d, d:]).transpose(0, 2, 1)
        lin += np.outer(diagF[d:], diagD)[None]
        free = np.ones((N, n), dtype=bool)
        free[np.arange(N)[:, None], loc] = False
        gl = np.where(free[:, None, :], lin + msp[d][None], np.inf)
        row_bound = gl.min(axis=2).sum(axis=1)
        col_bound = np.where(free, gl.min(axis=1), 0.0).sum(axis=1)
        bound = partial + np.maximum(row_bound, col_bound) + const[d]
        keep = bound < best - tol
        if not keep.any():
            continue
        loc, partial, lin, free, bound = loc[keep], partial[keep], lin[keep], free[keep], bound[keep]
        s_idx, k_idx = np.nonzero(free)
        child_cost = partial[s_idx] + lin[s_idx, 0, k_idx]
        if u == 1:  # the children are complete permutations
            j = int(np.argmin(child_cost))
            if child_cost[j] < best - tol:
                best = float(child_cost[j])
                perm_sorted = np.append(loc[s_idx[j]], k_idx[j])
                best_perm = np.empty(n, dtype=np.int64)
                best_perm[order] = perm_sorted
                tol = 1e-9 * max(1.0, abs(best))
            continue
        children = np.concatenate([loc[s_idx], k_idx[:, None]], axis=1)
        stack.append((d + 1, children, child_cost, bound[s_idx]))
    # every unexplored node carries its parent's bound, so the smallest of those bounds the optimum
    pending = [b.min() for (_, _, _, b) in stack if b.shape[0]] if status != "optimal" else []
    global_bound = float(min([best, *pending]))
    return best_perm, float(best), global_bound, status, nodes, time.perf_counter() - start


# ---- files ----------------------------------------------------------------------------------------

@dataclass
class QAPSolution:
    n: int
    value: float
    permutation: np.ndarray  # 0-based, as written in the file


def sniff(path, text: str) -> bool:
    """QAPLIB: line 1 is `n` or `n value`, then exactly 2 n^2 numbers and nothing else."""
    lines = [ln.split() for ln in text.splitlines() if ln.strip()]
    if not lines or len(lines[0]) not in (1, 2) or not lines[0][0].isdigit():
        return False
    n = int(lines[0][0])
    if n < 1 or n > MAX_FACILITIES:
        return False
    body = [tok for ln in lines[1:] for tok in ln]
    if len(body) != 2 * n * n:
        return False
    try:
        [float(tok) for tok in lines[0][1:] + body[: 4 * n]]
    except ValueError:
        return False
    return True


def _read_matrices(path: Path) -> tuple[int, float | None, np.ndarray, np.ndarray]:
    text = read_text(path)
    tokens = Tokens(text, path)
    n = tokens.next_int("the number of facilities n")
    if not 1 <= n <= MAX_FACILITIES:
        raise InstanceFormatError(path, f"number of facilities must be between 1 and {MAX_FACILITIES}, got {n}", 1)
    header_value = None
    first_line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.strip())
    if tokens.line == first_line:
        header_value = tokens.next_number("the value on the header line")
        if tokens.line == first_line:
            raise InstanceFormatError(path, "header line must be 'n' or 'n value'", first_line)
    remaining = len(tokens)
    if remaining < 2 * n * n:
        last_line = max(i for i, ln in enumerate(text.splitlines(), 1) if ln.strip())
        raise InstanceFormatError(path, f"expected 2 x {n}x{n} = {2 * n * n} matrix entries, found {remaining} "
                                  "(file truncated or wrong n?)", last_line)
    A = np.array(tokens.numbers(n * n, "the first matrix"), dtype=float).reshape(n, n)
    B = np.array(tokens.numbers(n * n, "the second matrix"), dtype=float).reshape(n, n)
    tokens.expect_end()
    return n, header_value, A, B


def read_solution(path: str | Path) -> QAPSolution:
    """A QAPLIB `.sln`: `n value`, then n 1-based locations (may wrap; commas allowed)."""
    path = Path(path)
    tokens = Tokens(read_text(path).replace(",", " "), path)
    n = tokens.next_int("n")
    if not 1 <= n <= MAX_FACILITIES:
        raise InstanceFormatError(path, f"n must be between 1 and {MAX_FACILITIES}, got {n}", 1)
    value = tokens.next_number("the objective value")
    perm = []
    for _ in range(n):
        line = tokens.line
        v = tokens.next_int("a permutation entry")
        if not 1 <= v <= n:
            raise InstanceFormatError(path, f"permutation entry {v} out of range 1..{n}", line)
        perm.append(v - 1)
    tokens.expect_end()
    if len(set(perm)) != n:
        dup = next(v for v in perm if perm.count(v) > 1)
        raise InstanceFormatError(path, f"not a permutation: location {dup + 1} appears twice")
    return QAPSolution(n, float(value), np.array(perm, dtype=np.int64))


def solution_permutation(problem: QAPProblem, path: str | Path) -> np.ndarray:
    """The `.sln` permutation in this module's convention. Most files list p (facility -> location);
    kra30a, kra30b and tho30 list p^-1, so both are tried and the one reproducing the value is returned."""
    sol = read_solution(path)
    if sol.n != problem.n:
        raise InstanceFormatError(path, f"solution is for n = {sol.n}, instance has n = {problem.n}", 1)
    for perm in (sol.permutation, inverse_permutation(sol.permutation)):
        if abs(problem.cost(perm)[0] - sol.value) <= 1e-6 * max(1.0, abs(sol.value)):
            return perm
    raise InstanceFormatError(path, f"neither the permutation nor its inverse has the stated cost {sol.value:g} "
                              f"(they cost {problem.cost(sol.permutation)[0]:g} and "
                              f"{problem.cost(inverse_permutation(sol.permutation))[0]:g})", 1)


def read(path: str | Path) -> list[QAPProblem]:
    """One QAPLIB `.dat`; the optimum comes from a `.sln` beside it, else from an `n value` header."""
    path = Path(path)
    n, header_value, A, B = _read_matrices(path)
    name = path.stem
    problem = QAPProblem(name, A, B, None, path)
    sln = path.with_suffix(".sln")
    if sln.is_file():
        solution_permutation(problem, sln)  # validates the certificate
        status = "best-known" if name in BEST_KNOWN_ONLY else "proven"
        problem.optimum = Optimum(read_solution(sln).value, status, f"QAPLIB {sln.name}")
    elif header_value is not None:
        proven = n <= HEADER_VALUE_PROVEN_MAX_N and name not in BEST_KNOWN_ONLY
        problem.optimum = Optimum(float(header_value), "proven" if proven else "best-known",
                                  f"{path.name} header line")
    return [problem]


def generate(n: int = 8, seed: int = 0, max_value: int = 99, symmetric: bool = True,
             solve: bool = True) -> QAPProblem:
    """Taillard-style random instance: flows and distances uniform integers in [0, max_value]
    (symmetric with zero diagonal by default, like tai*a). With ``solve`` and n <= 9 the optimum is
    computed by branch-and-bound (status "computed")."""
    if not 2 <= int(n) <= MAX_FACILITIES:
        raise ConfigError(f"QAP size n must be between 2 and {MAX_FACILITIES}, got {n}")
    n = int(n)
    rng = np.random.default_rng(seed)

    def matrix() -> np.ndarray:
        M = rng.integers(0, max_value + 1, size=(n, n)).astype(float)
        if symmetric:
            M = np.triu(M, 1)
            M = M + M.T
        np.fill_diagonal(M, 0.0)
        return M

    flow, distance = matrix(), matrix()
    problem = QAPProblem(f"qap-n{n}-s{seed}", flow, distance, None, None)
    if solve and n <= 9:
        perm, value, bound, status, *_ = branch_and_bound(problem, time_limit=30.0)
        if status == "optimal":
            problem.optimum = Optimum(value, "computed", "branch-and-bound")
    return problem
