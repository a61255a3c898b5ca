"""Expand an experiment config into concrete, hashable run specs.

A :class:`RunSpec` is plain data (picklable, JSON-able) so any executor - a local loop, a process pool
or a Dask cluster - can ship it to a worker, and its hash identifies the run in the store.
"""

from __future__ import annotations

import dataclasses
import glob as globlib
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from qbench.errors import ConfigError, InfeasibleInstanceError, InstanceFormatError, QbenchError
from qbench.paths import resolve_data_path
from qbench.problems import generate, load_instances
from qbench.problems.base import Optimum, Problem
from qbench.registry import is_problem_solver, solver_class
from qbench.solvers.exact import reference_optimum
from qbench.runner import portable
from qbench.runner.config import ComponentSpec, ExperimentConfig, InstanceSpec


@dataclass(frozen=True)
class InstanceRef:
    """How to (re)load one instance: a file (``path#index`` for multi-instance files) or a generator."""

    name: str
    kind: str
    path: str | None = None
    generator: dict[str, Any] | None = None
    fingerprint: str = ""
    #: A reference optimum computed once at planning time for instances that carry none.
    optimum: dict[str, Any] | None = None
    #: ``data`` / ``project`` when ``path`` (and a generator's ``file``) are relative to the data
    #: directory / the project's ``instances/`` (portable to workers); None for a path as given.
    root: str | None = None
    #: The coordinator's data directory: tried first on a worker, then $QBENCH_DATA.
    data_dir: str | None = None

    def load(self) -> Problem:
        if self.generator is not None:
            params = dict(self.generator)
            if "file" in params and self.root is not None:
                params["file"] = portable.resolve(params["file"], self.root, self.data_dir)
            problem = generate(self.kind, **params)
        else:
            problem = load_instances(portable.resolve(self.path, self.root, self.data_dir), self.kind)[0]
        if problem.optimum is None and self.optimum is not None:
            problem.optimum = Optimum(**self.optimum)
        return problem


@dataclass(frozen=True)
class Component:
    name: str
    label: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunSpec:
    experiment: str
    instance: InstanceRef
    solver: Component
    formulation: Component | None
    seed: int | None
    time_limit: float
    repair: bool = True
    #: Graph-shrinking settings (``qbench.shrink``) wrapped around the QUBO solver; None: no shrinking.
    shrink: dict[str, Any] | None = None
    readout: str = "best-sample"

    def resolved(self) -> dict[str, Any]:
        """Everything that determines the result (display labels excluded)."""
        return {
            "instance": {"kind": self.instance.kind, "name": self.instance.name,
                         "fingerprint": self.instance.fingerprint},
            "solver": {"name": self.solver.name, "params": self.solver.params},
            "formulation": None if self.formulation is None else
            {"name": self.formulation.name, "params": self.formulation.params},
            "seed": self.seed,
            "time_limit": self.time_limit,
            "repair": self.repair,
            # only present when set, so that existing run ids (hashes) stay as they were
            **({"shrink": {k: v for k, v in self.shrink.items() if k != "label"}} if self.shrink else {}),
            **({"readout": self.readout} if self.readout != "best-sample" else {}),
        }

    @property
    def run_id(self) -> str:
        blob = json.dumps(self.resolved(), sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:20]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def resolve_instances(config: ExperimentConfig, data_dir: Path, config_dir: Path | None,
                      config_path: str = "config", *, optima: "portable.OptimumCache | None" = None,
                      compute_optima: bool = True) -> list[tuple[InstanceRef, Problem]]:
    """Load every instance the config names (so bad files fail before any run starts), and give
    instances without a published optimum one computed here (status ``computed``), or taken from
    ``optima`` (a cache keyed by instance fingerprint) when it was computed before."""
    out: list[tuple[InstanceRef, Problem]] = []
    for i, spec in enumerate(config.instances):
        where = f"{config_path}: instances.{i}"
        for ref, problem in _resolve_one(spec, data_dir, config_dir, where):
            if problem.optimum is None and compute_optima:
                cached = optima.get(ref.fingerprint, config.time_limit) if optima is not None else None
                if cached is not None:
                    problem.optimum = Optimum(**cached)
                else:
                    try:
                        problem.optimum = reference_optimum(problem, config.time_limit)
                    except InfeasibleInstanceError as exc:
                        hint = " (or use variant: share)" if problem.kind == "marketsplit" else ""
                        raise InfeasibleInstanceError(f"{where}: {exc}; remove it from the config{hint}") from None
                    if optima is not None and problem.optimum is not None:
                        optima.put(ref.fingerprint, problem.optimum.to_dict(), config.time_limit, ref.name)
                if problem.optimum is not None:
                    ref = dataclasses.replace(ref, optimum=problem.optimum.to_dict())
            out.append((ref, problem))
    names = [ref.name for ref, _ in out]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise ConfigError(f"{config_path}: instance {sorted(dup)[0]!r} is listed twice")
    return out


def _resolve_one(spec: InstanceSpec, data_dir: Path, config_dir: Path | None, where: str):
    if spec.generate:
        params = dict(spec.params)
        root = None
        if "file" in params:  # generators that start from a file (e.g. TSP sub-instances)
            params["file"] = str(resolve_data_path(params["file"], data_dir, base=config_dir))
        try:
            problem = generate(spec.generate, **params)
        except (QbenchError, TypeError, ValueError) as exc:  # a typo or a bad value in the generator's params
            raise ConfigError(f"{where}.params: {' '.join(str(exc).split())}") from None
        if "file" in params:  # stored relative to the data directory: the same run ids everywhere
            params["file"], root = portable.portable(params["file"], data_dir)
        fp = hashlib.sha1(json.dumps([spec.generate, params], sort_keys=True).encode()).hexdigest()
        return [(InstanceRef(problem.name, spec.generate, generator=params, fingerprint=fp, root=root,
                             data_dir=str(data_dir)), problem)]
    if spec.file:
        paths = [resolve_data_path(spec.file.split("#")[0], data_dir, base=config_dir)]
        selector = "#" + spec.file.split("#", 1)[1] if "#" in spec.file else ""
    else:
        pattern = str(resolve_data_path(".", data_dir, base=config_dir) / spec.glob) \
            if not Path(spec.glob).is_absolute() else spec.glob
        paths = [Path(p) for p in sorted(globlib.glob(pattern))]
        selector = ""
        if not paths and spec.optional:
            return []
        if not paths:
            raise ConfigError(f"{where}.glob: no files match {spec.glob!r} in {data_dir}")
    out = []
    for path in paths:
        if not path.exists() and spec.optional:
            continue
        if not path.exists():
            raise InstanceFormatError(path, "file not found (check --data-dir or QBENCH_DATA)")
        problems = load_instances(f"{path}{selector}", spec.problem)
        fp = hashlib.sha1(path.read_bytes()).hexdigest()
        for k, problem in enumerate(problems):
            ref_path = f"{path}{selector}" if selector or len(problems) == 1 else f"{path}#{k}"
            ref_path, root = portable.portable(ref_path, data_dir)
            out.append((InstanceRef(problem.name, problem.kind, path=ref_path, fingerprint=f"{fp}:{k}",
                                    root=root, data_dir=str(data_dir)), problem))
    return out


def expand(config: ExperimentConfig, instances: list[tuple[InstanceRef, Problem]]) -> list[RunSpec]:
    """instances x (formulations x solvers | problem solvers) x seeds.

    Problem solvers (exact, greedy) are deterministic and formulation-free: one run per instance.
    """
    specs: list[RunSpec] = []
    for ref, _ in instances:
        for solver in config.solvers:
            s = _component(solver)
            if is_problem_solver(solver.name):
                # deterministic problem solvers run once; seeded ones (random-feasible) once per seed
                seeds = config.seeds if getattr(solver_class(solver.name), "seeded", False) else [None]
                for seed in seeds:
                    specs.append(RunSpec(config.name, ref, s, None, seed, config.time_limit, config.repair,
                                         readout=config.readout))
                continue
            for form in config.formulations:
                for shrink in config.shrink_axis():
                    s_run = s if shrink is None else dataclasses.replace(s, label=f"{s.label}+{shrink_label(shrink)}")
                    for seed in config.seeds:
                        specs.append(RunSpec(config.name, ref, s_run, _component(form), seed, config.time_limit,
                                             config.repair, shrink, readout=config.readout))
    return specs


def _component(spec: ComponentSpec) -> Component:
    return Component(spec.name, spec.display, dict(spec.params))


def shrink_label(shrink: dict[str, Any]) -> str:
    """How a shrink setting shows next to its solver's label, e.g. ``shrink(20,sdp,aware,k5)``."""
    if shrink.get("label"):
        return str(shrink["label"])
    parts = [str(shrink.get("target", 0.5)), str(shrink.get("estimator", "sdp")),
             "aware" if shrink.get("constraint_aware", True) else "plain",
             f"k{shrink.get('recompute_every', 5)}"]
    if shrink.get("recompute_below") is not None:
        parts.append(f"below{shrink['recompute_below']}")
    return f"shrink({','.join(parts)})"
