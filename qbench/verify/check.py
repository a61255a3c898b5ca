"""``qbench verify``: re-check every stored run of an experiment folder against its instance files.

Reads the SQLite store directly (read-only, no ``qbench.runner`` code), rebuilds the planned grid
from the stored config, reads each instance with :mod:`qbench.verify.readers` and re-evaluates each
stored solution with :mod:`qbench.verify.evaluate`.

Generated instances have no file: the generator *is* their definition, so the verifier calls
``qbench.problems.generate`` (the only solver-path code it uses), checks the generator fingerprint
the run stored, and takes the raw arrays (profits, edges, matrices) from the generated object; the
objective and feasibility are still evaluated by the verifier's own code. The runner stores a digest
of each generated instance's arrays (meta ``instance_digests``), so a generator whose output changed
between the run and the check is reported instead of silently verifying against another instance.
"""

from __future__ import annotations

import glob as globlib
import hashlib
import json
import math
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qbench.errors import QbenchError
from qbench.verify.evaluate import BadSolution, evaluate, gap_pct
from qbench.verify.readers import Graph, MarketSplit, Mdkp, Qap, Tsp, VerifyReadError, read_file

STORE_NAME = "runs.sqlite"
REL_TOL = 1e-6


@dataclass
class VerifyReport:
    runs: int = 0
    planned: int = 0
    duplicates: int = 0
    mismatches: int = 0
    statuses: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.duplicates == 0 and self.mismatches == 0 and self.runs == self.planned

    def line(self) -> str:
        return f"runs {self.runs} planned {self.planned} duplicates {self.duplicates} mismatches {self.mismatches}"


@dataclass
class _Instance:
    kind: str
    name: str
    data: Any


def verify_results(results_dir: str | Path, data_dir: str | Path | None = None) -> VerifyReport:
    results_dir = Path(results_dir)
    store = results_dir / STORE_NAME
    if not store.is_file():
        raise QbenchError(f"{results_dir}: no {STORE_NAME} here (not an experiment folder)")
    meta, rows = _read_store(store)
    if "config" not in meta:
        raise QbenchError(f"{store}: no stored config (meta table has no 'config')")
    config = meta["config"]
    report = VerifyReport()
    kinds = {str((r["config"].get("instance") or {}).get("fingerprint", "")).split(":")[0]: r["problem"]
             for r in rows}
    instances = _resolve_instances(config, meta, data_dir, report, kinds)
    for fp, digest in (meta.get("instance_digests") or {}).items():
        inst = instances.get(fp)
        if inst is not None and _digest(inst.data) != digest:
            report.mismatches += 1
            report.problems.append(f"mismatch: generated instance {inst.name}: its data differ from the run's "
                                   "(the generator changed since); results cannot be checked against it")
            del instances[fp]
    report.planned = len(instances) * _runs_per_instance(config)
    report.runs = len(rows)
    keys = Counter((r["instance"], r["formulation"], r["solver"], r["seed"]) for r in rows)
    report.duplicates = sum(c - 1 for c in keys.values())
    for key, c in keys.items():
        if c > 1:
            report.problems.append(f"duplicate: {c} rows for {key}")
    for row in rows:
        report.statuses[row["status"]] += 1
        if row["status"] == "ok":
            _check_row(row, instances, report)
    return report


def _read_store(path: Path) -> tuple[dict, list[dict]]:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise QbenchError(f"{path}: cannot open the store ({exc})") from None
    try:
        conn.row_factory = sqlite3.Row
        meta = {r["key"]: json.loads(r["value"]) for r in conn.execute("SELECT key, value FROM meta")}
        rows = []
        for r in conn.execute("SELECT run_id, instance, problem, formulation, solver, seed, status, config, "
                              "result FROM runs"):
            row = dict(r)
            row["config"], row["result"] = json.loads(row["config"]), json.loads(row["result"])
            rows.append(row)
    except sqlite3.Error as exc:
        raise QbenchError(f"{path}: not a readable qbench store ({exc})") from None
    finally:
        conn.close()
    return meta, rows


def _runs_per_instance(config: dict) -> int:
    from qbench.registry import is_problem_solver  # a name table, not solver code

    from qbench.registry import solver_class

    forms, seeds = len(config.get("formulations") or []), len(config.get("seeds") or [])
    shrink = config.get("shrink")
    shrinks = len(shrink) if isinstance(shrink, list) else 1
    if shrinks == 0:
        shrinks = 1

    def per_solver(name: str) -> int:
        if is_problem_solver(name):  # seeded problem solvers (random-feasible) run once per seed
            return seeds if getattr(solver_class(name), "seeded", False) else 1
        return forms * shrinks * seeds

    return sum(per_solver(s["name"]) for s in config["solvers"])


def _resolve_instances(config: dict, meta: dict, data_dir, report: VerifyReport,
                       kinds: dict[str, str]) -> dict[str, _Instance]:
    """Every planned instance keyed by the fingerprint the runner stores with each run."""
    from qbench.paths import default_data_dir, resolve_data_path

    config_dir = Path(meta["config_dir"]) if "config_dir" in meta else \
        Path(meta.get("config_path", ".")).resolve().parent
    if data_dir is None:
        data_dir = Path(meta["data_dir"]) if meta.get("data_dir") else default_data_dir()
    data_dir = Path(data_dir)
    if config.get("data_dir"):
        d = Path(config["data_dir"])
        data_dir = d if d.is_absolute() else (config_dir / d).resolve()
    out: dict[str, _Instance] = {}
    for i, spec in enumerate(config["instances"]):
        try:
            if spec.get("generate"):
                out.update(_generated(spec, data_dir, config_dir, resolve_data_path))
            else:
                out.update(_from_files(spec, data_dir, config_dir, resolve_data_path, kinds))
        except (VerifyReadError, OSError, UnicodeDecodeError, QbenchError) as exc:
            report.mismatches += 1
            report.problems.append(f"instances.{i}: cannot read ({exc})")
    return out


def _from_files(spec: dict, data_dir: Path, config_dir: Path, resolve, kinds) -> dict[str, _Instance]:
    if spec.get("file"):
        file_part, _, selector = spec["file"].partition("#")
        paths = [resolve(file_part, data_dir, base=config_dir)]
    else:
        selector = ""
        pattern = spec["glob"] if Path(spec["glob"]).is_absolute() else \
            str(resolve(".", data_dir, base=config_dir) / spec["glob"])
        paths = [Path(p) for p in sorted(globlib.glob(pattern))]
    out = {}
    for path in paths:
        if not path.exists() and spec.get("optional"):
            continue
        fp = hashlib.sha1(path.read_bytes()).hexdigest()
        kind = spec.get("problem") or kinds.get(fp) or _kind_of(path)
        datas = read_file(path, kind)
        if selector:
            if selector.isdigit() and int(selector) < len(datas):
                datas = [datas[int(selector)]]
            else:
                datas = [d for d in datas if getattr(d, "name", path.stem) in (selector, "")] or \
                    ([datas[0]] if len(datas) == 1 else [])
        for k, d in enumerate(datas):
            out[f"{fp}:{k}"] = _Instance(kind, path.stem, d)
    return out


def _kind_of(path: Path) -> str:
    """The verifier's own guess from the file's ending and first line (the runner records the kind too)."""
    name = path.name.lower()
    if name.endswith((".gph", ".txt")) and not name.startswith("mknap") and not name.startswith("mkcb"):
        return "mis"
    if name.endswith((".tsp", ".atsp")):
        return "tsp"
    if name.endswith(".txt"):
        return "mdkp"
    text = path.read_text(errors="replace")
    if text.lstrip().startswith("#"):
        return "marketsplit"
    first = text.split("\n", 1)[0].split()
    return "mdkp" if len(first) >= 3 or len(text.split()) < 3 else "qap"


def _generated(spec: dict, data_dir: Path, config_dir: Path, resolve) -> dict[str, _Instance]:
    from qbench.problems import generate

    kind, params = spec["generate"], dict(spec.get("params") or {})
    if "file" in params:
        params["file"] = str(resolve(params["file"], data_dir, base=config_dir))
    fp = hashlib.sha1(json.dumps([kind, params], sort_keys=True).encode()).hexdigest()
    problem = generate(kind, **params)
    return {fp: _Instance(kind, problem.name, _raw_data(kind, problem))}


def _raw_data(kind: str, p):
    import numpy as np

    if kind == "mdkp":
        return Mdkp(np.asarray(p.profits), np.asarray(p.weights), np.asarray(p.capacities))
    if kind == "mis":
        return Graph(int(p.num_vertices), np.asarray(p.edges, dtype=np.int64).reshape(-1, 2))
    if kind == "qap":
        return Qap(np.asarray(p.flow), np.asarray(p.distance))
    if kind == "tsp":
        return Tsp(np.asarray(p.weights))
    return MarketSplit(np.asarray(p.A, dtype=float), np.asarray(p.b, dtype=float), p.variant)


def _digest(data) -> str:
    import numpy as np

    h = hashlib.sha256()
    for name, value in sorted(vars(data).items()):
        h.update(name.encode())
        h.update(np.ascontiguousarray(np.asarray(value, dtype=float)).tobytes() if not isinstance(value, str)
                 else value.encode())
    return h.hexdigest()


def instance_digest(kind: str, problem) -> str:
    """SHA-256 of a generated instance's raw arrays (called by the runner at planning time)."""
    return _digest(_raw_data(kind, problem))


def _close(a: float, b: float) -> bool:
    if a is None or b is None:
        return a is b
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= REL_TOL * max(1.0, abs(a), abs(b))


def _beats(kind: str, value: float, optimum: float) -> bool:
    from qbench.verify.evaluate import SENSE

    tol = REL_TOL * max(1.0, abs(optimum))
    return value > optimum + tol if SENSE[kind] == "max" else value < optimum - tol


def _check_row(row: dict, instances: dict[str, _Instance], report: VerifyReport) -> None:
    label = f"{row['instance']} / {row['formulation']} / {row['solver']} / seed {row['seed']}"
    fp = (row["config"].get("instance") or {}).get("fingerprint")
    inst = instances.get(fp)

    def bad(msg: str) -> None:
        report.mismatches += 1
        report.problems.append(f"mismatch: {label}: {msg}")

    if inst is None:
        return bad("instance not in the stored config, or its file changed since the run")
    result, metrics = row["result"], row["result"].get("metrics") or {}
    forms = [("x", result.get("x"))]
    if isinstance(result.get("solution"), list):
        forms.append(("solution", result["solution"]))
    for what, x in forms:
        try:
            value, feasible = evaluate(row["problem"], inst.data, x)
        except BadSolution as exc:
            return bad(f"stored {what}: {exc}")
        if feasible != bool(metrics.get("feasible")):
            return bad(f"stored {what} is {'feasible' if feasible else 'infeasible'}, "
                       f"the run says feasible={metrics.get('feasible')}")
        if value is not None and not _close(value, metrics.get("best_objective")):
            return bad(f"objective of stored {what} is {value:g}, the run says {metrics.get('best_objective')}")
        opt = metrics.get("optimum")
        if feasible and opt is not None and value is not None and _beats(row["problem"], value, opt):
            if metrics.get("optimum_status") == "proven":
                return bad(f"feasible stored {what} with objective {value:g} beats the proven optimum {opt:g}")
            report.problems.append(f"note: {label}: objective {value:g} beats the "
                                   f"{metrics.get('optimum_status') or 'reference'} value {opt:g}")
        if feasible and opt is not None and value is not None and metrics.get("gap_pct") is not None:
            if not _close(gap_pct(row["problem"], value, opt), metrics["gap_pct"]):
                return bad(f"gap {gap_pct(row['problem'], value, opt):g}% against the stored optimum {opt:g}, "
                           f"the run says {metrics['gap_pct']:g}%")
