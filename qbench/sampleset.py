"""SampleSet: the one result type of every solver, quantum or classical (after dimod's SampleSet).

Rows are distinct bitstrings with a probability each (shot frequency for sampled solvers, exact
probability for statevector readout, 1.0 for a single classical answer) and an energy. ``info`` carries
solver metadata (evaluations, circuit depth, solver status, bounds, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


@dataclass
class SampleSet:
    samples: np.ndarray            # (S, n) uint8
    probabilities: np.ndarray      # (S,), sums to 1
    energies: np.ndarray           # (S,)
    info: dict[str, Any] = field(default_factory=dict)
    shots: int | None = None       # number of shots the probabilities come from (None: exact)

    def __post_init__(self) -> None:
        self.samples = np.atleast_2d(np.asarray(self.samples, dtype=np.uint8))
        S = self.samples.shape[0]
        self.probabilities = np.asarray(self.probabilities, dtype=float).reshape(S)
        self.energies = np.asarray(self.energies, dtype=float).reshape(S)

    # ---- construction -------------------------------------------------------------------------
    @classmethod
    def from_samples(cls, X: np.ndarray, energy: Callable[[np.ndarray], np.ndarray] | np.ndarray,
                     weights: np.ndarray | None = None, info: dict | None = None,
                     shots: int | None = None) -> "SampleSet":
        """Aggregate raw samples (repeats allowed) into distinct rows with probabilities."""
        X = np.atleast_2d(np.asarray(X, dtype=np.uint8))
        w = np.ones(X.shape[0]) if weights is None else np.asarray(weights, dtype=float)
        uniq, inverse = _unique_rows(X)
        p = np.bincount(inverse, weights=w, minlength=uniq.shape[0])
        p = p / p.sum() if p.sum() > 0 else np.full(len(p), 1.0 / len(p))
        if callable(energy):
            e = np.asarray(energy(uniq), dtype=float)
        else:
            e_raw = np.asarray(energy, dtype=float)
            e = np.zeros(uniq.shape[0])
            e[inverse] = e_raw
        return cls(uniq, p, e, dict(info or {}), shots).sorted()

    @classmethod
    def single(cls, x: np.ndarray, energy: float, info: dict | None = None) -> "SampleSet":
        return cls(np.asarray(x, dtype=np.uint8)[None, :], np.ones(1), np.array([energy]), dict(info or {}))

    # ---- views ----------------------------------------------------------------------------------
    @property
    def num_variables(self) -> int:
        return self.samples.shape[1]

    def __len__(self) -> int:
        return self.samples.shape[0]

    def sorted(self) -> "SampleSet":
        """Rows by increasing energy, ties broken by decreasing probability."""
        order = np.lexsort((-self.probabilities, self.energies))
        return SampleSet(self.samples[order], self.probabilities[order], self.energies[order], self.info, self.shots)

    def lowest(self) -> tuple[np.ndarray, float]:
        i = int(np.argmin(self.energies))
        return self.samples[i], float(self.energies[i])

    def most_likely(self) -> tuple[np.ndarray, float]:
        i = int(np.argmax(self.probabilities))
        return self.samples[i], float(self.probabilities[i])

    def top(self, k: int) -> "SampleSet":
        """The k most probable rows (ties to lower energy)."""
        order = np.lexsort((self.energies, -self.probabilities))[:k]
        return SampleSet(self.samples[order], self.probabilities[order], self.energies[order], self.info, self.shots)

    def project(self, columns: slice | np.ndarray, energy: Callable[[np.ndarray], np.ndarray] | None = None,
                ) -> "SampleSet":
        """Keep some columns (e.g. drop slack bits), merging rows that become equal. Energies are
        recomputed with ``energy`` when given, otherwise the lowest energy of the merged rows is kept."""
        X = self.samples[:, columns]
        uniq, inverse = _unique_rows(X)
        p = np.bincount(inverse, weights=self.probabilities, minlength=uniq.shape[0])
        if energy is not None:
            e = np.asarray(energy(uniq), dtype=float)
        else:
            e = np.full(uniq.shape[0], np.inf)
            np.minimum.at(e, inverse, self.energies)
        return SampleSet(uniq, p, e, dict(self.info), self.shots).sorted()

    def to_pandas(self):
        import pandas as pd

        return pd.DataFrame({
            "bitstring": ["".join(map(str, row)) for row in self.samples],
            "probability": self.probabilities,
            "energy": self.energies,
        })


def _unique_rows(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct rows, index of each row's distinct row). Rows of up to 63 bits are packed into one
    integer key first: ``np.unique(axis=0)`` sorts rows as opaque records, ~50x slower."""
    n = X.shape[1]
    if 0 < n <= 63:
        keys = X.astype(np.int64) @ (np.int64(1) << np.arange(n, dtype=np.int64))
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        return X[first], inverse.reshape(-1)
    uniq, inverse = np.unique(X, axis=0, return_inverse=True)
    return uniq, inverse.reshape(-1)
