"""Write report files next to the run store: atomically, with the store's permissions, and every
table as Markdown (in report.md), CSV and LaTeX (under ``tables/``)."""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd


class ReportWriter:
    """Writes files under ``directory`` with the permission bits of ``like`` (the run store), so a
    report is as readable as the results it describes (mkstemp alone would give 0600)."""

    def __init__(self, directory: Path, like: Path):
        self.directory = directory
        self.mode = stat.S_IMODE(os.stat(like).st_mode) if like.exists() else 0o644
        self.written: list[Path] = []

    def write(self, relative: str, data: str | bytes) -> Path:
        path = self.directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, self.mode)
        os.replace(tmp, path)
        self.written.append(path)
        return path

    def table(self, slug: str, df: pd.DataFrame, bold: pd.DataFrame | None = None,
              numbers: pd.DataFrame | None = None) -> None:
        """``tables/<slug>.csv`` (``numbers`` when given: the numeric long form) and ``.tex``."""
        self.write(f"tables/{slug}.csv", (numbers if numbers is not None else df).to_csv(index=False))
        self.write(f"tables/{slug}.tex", to_latex(df, bold))


def slug(*parts: str) -> str:
    return "-".join(re.sub(r"[^A-Za-z0-9]+", "_", str(p)).strip("_").lower() for p in parts if p)


def _cell(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, (float, np.floating)):
        return "∞" if np.isinf(v) else f"{v:.4g}"
    return str(v)


_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
        "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "∞": r"$\infty$"}


def _tex(text: str) -> str:
    return "".join(_TEX.get(ch, ch) for ch in text)


def to_latex(df: pd.DataFrame, bold: pd.DataFrame | None = None) -> str:
    """A booktabs tabular; cells where ``bold`` is True are set in bold."""
    if df.empty:
        return "% no rows\n"
    cols = list(df.columns)
    lines = [r"\begin{tabular}{" + "l" * len(cols) + "}", r"\toprule",
             " & ".join(_tex(str(c)) for c in cols) + r" \\", r"\midrule"]
    for i, (_, row) in enumerate(df.iterrows()):
        cells = []
        for j, c in enumerate(cols):
            text = _tex(_cell(row[c]))
            if bold is not None and c in bold.columns and bool(bold.iloc[i][c]):
                text = r"\textbf{" + text + "}"
            cells.append(text)
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", ""]
    return "\n".join(lines)


def to_markdown(df: pd.DataFrame, bold: pd.DataFrame | None = None) -> str:
    if df.empty:
        return "_no rows_\n"
    cols = list(df.columns)
    lines = ["| " + " | ".join(map(str, cols)) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for i, (_, row) in enumerate(df.iterrows()):
        cells = []
        for c in cols:
            text = _cell(row[c]).replace("|", "\\|")
            if text and bold is not None and c in bold.columns and bool(bold.iloc[i][c]):
                text = f"**{text}**"
            cells.append(text)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
