"""The ``qbench`` command line: run experiments, write reports, browse instances, solve one instance."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from qbench.errors import ConfigError, QbenchError, TooLargeError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Benchmark constraint encodings, preprocessing and quantum algorithms on constrained problems.")
instances_app = typer.Typer(no_args_is_help=True, help="Browse the instances in the data directory.")
app.add_typer(instances_app, name="instances")
console = Console(stderr=True)

def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"qbench {version('qbench-optimization')}")
        except PackageNotFoundError:  # running from a source tree that is not installed
            typer.echo("qbench (not installed)")
        raise typer.Exit()


@app.callback()
def _main_options(show_version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                                    help="Print the version and exit.")):
    """Benchmark constraint encodings, preprocessing and quantum algorithms on constrained problems."""


DataDir = typer.Option(None, "--data-dir", help="Public instance sets (default: $QBENCH_DATA, ../shared/instances, instances/).")


def _data_dir(value: Optional[Path]) -> Path:
    from qbench.paths import default_data_dir

    return value if value is not None else default_data_dir()


@app.command()
def run(config: Path = typer.Argument(..., help="Experiment YAML file."),
        data_dir: Optional[Path] = DataDir,
        results: Path = typer.Option(Path("results"), "--results", help="Where experiment folders are written."),
        quiet: bool = typer.Option(False, "--quiet", "-q"),
        retry_errors: bool = typer.Option(False, "--retry-errors",
                                          help="Run again the runs stored with status 'error'."),
        workers: Optional[int] = typer.Option(None, "--workers", min=1,
                                              help="Run in a local process pool of N workers (one numba thread each)."),
        dask: Optional[str] = typer.Option(None, "--dask", help="Run on a Dask cluster: scheduler ADDRESS, or 'local' "
                                                                "for a LocalCluster (--workers sets its size)."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Print the expanded grid (runs, qubits, what does not "
                                                                   "fit) without running or writing anything.")):
    """Run every run of an experiment grid that is not stored yet."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from qbench.runner.executors import make_executor
    from qbench.runner.experiment import execute, plan_experiment

    plan = plan_experiment(config, _data_dir(data_dir), results, retry_errors=retry_errors, dry_run=dry_run)
    if dry_run:
        _print_dry_run(plan)
        return
    executor = make_executor(workers, dask, plan.config.executor.model_dump() if plan.config.executor else None)
    summary = f"{plan.config.name}: {len(plan.specs)} runs to do, {plan.skipped_done} already stored"
    if plan.too_large:
        summary += f", {len(plan.too_large)} set aside as too large for their solver"
    console.print(summary, highlight=False)
    failures = []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, disable=quiet) as progress:
        task = progress.add_task("running", total=len(plan.specs))

        def on_record(rec: dict) -> None:
            progress.advance(task)
            if rec["status"] != "ok":
                failures.append(rec)
                progress.console.print(f"[red]failed[/] {rec['instance']} / {rec['formulation']} / {rec['solver']}: {rec['error']}")

        started = time.time()
        try:
            execute(plan, on_record, executor=executor)
        except KeyboardInterrupt:
            progress.stop()
            todo = {s.run_id for s in plan.specs}  # counted from the store: a row may land after the last callback
            done = sum(1 for r in plan.store.records() if r["run_id"] in todo and r["finished_at"] >= started)
            console.print(f"interrupted: {done} of {len(plan.specs)} runs done in this session, "
                          f"{plan.store.count()} stored in {plan.store.path}; rerun the same command to go on",
                          highlight=False)
            raise typer.Exit(130)
    console.print(f"stored in {plan.store.path} ({plan.store.count()} rows)")
    if failures:
        console.print(f"[red]{len(failures)} run(s) failed[/]; rerun with --retry-errors to retry them")
        raise typer.Exit(1)


@app.command()
def verify(results_dir: Path = typer.Argument(..., help="An experiment folder, e.g. results/quickstart."),
           data_dir: Optional[Path] = typer.Option(None, "--data-dir",
                                                   help="Where the instance files are (default: the one the runs used)."),
           verbose: bool = typer.Option(False, "--verbose", "-v", help="List every problem found.")):
    """Recompute objective and feasibility of every stored solution from the instance files, with code
    independent of the solvers; exit 1 on a duplicate, a mismatch or a missing run."""
    from qbench.verify import verify_results
    from qbench.verify.check import STORE_NAME, VerifyReport

    folders = [results_dir] if (results_dir / STORE_NAME).exists() or not results_dir.is_dir() else \
        sorted(p.parent for p in results_dir.glob(f"*/{STORE_NAME}")) or [results_dir]
    total, all_ok = VerifyReport(), True
    for folder in folders:
        rep = verify_results(folder, data_dir)
        for line in rep.problems if verbose else rep.problems[:20]:
            typer.echo(line)
        if not verbose and len(rep.problems) > 20:
            typer.echo(f"... {len(rep.problems) - 20} more (--verbose lists them)")
        if len(folders) > 1:
            typer.echo(f"{folder.name}: {rep.line()}")
        else:
            typer.echo("statuses " + " ".join(f"{k} {v}" for k, v in sorted(rep.statuses.items())))
        for key in ("runs", "planned", "duplicates", "mismatches"):
            setattr(total, key, getattr(total, key) + getattr(rep, key))
        all_ok = all_ok and rep.ok
    typer.echo(total.line())
    if not all_ok:
        raise typer.Exit(1)


def _print_dry_run(plan) -> None:
    from rich.table import Table

    from qbench.runner.dryrun import grid_rows, summary

    table = Table(title=summary(plan))
    for col in ("instance", "problem", "formulation", "solver", "runs", "qubits", "status"):
        table.add_column(col)
    for r in grid_rows(plan):
        table.add_row(r["instance"], r["problem"], r["formulation"], r["solver"], str(r["runs"]),
                      "-" if r["qubits"] is None else str(r["qubits"]), r["status"])
    Console(width=200).print(table)
    for reason in dict.fromkeys(reason for _, reason in plan.too_large):
        typer.echo(f"does not fit: {reason}")
    typer.echo(summary(plan))


@app.command()
def report(results_dir: Path = typer.Argument(..., help="An experiment folder, e.g. results/quickstart."),
           target_gap: Optional[float] = typer.Option(None, "--target-gap", min=0.0,
                                                      help="Time-to-target: a run hits when feasible and within this "
                                                           "% of the optimum (default: the config's target:)."),
           target_confidence: float = typer.Option(0.99, "--target-confidence", min=0.0, max=1.0,
                                                   help="Confidence of reaching the target (with --target-gap).")):
    """Write report.md and a self-contained report.html comparing methods."""
    from qbench.report import write_report
    from qbench.report.target import Target

    target = None
    if target_gap is not None:
        try:
            target = Target(target_gap, target_confidence)
        except ValueError as exc:
            console.print(f"error: {exc}")
            raise typer.Exit(2) from None
    md, html = write_report(results_dir, target)
    console.print(f"wrote {md} and {html}")


export_app = typer.Typer(no_args_is_help=True, help="Export results in other projects' formats.")
app.add_typer(export_app, name="export")


@export_app.command("qoblib")
def export_qoblib_cmd(results_dir: Path = typer.Argument(..., help="An experiment folder, e.g. results/quickstart."),
                      out: Optional[Path] = typer.Option(None, "--out", help="Target folder (default RESULTS_DIR/qoblib)."),
                      epsilon: float = typer.Option(0.0, "--epsilon", help="QOBLIB success threshold: a feasible run "
                                                    "within (1±eps) of the method's best counts as successful."),
                      submitter: str = typer.Option("N/A", "--submitter"),
                      affiliation: str = typer.Option("N/A", "--affiliation"),
                      reference: str = typer.Option("N/A", "--reference"),
                      columns: str = typer.Option("template", "--columns",
                                                  help="template: the columns of QOBLIB's misc/submission_template.csv; "
                                                       "checker: those of their later CI checker (adds Affiliation, "
                                                       "Paradigm, Time to Solution).")):
    """Write a QOBLIB submission: <inst>/<inst>_summary.csv per instance and the best solution files."""
    from qbench.report.qoblib import export_qoblib

    written = export_qoblib(results_dir, out, epsilon, submitter, affiliation, reference, columns)
    console.print(f"wrote {len(written)} files under {out if out is not None else results_dir / 'qoblib'}")


@app.command()
def jobs(results_dir: Path = typer.Argument(..., help="An experiment folder, e.g. results/hardware."),
         json_out: bool = typer.Option(False, "--json", help="Print one JSON object per job.")):
    """List the device jobs of an experiment (pending / done / failed) from its run store."""
    from qbench.runner.store import RunStore

    store = RunStore(results_dir)
    if not store.exists():
        console.print(f"error: {results_dir}: no run store ({store.path.name}) here")
        raise typer.Exit(2)
    rows = store.jobs()
    if json_out:
        for row in rows:
            print(json.dumps(row, sort_keys=True))
        return
    from rich.table import Table

    table = Table(title=f"device jobs in {results_dir}")
    for col in ("status", "job_id", "primitive", "backend", "mode", "run_id", "seq", "error"):
        table.add_column(col)
    for row in rows:
        primitive = (row["options"] or {}).get("primitive", "sampler")
        table.add_row(row["status"], row["job_id"], primitive, row["backend"], row["mode"] or "", row["run_id"][:12],
                      str(row["seq"]), (row["error"] or "")[:60])
    Console().print(table)
    counts = {k: sum(r["status"] == k for r in rows) for k in ("pending", "done", "failed")}
    console.print(", ".join(f"{v} {k}" for k, v in counts.items()))


@app.command()
def compare(results_dir: Path = typer.Argument(..., help="An experiment folder, e.g. results/quickstart."),
            baseline: str = typer.Option(..., "--baseline",
                                         help="Method label ('qaoa / slack'), solver label or solver name (random)."),
            metric: list[str] = typer.Option([], "--metric", "-m",
                                             help="Metric column (repeatable; default gap_pct, best_gap_pct_raw, "
                                                  "feasible_mass, p_optimal)."),
            as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")):
    """Win / tie / loss of every method against a baseline, paired over (instance, seed), with a
    Wilcoxon signed-rank test."""
    from qbench.report.compare import compare as compare_runs
    from qbench.report.compare import load_runs

    table = compare_runs(load_runs(results_dir), baseline, metric or None)
    if as_json:
        rows = [{k: (str(v) if isinstance(v, float) and v != v or v in (float("inf"), float("-inf")) else v)
                 for k, v in row.items()} for row in table.to_dict(orient="records")]
        typer.echo(json.dumps({"baseline": baseline, "rows": rows}, default=_jsonable))
        return
    from rich.table import Table

    out = Table(title=f"against {baseline}: Δ > 0 = better than the baseline; p: Wilcoxon signed-rank, "
                      f"n.s. = p >= 0.05", title_justify="left")
    heads = {"pairs": "n", "wins": "W", "ties": "T", "losses": "L", "median_improvement": "median Δ", "p_value": "p"}
    for col in table.columns:
        out.add_column(heads.get(col, col), justify="left" if col in ("method", "metric", "verdict") else "right",
                       no_wrap=col != "method")
    for row in table.itertuples(index=False):
        out.add_row(*[f"{v:.3g}" if isinstance(v, float) else str(v) for v in row])
    Console(width=None if sys.stdout.isatty() else 160).print(out)


@app.command()
def solve(instance: str = typer.Argument(..., help="Instance file (FILE#K or FILE#NAME picks one of several)."),
          problem: Optional[str] = typer.Option(None, "--problem", help="mdkp | mis | qap | tsp | marketsplit"),
          solver: str = typer.Option(..., "--solver", help="exact | greedy | random-feasible | qaoa | random | bruteforce | annealing | qubo-exact"),
          formulation: Optional[str] = typer.Option(
              None, "--formulation",
              help="slack | unbalanced | lagrangian (default slack for QUBO solvers; with --solver exact "
                   "the formulation's QUBOs are solved exactly)"),
          multiplier: Optional[str] = typer.Option(None, "--multiplier",
                                                   help="subgradient | dual-averaging | bundle | cutting-plane | augmented"),
          penalty: Optional[float] = typer.Option(None, "--penalty", help="Penalty weight (slack, unbalanced)."),
          reps: Optional[int] = typer.Option(None, "--reps", help="QAOA depth p."),
          shots: Optional[int] = typer.Option(None, "--shots"),
          optimizer: Optional[str] = typer.Option(None, "--optimizer", help="scipy.optimize.minimize method."),
          maxiter: Optional[int] = typer.Option(None, "--maxiter"),
          seed: int = typer.Option(0, "--seed"),
          readout: str = typer.Option("best-sample", "--readout",
                                      help="most-likely | best-sample | lowest-energy: the rule of the readout_* metrics."),
          no_repair: bool = typer.Option(False, "--no-repair", help="No repair anywhere: report what the samples give."),
          time_limit: float = typer.Option(60.0, "--time-limit", help="Seconds for exact solvers."),
          param: list[str] = typer.Option([], "--param", "-P", help="Extra solver parameter KEY=VALUE (repeatable); "
                                          "`qbench params solver NAME` lists them."),
          cities: Optional[int] = typer.Option(None, "--cities",
                                               help="TSP: solve the sub-instance of K cities (the first K, or K "
                                                    "drawn with --cities-seed), as `generate: tsp` does in configs."),
          cities_seed: Optional[int] = typer.Option(None, "--cities-seed", help="TSP: draw the --cities at random with this seed."),
          data_dir: Optional[Path] = DataDir,
          as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
          shrink: Optional[str] = typer.Option(
              None, "--shrink",
              help="Graph-shrink the QUBO first: an integer is a qubit budget, a number below 1 the fraction "
                   "of variables to keep, 'fit' what the solver accepts."),
          shrink_param: list[str] = typer.Option(
              [], "--shrink-param",
              help="Shrink setting KEY=VALUE (estimator, constraint_aware, recompute_every, ...; repeatable)."),
          backend: Optional[str] = typer.Option(
              None, "--backend", help="Circuit backend: statevector | aer | aer-mps | aer-noisy:FAKE_DEVICE "
                                      "(circuit solvers: qaoa, vqe, ...)."),
          resources_on: Optional[str] = typer.Option(
              None, "--resources-on", help="Also report ISA depth / 2-qubit gates on this fake device (e.g. fake_torino).")):
    """Solve one instance with one method and print the result."""
    from qbench.paths import resolve_data_path
    from qbench.problems import load_instance
    from qbench.registry import is_problem_solver
    from qbench.runner.execute import solve_problem
    from qbench.runner.grid import Component, InstanceRef, RunSpec

    if seed < 0:
        raise ConfigError(f"--seed must be a non-negative integer, got {seed}")
    file_part, _, selector = instance.partition("#")
    path = resolve_data_path(file_part, _data_dir(data_dir))
    prob = load_instance(f"{path}#{selector}" if selector else path, problem)
    if cities is not None or cities_seed is not None:
        from qbench.problems.tsp import subinstance

        if prob.kind != "tsp":
            raise ConfigError(f"{path}: --cities selects a TSP sub-instance; this file holds a {prob.kind} instance")
        if cities is None:
            raise ConfigError("--cities-seed needs --cities K")
        try:
            prob = subinstance(prob, cities, seed=cities_seed)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None
    solver_params = {k: v for k, v in {"reps": reps, "shots": shots, "optimizer": optimizer, "maxiter": maxiter}.items()
                     if v is not None}
    solver_params.update(_parse_params(param))
    solver_params.update({k: v for k, v in {"backend": backend, "resources_on": resources_on}.items() if v is not None})
    form_params = {k: v for k, v in {"multiplier": multiplier, "penalty": penalty}.items() if v is not None}
    if multiplier is not None and formulation is None:
        formulation = "lagrangian"
    inner_solver = solver
    shrink_params = _shrink_params(shrink, shrink_param)
    if shrink_params is not None and is_problem_solver(solver) and formulation is None:
        if solver != "exact":
            raise ConfigError(f"--solver {solver} solves the problem directly; --shrink needs a QUBO solver")
        formulation = "slack"
    if is_problem_solver(solver) and formulation is not None:
        if solver != "exact":
            raise ConfigError(f"--solver {solver} solves the problem directly; drop --formulation {formulation}")
        inner_solver = "qubo-exact"  # "exact" inside a formulation: minimise each of its QUBOs exactly
    use_formulation = not is_problem_solver(inner_solver)
    if use_formulation and formulation is None:
        formulation = "slack"
    spec = RunSpec("solve", InstanceRef(prob.name, prob.kind, path=str(path)),
                   Component(inner_solver, inner_solver, solver_params),
                   Component(formulation, formulation, form_params) if use_formulation else None,
                   seed, time_limit, repair=not no_repair, shrink=shrink_params,
                   readout=_check_readout(readout))
    from qbench.runner.sizes import check_run_size

    check_run_size(spec, prob, str(path))
    try:
        result = solve_problem(spec, prob)
    except TooLargeError as exc:
        raise TooLargeError(f"{path}: {exc}") from None
    m = result["metrics"]
    out = {
        "instance": prob.name, "problem": prob.kind, "solver": solver,
        **({"inner_solver": inner_solver} if inner_solver != solver else {}),
        "formulation": formulation if use_formulation else None,
        "qubits": result["qubits"], "variables": result.get("variables"), "optimum": m["optimum"],
        "optimum_status": m["optimum_status"], "best_objective": m["best_objective"], "x": result["x"],
        "solution": result["solution"], "feasible": m["feasible"],
        "gap_pct": m["gap_pct"], "seconds": round(result["seconds"], 6),
        "feasible_mass": m["feasible_mass"], "p_optimal": m["p_optimal"], "approx_ratio": m["approx_ratio"],
        "evaluations": result["evaluations"], "info": result["info"],
        **{k: m.get(k) for k in ("best_gap_pct_raw", "repair_share_pct", "repairs", "expectation_approx_ratio",
                                 "readout", "readout_objective", "readout_gap_pct")},
    }
    if result["trace"]:
        out["outer_iterations"] = len(result["trace"])
    if "shrink" in result:
        out["qubits_before"] = result["qubits_before"]
        out["shrink"] = result["shrink"]
    if as_json:
        typer.echo(json.dumps(out, default=_jsonable))
        return
    from rich.table import Table

    table = Table(show_header=False, box=None)
    for k, v in out.items():
        if k not in ("info",):
            table.add_row(k, str(v))
    Console().print(table)


def _shrink_params(target: Optional[str], items: list[str]) -> Optional[dict]:
    """--shrink TARGET plus --shrink-param settings, validated (None: no shrinking)."""
    if target is None:
        if items:
            raise ConfigError("--shrink-param needs --shrink TARGET")
        return None
    import yaml

    value = yaml.safe_load(target)
    params = {"target": value, **_parse_params(items)}
    from qbench.shrink import shrink_config

    try:
        shrink_config(params)
    except QbenchError as exc:
        raise ConfigError(f"--shrink: {exc}") from None
    return params


def _check_readout(value: str) -> str:
    from qbench.scoring import READOUTS

    if value not in READOUTS:
        raise ConfigError(f"--readout {value!r}: allowed: {', '.join(READOUTS)}")
    return value


@app.command("params")
def params_cmd(kind: str = typer.Argument(..., help="solver | formulation | multiplier | generator"),
               name: Optional[str] = typer.Argument(None, help="Its name (all of that kind when left out).")):
    """The parameters a component accepts, with their types and defaults (what configs and -P may set)."""
    from qbench.params import parameters
    from qbench.registry import FORMULATIONS, PROBLEM_KINDS, all_solver_names, component_class

    from qbench.formulations.multipliers import METHODS

    names = {"solver": all_solver_names(), "formulation": list(FORMULATIONS), "multiplier": list(METHODS),
             "generator": list(PROBLEM_KINDS)}
    if kind not in names:
        raise ConfigError(f"unknown component kind {kind!r}; allowed: {', '.join(names)}")
    for each in [name] if name else names[kind]:
        typer.echo(f"{kind} {each}:")
        for p in parameters(component_class(kind, each)):
            typer.echo(f"  {p.render()}")


def _parse_params(items: list[str]) -> dict:
    import yaml

    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--param {item!r}: expected KEY=VALUE")
        out[key] = yaml.safe_load(value)
    return out


def _jsonable(obj):
    import numpy as np

    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


@instances_app.command("list")
def instances_list(set_: Optional[str] = typer.Option(None, "--set", help="Only this set (a subfolder, e.g. mdkp)."),
                   data_dir: Optional[Path] = DataDir,
                   as_json: bool = typer.Option(False, "--json")):
    """Every readable instance: size, qubits per formulation, optimum and its status."""
    from qbench.catalog import scan

    rows, errors = scan(_data_dir(data_dir), set_)
    if as_json:
        typer.echo(json.dumps({"instances": rows, "errors": errors}, default=_jsonable))
    else:
        from qbench.instances_table import print_instances

        print_instances(rows, _data_dir(data_dir))
        for e in errors:
            console.print(f"[red]error[/] {e}")
    if errors:
        raise typer.Exit(2)


@instances_app.command("catalog")
def instances_catalog(out: Path = typer.Option(Path("instances/catalog.csv"), "--out"),
                      time_limit: float = typer.Option(60.0, "--time-limit",
                                                       help="Seconds to compute each missing optimum (0: leave blank)."),
                      data_dir: Optional[Path] = DataDir):
    """Write the provenance catalog (set, name, size, qubits, optimum, status, source) as CSV;
    optima that no file publishes are computed here by the exact solver (status 'computed')."""
    from qbench.catalog import scan, write_catalog

    rows, errors = scan(_data_dir(data_dir), solve_missing=time_limit or None)
    write_catalog(rows, out)
    console.print(f"wrote {len(rows)} instances to {out}")
    for e in errors:
        console.print(f"[red]error[/] {e}")
    if errors:
        raise typer.Exit(2)


@instances_app.command("show")
def instances_show(name: str = typer.Argument(..., help="A file (path, or relative to the data directory) or an instance name."),
                   problem: Optional[str] = typer.Option(None, "--problem"),
                   data_dir: Optional[Path] = DataDir):
    """Details of one instance."""
    from qbench.catalog import describe, find

    for problem_obj in find(name, _data_dir(data_dir), problem):
        typer.echo(json.dumps(describe(problem_obj), indent=2, default=_jsonable))


def _fmt(value) -> str:
    if value is None:
        return "-"
    return f"{value:g}" if isinstance(value, float) else str(value)


def main() -> None:
    """Entry point: user errors become one line on stderr and exit code 2 (typer does the same for
    usage errors); anything else is a bug and keeps its traceback."""
    try:
        app()
    except QbenchError as exc:
        sys.stderr.write(f"error: {' '.join(str(exc).split())}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
