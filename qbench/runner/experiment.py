"""Run an experiment config: validate everything up front, then execute the runs that are not stored yet."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from qbench.errors import TooLargeError
from qbench.problems.base import Problem
from qbench.qubo import QUBO
from qbench.registry import is_problem_solver, make_formulation
from qbench.runner.config import ExperimentConfig, load_config
from qbench.runner.execute import build_solver, run_one
from qbench.runner.executors import LocalExecutor
from qbench.runner.grid import RunSpec, expand, resolve_instances
from qbench.runner.portable import OPTIMA_FILE, OptimumCache
from qbench.runner.sizes import planning_qubo
from qbench.runner.store import RunStore


@dataclass
class Plan:
    config: ExperimentConfig
    config_path: Path
    store: RunStore
    specs: list[RunSpec]           # runs to execute now
    skipped_done: int              # runs already in the store
    too_large: list[tuple[RunSpec, str]]
    data_dir: Path | None = None   # recorded so ``qbench verify`` finds the same files
    #: digests of generated instances' data, so ``qbench verify`` notices a generator that changed
    instance_digests: dict[str, str] = field(default_factory=dict)


def plan_experiment(config_path: str | Path, data_dir: Path, results_dir: Path, *,
                    retry_errors: bool = False, dry_run: bool = False) -> Plan:
    """Validate the config and expand its grid. Reference optima are computed once per instance and
    cached in ``<results>/reference_optima.json``; a dry run computes none and writes nothing."""
    config_path = Path(config_path)
    config = load_config(config_path)
    if config.data_dir:
        data_dir = (config_path.parent / config.data_dir).resolve() if not Path(config.data_dir).is_absolute() \
            else Path(config.data_dir)
    optima = OptimumCache(Path(results_dir) / OPTIMA_FILE)
    instances = resolve_instances(config, data_dir, config_path.parent, str(config_path), optima=optima,
                                  compute_optima=not dry_run)
    problems = {ref.name: problem for ref, problem in instances}
    all_specs = expand(config, instances)
    too_large = _check_sizes(all_specs, problems, str(config_path), config.skip_too_large)
    store = RunStore(Path(results_dir) / config.name)
    done = store.done_ids(retry_errors=retry_errors)
    oversized = {id(s) for s, _ in too_large}
    todo = [s for s in all_specs if s.run_id not in done and id(s) not in oversized]
    if not dry_run:
        optima.save()
    from qbench.verify.check import instance_digest

    digests = {ref.fingerprint: instance_digest(ref.kind, problem) for ref, problem in instances
               if ref.generator is not None}
    return Plan(config, config_path, store, todo, len(all_specs) - len(todo) - len(too_large), too_large,
                data_dir=Path(data_dir), instance_digests=digests)


def _check_sizes(specs: list[RunSpec], problems: dict[str, Problem], where: str,
                 skip: bool) -> list[tuple[RunSpec, str]]:
    """Refuse (or, with ``skip_too_large``, set aside) runs whose QUBO the solver cannot hold,
    before anything is written."""
    out = []
    qubo_cache: dict[tuple[str, str], QUBO] = {}
    for spec in specs:
        if is_problem_solver(spec.solver.name):
            continue
        key = (spec.instance.name, spec.formulation.label)
        if key not in qubo_cache:
            formulation = make_formulation(spec.formulation.name, spec.formulation.params)
            qubo_cache[key] = planning_qubo(formulation, problems[spec.instance.name])
        qubo = qubo_cache[key]
        n = qubits = qubo.num_variables
        shrink = getattr(spec, "shrink", None)
        if shrink:
            from qbench.shrink import shrink_config

            target = shrink_config({k: v for k, v in shrink.items() if k != "label"})
            if target.target == "fit":
                continue  # shrinks to whatever the solver accepts
            m = target.target_size(n)
            # the shrunk QUBO's size; its coefficients are not known before shrinking, so the leading
            # block of the real one stands in (solvers whose qubit count depends on couplings see some)
            qubo = QUBO(qubo.linear[:m], qubo.quadratic[:m, :m], qubo.offset)
        try:
            solver = build_solver(spec)
            qubits = solver.num_qubits(qubo)
            solver.check_size(qubo)
        except TooLargeError as exc:
            file = getattr(spec.instance, "path", None) or spec.instance.name
            msg = (f"{where}: instance {file} with formulation {spec.formulation.label!r} "
                   f"needs {qubits} qubits ({n} QUBO variables), too many for solver {spec.solver.label!r}: {exc}")
            if not skip:
                raise TooLargeError(msg) from None
            out.append((spec, msg))
    return out


def execute(plan: Plan, on_record: Callable[[dict], None] | None = None, executor=None) -> list[dict]:
    executor = executor or LocalExecutor()
    plan.store.set_meta("config", plan.config.model_dump())
    plan.store.set_meta("config_path", str(plan.config_path))
    plan.store.set_meta("config_dir", str(plan.config_path.resolve().parent))
    if plan.data_dir is not None:
        plan.store.set_meta("data_dir", str(Path(plan.data_dir).resolve()))
    if plan.instance_digests:
        plan.store.set_meta("instance_digests", plan.instance_digests)
    from qbench.backends.ibm_jobs import use_store

    use_store(plan.store.directory)    # device backends record their job ids here before waiting
    records = []
    for spec, reason in plan.too_large:
        plan.store.write(_skipped_record(spec, reason))
    for record in executor.map(run_one, plan.specs):
        plan.store.write(record)
        records.append(record)
        if on_record:
            on_record(record)
    return records


def _skipped_record(spec: RunSpec, reason: str) -> dict:
    return {
        "run_id": spec.run_id, "experiment": spec.experiment, "instance": spec.instance.name,
        "problem": spec.instance.kind, "formulation": spec.formulation.label, "solver": spec.solver.label,
        "seed": spec.seed, "config": spec.resolved(), "status": "skipped", "error": reason,
        "result": {}, "trace": [],
    }
