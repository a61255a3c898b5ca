"""One-hot permutation encodings shared by QAP and TSP.

A permutation p of n items is encoded as an n x n assignment matrix flattened row-major into n^2 bits:
``x[i * n + k] = 1`` iff item i takes slot k (QAP: facility i at location k; TSP: city c+1 at tour
position t+1). A bitstring is a valid encoding iff every row and every column of that matrix sums to one.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from qbench.problems.base import BinaryModel


def assignment_matrices(X: np.ndarray, n: int) -> np.ndarray:
    """Bitstrings (n^2,) or (S, n^2) as a batch of assignment matrices (S, n, n)."""
    X = np.atleast_2d(np.asarray(X))
    if X.shape[1] != n * n:
        raise ValueError(f"expected {n * n} variables, got {X.shape[1]}")
    return X.reshape(X.shape[0], n, n)


def onehot(perms: np.ndarray, n: int | None = None) -> np.ndarray:
    """Permutations (n,) or (S, n) as one-hot bitstrings (S, n^2) with x[i*n + p[i]] = 1."""
    P = np.atleast_2d(np.asarray(perms, dtype=np.int64))
    S, m = P.shape
    n = m if n is None else n
    X = np.zeros((S, m, n), dtype=np.uint8)
    X[np.arange(S)[:, None], np.arange(m)[None, :], P] = 1
    return X.reshape(S, m * n)


def assignment_violation(X: np.ndarray, n: int) -> np.ndarray:
    """Sum over rows and columns of |count - 1|: zero exactly for permutation matrices."""
    M = assignment_matrices(X, n).astype(np.int64)
    return (np.abs(M.sum(axis=2) - 1).sum(axis=1) + np.abs(M.sum(axis=1) - 1).sum(axis=1)).astype(float)


def decode_exact(x: np.ndarray, n: int) -> np.ndarray | None:
    """The permutation a valid one-hot bitstring encodes, or None if it encodes none."""
    M = assignment_matrices(x, n)[0]
    if not (M.sum(axis=0) == 1).all() or not (M.sum(axis=1) == 1).all():
        return None
    return M.argmax(axis=1).astype(np.int64)


def decode_partial(x: np.ndarray, n: int) -> list[int]:
    """Slot of each item, -1 where the item's row does not hold exactly one 1 (an honest view of an
    infeasible sample)."""
    M = assignment_matrices(x, n)[0]
    rows = M.sum(axis=1)
    return [int(M[i].argmax()) if rows[i] == 1 else -1 for i in range(n)]


def nearest_permutation(x: np.ndarray, n: int) -> np.ndarray:
    """The permutation whose one-hot encoding agrees with x in the most positions (a linear assignment
    problem: maximise the number of kept ones)."""
    M = assignment_matrices(x, n)[0].astype(float)
    rows, cols = linear_sum_assignment(M, maximize=True)
    perm = np.empty(n, dtype=np.int64)
    perm[rows] = cols
    return perm


def inverse_permutation(perm: np.ndarray) -> np.ndarray:
    perm = np.asarray(perm, dtype=np.int64)
    inv = np.empty_like(perm)
    inv[perm] = np.arange(perm.shape[0])
    return inv


def assignment_equalities(n: int) -> tuple[np.ndarray, np.ndarray]:
    """A_eq, b_eq for 'each row sums to one' (n rows) then 'each column sums to one' (n rows)."""
    eye = np.eye(n)
    rows = np.kron(eye, np.ones((1, n)))
    cols = np.kron(np.ones((1, n)), eye)
    return np.vstack([rows, cols]), np.ones(2 * n)


def swap_neighbours(perm: np.ndarray) -> np.ndarray:
    """All permutations one transposition away from perm, shape (n(n-1)/2, n)."""
    n = perm.shape[0]
    a, b = np.triu_indices(n, 1)
    P = np.repeat(perm[None, :], a.shape[0], axis=0)
    rows = np.arange(a.shape[0])
    P[rows, a], P[rows, b] = perm[b], perm[a]
    return P


def all_permutations(n: int) -> np.ndarray:
    """All n! permutations of range(n) as an (n!, n) int8 array, built level by level (no Python loop
    over permutations). Meant for n <= 10 (3.6M rows)."""
    perms = np.zeros((1, 0), dtype=np.int8)
    for size in range(1, n + 1):
        # insert value size-1 at every position of each permutation of range(size-1)
        count = perms.shape[0]
        out = np.empty((count * size, size), dtype=np.int8)
        for pos in range(size):
            block = out[pos * count:(pos + 1) * count]
            block[:, :pos] = perms[:, :pos]
            block[:, pos] = size - 1
            block[:, pos + 1:] = perms[:, pos:]
        perms = out
    return perms


class LazyModel:
    """Mixin: build the (possibly large, dense n^4-entry) BinaryModel only when something asks for it.

    The problem's own objective/violation work on the instance data directly, so reading a 100-city
    TSPLIB file does not allocate a 9801 x 9801 quadratic matrix unless a formulation needs it.
    Subclasses implement ``_build_model()``.
    """

    _model: BinaryModel | None = None

    @property
    def model(self) -> BinaryModel:
        if self._model is None:
            self._model = self._build_model()
        return self._model

    @model.setter
    def model(self, value: BinaryModel | None) -> None:
        self._model = value

    def _build_model(self) -> BinaryModel:  # pragma: no cover - abstract
        raise NotImplementedError
