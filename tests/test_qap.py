from __future__ import annotations

import numpy as np
import pytest

from qbench.problems import qap
from qbench.problems.permutation import all_permutations, onehot

# Published optima (QAPLIB / SOURCES.md table) for a spot check of what the reader attaches.
PUBLISHED = {"nug5": 50, "tai5a": 12902, "nug8": 214, "esc8d": 6, "tai10a": 135028, "tai10b": 1183760,
             "chr12a": 9552, "nug12": 578, "had12": 1652, "rou12": 235528, "scr12": 31410,
             "tai12a": 224416, "tai12b": 39464925, "tai13a": 270750, "tai30a": 1818146, "kra30a": 88900}
FAST_EXACT = ["nug5", "tai5a", "nug6", "nug7", "tai7a", "esc8a", "esc8d", "esc8e", "nug8", "tai10a",
              "tai10b", "chr12a", "chr12b", "chr12c", "scr12", "tai12b"]
SLOW_EXACT = ["nug12", "had12", "rou12", "tai12a"]  # 7-16 s each


def qap_files(data_dir):
    files = sorted((data_dir / "qap").glob("*.dat"))
    if not files:
        pytest.skip("no QAP files")
    return files


def brute_force(problem):
    perms = all_permutations(problem.n)
    costs = problem.cost(perms)
    return float(costs.min())


def test_every_qap_file_parses_and_sniffs(data_dir):
    for path in qap_files(data_dir):
        text = path.read_text()
        assert qap.sniff(path, text), path.name
        [p] = qap.read(path)
        assert p.flow.shape == (p.n, p.n) == p.distance.shape
        assert p.num_variables == p.n ** 2
        if path.with_suffix(".sln").exists() or len(text.split("\n", 1)[0].split()) == 2:
            assert p.optimum is not None, path.name


def test_attached_optima_match_published_table(data_dir):
    for name, value in PUBLISHED.items():
        path = data_dir / "qap" / f"{name}.dat"
        if not path.exists():
            continue
        [p] = qap.read(path)
        assert p.optimum.value == value, name
    statuses = {p.name: p.optimum.status for f in qap_files(data_dir) for p in qap.read(f) if p.optimum}
    assert all(statuses[n] == "best-known" for n in ("tai13a", "tai30a") if n in statuses)
    assert all(statuses[n] == "proven" for n in ("nug5", "nug12", "kra30a") if n in statuses)


def test_published_solutions_score_published_values(data_dir):
    checked = 0
    for sln in sorted((data_dir / "qap").glob("*.sln")):
        [p] = qap.read(sln.with_suffix(".dat"))
        perm = qap.solution_permutation(p, sln)
        assert p.cost(perm)[0] == p.optimum.value == qap.read_solution(sln).value
        x = onehot(perm)
        assert p.is_feasible(x)[0] and p.objective(x)[0] == p.optimum.value
        checked += 1
    assert checked > 0


def test_inverse_convention_files_are_handled(data_dir):
    for name in ("kra30a", "kra30b", "tho30"):
        sln = data_dir / "qap" / f"{name}.sln"
        if not sln.exists():
            continue
        [p] = qap.read(sln.with_suffix(".dat"))
        raw = qap.read_solution(sln).permutation
        assert p.cost(raw)[0] != p.optimum.value  # the file lists p^-1 ...
        assert p.cost(qap.solution_permutation(p, sln))[0] == p.optimum.value  # ... and we invert it


@pytest.mark.parametrize("name", FAST_EXACT)
def test_branch_and_bound_matches_published_optimum(data_dir, name):
    path = data_dir / "qap" / f"{name}.dat"
    if not path.exists():
        pytest.skip(f"{name} not in this copy of the instance set")
    [p] = qap.read(path)
    result = p.solve_dedicated(time_limit=60)
    assert result.info["status"] == "optimal"
    assert result.energies[0] == p.optimum.value == result.info["bound"]
    assert p.objective(result.samples)[0] == p.optimum.value and p.is_feasible(result.samples)[0]


@pytest.mark.slow
@pytest.mark.parametrize("name", SLOW_EXACT)
def test_branch_and_bound_matches_published_optimum_n12(data_dir, name):
    test_branch_and_bound_matches_published_optimum(data_dir, name)


@pytest.mark.parametrize("seed", range(6))
def test_branch_and_bound_equals_brute_force(seed):
    n = 5 + seed % 3
    p = qap.generate(n=n, seed=seed, symmetric=seed % 2 == 0, solve=False)
    if seed >= 4:  # negative and non-zero-diagonal data exercise the sign-agnostic bound
        rng = np.random.default_rng(seed)
        p = qap.QAPProblem("mixed", rng.integers(-9, 10, (n, n)), rng.integers(-9, 10, (n, n)))
    result = p.solve_dedicated()
    assert result.info["status"] == "optimal"
    assert result.energies[0] == brute_force(p)


def test_time_limit_reports_bound_and_incumbent():
    p = qap.generate(n=13, seed=1, solve=False)
    result = p.solve_dedicated(time_limit=0.5)
    info = result.info
    assert info["status"] in ("time_limit", "optimal")
    assert info["bound"] <= result.energies[0] and info["gap_pct"] >= 0
    assert p.is_feasible(result.samples)[0]


def test_generator_is_deterministic_per_seed():
    a, b, c = qap.generate(n=7, seed=4), qap.generate(n=7, seed=4), qap.generate(n=7, seed=5)
    assert np.array_equal(a.flow, b.flow) and np.array_equal(a.distance, b.distance)
    assert not np.array_equal(a.flow, c.flow)
    assert a.optimum.status == "computed" and a.optimum.value == brute_force(a)
    assert np.array_equal(a.flow, a.flow.T) and (a.flow >= 0).all() and (a.flow <= 99).all()


def test_model_objective_equals_direct_cost_on_permutations():
    p = qap.generate(n=6, seed=2, symmetric=False, solve=False)
    rng = np.random.default_rng(0)
    perms = np.array([rng.permutation(6) for _ in range(30)])
    X = onehot(perms)
    direct = p.cost(perms)
    assert np.allclose(p.model.objective(X), direct)
    assert np.allclose(p.objective(X), direct)
    assert p.is_feasible(X).all() and (p.model.violation(X) == 0).all()
    # the fast objective is the model's quadratic form on every bitstring, not only permutations
    R = rng.integers(0, 2, (40, 36))
    assert np.allclose(p.objective(R), p.model.objective(R))
    assert np.allclose(p.violation(R), p.model.violation(R))


def test_repair_always_returns_a_permutation():
    p = qap.generate(n=7, seed=0, solve=False)
    rng = np.random.default_rng(1)
    samples = [np.zeros(49), np.ones(49), *rng.integers(0, 2, (20, 49))]
    for x in samples:
        y = p.repair(x)
        assert p.is_feasible(y)[0]
        assert sorted(p.solution_repr(y)) == list(range(7))
    # a feasible sample is never made worse
    x = onehot(rng.permutation(7))[0]
    assert p.objective(p.repair(x))[0] <= p.objective(x)[0]
    assert p.objective(p.improve(x))[0] <= p.objective(x)[0]
    assert p.is_feasible(p.greedy())[0]


def test_solution_repr_is_honest_about_infeasible_samples():
    p = qap.generate(n=4, seed=0, solve=False)
    assert p.solution_repr(onehot([2, 0, 3, 1])[0]) == [2, 0, 3, 1]
    assert p.solution_repr(np.zeros(16)) == [-1, -1, -1, -1]


def test_qiskit_model_interop():
    p = qap.generate(n=3, seed=0, solve=False)
    qp = p.to_model()
    assert qp.get_num_vars() == 9 and qp.get_num_linear_constraints() == 6
    x = onehot([1, 2, 0])[0]
    assert qp.objective.evaluate(x.astype(float)) == pytest.approx(p.objective(x)[0])


def test_sniff_rejects_other_dat_formats(data_dir):
    for kind in ("marketsplit", "mdkp"):
        for path in sorted((data_dir / kind).glob("*.dat"))[:10]:
            assert not qap.sniff(path, path.read_text()), path.name
