from __future__ import annotations

import itertools

import numpy as np
import pytest

from qbench.problems import tsp, tsplib
from qbench.problems.permutation import onehot

# Proven optima from the instance set's SOURCES.md (TSPLIB tables).
PUBLISHED = {"ulysses16": 6859, "br17": 39, "gr17": 2085, "gr21": 2707, "ulysses22": 7013, "fri26": 937,
             "bays29": 2020, "ftv33": 1286, "dantzig42": 699, "swiss42": 1273, "p43": 5620, "att48": 10628,
             "gr48": 5046, "hk48": 11461, "ry48p": 14422, "eil51": 426, "berlin52": 7542, "ft53": 6905,
             "brazil58": 25395, "st70": 675, "eil76": 538, "pr76": 108159, "gr96": 55209, "rat99": 1211,
             "kro124p": 36230, "kroA100": 21282, "kroC100": 20749, "kroD100": 21294, "rd100": 7910}


def tsp_files(data_dir):
    files = sorted((data_dir / "tsp").glob("*.tsp")) + sorted((data_dir / "tsp").glob("*.atsp"))
    if not files:
        pytest.skip("no TSPLIB files")
    return files


def brute_force(W):
    n = W.shape[0]
    best = np.inf
    for rest in itertools.permutations(range(1, n)):
        t = (0, *rest)
        best = min(best, sum(W[t[i], t[(i + 1) % n]] for i in range(n)))
    return best


def test_every_tsplib_file_parses(data_dir):
    for path in tsp_files(data_dir):
        assert tsp.sniff(path, path.read_text()), path.name
        [p] = tsp.read(path)
        assert p.weights.shape == (p.n, p.n) and (np.diag(p.weights) == 0).all()
        assert p.symmetric == path.name.endswith(".tsp"), path.name
        assert p.optimum is not None and p.optimum.status == "proven", path.name
        if p.name in PUBLISHED:
            assert p.optimum.value == PUBLISHED[p.name]


def test_opt_tours_score_the_published_optimum(data_dir):
    tours = sorted((data_dir / "tsp").glob("*.opt.tour"))
    if not tours:
        pytest.skip("no tours")
    for tour_file in tours:
        name = tour_file.name.split(".")[0]
        [p] = tsp.read(tour_file.with_name(f"{name}.tsp"))
        tour = tsplib.read_tour(tour_file, p.n)
        assert sorted(tour) == list(range(p.n))
        assert p.tour_cost(tour)[0] == PUBLISHED.get(name, p.optimum.value), name  # GEO/ATT/EUC_2D/EXPLICIT
        if p.n <= 30:  # through the binary encoding too
            x = p.encode(tour)
            assert p.is_feasible(x)[0] and p.objective(x)[0] == p.optimum.value


@pytest.mark.parametrize("name", ["ulysses16.tsp", "gr17.tsp", "br17.atsp"])
def test_held_karp_matches_published_optimum(data_dir, name):
    path = data_dir / "tsp" / name
    if not path.exists():
        pytest.skip(f"{name} not in this copy of the instance set")
    [p] = tsp.read(path)
    result = p.solve_dedicated()
    assert result.info["status"] == "optimal"
    assert result.energies[0] == p.optimum.value
    assert p.objective(result.samples)[0] == p.optimum.value and p.is_feasible(result.samples)[0]


@pytest.mark.parametrize("seed", range(8))
def test_held_karp_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = 3 + seed % 6                         # 3..8 cities
    W = rng.integers(1, 100, (n, n)).astype(float)
    if seed % 2 == 0:
        W = W + W.T
    value, tour = tsp.held_karp(W)
    assert sorted(tour) == list(range(n)) and tour[0] == 0
    assert value == brute_force(W)
    p = tsp.TSPProblem("t", W)
    assert p.tour_cost(tour)[0] == value


@pytest.mark.parametrize("file,k,seed", [("gr17.tsp", 6, None), ("br17.atsp", 7, None), ("ulysses16.tsp", 8, 3),
                                         ("bays29.tsp", 7, 1), ("att48.tsp", 6, 2), ("ftv33.atsp", 8, 5)])
def test_subinstances_have_exact_optima(data_dir, file, k, seed):
    path = data_dir / "tsp" / file
    if not path.exists():
        pytest.skip(f"{file} not in this copy of the instance set")
    [full] = tsp.read(path)
    sub = tsp.subinstance(full, k, seed=seed)
    assert sub.n == k and sub.num_variables == (k - 1) ** 2
    assert sub.optimum.status == "computed"
    assert sub.optimum.value == brute_force(sub.weights)
    ids = np.array(sub.city_ids) - 1
    assert np.array_equal(sub.weights, full.weights[np.ix_(ids, ids)])
    if seed is None:
        assert sub.city_ids == list(range(1, k + 1))
    result = sub.solve_dedicated()
    assert result.energies[0] == sub.optimum.value
    # the config route: generate(file=..., k=...) gives the same sub-instance
    again = tsp.generate(file=path, k=k, seed=seed)
    assert again.name == sub.name and np.array_equal(again.weights, sub.weights)


def test_subinstance_modes_and_errors(data_dir):
    p = tsp.generate(n=10, seed=0)
    assert tsp.subinstance(p, 4).city_ids == [1, 2, 3, 4]
    a, b = tsp.subinstance(p, 5, seed=7), tsp.subinstance(p, 5, seed=7, mode="random")
    assert a.city_ids == b.city_ids and a.name == b.name == "tsp-n10-s0-k5-s7"
    assert tsp.subinstance(p, 5, mode="random").city_ids == tsp.subinstance(p, 5, seed=0).city_ids
    from qbench.errors import ConfigError
    with pytest.raises(ConfigError):
        tsp.subinstance(p, 11)
    with pytest.raises(ConfigError):
        tsp.subinstance(p, 4, mode="middle")
    with pytest.raises(ConfigError):
        tsp.generate(n=5, k=3)


def test_generator_is_deterministic_per_seed():
    a, b, c = tsp.generate(n=9, seed=3), tsp.generate(n=9, seed=3), tsp.generate(n=9, seed=4)
    assert np.array_equal(a.weights, b.weights) and not np.array_equal(a.weights, c.weights)
    assert a.symmetric and a.optimum.value == brute_force(a.weights)
    big = tsp.generate(n=tsp.HELD_KARP_MAX_N + 1, seed=0)
    assert big.optimum is None and big.solve_dedicated() is None


def test_model_objective_equals_tour_cost_on_encoded_tours():
    for p in (tsp.generate(n=7, seed=1), tsp.TSPProblem("asym", np.random.default_rng(2).integers(1, 50, (6, 6)))):
        rng = np.random.default_rng(0)
        tours = np.array([np.concatenate([[0], rng.permutation(np.arange(1, p.n))]) for _ in range(25)])
        X = p.encode(tours)
        direct = p.tour_cost(tours)
        assert np.allclose(p.model.objective(X), direct)
        assert np.allclose(p.objective(X), direct)
        assert p.is_feasible(X).all()
        R = rng.integers(0, 2, (30, p.num_variables))
        assert np.allclose(p.objective(R), p.model.objective(R))
        assert np.allclose(p.violation(R), p.model.violation(R))
        # rotations of a tour encode identically
        assert np.array_equal(p.encode(np.roll(tours[0], 3)), X[:1])


def test_repair_always_returns_a_tour():
    p = tsp.TSPProblem("asym", np.random.default_rng(5).integers(1, 50, (7, 7)))
    rng = np.random.default_rng(1)
    for x in [np.zeros(36), np.ones(36), *rng.integers(0, 2, (20, 36))]:
        y = p.repair(x)
        assert p.is_feasible(y)[0]
        tour = p.solution_repr(y)
        assert tour[0] == 0 and sorted(tour) == list(range(7))
    x = p.encode(np.arange(7))[0]
    assert p.objective(p.improve(x))[0] <= p.objective(x)[0]
    assert p.is_feasible(p.greedy())[0]
    assert p.objective(p.repair(np.zeros(36)))[0] >= tsp.held_karp(p.weights)[0]


def test_solution_repr():
    p = tsp.generate(n=4, seed=0)
    assert p.solution_repr(p.encode([0, 2, 3, 1])[0]) == [0, 2, 3, 1]
    x = onehot([0, 1, 2], 3)[0]
    x[0] = 0                       # city 1 has no position, position 1 has no city
    assert p.solution_repr(x) == [0, -1, 2, 3]


def test_edge_weight_formats(tmp_path):
    W = np.array([[0, 3, 4, 9], [3, 0, 5, 7], [4, 5, 0, 2], [9, 7, 2, 0]])
    r = range(4)
    streams = {  # written out from the definitions in tsp95.pdf, independently of the reader
        "FULL_MATRIX": [W[i, j] for i in r for j in r],
        "UPPER_ROW": [W[i, j] for i in r for j in r if j > i],
        "LOWER_ROW": [W[i, j] for i in r for j in r if j < i],
        "UPPER_DIAG_ROW": [W[i, j] for i in r for j in r if j >= i],
        "LOWER_DIAG_ROW": [W[i, j] for i in r for j in r if j <= i],
        "UPPER_COL": [W[i, j] for j in r for i in r if i < j],
        "LOWER_COL": [W[i, j] for j in r for i in r if i > j],
        "UPPER_DIAG_COL": [W[i, j] for j in r for i in r if i <= j],
        "LOWER_DIAG_COL": [W[i, j] for j in r for i in r if i >= j],
    }
    for fmt, numbers in streams.items():
        path = tmp_path / f"{fmt}.tsp"
        body = "\n".join(" ".join(map(str, numbers[i:i + 3])) for i in range(0, len(numbers), 3))
        path.write_text(f"NAME : x\nTYPE : TSP\nDIMENSION : 4\nEDGE_WEIGHT_TYPE : EXPLICIT\n"
                        f"EDGE_WEIGHT_FORMAT : {fmt}\nEDGE_WEIGHT_SECTION\n{body}\nEOF\n")
        [p] = tsp.read(path)
        assert np.array_equal(p.weights, W), fmt


def test_distance_functions_round_like_tsplib():
    c = np.array([[0.0, 0.0], [3.0, 4.4], [1.0, 1.0]])
    assert tsplib.coordinate_distances(c, "EUC_2D")[0, 1] == 5          # nint(5.38)
    assert tsplib.coordinate_distances(c, "CEIL_2D")[0, 1] == 6
    assert tsplib.coordinate_distances(c, "EUC_2D")[0, 2] == 1          # nint(1.414)
    assert tsplib.coordinate_distances(c, "MAN_2D")[0, 1] == 7          # nint(7.4)
    assert tsplib.coordinate_distances(c, "MAX_2D")[0, 1] == 4
    # ATT: r = sqrt((100+0)/10) = 3.162 -> nint 3 < r -> 4;  r = sqrt(1000/10) = 10 -> 10
    att = tsplib.coordinate_distances(np.array([[0.0, 0.0], [10.0, 0.0], [100.0, 0.0]]), "ATT")
    assert att[0, 1] == 4 and att[0, 2] == 32   # sqrt(10000/10)=31.62 -> 32
    # GEO: degrees.minutes; truncation toward zero for negative coordinates
    geo = tsplib.coordinate_distances(np.array([[0.0, 0.0], [0.0, -0.30], [0.0, 0.30]]), "GEO")
    assert geo[0, 1] == geo[0, 2] == 56     # 0.5 degree along the equator: 55.66 km -> (int)(55.66 + 1)


def test_tour_files_accept_0_and_1_based(tmp_path):
    one = tmp_path / "a.opt.tour"
    one.write_text("NAME : a\nTYPE : TOUR\nDIMENSION : 4\nTOUR_SECTION\n1\n3\n2\n4\n-1\nEOF\n")
    zero = tmp_path / "b.opt.tour"
    zero.write_text("TYPE : TOUR\nTOUR_SECTION\n0 2 1 3 -1\nEOF\n")
    assert list(tsplib.read_tour(one, 4)) == [0, 2, 1, 3]
    assert list(tsplib.read_tour(zero, 4)) == [0, 2, 1, 3]


def test_to_model_interop():
    p = tsp.generate(n=4, seed=0)
    qp = p.to_model()
    assert qp.get_num_vars() == 9 and qp.get_num_linear_constraints() == 6
    x = p.encode([0, 1, 3, 2])[0]
    assert qp.objective.evaluate(x.astype(float)) == pytest.approx(p.objective(x)[0])
