"""The experiment config: a YAML file that describes a grid of runs.

```yaml
name: quickstart                  # results go to <results>/<name>/
instances:
  - file: mdkp/pet2.dat           # relative to the data directory (or absolute)
  - glob: mis/1tc.*.txt
    problem: mis                  # optional: settles the kind when it cannot be inferred
  - generate: mdkp                # a generator and its parameters
    params: {n: 10, m: 1, seed: 1}
formulations:
  - name: slack
  - name: lagrangian
    label: lagrangian-bundle
    params: {multiplier: bundle}
solvers:
  - name: qaoa
    params: {reps: 2}
  - name: exact                   # problem solvers take the instance directly (no formulation)
seeds: [0, 1, 2]
time_limit: 60
```

Every mistake (unknown key, bad value, unknown solver parameter) becomes one :class:`ConfigError`
line that names the file, the key and what is allowed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, ValidationError, model_validator

from qbench.errors import ConfigError, QbenchError
from qbench.registry import (FORMULATIONS, PROBLEM_KINDS, all_solver_names, is_problem_solver, make_formulation,
                             make_solver)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InstanceSpec(_Strict):
    file: str | None = None
    glob: str | None = None
    generate: str | None = None
    problem: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    #: Skip (rather than fail on) a file or glob that is absent, e.g. a public set that is not installed.
    optional: bool = False

    @model_validator(mode="after")
    def _one_source(self) -> "InstanceSpec":
        given = [k for k in ("file", "glob", "generate") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of 'file', 'glob' or 'generate'")
        if self.generate and self.generate not in PROBLEM_KINDS:
            raise ValueError(f"unknown generator {self.generate!r}; allowed: {', '.join(PROBLEM_KINDS)}")
        if self.problem and self.problem not in PROBLEM_KINDS:
            raise ValueError(f"unknown problem {self.problem!r}; allowed: {', '.join(PROBLEM_KINDS)}")
        if self.params and not self.generate:
            raise ValueError("'params' only applies to 'generate'")
        return self


class ComponentSpec(_Strict):
    name: str
    label: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)

    @property
    def display(self) -> str:
        return self.label or self.name


class ExperimentConfig(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    data_dir: str | None = None
    instances: list[InstanceSpec] = Field(min_length=1)
    formulations: list[ComponentSpec] = Field(default_factory=lambda: [ComponentSpec(name="slack")])
    solvers: list[ComponentSpec] = Field(min_length=1)
    seeds: list[NonNegativeInt] = Field(default_factory=lambda: [0], min_length=1)
    time_limit: float = Field(60.0, gt=0)
    repair: bool = True
    #: How a run's single answer is read out for the ``readout_*`` metrics (see qbench.scoring).
    readout: Literal["most-likely", "best-sample", "lowest-energy"] = "best-sample"
    #: Set aside (instead of refusing the whole config) runs whose QUBO is too large for the solver.
    skip_too_large: bool = False
    #: Graph shrinking before QUBO solvers: one mapping (``{target: 20, estimator: sdp, ...}``), or a
    #: list of mappings and ``none`` as a grid axis (see :mod:`qbench.shrink`).
    shrink: dict[str, Any] | list[dict[str, Any] | str | None] | None = None

    def shrink_axis(self) -> list[dict[str, Any] | None]:
        """The shrink settings of the grid: ``[None]`` when the config has no shrink stage."""
        items = self.shrink if isinstance(self.shrink, list) else [self.shrink]
        return [None if item is None or (isinstance(item, str) and item.lower() == "none") else item
                for item in items] or [None]
    #: Where runs execute: ``{workers: N}`` (local process pool) or ``{dask: ADDRESS}`` (``local``
    #: starts a LocalCluster; optional ``workers``). ``qbench run --workers/--dask`` override it.
    executor: "ExecutorSpec | None" = None
    #: Time-to-target and evaluations-to-target in the report (see qbench.report.target):
    #: ``{gap_pct: 1.0, confidence: 0.99}``; ``qbench report --target-gap`` sets or overrides it.
    target: "TargetSpec | None" = None


class TargetSpec(_Strict):
    gap_pct: float = Field(ge=0)
    confidence: float = Field(0.99, gt=0, lt=1)


class ExecutorSpec(_Strict):
    dask: str | None = None
    workers: int | None = Field(None, ge=1)


ExperimentConfig.model_rebuild()


def load_config(path: str | Path) -> ExperimentConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc})") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    try:
        config = ExperimentConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_first_error(exc)}") from None
    _check_components(config, path)
    _check_shrink(config, path)
    return config


def _first_error(exc: ValidationError) -> str:
    # An unknown key explains a missing one ("solver:" for "solvers:"), so it is reported first.
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    err = errors[0]
    key = ".".join(str(p) for p in err["loc"])
    if err["type"] == "extra_forbidden":
        parent = err["loc"][:-1]
        allowed = _allowed_keys(parent)
        import difflib

        close = difflib.get_close_matches(str(err["loc"][-1]), allowed, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown key {key!r}" + (f"; allowed: {', '.join(allowed)}" if allowed else "") + hint
    msg = err["msg"].removeprefix("Value error, ")
    return f"{key}: {msg}" if key else msg


def _allowed_keys(parent_loc: tuple) -> list[str]:
    model: type[BaseModel] = ExperimentConfig
    for part in parent_loc:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[part].annotation
        inner = getattr(annotation, "__args__", (annotation,))[0]
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            model = inner
    return list(model.model_fields)


def _check_components(config: ExperimentConfig, path: Path) -> None:
    """Build every formulation and solver once (and check every generator's parameters) so a typo in
    a parameter fails before any run."""
    from qbench.params import validate
    from qbench.registry import problem_module

    for i, spec in enumerate(config.instances):
        if spec.generate:
            validate(problem_module(spec.generate).generate, spec.params,
                     f"{path}: instances.{i}.params: generator {spec.generate!r}")
    for i, spec in enumerate(config.formulations):
        if spec.name not in FORMULATIONS:
            raise ConfigError(f"{path}: formulations.{i}.name: unknown formulation {spec.name!r}; "
                              f"allowed: {', '.join(FORMULATIONS)}")
        _build(make_formulation, spec, f"{path}: formulations.{i}")
    for i, spec in enumerate(config.solvers):
        if spec.name not in all_solver_names():
            raise ConfigError(f"{path}: solvers.{i}.name: unknown solver {spec.name!r}; "
                              f"allowed: {', '.join(all_solver_names())}")
        _build(make_solver, spec, f"{path}: solvers.{i}")
    qubo_solvers = [s.name for s in config.solvers if not is_problem_solver(s.name)]
    if qubo_solvers and not config.formulations:
        raise ConfigError(f"{path}: formulations: empty, so QUBO solver {qubo_solvers[0]!r} would run nothing; "
                          "list at least one formulation (e.g. slack)")
    labels = [s.display for s in config.solvers]
    dup = {x for x in labels if labels.count(x) > 1}
    if dup:
        raise ConfigError(f"{path}: solvers: {sorted(dup)[0]!r} appears twice; give each a distinct 'label'")
    labels = [f.display for f in config.formulations]
    dup = {x for x in labels if labels.count(x) > 1}
    if dup:
        raise ConfigError(f"{path}: formulations: {sorted(dup)[0]!r} appears twice; give each a distinct 'label'")


def _build(factory, spec: ComponentSpec, where: str):
    try:
        return factory(spec.name, spec.params)
    except QbenchError as exc:
        raise ConfigError(f"{where}.params: {exc}") from None


def _check_shrink(config: ExperimentConfig, path: Path) -> None:
    from qbench.shrink.composite import shrink_config

    for i, item in enumerate(config.shrink if isinstance(config.shrink, list) else [config.shrink]):
        where = f"{path}: shrink" + (f".{i}" if isinstance(config.shrink, list) else "")
        if isinstance(item, str) and item.lower() != "none":
            raise ConfigError(f"{where}: expected a mapping or 'none', not {item!r}")
        if isinstance(item, dict):
            if "label" in item and not isinstance(item["label"], str):
                raise ConfigError(f"{where}.label: expected a string")
            try:
                shrink_config({k: v for k, v in item.items() if k != "label"})
            except QbenchError as exc:
                raise ConfigError(f"{where}: {exc}") from None
