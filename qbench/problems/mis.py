"""Maximum independent set (MIS): choose as many vertices as possible, no two adjacent.

Binary model: maximise sum_v x_v  s.t.  x_u + x_v <= 1 for every edge.

Graphs are stored as an edge array, not as the model's dense ``A_ub``: a 500-vertex graph with 100k
edges would need a 400 MB constraint matrix. ``objective``/``violation``/``repair`` work on the edge
array and a CSR adjacency; the :class:`~qbench.problems.base.BinaryModel` is built only when a
formulation first asks for ``problem.model`` (formulations for quantum-sized graphs need it anyway).

Files: DIMACS ``.gph``/``.clq``/``.col`` and Sloane's ``1tc.*.txt``/``1et.*.txt`` (see
:mod:`qbench.problems.graphs`). A QOBLIB solution file ``NAME.opt.sol`` (proven) or ``NAME.bst.sol``
(best known) beside the graph supplies the reference optimum; it is checked to be independent, which
also catches a graph stored in the other orientation (QOBLIB complemented some DIMACS graphs, not all).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from qbench.errors import ConfigError, InfeasibleInstanceError, InstanceFormatError
from qbench.problems.base import BinaryModel, Optimum, Problem, Sense
from qbench.problems.graphs import (
    adjacency_matrix,
    complement_edges,
    greedy_clique_cover,
    looks_like_dimacs,
    normalize_edges,
    read_dimacs,
    read_vertex_set,
)
from qbench.problems.io import read_text
from qbench.problems.mis_published import published_optimum
from qbench.sampleset import SampleSet

SUFFIXES = (".gph", ".clq", ".col", ".txt")

# Batches of samples are evaluated in chunks of about this many (sample, edge) pairs.
_CHUNK_PAIRS = 1 << 22


class MIS(Problem):
    kind = "mis"

    def __init__(self, name: str, num_vertices: int, edges, optimum: Optimum | None = None,
                 source: str | Path | None = None):
        self._n = int(num_vertices)
        if self._n < 1:
            raise ValueError("a graph needs at least one vertex")
        self.edges = normalize_edges(self._n, edges)
        self._graph: nx.Graph | None = None
        self._adj: sp.csr_matrix | None = None
        super().__init__(name, None, optimum, source)  # the model is built lazily, see ``model``

    @classmethod
    def from_graph(cls, name: str, graph: nx.Graph, optimum: Optimum | None = None,
                   source: str | Path | None = None) -> "MIS":
        """From any networkx graph; vertices are renumbered 0..N-1 in sorted order (insertion order
        when labels are not sortable)."""
        try:
            nodes = sorted(graph.nodes)
        except TypeError:
            nodes = list(graph.nodes)
        index = {v: i for i, v in enumerate(nodes)}
        edges = np.array([(index[u], index[v]) for u, v in graph.edges], dtype=np.int64).reshape(-1, 2)
        return cls(name, len(nodes), edges, optimum, source)

    # ---- structure ------------------------------------------------------------------------------
    @property
    def num_vertices(self) -> int:
        return self._n

    @property
    def num_variables(self) -> int:
        return self._n

    @property
    def sense(self) -> Sense:
        return "max"

    @property
    def graph(self) -> nx.Graph:
        """The graph as networkx (vertices 0..N-1), built on first use."""
        if self._graph is None:
            g = nx.Graph()
            g.add_nodes_from(range(self._n))
            g.add_edges_from(map(tuple, self.edges.tolist()))
            self._graph = g
        return self._graph

    @property
    def adjacency(self) -> sp.csr_matrix:
        if self._adj is None:
            self._adj = adjacency_matrix(self._n, self.edges)
        return self._adj

    @property
    def degrees(self) -> np.ndarray:
        return np.diff(self.adjacency.indptr)

    @property
    def model(self) -> BinaryModel:
        """The constrained binary program, one ``x_u + x_v <= 1`` row per edge (dense: built lazily)."""
        if self._model is None:
            E = len(self.edges)
            A = np.zeros((E, self._n))
            rows = np.arange(E)
            A[rows, self.edges[:, 0]] = 1.0
            A[rows, self.edges[:, 1]] = 1.0
            self._model = BinaryModel("max", np.ones(self._n), A_ub=A, b_ub=np.ones(E))
        return self._model

    @model.setter
    def model(self, value: BinaryModel | None) -> None:
        self._model = value

    def inequality_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """Every row is a pairwise conflict (an edge): none needs slack."""
        return np.zeros((0, self.num_variables)), np.zeros(0)

    def describe(self) -> dict[str, Any]:
        n, E = self._n, len(self.edges)
        density = 2.0 * E / (n * (n - 1)) if n > 1 else 0.0
        return {"vertices": n, "edges": E, "density": round(density, 4)}

    # ---- evaluation -----------------------------------------------------------------------------
    def objective(self, X: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(np.asarray(X))
        return (X != 0).sum(axis=1).astype(float)

    def violation(self, X: np.ndarray) -> np.ndarray:
        """Number of edges with both ends chosen (= the summed excess of the edge constraints)."""
        X = np.atleast_2d(np.asarray(X)) != 0
        u, v = self.edges[:, 0], self.edges[:, 1]
        out = np.empty(X.shape[0])
        step = max(1, _CHUNK_PAIRS // max(1, len(u)))
        for start in range(0, X.shape[0], step):
            block = X[start:start + step]
            out[start:start + step] = np.count_nonzero(block[:, u] & block[:, v], axis=1)
        return out

    # ---- solutions ------------------------------------------------------------------------------
    def repair(self, x: np.ndarray) -> np.ndarray:
        """Drop the chosen vertex with the most chosen neighbours (ties: larger degree) until the set
        is independent, then add vertices by minimum residual degree while it stays independent.

        No swap search here, so that a repaired sample stays close to what the solver returned; use
        :meth:`improve` for that."""
        chosen = self._as_mask(x)
        self._drop_conflicts(chosen)
        self._add_min_degree(chosen)
        return chosen.astype(np.uint8)

    def improve(self, x: np.ndarray) -> np.ndarray:
        """Local search keeping independence: add free vertices, then (1,2)-swaps (take out one vertex,
        put in two of its neighbours whose only chosen neighbour it was), repeated to a local optimum.
        An infeasible ``x`` is returned unchanged."""
        chosen = self._as_mask(x)
        if self.violation(chosen)[0] > 0:
            return chosen.astype(np.uint8)
        A = self.adjacency
        while True:
            self._add_min_degree(chosen)
            if not self._one_two_swap(chosen, A):
                break
        return chosen.astype(np.uint8)

    def greedy(self) -> np.ndarray:
        """Minimum-degree greedy: repeatedly take a vertex of least degree among those still free."""
        return self.repair(np.zeros(self._n, dtype=np.uint8))

    def solution_repr(self, x: np.ndarray) -> list[int]:
        """The chosen vertices, 1-based as in the files."""
        return [int(v) + 1 for v in np.flatnonzero(np.asarray(x).reshape(-1))]

    def _as_mask(self, x: np.ndarray) -> np.ndarray:
        chosen = np.asarray(x).reshape(-1) != 0
        if chosen.shape[0] != self._n:
            raise ValueError(f"{chosen.shape[0]} bits for a graph with {self._n} vertices")
        return chosen.copy()

    def _drop_conflicts(self, chosen: np.ndarray) -> None:
        A = self.adjacency
        conflicts = A @ chosen.astype(np.int64)
        conflicts[~chosen] = 0
        tie_break = self.degrees / (self.degrees.max(initial=0) + 1.0)  # < 1: only breaks ties
        indptr, indices = A.indptr, A.indices
        while True:
            v = int(np.argmax(conflicts + tie_break * (conflicts > 0)))
            if conflicts[v] == 0:
                return
            chosen[v] = False
            conflicts[v] = 0
            nb = indices[indptr[v]:indptr[v + 1]]
            nb = nb[chosen[nb]]
            conflicts[nb] -= 1

    def _add_min_degree(self, chosen: np.ndarray) -> None:
        A = self.adjacency
        indptr, indices = A.indptr, A.indices
        free = ~chosen & ((A @ chosen.astype(np.int64)) == 0)
        residual = A @ free.astype(np.int64)  # free neighbours of each vertex
        big = self._n + 1
        while free.any():
            v = int(np.argmin(np.where(free, residual, big)))
            chosen[v] = True
            nb = indices[indptr[v]:indptr[v + 1]]
            gone = np.concatenate(([v], nb[free[nb]]))
            free[gone] = False
            touched = np.concatenate([indices[indptr[w]:indptr[w + 1]] for w in gone])
            residual -= np.bincount(touched, minlength=self._n)

    def _one_two_swap(self, chosen: np.ndarray, A: sp.csr_matrix) -> bool:
        """Apply one (1,2)-swap if any exists; True when the set grew."""
        tight = A @ chosen.astype(np.int64)  # chosen neighbours per vertex
        indptr, indices = A.indptr, A.indices
        for v in np.flatnonzero(chosen):
            nb = indices[indptr[v]:indptr[v + 1]]
            cand = nb[(tight[nb] == 1) & ~chosen[nb]]
            if cand.size < 2:
                continue
            sub = A[cand][:, cand]
            if sub.nnz == cand.size * (cand.size - 1):
                continue  # the candidates form a clique: at most one can enter
            dense = sub.toarray().astype(bool)
            np.fill_diagonal(dense, True)
            i, j = np.argwhere(~dense)[0]
            chosen[v] = False
            chosen[cand[i]] = True
            chosen[cand[j]] = True
            return True
        return False

    # ---- exact ----------------------------------------------------------------------------------
    def solve_dedicated(self, time_limit: float | None = None) -> SampleSet:
        """Exact MIS by integer programming on a clique cover of the edges (HiGHS via scipy).

        One ``sum_{v in K} x_v <= 1`` row per clique of a greedy cover is a stronger and smaller model
        than one row per edge, and it is built sparse, so big graphs never form the dense model."""
        from scipy.optimize import Bounds, LinearConstraint, milp

        start = time.perf_counter()
        n = self._n
        cliques = greedy_clique_cover(n, self.edges)
        options: dict[str, Any] = {"mip_rel_gap": 0.0, "disp": False}
        if time_limit is not None:
            options["time_limit"] = float(time_limit)
        if cliques:
            rows = np.repeat(np.arange(len(cliques)), [len(c) for c in cliques])
            A = sp.csr_matrix((np.ones(rows.shape[0]), (rows, np.concatenate(cliques))), shape=(len(cliques), n))
            constraints = [LinearConstraint(A, -np.inf, 1.0)]
        else:
            constraints = []
        res = milp(-np.ones(n), constraints=constraints, integrality=np.ones(n), bounds=Bounds(0, 1), options=options)
        if res.x is None:
            if res.status == 2:
                raise InfeasibleInstanceError(f"{self.name}: the solver reports the model infeasible")
            x = self.greedy()  # no incumbent within the limit: fall back to a feasible answer
        else:
            x = (np.asarray(res.x) > 0.5).astype(np.uint8)
        value = float(self.objective(x)[0])
        bound = float(np.floor(-res.mip_dual_bound + 1e-6)) if res.mip_dual_bound is not None else float(n)
        bound = max(bound, value)
        status = "optimal" if res.status == 0 else ("time_limit" if res.status == 1 else "feasible")
        gap = 0.0 if status == "optimal" else (100.0 * (bound - value) / value if value else float("inf"))
        info = {"status": status, "bound": value if status == "optimal" else bound, "gap_pct": gap,
                "method": "milp-clique-cover", "cliques": len(cliques), "evaluations": 0,
                "seconds": time.perf_counter() - start}
        return SampleSet.single(x, energy=value, info=info)


# ---- files ----------------------------------------------------------------------------------------
def sniff(path: str | Path, text: str) -> bool:
    """A DIMACS edge file: the first non-comment line is ``p edge N M`` (or ``p col N M``)."""
    return looks_like_dimacs(text)


def instance_name(path: str | Path) -> str:
    """``farm.gph`` -> ``farm``; ``1tc.8.txt`` -> ``1tc.8``."""
    return Path(path).name.rsplit(".", 1)[0]


def read(path: str | Path, *, complement: bool = False, allow_duplicates: bool = False) -> list[MIS]:
    """One graph per file. ``complement=True`` reads the complement graph (named ``NAME-complement``;
    solution files then do not apply and the optimum is left unknown). ``allow_duplicates`` merges
    repeated edges instead of rejecting the file."""
    path = Path(path)
    data = read_dimacs(path, read_text(path), allow_duplicates=allow_duplicates)
    name = instance_name(path)
    edges = data.edges
    if complement:
        edges = complement_edges(data.num_vertices, edges)
        name = f"{name}-complement"
    problem = MIS(name, data.num_vertices, edges, None, path)
    if not complement:
        problem.optimum = _optimum_from_solution_files(problem, path) or published_optimum(problem)
    return [problem]


def solution_files(path: str | Path) -> list[tuple[Path, str]]:
    """Existing ``NAME.opt.sol`` / ``NAME.bst.sol`` beside a graph file, with the status each implies."""
    path = Path(path)
    stem = instance_name(path)
    found = []
    for suffix, status in ((".opt.sol", "proven"), (".bst.sol", "best-known")):
        candidate = path.with_name(stem + suffix)
        if candidate.is_file():
            found.append((candidate, status))
    return found


def read_solution(path: str | Path, problem: MIS) -> np.ndarray:
    """A vertex-set solution file as a 0/1 vector over ``problem``'s vertices."""
    vertices, _ = read_vertex_set(path, problem.num_vertices)
    x = np.zeros(problem.num_vertices, dtype=np.uint8)
    x[vertices] = 1
    return x


def _optimum_from_solution_files(problem: MIS, path: Path) -> Optimum | None:
    for sol_path, status in solution_files(path):
        vertices, stated = read_vertex_set(sol_path, problem.num_vertices)
        x = np.zeros(problem.num_vertices, dtype=np.uint8)
        x[vertices] = 1
        conflicts = int(problem.violation(x)[0])
        if conflicts:
            raise InstanceFormatError(sol_path, f"this solution is not an independent set of {path.name} "
                                      f"({conflicts} edges inside it); is the graph stored complemented?")
        value = float(stated if stated is not None else len(vertices))
        return Optimum(value, status, source=sol_path.name)
    return None


# ---- generator ------------------------------------------------------------------------------------
def generate(n: int, p: float, seed: int = 0, complement: bool = False, name: str | None = None) -> MIS:
    """Erdos-Renyi G(n, p) graph, deterministic per seed (``complement`` flips every pair)."""
    if int(n) != n or n < 1:
        raise ConfigError(f"mis generator: n must be a positive integer, got {n!r}")
    if not 0.0 <= p <= 1.0:
        raise ConfigError(f"mis generator: p must be in [0, 1], got {p!r}")
    n = int(n)
    rng = np.random.default_rng(seed)
    iu, ju = np.triu_indices(n, k=1)
    keep = rng.random(iu.shape[0]) < p
    if complement:
        keep = ~keep
    edges = np.column_stack([iu[keep], ju[keep]]).astype(np.int64)
    default = f"gnp-n{n}-p{p:g}-s{seed}" + ("-complement" if complement else "")
    return MIS(name or default, n, edges)
