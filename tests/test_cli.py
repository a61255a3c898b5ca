"""The command line as a user meets it: exit codes, one-line errors, nothing half-written."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def qbench(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "qbench", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or REPO, env=env, timeout=600)


def one_line_error(proc, *needles):
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_solve_exact_json_on_sac94_file(tmp_path):
    f = tmp_path / "toy.dat"
    # 4 items, 1 constraint, optimum 3+4 = 7 (items 1 and 2: weights 2+3 <= 5)
    f.write_text("4 1 7\n3 4 5 1\n2 3 4 5\n5\n")
    proc = qbench("solve", f, "--solver", "exact", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    for key in ("instance", "problem", "solver", "formulation", "qubits", "optimum", "best_objective", "x",
                "feasible", "gap_pct", "seconds"):
        assert key in out
    assert out["problem"] == "mdkp" and out["best_objective"] == 7 and out["feasible"] and out["gap_pct"] == 0
    assert out["x"] == [1, 1, 0, 0]


@pytest.mark.parametrize("content, needle", [
    ("4 1 7\n3 4 5\n", "end of file"),
    ("4 1 7\n3 4 x 1\n2 3 4 5\n5\n", "'x'"),
    ("4 1 7\n3 4 5 1\n2 3 4 5\n-5\n", "negative"),
    ("", "empty"),
])
def test_solve_bad_instance_one_line_exit_2(tmp_path, content, needle):
    f = tmp_path / "bad.dat"
    f.write_text(content)
    one_line_error(qbench("solve", f, "--solver", "exact", "--problem", "mdkp", "--json"), str(f), needle)


def test_solve_binary_file(tmp_path):
    f = tmp_path / "bad.dat"
    f.write_bytes(b"\x00\x01\x02\xff" * 10)
    one_line_error(qbench("solve", f, "--solver", "exact", "--problem", "mdkp"), str(f))


def test_run_with_typo_writes_nothing(tmp_path):
    cfg = tmp_path / "exp.yaml"
    cfg.write_text(textwrap.dedent("""
        name: typo
        instances:
          - generate: mdkp
            params: {n: 4, m: 1, seed: 0}
        solvers:
          - name: greedy
        seedz: [1]
    """))
    proc = qbench("run", cfg, "--results", tmp_path / "results")
    one_line_error(proc, str(cfg), "seedz")
    assert not (tmp_path / "results").exists()


def test_run_too_large_instance_refused_before_writing(tmp_path):
    cfg = tmp_path / "exp.yaml"
    cfg.write_text(textwrap.dedent("""
        name: big
        instances:
          - generate: mis
            params: {n: 40, p: 0.1, seed: 0}
        formulations: [{name: slack}]
        solvers:
          - name: qaoa
    """))
    proc = qbench("run", cfg, "--results", tmp_path / "results")
    one_line_error(proc, str(cfg), "qubits")
    assert not (tmp_path / "results").exists()


def test_run_then_rerun_adds_no_rows_and_report(tmp_path):
    cfg = tmp_path / "exp.yaml"
    cfg.write_text(textwrap.dedent("""
        name: tiny
        instances:
          - generate: mdkp
            params: {n: 5, m: 1, seed: 3}
          - generate: mis
            params: {n: 6, p: 0.4, seed: 1}
        formulations: [{name: slack}, {name: unbalanced}]
        solvers:
          - name: qaoa
            params: {reps: 1, shots: 256, maxiter: 20}
          - name: exact
          - name: greedy
        seeds: [0, 1]
    """))
    results = tmp_path / "results"
    first = qbench("run", cfg, "--results", results, "--quiet")
    assert first.returncode == 0, first.stderr
    from qbench.runner.store import RunStore

    store = RunStore(results / "tiny")
    n = store.count()
    assert n == 2 * (2 * 2 + 2)
    assert all(r["status"] == "ok" for r in store.records())
    second = qbench("run", cfg, "--results", results, "--quiet")
    assert second.returncode == 0 and "0 runs to do" in second.stderr
    assert store.count() == n
    rep = qbench("report", results / "tiny")
    assert rep.returncode == 0, rep.stderr
    html = (results / "tiny" / "report.html").read_text()
    plots = list((results / "tiny" / "plots").glob("*.png"))
    assert html.count('src="data:image/png;base64,') == len(plots) > 0
    md = (results / "tiny" / "report.md").read_text()
    # one instance per problem; the exact solver is optimal: best (bold) in both problems' gap tables
    assert md.count("| exact | 1 | 1 | 1/") == 2 and md.count("| exact | **0** |") >= 2


def test_report_on_missing_dir(tmp_path):
    one_line_error(qbench("report", tmp_path / "nothing"), "runs.sqlite")


def test_run_with_malformed_instance_file_writes_nothing(tmp_path):
    bad = tmp_path / "bad.gph"
    bad.write_text("p edge 3 2\ne 1 2\ne 2 9\n")
    cfg = tmp_path / "exp.yaml"
    cfg.write_text(f"name: badfile\ninstances:\n  - file: {bad}\nsolvers:\n  - name: exact\n")
    proc = qbench("run", cfg, "--results", tmp_path / "results")
    one_line_error(proc, str(bad), ":3")
    assert not (tmp_path / "results").exists()


def test_instances_commands_on_a_data_dir(tmp_path):
    (tmp_path / "mis").mkdir()
    (tmp_path / "mis" / "tri.gph").write_text("p edge 3 3\ne 1 2\ne 2 3\ne 1 3\n")
    listing = qbench("instances", "list", "--data-dir", tmp_path, "--json")
    assert listing.returncode == 0, listing.stderr
    [row] = json.loads(listing.stdout)["instances"]
    assert row["name"] == "tri" and row["problem"] == "mis" and row["qubits_slack"] == 3
    shown = qbench("instances", "show", "tri", "--data-dir", tmp_path)
    assert shown.returncode == 0 and json.loads(shown.stdout)["vertices"] == 3
    (tmp_path / "mis" / "broken.gph").write_text("p edge 3 1\ne 1 x\n")
    listing = qbench("instances", "list", "--data-dir", tmp_path)
    assert listing.returncode == 2 and "broken.gph:2" in listing.stderr
    one_line_error(qbench("instances", "show", tmp_path / "mis" / "broken.gph"), "broken.gph:2")


def test_solve_lagrangian_with_exact_inner_solver(tmp_path):
    f = tmp_path / "kp.dat"
    # 6 items, 2 constraints; optimum 21 (items 2, 3, 5): brute force below
    profits, w1, w2, caps = [6, 8, 5, 9, 7, 4], [3, 4, 2, 5, 4, 3], [2, 3, 4, 3, 2, 4], [10, 9]
    f.write_text(f"6 2 0\n{' '.join(map(str, profits))}\n{' '.join(map(str, w1))}\n{' '.join(map(str, w2))}\n"
                 f"{' '.join(map(str, caps))}\n")
    import itertools

    best = max(sum(p for p, b in zip(profits, bits) if b) for bits in itertools.product([0, 1], repeat=6)
               if sum(w for w, b in zip(w1, bits) if b) <= caps[0] and sum(w for w, b in zip(w2, bits) if b) <= caps[1])
    for method in ("subgradient", "dual-averaging", "bundle", "cutting-plane", "augmented"):
        proc = qbench("solve", f, "--formulation", "lagrangian", "--multiplier", method, "--solver", "exact", "--json")
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout)
        assert out["qubits"] == 6 and out["inner_solver"] == "qubo-exact" and out["feasible"]
        assert out["best_objective"] == best and out["outer_iterations"] >= 1
    one_line_error(qbench("solve", f, "--solver", "greedy", "--formulation", "slack"), "greedy")
