import textwrap

from qbench.report import write_report
from qbench.runner.experiment import execute, plan_experiment


def make_config(tmp_path, body):
    path = tmp_path / "exp.yaml"
    path.write_text(textwrap.dedent(body))
    return path


LAGRANGIAN = """
name: lag
instances:
  - generate: mdkp
    params: {n: 8, m: 2, seed: 4}
formulations:
  - name: lagrangian
    label: lag-bundle
    params: {multiplier: bundle, max_iter: 15}
  - name: slack
solvers:
  - name: qubo-exact
  - name: exact
seeds: [0, 1]
"""


def test_grid_expansion_and_stable_ids(tmp_path):
    plan = plan_experiment(make_config(tmp_path, LAGRANGIAN), tmp_path, tmp_path / "results")
    # qubo-exact: 2 formulations x 2 seeds; exact: once per instance (deterministic, formulation-free)
    assert len(plan.specs) == 5
    ids = [s.run_id for s in plan.specs]
    assert len(set(ids)) == 5
    again = plan_experiment(make_config(tmp_path, LAGRANGIAN), tmp_path, tmp_path / "results")
    assert [s.run_id for s in again.specs] == ids
    changed = plan_experiment(make_config(tmp_path, LAGRANGIAN.replace("max_iter: 15", "max_iter: 16")),
                              tmp_path, tmp_path / "results")
    assert len(set(s.run_id for s in changed.specs) - set(ids)) == 2


def test_lagrangian_traces_are_stored_and_plotted(tmp_path):
    plan = plan_experiment(make_config(tmp_path, LAGRANGIAN), tmp_path, tmp_path / "results")
    records = execute(plan)
    assert all(r["status"] == "ok" for r in records), [r.get("error") for r in records]
    stored = {r["run_id"]: r for r in plan.store.records()}
    lag = [r for r in stored.values() if r["formulation"] == "lag-bundle"]
    assert len(lag) == 2
    for rec in lag:
        assert rec["trace"] and {"iteration", "lambda", "dual_value", "best_primal"} <= set(rec["trace"][0])
        opt = rec["result"]["metrics"]["optimum"]
        assert all(t["dual_value"] >= opt - 1e-6 for t in rec["trace"])  # max problem: bound above
        assert rec["qubits"] == 8 and rec["result"]["metrics"]["feasible"]
    _, html = write_report(plan.store.directory)
    assert "Lagrangian outer loops" in html.read_text()


def test_skip_too_large_records_the_reason(tmp_path):
    body = """
    name: big
    instances:
      - generate: mis
        params: {n: 40, p: 0.1, seed: 0}
    solvers:
      - name: bruteforce
    skip_too_large: true
    """
    plan = plan_experiment(make_config(tmp_path, body), tmp_path, tmp_path / "results")
    assert plan.specs == [] and len(plan.too_large) == 1
    execute(plan)
    [rec] = plan.store.records()
    assert rec["status"] == "skipped" and "40 qubits" in rec["error"]
