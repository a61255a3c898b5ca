"""The headline table of the comparative study: per problem, the methods that finished every instance
of it, mean [95 % bootstrap CI] over runs (the report's "methods compared" table, in Markdown); the
methods that ran on only some instances (too many qubits elsewhere) are named below each table.

    .venv/bin/python experiments/comparative/headline.py results/comparative
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from qbench.report import fair  # noqa: E402
from qbench.report.export import to_markdown  # noqa: E402
from qbench.report.tables import runs_frame  # noqa: E402
from qbench.runner.store import stored_records  # noqa: E402

METRICS = ["feasible_mass", "p_optimal", "best_gap_pct_raw", "gap_pct", "seconds"]


def main(results_dir: str) -> int:
    _, records = stored_records(Path(results_dir))
    runs = runs_frame(records)
    for problem in sorted(runs["problem"].unique()):
        sub = runs[runs["problem"] == problem]
        instances = sorted(sub["instance"].unique())
        _, methods, missing = fair.common_instances(runs, problem)
        partial = sorted(set(missing["method"]))
        complete = [m for m in methods if m not in partial]
        if not complete:
            print(f"## {problem}: no method finished every instance\n")
            continue
        shown = sub[sub["method"].isin(complete)]
        metrics = fair.available_metrics(shown, METRICS)
        table = fair.method_summary(shown, problem, instances, metrics).drop(columns=["times best"])
        print(f"## {problem}: {len(instances)} instances ({', '.join(instances)})\n")
        print(to_markdown(table) + "\n")
        if partial:
            counts = {m: sub[(sub["method"] == m) & (sub["status"] == "ok")]["instance"].nunique() for m in partial}
            print("Not on every instance (finished / total): "
                  + ", ".join(f"{m} {c}/{len(instances)}" for m, c in counts.items()) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "results/comparative"))
