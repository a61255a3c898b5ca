"""Property tests (hypothesis) for every instance/solution reader and the config loader:
arbitrary input -> a result or a QbenchError, never another exception; valid data round-trips."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qbench.errors import QbenchError
from qbench.problems import marketsplit, mdkp, mis, qap, tsp, tsplib
from qbench.problems.graphs import read_vertex_set
from qbench.runner.config import load_config
from qbench.verify.readers import read_file as verify_read

# QBENCH_FUZZ_EXAMPLES=2000 for a longer hunt
SETTINGS = settings(max_examples=int(os.environ.get("QBENCH_FUZZ_EXAMPLES", 60)), deadline=None, suppress_health_check=[HealthCheck.too_slow])
_DIR = Path(tempfile.mkdtemp(prefix="qbench-fuzz-"))
atexit.register(shutil.rmtree, _DIR, ignore_errors=True)


def _file(data: bytes | str, suffix: str) -> Path:
    """A fresh folder per example: readers look for sidecar files (a .sln or .opt.sol beside the instance)."""
    path = Path(tempfile.mkdtemp(dir=_DIR)) / f"case{suffix}"
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


READERS = {
    ".dat-mdkp": (".dat", mdkp.read), ".txt-mdkp": (".txt", mdkp.read), "mkcbres": (".txt", mdkp.read_mkcbres),
    "gph": (".gph", mis.read), "qap": (".dat", qap.read), "qap-sln": (".sln", qap.read_solution),
    "tsp": (".tsp", tsp.read), "atsp": (".atsp", tsp.read), "tour": (".tour", tsplib.read_tour),
    "ms": (".dat", marketsplit.read), "ms-sol": (".sol", lambda p: marketsplit.read_solution(p, 4)),
    "vertex-set": (".sol", lambda p: read_vertex_set(p, 10)),
}

# Text made of the pieces these formats are built from, so examples get past the first token.
_PIECES = st.sampled_from(["0", "1", "2", "3", "-1", "7", "1e300", "nan", "2.5", "e", "p", "edge", "c", "#",
                           "NAME:", "DIMENSION:", "3", "TYPE:", "TSP", "EDGE_WEIGHT_TYPE:", "EXPLICIT", "EUC_2D",
                           "EDGE_WEIGHT_FORMAT:", "FULL_MATRIX", "EDGE_WEIGHT_SECTION", "NODE_COORD_SECTION",
                           "TOUR_SECTION", "EOF", "problem", "A.DAT", "+++", "x#1", "5.100-00", ",", "\n", " "])
TEXTY = st.lists(_PIECES, max_size=60).map(" ".join)


def _only_user_errors(reader, path):
    try:
        reader(path)
    except QbenchError:
        pass


@SETTINGS
@given(st.sampled_from(sorted(READERS)), st.one_of(TEXTY, st.binary(max_size=200), st.text(max_size=200)))
def test_readers_raise_only_user_errors(which, data):
    suffix, reader = READERS[which]
    _only_user_errors(reader, _file(data, suffix))


small_ints = st.integers(min_value=0, max_value=1000)


@SETTINGS
@given(st.integers(1, 6), st.integers(1, 4), st.data())
def test_mdkp_sac_round_trip(n, m, data):
    p = data.draw(st.lists(small_ints, min_size=n, max_size=n))
    r = data.draw(st.lists(small_ints, min_size=n * m, max_size=n * m))
    b = data.draw(st.lists(small_ints, min_size=m, max_size=m))
    text = f"{n} {m} 0\n{' '.join(map(str, p))}\n{' '.join(map(str, r))}\n{' '.join(map(str, b))}\n"
    path = _file(text, ".dat")
    (prob,) = mdkp.read(path)
    assert prob.profits.tolist() == p and prob.weights.reshape(-1).tolist() == r and prob.capacities.tolist() == b
    (mine,) = verify_read(path, "mdkp")  # the verifier's independent reader agrees
    assert np.array_equal(mine.weights, prob.weights) and np.array_equal(mine.capacities, prob.capacities)


@SETTINGS
@given(st.integers(2, 8), st.data())
def test_dimacs_round_trip(n, data):
    pairs = [(u, v) for u in range(1, n + 1) for v in range(u + 1, n + 1)]
    edges = data.draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs)))
    text = f"c fuzz\np edge {n} {len(edges)}\n" + "".join(f"e {u} {v}\n" for u, v in edges)
    path = _file(text, ".gph")
    (g,) = mis.read(path)
    assert g.num_vertices == n
    (mine,) = verify_read(path, "mis")
    assert mine.n == n and sorted(map(tuple, mine.edges.tolist())) == sorted(map(tuple, np.asarray(g.edges).tolist()))
    assert sorted(map(tuple, (np.asarray(g.edges) + 1).tolist())) == sorted(edges)


@SETTINGS
@given(st.integers(2, 5), st.data())
def test_qap_round_trip(n, data):
    A = data.draw(st.lists(small_ints, min_size=n * n, max_size=n * n))
    B = data.draw(st.lists(small_ints, min_size=n * n, max_size=n * n))
    text = f"{n}\n\n{' '.join(map(str, A))}\n\n{' '.join(map(str, B))}\n"
    path = _file(text, ".dat")
    (prob,) = qap.read(path)
    (mine,) = verify_read(path, "qap")
    assert np.array_equal(mine.flow, prob.flow) and np.array_equal(mine.distance, prob.distance)
    assert prob.flow.reshape(-1).tolist() == A and prob.distance.reshape(-1).tolist() == B


@SETTINGS
@given(st.integers(3, 6), st.data())
def test_tsplib_full_matrix_round_trip(n, data):
    W = data.draw(st.lists(st.integers(1, 999), min_size=n * n, max_size=n * n))
    rows = "\n".join(" ".join(map(str, W[i * n:(i + 1) * n])) for i in range(n))
    text = (f"NAME: f\nTYPE: ATSP\nDIMENSION: {n}\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: FULL_MATRIX\n"
            f"EDGE_WEIGHT_SECTION\n{rows}\nEOF\n")
    path = _file(text, ".atsp")
    (prob,) = tsp.read(path)
    (mine,) = verify_read(path, "tsp")
    expect = np.array(W, dtype=float).reshape(n, n)
    off = ~np.eye(n, dtype=bool)
    assert np.array_equal(prob.weights[off], expect[off]) and np.array_equal(mine.weights[off], expect[off])


@SETTINGS
@given(st.integers(1, 4), st.integers(1, 6), st.data())
def test_marketsplit_round_trip(m, n, data):
    A = [data.draw(st.lists(small_ints, min_size=n + 1, max_size=n + 1)) for _ in range(m)]
    text = "# h\n" * 8 + f"{m} {n}\n" + "".join(" ".join(map(str, row)) + "\n" for row in A)
    path = _file(text, ".dat")
    (prob,) = marketsplit.read(path)
    (mine,) = verify_read(path, "marketsplit")
    assert np.array_equal(mine.A, prob.A) and np.array_equal(mine.b, prob.b)
    assert prob.A.tolist() == [row[:n] for row in A] and prob.b.tolist() == [row[n] for row in A]


@SETTINGS
@given(st.integers(2, 7), st.sampled_from(["EUC_2D", "CEIL_2D", "ATT", "GEO"]), st.data())
def test_tsplib_coordinates_agree_with_the_verifier(n, ewt, data):
    coord = st.integers(-9000, 9000) if ewt == "GEO" else st.integers(0, 5000)
    pts = [(data.draw(coord) / 100, data.draw(coord) / 100) for _ in range(n)]
    body = "".join(f"{i + 1} {x:.2f} {y:.2f}\n" for i, (x, y) in enumerate(pts))
    text = f"NAME: c\nTYPE: TSP\nDIMENSION: {n}\nEDGE_WEIGHT_TYPE: {ewt}\nNODE_COORD_SECTION\n{body}EOF\n"
    path = _file(text, ".tsp")
    (prob,) = tsp.read(path)
    (mine,) = verify_read(path, "tsp")
    off = ~np.eye(n, dtype=bool)
    assert np.array_equal(prob.weights[off], mine.weights[off])


# ---- the config loader ----------------------------------------------------------------------------
_KEYS = ["name", "instances", "solvers", "formulations", "seeds", "time_limit", "repair", "skip_too_large",
         "description", "data_dir", "file", "glob", "generate", "params", "problem", "optional", "label",
         "solver", "n", "m", "seed", "num_reads", "reps", "multiplier", "penalty"]
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 50), st.floats(allow_nan=True),
                     st.sampled_from(["mdkp", "mis", "qap", "tsp", "greedy", "annealing", "slack", "qaoa",
                                      "exact", "x", "", "mdkp/pet1.dat", "*.dat", "bundle"]))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(_KEYS), inner, max_size=4)), max_leaves=12)


@SETTINGS
@given(st.dictionaries(st.sampled_from(_KEYS), _VALUES, max_size=6))
def test_config_loader_raises_only_config_errors(raw):
    path = _file(yaml.safe_dump(raw), ".yaml")
    try:
        load_config(path)
    except QbenchError as exc:
        assert str(path) in str(exc)


@SETTINGS
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_config_loader_on_arbitrary_text(data):
    path = _file(data, ".yaml")
    try:
        load_config(path)
    except QbenchError as exc:
        assert str(path) in str(exc)
