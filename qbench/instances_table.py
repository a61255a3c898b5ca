"""``qbench instances list`` as text: tab-separated when piped, a table that fits the terminal otherwise."""

from __future__ import annotations

import sys
from pathlib import Path

COLUMNS = [("set", "set"), ("name", "name"), ("problem", "problem"), ("variables", "vars"),
           ("qubits_slack", "q:slack"), ("qubits_slack_free", "q:free"),
           ("optimum", "optimum"), ("optimum_status", "status"), ("size", "size")]


def cell(value) -> str:
    if value is None:
        return "-"
    return f"{value:g}" if isinstance(value, float) else str(value)


def print_instances(rows: list[dict], data_dir: Path, *, stream=None, width: int | None = None) -> None:
    stream = stream or sys.stdout
    if not stream.isatty():
        # for grep/awk/cut: one header line, one line per instance, nothing truncated or wrapped
        stream.write("\t".join(key for key, _ in COLUMNS) + "\n")
        for r in rows:
            stream.write("\t".join(cell(r.get(key)).replace("\t", " ") for key, _ in COLUMNS) + "\n")
        return
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console(file=stream, width=width)
    wide = console.width >= 120
    table = Table(title=f"instances in {data_dir}" if wide else None, box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    shown = [(k, h) for k, h in COLUMNS if wide or k not in ("size", "set")]
    for key, header in shown:
        table.add_column(header, no_wrap=key not in ("size", "name"), overflow="fold",
                         max_width=None if wide or key != "name" else 24, min_width=len(header),
                         justify="right" if key in ("variables", "qubits_slack", "qubits_slack_free", "optimum") else "left")
    for r in rows:
        table.add_row(*(cell(r.get(key)) for key, _ in shown))
    console.print(table)
    if not wide:
        console.print("q:slack / q:free = qubits with the slack / a slack-free formulation; narrow terminal: set "
                      "and size left out (pipe the output or use --json for every column)",
                      style="dim")
