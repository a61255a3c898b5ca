"""What is readable in a data directory: the rows of ``qbench instances list`` and ``show``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qbench.errors import InstanceFormatError, QbenchError
from qbench.problems import load_instances
from qbench.problems.base import Problem

#: Files that sit beside instances but are not instances (solutions, docs, reference tables).
NOT_INSTANCES = (".md", ".sol", ".sln", ".tour", ".csv", ".json", ".yaml", ".yml", ".gz", ".zip", ".enc")
REFERENCE_TABLES = {"mkcbres.txt"}

#: Where each public set comes from (the data directory's folder name -> origin).
SET_SOURCES = {
    "mdkp": "OR-Library mknap + SAC-94 (http://people.brunel.ac.uk/~mastjjb/jeb/orlib/mknapinfo.html)",
    "mis": "QOBLIB 07-independentset (https://github.com/ZIB-AOPT/QOBLIB); Sloane graphs (https://oeis.org/A265032/a265032.html)",
    "qap": "QAPLIB (https://coral.ise.lehigh.edu/data-sets/qaplib/)",
    "tsp": "TSPLIB 95 (http://comopt.ifi.uni-heidelberg.de/software/TSPLIB95/)",
    "marketsplit": "QOBLIB 01-marketsplit (https://github.com/ZIB-AOPT/QOBLIB)",
}
CATALOG_COLUMNS = ["set", "name", "problem", "size", "variables", "qubits_slack", "qubits_slack_free",
                   "optimum", "optimum_status", "source"]


def instance_files(data_dir: Path, set_name: str | None = None) -> list[Path]:
    root = Path(data_dir)
    if set_name:
        root = root / set_name
        if not root.is_dir():
            raise QbenchError(f"{root}: no such instance set (folders: "
                              f"{', '.join(sorted(p.name for p in Path(data_dir).iterdir() if p.is_dir()))})")
    files = []
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.name.lower().endswith(NOT_INSTANCES) and p.name not in REFERENCE_TABLES \
                and not p.name.startswith("."):
            files.append(p)
    return files


def qubit_counts(problem: Problem) -> dict[str, int | None]:
    """Qubits per formulation (None where the formulation is not available for this problem)."""
    from qbench.registry import FORMULATIONS, make_formulation

    out: dict[str, int | None] = {}
    for name in FORMULATIONS:
        try:
            out[name] = int(make_formulation(name).num_qubits(problem))
        except Exception:  # a formulation that does not apply to this problem kind
            out[name] = None
    return out


def _size(problem: Problem) -> str:
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in problem.describe().items())


def row(problem: Problem, path: Path, data_dir: Path) -> dict[str, Any]:
    q = qubit_counts(problem)
    try:
        rel_set = path.relative_to(data_dir).parts[0]
    except ValueError:
        rel_set = path.parent.name
    opt = problem.optimum
    return {
        "set": rel_set, "name": problem.name, "problem": problem.kind, "size": _size(problem),
        "variables": problem.num_variables,
        "qubits_slack": q.get("slack"), "qubits_slack_free": q.get("unbalanced"),
        "optimum": opt.value if opt else None, "optimum_status": opt.status if opt else None,
        "source": SET_SOURCES.get(rel_set, "generated or user-supplied"),
        "file": str(path),
    }


def scan(data_dir: Path, set_name: str | None = None, *,
         solve_missing: float | None = None) -> tuple[list[dict], list[str]]:
    """Rows for every readable instance and one-line errors for unreadable files. With
    ``solve_missing`` (seconds), instances without a published optimum get one computed here."""
    from qbench.solvers.exact import reference_optimum

    rows, errors = [], []
    for path in instance_files(data_dir, set_name):
        try:
            for problem in load_instances(path):
                if problem.optimum is None and solve_missing:
                    problem.optimum = reference_optimum(problem, solve_missing)
                rows.append(row(problem, path, Path(data_dir)))
        except QbenchError as exc:
            errors.append(str(exc))
    return rows, errors


def find(name: str, data_dir: Path, kind: str | None = None) -> list[Problem]:
    """An instance by file path (absolute, relative, or under the data directory) or by name."""
    candidate = Path(name.split("#")[0])
    for base in (Path.cwd(), Path(data_dir)):
        if (base / candidate).is_file():
            suffix = "#" + name.split("#", 1)[1] if "#" in name else ""
            return load_instances(f"{base / candidate}{suffix}", kind)
    stem_matches = [p for p in instance_files(data_dir) if p.stem == name or p.name == name]
    if stem_matches:
        return load_instances(stem_matches[0], kind)
    raise InstanceFormatError(name, f"no such file or instance name in {data_dir}")


def describe(problem: Problem) -> dict[str, Any]:
    return {
        "name": problem.name, "problem": problem.kind, "sense": problem.sense,
        "file": problem.source, **problem.describe(),
        "variables": problem.num_variables,
        "qubits": qubit_counts(problem),
        "optimum": problem.optimum.to_dict() if problem.optimum else None,
    }


def write_catalog(rows: list[dict[str, Any]], out: Path) -> None:
    """The provenance table committed as ``instances/catalog.csv`` (no local paths in it)."""
    import csv

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=CATALOG_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(out)
