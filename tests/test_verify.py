"""qbench verify: its own readers reproduce published optima, and it catches tampered stores."""

from __future__ import annotations

import functools

import json
import sqlite3
import textwrap
from itertools import product
from pathlib import Path

import numpy as np
import pytest

from qbench.cli import app
from qbench.verify import verify_results
from qbench.verify.evaluate import evaluate
from qbench.verify.readers import read_file


def _tour(path: Path) -> list[int]:
    lines = path.read_text().split("TOUR_SECTION")[1].split()
    return [int(t) - 1 for t in lines[: lines.index("-1")]]


@pytest.mark.parametrize("name,length", [("ulysses16", 6859), ("fri26", 937), ("bays29", 2020),
                                         ("att48", 10628), ("gr48", 5046), ("berlin52", 7542)])
def test_tsplib_reader_reproduces_published_tour_lengths(data_dir, name, length):
    (inst,) = read_file(data_dir / "tsp" / f"{name}.tsp", "tsp")
    assert evaluate("tsp", inst, _tour(data_dir / "tsp" / f"{name}.opt.tour")) == (length, True)


@pytest.mark.parametrize("name", ["nug12", "chr12a", "kra30a", "tai10b", "had14"])
def test_qap_reader_reproduces_sln_costs(data_dir, name):
    (inst,) = read_file(data_dir / "qap" / f"{name}.dat", "qap")
    tokens = (data_dir / "qap" / f"{name}.sln").read_text().replace(",", " ").split()
    n, value, perm = int(tokens[0]), float(tokens[1]), [int(t) - 1 for t in tokens[2:]]
    inverse = list(np.argsort(perm))
    costs = {evaluate("qap", inst, perm)[0], evaluate("qap", inst, inverse)[0]}  # kra30a: inverse convention
    assert len(perm) == n and value in costs


@pytest.mark.parametrize("name,size", [("karate", 20), ("hamming6-2", 2), ("C125-9", 34)])
def test_graph_reader_and_independence(data_dir, name, size):
    (g,) = read_file(data_dir / "mis" / f"{name}.gph", "mis")
    sol = [int(t) for t in (data_dir / "mis" / f"{name}.opt.sol").read_text().split("\n")
           if t.strip() and not t.startswith("#")]
    assert evaluate("mis", g, sol) == (size, True)
    assert evaluate("mis", g, sol + [v for v in range(1, g.n + 1) if v not in sol][:1])[1] is False


def test_sloane_isolated_vertices_come_from_the_p_line(data_dir):
    (g,) = read_file(data_dir / "mis" / "1tc.16.txt", "mis")
    assert g.n == 16 and evaluate("mis", g, [1, 2, 4, 8, 9, 13, 15, 16]) == (8, True)


def test_mdkp_reader_brute_force_matches_header_optimum(data_dir):
    (inst,) = read_file(data_dir / "mdkp" / "pet1.dat", "mdkp")
    best = max(v for x in product((0, 1), repeat=6) for v, ok in [evaluate("mdkp", inst, list(x))] if ok)
    assert best == 3800
    many = read_file(data_dir / "mdkp" / "mknapcb1.txt", "mdkp")
    assert len(many) == 30 and many[0].weights.shape == (5, 100) and many[29].name == "mknapcb1-29"


def test_marketsplit_certificate_has_zero_deviation(data_dir):
    (inst,) = read_file(data_dir / "marketsplit" / "ms_03_050_005.dat", "marketsplit")
    x = [int(t) for t in (data_dir / "marketsplit" / "ms_03_050_005.opt.sol").read_text().split()]
    assert evaluate("marketsplit", inst, x) == (0.0, True)
    x[0] ^= 1
    assert evaluate("marketsplit", inst, x) == (0.0, False)


STUDY = """
name: tiny
instances:
  - generate: mdkp
    params: {n: 8, m: 2, seed: 4}
  - generate: mis
    params: {n: 9, p: 0.3, seed: 1}
  - generate: tsp
    params: {n: 5, seed: 2}
  - generate: qap
    params: {n: 4, seed: 3}
formulations:
  - name: slack
solvers:
  - name: greedy
  - name: annealing
    params: {num_reads: 20, num_sweeps: 50}
seeds: [0, 1]
"""


@pytest.fixture
def study(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(textwrap.dedent(STUDY))
    res = CliRunner().invoke(app, ["run", str(cfg), "--results", str(tmp_path / "r"), "-q"])
    assert res.exit_code == 0, res.output
    return tmp_path / "r" / "tiny"


def _verify_cli(folder):
    from typer.testing import CliRunner

    return CliRunner().invoke(app, ["verify", str(folder)])


def test_verify_passes_a_clean_study_and_prints_the_summary_line(study):
    res = _verify_cli(study)
    assert res.exit_code == 0, res.output
    assert res.output.strip().splitlines()[-1] == "runs 12 planned 12 duplicates 0 mismatches 0"


def _tamper(folder: Path, sql: str, *args) -> None:
    with sqlite3.connect(folder / "runs.sqlite") as conn:
        conn.execute(sql, args)


@pytest.mark.tampered_store
def test_verify_catches_a_wrong_objective_a_missing_run_and_a_duplicate(study):
    with sqlite3.connect(study / "runs.sqlite") as conn:
        run_id, result = conn.execute("SELECT run_id, result FROM runs WHERE problem='mdkp' AND status='ok' "
                                      "LIMIT 1").fetchone()
        r = json.loads(result)
        r["metrics"]["best_objective"] += 1
        conn.execute("UPDATE runs SET result=? WHERE run_id=?", (json.dumps(r), run_id))
    rep = verify_results(study)
    assert (rep.mismatches, rep.runs, rep.planned) == (1, 12, 12) and not rep.ok
    res = _verify_cli(study)
    assert res.exit_code == 1 and res.output.strip().endswith("mismatches 1")

    _tamper(study, "DELETE FROM runs WHERE run_id=?", run_id)
    assert verify_results(study).line() == "runs 11 planned 12 duplicates 0 mismatches 0"
    _tamper(study, "INSERT INTO runs SELECT 'copy' || run_id, experiment, instance, problem, formulation, solver, "
            "seed, status, qubits, seconds, config, result, trace, error, finished_at FROM runs LIMIT 1")
    assert verify_results(study).duplicates == 1


@pytest.mark.tampered_store
def test_verify_catches_an_infeasible_solution_claimed_feasible(study):
    with sqlite3.connect(study / "runs.sqlite") as conn:
        run_id, result = conn.execute("SELECT run_id, result FROM runs WHERE problem='mis' AND status='ok' "
                                      "LIMIT 1").fetchone()
        r = json.loads(result)
        r["x"] = list(range(1, 10))  # every vertex: not independent at p = 0.3
        conn.execute("UPDATE runs SET result=? WHERE run_id=?", (json.dumps(r), run_id))
    rep = verify_results(study)
    assert rep.mismatches == 1 and "infeasible" in " ".join(rep.problems)


@pytest.mark.tampered_store
def test_verify_flags_a_solution_better_than_a_proven_optimum(study):
    with sqlite3.connect(study / "runs.sqlite") as conn:
        run_id, result = conn.execute("SELECT run_id, result FROM runs WHERE problem='mdkp' AND status='ok' "
                                      "LIMIT 1").fetchone()
        r = json.loads(result)
        r["metrics"]["optimum"] = r["metrics"]["best_objective"] - 1
        r["metrics"]["optimum_status"] = "proven"
        r["metrics"]["gap_pct"] = None
        conn.execute("UPDATE runs SET result=? WHERE run_id=?", (json.dumps(r), run_id))
    rep = verify_results(study)
    assert rep.mismatches == 1 and "beats the proven optimum" in " ".join(rep.problems)


def test_verify_a_folder_of_experiments(study):
    res = _verify_cli(study.parent)
    assert res.exit_code == 0, res.output
    assert "tiny: runs 12 planned 12" not in res.output  # one experiment: the single-folder output
    assert res.output.strip().splitlines()[-1] == "runs 12 planned 12 duplicates 0 mismatches 0"


def test_verify_of_a_folder_without_a_store_is_a_user_error(tmp_path, monkeypatch, capsys):
    import sys

    from qbench.cli import main

    monkeypatch.setattr(sys, "argv", ["qbench", "verify", str(tmp_path)])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 2 and capsys.readouterr().err.startswith("error: ")


@pytest.mark.tampered_store
def test_verify_notices_a_generator_whose_output_changed(study, monkeypatch):
    import qbench.problems.mdkp as mdkp_module

    real = mdkp_module.generate

    @functools.wraps(real)  # keeps the generator's signature, which parameter checking reads
    def drifted(*args, **kwargs):
        p = real(*args, **kwargs)
        p.capacities = p.capacities + 1  # what a changed RNG call or formula would do
        return p

    monkeypatch.setattr(mdkp_module, "generate", drifted)
    rep = verify_results(study)
    assert rep.mismatches >= 1 and "generator changed" in " ".join(rep.problems)


def test_every_documented_form_of_a_solution_evaluates_alike():
    from qbench.verify.readers import Graph, Qap, Tsp

    W = np.array([[0, 1, 9, 4], [1, 0, 2, 8], [9, 2, 0, 3], [4, 8, 3, 0]], dtype=float)
    tsp = Tsp(W)
    tour = [0, 1, 2, 3]
    short = np.zeros((3, 3), dtype=int)  # cities 1..3 at positions 1..3
    short[[0, 1, 2], [0, 1, 2]] = 1
    full = np.eye(4, dtype=int)
    assert evaluate("tsp", tsp, tour) == evaluate("tsp", tsp, short.reshape(-1).tolist()) == \
        evaluate("tsp", tsp, full.reshape(-1).tolist()) == (10.0, True)
    assert evaluate("tsp", tsp, [0, 1, 1, 3]) == (None, False)
    F = np.arange(9, dtype=float).reshape(3, 3)
    qap = Qap(F, F.T.copy())
    perm = [2, 0, 1]
    onehot = np.zeros((3, 3), dtype=int)
    onehot[[0, 1, 2], perm] = 1
    assert evaluate("qap", qap, perm) == evaluate("qap", qap, onehot.reshape(-1).tolist())
    g = Graph(4, np.array([[0, 1], [2, 3]]))
    assert evaluate("mis", g, [1, 3]) == evaluate("mis", g, [1, 0, 1, 0]) == (2.0, True)
