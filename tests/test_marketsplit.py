from __future__ import annotations

import numpy as np
import pytest

from qbench.problems import marketsplit as ms

# Distinct solutions found by the lattice-enumeration submission to QOBLIB (SOURCES.md): a lower bound on
# the true count (exhaustive meet-in-the-middle finds more for some files, e.g. 16 for ms_05_050_003).
LATTICE_COUNTS = {"ms_03_050_005": 3, "ms_05_050_001": 23, "ms_03_100_001": 1, "ms_04_200_030": 1}


def ms_files(data_dir, pattern="ms_*.dat"):
    files = sorted((data_dir / "marketsplit").glob(pattern))
    if not files:
        pytest.skip("no market split files")
    return files


def all_bitstrings(n):
    return ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1).astype(np.uint8)


def test_every_file_parses_with_a_verified_certificate(data_dir):
    for path in ms_files(data_dir):
        assert ms.sniff(path, path.read_text()), path.name
        [p] = ms.read(path)
        m, n = p.A.shape
        assert n == 10 * (m - 1) and p.b.shape == (m,)
        assert np.array_equal(p.b, p.A.sum(axis=1) // 2)       # b_i = floor(row sum / 2)
        assert p.optimum is not None and p.optimum.value == 0 and p.optimum.status == "proven", path.name
        for cert in ms.certificate_paths(path):
            x = ms.read_solution(cert, n)
            assert p.deviation(x)[0] == 0 and p.is_feasible(x)[0]
            share = p.with_variant("share")
            assert share.objective(x)[0] == 0 and share.model.objective(x)[0] == 0


def test_planted_solution_format(data_dir):
    planted = sorted((data_dir / "marketsplit" / "instance_gen_set").glob("*.opt.sol"))
    if not planted:
        pytest.skip("no planted solutions")
    [p] = ms.read(data_dir / "marketsplit" / planted[0].name.replace(".opt.sol", ".dat"))
    x = ms.read_solution(planted[0], p.A.shape[1])
    assert x.sum() > 0 and p.deviation(x)[0] == 0


@pytest.mark.parametrize("pattern", ["ms_03_*.dat", "ms_04_*.dat", "ms_05_*.dat"])
def test_meet_in_the_middle_solves_qoblib_files(data_dir, pattern):
    for path in ms_files(data_dir, pattern):
        [p] = ms.read(path)
        result = p.solve_dedicated()
        info = result.info
        assert info["status"] == "optimal" and info["min_deviation"] == 0, path.name
        assert p.is_feasible(result.samples)[0]
        assert info["num_optimal"] >= LATTICE_COUNTS.get(p.name, 1)


@pytest.mark.parametrize("seed", range(10))
def test_meet_in_the_middle_equals_brute_force(seed):
    m = 1 + seed % 3
    n = 8 + seed % 7                                   # 8..14 variables, odd and even halves
    p = ms.generate(m=m, n=n, coef_max=9 if seed % 2 else 40, seed=seed, variant="share")
    dev = p.deviation(all_bitstrings(n))
    x, best, count = ms.meet_in_the_middle(p.A, p.b)
    assert best == dev.min() and count == int((dev == dev.min()).sum())
    assert p.deviation(x)[0] == best
    result = p.solve_dedicated()
    assert result.energies[0] == dev.min() == result.info["bound"]
    feas = p.with_variant("feasibility").solve_dedicated()
    assert feas.info["status"] == ("optimal" if dev.min() == 0 else "infeasible")
    assert feas.info["num_optimal"] == count


def test_share_variant_without_solutions_finds_the_minimum_deviation():
    # x1 + x2 = 3 has no binary solution; min |x1 + x2 - 3| = 1, attained once (x = 11)
    p = ms.MarketSplitProblem("tiny", [[1, 1]], [3], "share")
    result = p.solve_dedicated()
    assert result.energies[0] == 1 and result.info["num_optimal"] == 1
    assert list(result.samples[0]) == [1, 1]


def test_generator_is_cornuejols_dawande_and_deterministic():
    a, b, c = ms.generate(m=4, seed=1), ms.generate(m=4, seed=1), ms.generate(m=4, seed=2)
    assert a.A.shape == (4, 30)
    assert np.array_equal(a.A, b.A) and not np.array_equal(a.A, c.A)
    assert a.A.min() >= 0 and a.A.max() <= 99 and np.array_equal(a.b, a.A.sum(1) // 2)
    assert ms.generate(m=3, coef_max=5, seed=0).A.max() <= 5


def test_models_match_definitions():
    p = ms.generate(m=3, n=12, seed=3)
    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, (50, 12))
    dev = np.abs(X @ p.A.T - p.b).sum(axis=1)
    sq = ((X @ p.A.T - p.b) ** 2).sum(axis=1)
    assert np.array_equal(p.deviation(X), dev)
    assert (p.objective(X) == 0).all() and np.array_equal(p.violation(X), dev)
    assert np.allclose(p.model.violation(X), dev) and p.model.A_eq.shape == (3, 12)
    share = p.with_variant("share")
    assert np.array_equal(share.objective(X), dev) and (share.violation(X) == 0).all()
    assert np.allclose(share.model.objective(X), sq) and share.model.num_constraints == 0
    qp = share.to_model()
    assert qp.objective.evaluate(X[0].astype(float)) == pytest.approx(sq[0])


def test_repair_never_increases_the_deviation_and_finds_nearby_solutions(data_dir):
    p = ms.generate(m=3, n=20, seed=5)
    rng = np.random.default_rng(2)
    for x in rng.integers(0, 2, (20, 20)):
        y = p.repair(x)
        assert set(np.unique(y)) <= {0, 1} and p.deviation(y)[0] <= p.deviation(x)[0]
    paths = ms_files(data_dir, "ms_03_*.dat")
    [q] = ms.read(paths[0])
    x = ms.read_solution(ms.certificate_paths(paths[0])[0], q.A.shape[1])
    x[3] ^= 1
    assert q.is_feasible(q.repair(x))[0]       # one flip away: repaired to a solution
    g = q.greedy()
    assert g.shape == (q.A.shape[1],) and q.deviation(g)[0] <= q.deviation(np.zeros_like(g))[0]


def test_large_instances_defer_to_the_milp():
    assert ms.generate(m=6, seed=0).solve_dedicated() is None   # n = 50


def test_sniff_rejects_other_dat_formats(data_dir):
    for kind in ("qap", "mdkp"):
        for path in sorted((data_dir / kind).glob("*.dat"))[:10]:
            assert not ms.sniff(path, path.read_text()), path.name


def test_variant_is_validated():
    from qbench.errors import ConfigError
    with pytest.raises(ConfigError):
        ms.generate(m=3, variant="shares")


def test_brute_force_helper_enumerates_every_bitstring():
    assert all_bitstrings(3).tolist() == [list(map(int, reversed(f"{i:03b}"))) for i in range(8)]


def test_generated_instances_carry_computed_optima():
    for seed in range(6):
        share = ms.generate(m=3, n=16, coef_max=30, seed=seed, variant="share")
        feas = ms.generate(m=3, n=16, coef_max=30, seed=seed)
        best = share.deviation(all_bitstrings(16)).min()
        assert share.optimum.status == "computed" and share.optimum.value == best
        assert (feas.optimum is not None) == (best == 0)
    assert ms.generate(m=4, seed=0, solve=False).optimum is None
    assert ms.generate(m=5, seed=0).optimum is None            # n = 40 > SOLVE_ON_BUILD_MAX_N


def test_generate_from_file_selects_the_variant(data_dir):
    path = ms_files(data_dir, "ms_03_*.dat")[0]
    share = ms.generate(file=path, variant="share")
    assert share.variant == "share" and share.optimum.value == 0
    x = ms.read_solution(ms.certificate_paths(path)[0], share.A.shape[1])
    assert share.objective(x)[0] == 0 and share.objective(1 - x)[0] > 0


def test_a_config_with_an_infeasible_instance_is_refused_before_anything_is_written(tmp_path):
    """Cornuejols-Dawande m=2, seed 1 has no solution: one line naming the config, the instance and
    the proof, exit 2, no results folder; its share variant (always feasible) runs."""
    import subprocess
    import sys

    cfg = tmp_path / "ms.yaml"
    cfg.write_text("name: ms\ninstances:\n  - generate: marketsplit\n    params: {m: 2, seed: 1}\n"
                   "solvers: [{name: exact}]\n")
    out = subprocess.run([sys.executable, "-m", "qbench", "run", str(cfg), "--results", str(tmp_path / "res")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 2
    lines = [line for line in (out.stdout + out.stderr).splitlines() if line.strip()]
    assert len(lines) == 1 and "ms.yaml: instances.0" in lines[0] and "no feasible solution" in lines[0]
    assert "variant: share" in lines[0] and not (tmp_path / "res").exists()
    cfg.write_text(cfg.read_text().replace("seed: 1}", "seed: 1, variant: share}"))
    ok = subprocess.run([sys.executable, "-m", "qbench", "run", str(cfg), "--results", str(tmp_path / "res"), "-q"],
                        capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
