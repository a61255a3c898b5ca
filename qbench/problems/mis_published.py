"""Published independence numbers of graphs that ship without a solution file.

N.J.A. Sloane, "Challenge Problems: Independent Sets in Graphs" (https://oeis.org/A265032/a265032.html)
gives alpha for the ``1tc.N`` / ``1et.N`` code graphs (the copies used in arXiv 2503.12121). Each entry
carries the graph's size and one maximum independent set (1-based, as listed in the data directory's
``mis/SOURCES.md``), so an optimum is attached only to a file that *is* that graph: same vertex and
edge counts and the witness independent in it. A file that merely shares the name gets none.
"""

from __future__ import annotations

import numpy as np

from qbench.problems.base import Optimum

SOURCE = "Sloane, Challenge Problems: Independent Sets in Graphs (OEIS A265032)"

#: name -> (vertices, edges, alpha, one maximum independent set, 1-based)
SLOANE: dict[str, tuple[int, int, int, tuple[int, ...]]] = {
    "1tc.8": (8, 6, 4, (1, 5, 7, 8)),
    "1tc.16": (16, 22, 8, (1, 2, 4, 8, 9, 13, 15, 16)),
    "1tc.32": (32, 68, 12, (1, 2, 4, 8, 15, 16, 17, 18, 25, 29, 31, 32)),
    "1tc.64": (64, 192, 20, (1, 2, 4, 8, 11, 15, 16, 29, 31, 32, 33, 34, 36, 49, 50, 52, 57, 61, 63, 64)),
    "1et.64": (64, 264, 18, (1, 2, 7, 8, 9, 15, 16, 21, 29, 32, 34, 36, 50, 54, 57, 60, 61, 64)),
}


def published_optimum(problem) -> Optimum | None:
    """The published alpha of ``problem`` (an :class:`~qbench.problems.mis.MIS`) if it is one of the
    graphs above, checked against its witness; None otherwise."""
    entry = SLOANE.get(problem.name)
    if entry is None:
        return None
    n, m, alpha, witness = entry
    if problem.num_vertices != n or len(problem.edges) != m or len(witness) != alpha:
        return None
    x = np.zeros(n, dtype=np.uint8)
    x[np.asarray(witness) - 1] = 1
    if problem.violation(x)[0] != 0:
        return None
    return Optimum(float(alpha), "proven", source=SOURCE)
