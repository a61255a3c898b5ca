"""MIS: DIMACS / Sloane readers, solution files, orientation, generator, repair, greedy, evaluation."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from qbench.problems import mis
from qbench.problems.graphs import read_vertex_set, write_dimacs, write_vertex_set
from qbench.problems.mis import MIS

# name: (vertices, edges, alpha, optimum status: from a solution file, or Sloane's published value), from SOURCES.md
GRAPHS = {
    "1tc.8": (8, 6, 4, "proven"), "1tc.16": (16, 22, 8, "proven"), "farm": (17, 39, 10, "proven"),
    "mammalia-kangaroo-interactions": (17, 91, 4, "proven"), "1tc.32": (32, 68, 12, "proven"),
    "karate": (34, 78, 20, "proven"), "football": (35, 118, 16, "proven"), "chesapeake": (39, 170, 17, "proven"),
    "MANN-a9": (45, 918, 3, "proven"), "aves-sparrow-social": (52, 454, 13, "proven"),
    "1et.64": (64, 264, 18, "proven"), "1tc.64": (64, 192, 20, "proven"), "hamming6-2": (64, 1824, 2, "proven"),
    "hamming6-4": (64, 704, 12, "proven"), "sloane_1dc_64": (64, 543, 10, "proven"),
    "es60fst03": (113, 142, 55, "proven"), "johnson16-2-4": (120, 5460, 15, "proven"),
    "es60fst01": (123, 159, 60, "proven"), "C125-9": (125, 787, 34, "proven"),
    "sloane_1dc_128": (128, 1471, 16, "proven"), "insecta-ant-colony3-day09": (160, 8883, 9, "proven"),
    "es60fst04": (162, 238, 78, "proven"), "keller4": (171, 5100, 11, "proven"),
    "es60fst02": (186, 280, 88, "proven"), "brock200-1": (200, 14834, 6, "proven"),
    "brock200-2": (200, 10024, 12, "proven"), "brock200-3": (200, 12048, 9, "proven"),
    "brock200-4": (200, 13089, 8, "proven"), "c-fat200-1": (200, 1534, 18, "proven"),
    "gen200_p0-9_44": (200, 1990, 44, "proven"), "brock400-1": (400, 20077, 27, "proven"),
    "C500-9": (500, 12418, 57, "best-known"), "R_500_005_1": (500, 6256, 91, "best-known"),
}
# One maximum independent set of each Sloane graph (1-based), from SOURCES.md "Paper instances".
SLOANE_SETS = {
    "1tc.8": [1, 5, 7, 8],
    "1tc.16": [1, 2, 4, 8, 9, 13, 15, 16],
    "1tc.32": [1, 2, 4, 8, 15, 16, 17, 18, 25, 29, 31, 32],
    "1tc.64": [1, 2, 4, 8, 11, 15, 16, 29, 31, 32, 33, 34, 36, 49, 50, 52, 57, 61, 63, 64],
    "1et.64": [1, 2, 7, 8, 9, 15, 16, 21, 29, 32, 34, 36, 50, 54, 57, 60, 61, 64],
}


def graph_files(data_dir):
    folder = data_dir / "mis"
    return sorted(folder.glob("*.gph")) + sorted(folder.glob("*.txt"))


def vector(problem: MIS, one_based) -> np.ndarray:
    x = np.zeros(problem.num_vertices, dtype=np.uint8)
    x[np.asarray(one_based) - 1] = 1
    return x


def brute_force(problem: MIS) -> int:
    X = np.array(list(itertools.product([0, 1], repeat=problem.num_vertices)), dtype=np.uint8)
    return int(np.where(problem.is_feasible(X), problem.objective(X), -1).max())


# ---- the shared files -----------------------------------------------------------------------------
def test_every_graph_file_parses_with_its_published_size_and_optimum(data_dir):
    files = graph_files(data_dir)
    assert {mis.instance_name(f) for f in files} == set(GRAPHS)
    for f in files:
        assert mis.sniff(f, f.read_text()), f
        [p] = mis.read(f)
        n, E, alpha, status = GRAPHS[p.name]
        assert (p.num_vertices, len(p.edges)) == (n, E), p.name
        assert p.describe()["vertices"] == n and p.describe()["edges"] == E
        if status is None:
            assert p.optimum is None  # no solution file and no published value
        else:
            assert (p.optimum.value, p.optimum.status) == (alpha, status), p.name
        assert p._model is None  # reading never builds the dense model


def test_sloane_graphs_take_n_from_the_p_line_and_are_one_based(data_dir):
    [p] = mis.read(data_dir / "mis" / "1tc.64.txt")
    degrees = p.degrees
    assert p.num_vertices == 64 and degrees[0] == 0 and degrees[63] == 0
    # words of length k=6 split into k+1 = 7 Hamming-weight classes; weights 0 and 6 are the isolated ends
    assert nx.number_connected_components(p.graph) == 7
    for name, chosen in SLOANE_SETS.items():
        [q] = mis.read(data_dir / "mis" / f"{name}.txt")
        x = vector(q, chosen)
        assert q.is_feasible(x)[0] and q.objective(x)[0] == GRAPHS[name][2]
        shifted = np.roll(x, -1)  # read as 0-based by mistake: no longer independent
        assert not q.is_feasible(shifted)[0] or name == "1tc.8"


def test_published_solution_files_score_their_stated_objective(data_dir):
    checked = 0
    for f in graph_files(data_dir):
        [p] = mis.read(f)
        for sol, status in mis.solution_files(f):
            x = mis.read_solution(sol, p)
            assert p.is_feasible(x)[0], sol
            _, stated = read_vertex_set(sol, p.num_vertices)
            assert p.objective(x)[0] == GRAPHS[p.name][2]
            assert stated in (None, GRAPHS[p.name][2])
            checked += 1
    assert checked == 28


def test_headerless_and_header_solution_files(data_dir):
    ids, stated = read_vertex_set(data_dir / "mis" / "brock400-1.opt.sol")
    assert stated is None and len(ids) == 27 and ids.min() >= 0
    ids, stated = read_vertex_set(data_dir / "mis" / "farm.opt.sol")
    assert stated == 10 and ids.tolist() == [4, 7, 8, 10, 11, 12, 13, 14, 15, 16]


def test_complement_option_for_the_orientation_pitfall(data_dir):
    path = data_dir / "mis" / "MANN-a9.gph"
    [p] = mis.read(path)
    [c] = mis.read(path, complement=True)
    assert c.name == "MANN-a9-complement" and c.optimum is None
    assert len(c.edges) == 45 * 44 // 2 - 918
    both = {tuple(e) for e in p.edges} | {tuple(e) for e in c.edges}
    assert len(both) == 45 * 44 // 2


def test_solution_that_is_not_independent_is_reported(tmp_path):
    write_dimacs(tmp_path / "g.gph", 3, np.array([[0, 1], [1, 2]]))
    write_vertex_set(tmp_path / "g.opt.sol", [0, 1])
    from qbench.errors import InstanceFormatError

    with pytest.raises(InstanceFormatError, match="g.opt.sol.*not an independent set"):
        mis.read(tmp_path / "g.gph")


def test_write_and_read_round_trip(tmp_path):
    p = mis.generate(12, 0.3, seed=4)
    write_dimacs(tmp_path / "r.gph", p.num_vertices, p.edges, comment="generated")
    x = p.greedy()
    write_vertex_set(tmp_path / "r.bst.sol", np.flatnonzero(x))
    [q] = mis.read(tmp_path / "r.gph")
    assert np.array_equal(q.edges, p.edges)
    assert q.optimum.status == "best-known" and q.optimum.value == p.objective(x)[0]


def test_duplicates_may_be_merged_on_request(tmp_path):
    path = tmp_path / "d.col"
    path.write_text("p edge 3 3\ne 1 2\ne 2 1\ne 2 3\n")
    [p] = mis.read(path, allow_duplicates=True)
    assert len(p.edges) == 2


# ---- model and evaluation -------------------------------------------------------------------------
def test_edge_array_evaluation_matches_the_binary_model():
    p = mis.generate(30, 0.2, seed=1)
    X = np.random.default_rng(0).integers(0, 2, size=(200, 30), dtype=np.uint8)
    model = p.model
    assert model.A_ub.shape == (len(p.edges), 30) and model.sense == "max"
    assert np.array_equal(p.objective(X), model.objective(X))
    assert np.array_equal(p.violation(X), model.violation(X))
    assert p.objective(X[0]).shape == (1,)


def test_big_graph_evaluation_without_dense_model():
    p = mis.generate(2000, 0.05, seed=0)
    X = np.random.default_rng(1).integers(0, 2, size=(64, 2000), dtype=np.uint8)
    v = p.violation(X)
    assert v.shape == (64,) and (v > 0).all()
    assert p._model is None


def test_from_graph_relabels_and_exposes_networkx():
    g = nx.Graph([("b", "c"), ("a", "b")])
    p = MIS.from_graph("abc", g)
    assert p.num_vertices == 3 and sorted(map(tuple, p.edges.tolist())) == [(0, 1), (1, 2)]
    assert set(p.graph.nodes) == {0, 1, 2} and p.graph.number_of_edges() == 2
    assert p.solution_repr(np.array([1, 0, 1])) == [1, 3]


# ---- generator ------------------------------------------------------------------------------------
def test_generator_is_deterministic_and_gnp_shaped():
    a, b, c = mis.generate(60, 0.3, seed=5), mis.generate(60, 0.3, seed=5), mis.generate(60, 0.3, seed=6)
    assert np.array_equal(a.edges, b.edges) and not np.array_equal(a.edges, c.edges)
    assert 0.22 < a.describe()["density"] < 0.38
    co = mis.generate(60, 0.3, seed=5, complement=True)
    assert len(co.edges) + len(a.edges) == 60 * 59 // 2
    assert a.optimum is None and a.name == "gnp-n60-p0.3-s5"


def test_generator_rejects_bad_parameters():
    from qbench.errors import QbenchError

    for kwargs in ({"n": 0, "p": 0.5}, {"n": 5, "p": 1.5}, {"n": 5, "p": -0.1}):
        with pytest.raises(QbenchError):
            mis.generate(**kwargs)


# ---- repair, improve, greedy ----------------------------------------------------------------------
def test_repair_is_feasible_maximal_and_keeps_independent_input(data_dir):
    rng = np.random.default_rng(2)
    problems = [mis.generate(40, p, seed=s) for p in (0.05, 0.3, 0.8) for s in range(2)]
    problems += [mis.read(data_dir / "mis" / name)[0] for name in ("karate.gph", "1tc.32.txt", "keller4.gph")]
    for p in problems:
        X = rng.integers(0, 2, size=(30, p.num_vertices), dtype=np.uint8)
        X[0] = 1
        for x in X:
            y = p.repair(x)
            assert p.is_feasible(y)[0], p.name
            free = (y == 0) & (p.adjacency @ y == 0)
            assert not free.any()  # maximal
            if p.is_feasible(x)[0]:
                assert np.all(y >= x)


def test_improve_only_grows_independent_sets():
    p = mis.generate(50, 0.1, seed=9)
    for seed in range(10):
        x = p.repair(np.random.default_rng(seed).integers(0, 2, 50))
        y = p.improve(x)
        assert p.is_feasible(y)[0] and y.sum() >= x.sum()
    bad = np.ones(50, dtype=np.uint8)
    assert np.array_equal(p.improve(bad), bad)


def test_one_two_swap_escapes_a_star_centre():
    star = MIS("star", 4, [(0, 1), (0, 2), (0, 3)])
    centre = np.array([1, 0, 0, 0], dtype=np.uint8)
    assert star.repair(centre).tolist() == [1, 0, 0, 0]  # maximal already
    assert star.improve(centre).tolist() == [0, 1, 1, 1]


def test_greedy_against_brute_force_on_tiny_graphs():
    ratios = []
    for seed in range(30):
        p = mis.generate(12, [0.2, 0.4, 0.6][seed % 3], seed=seed)
        alpha = brute_force(p)
        g = p.greedy()
        assert p.is_feasible(g)[0] and p.objective(g)[0] <= alpha
        ratios.append(p.objective(g)[0] / alpha)
    assert np.mean(ratios) > 0.95


def test_greedy_is_optimal_on_the_sloane_paper_graphs(data_dir):
    for name in SLOANE_SETS:
        [p] = mis.read(data_dir / "mis" / f"{name}.txt")
        assert p.objective(p.greedy())[0] == GRAPHS[name][2]


def test_auto_detection_picks_mis_for_every_shared_graph(data_dir):
    """Cross-check against every other kind's sniffer: none may claim an MIS file."""
    from qbench.problems import detect_kind

    try:
        kinds = {f.name: detect_kind(f) for f in graph_files(data_dir)}
    except ImportError as exc:  # another kind's module not there yet
        pytest.skip(f"not every problem kind is importable: {exc}")
    assert set(kinds.values()) == {"mis"}, kinds
