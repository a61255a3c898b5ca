"""Matplotlib figures for the report, returned as PNG bytes (the HTML page embeds them)."""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def grouped_bars(table: pd.DataFrame, value: str, title: str, ylabel: str) -> bytes | None:
    """Bars of ``value`` per instance (x) and method (colour), from a per-instance table of one problem."""
    if table.empty or table[value].dropna().empty:
        return None
    pivot = table.pivot_table(index="instance", columns="method", values=value, aggfunc="mean")
    instances, methods = list(pivot.index), list(pivot.columns)
    width = 0.8 / max(len(methods), 1)
    fig, ax = plt.subplots(figsize=(max(6, 0.9 * len(instances) * max(1, len(methods)) ** 0.5 + 2), 3.8))
    x = np.arange(len(instances))
    for k, method in enumerate(methods):
        ax.bar(x + (k - (len(methods) - 1) / 2) * width, pivot[method].to_numpy(dtype=float), width, label=method)
    ax.set_xticks(x, instances, rotation=30, ha="right")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, ncol=2, frameon=False)
    return _png(fig)


def qubits_vs_gap(runs: pd.DataFrame, title: str) -> bytes | None:
    data = runs[(runs["status"] == "ok") & runs["qubits"].notna() & runs["gap_pct"].notna()]
    if data.empty:
        return None
    fig, ax = plt.subplots(figsize=(6, 3.8))
    for method, grp in data.groupby("method"):
        ax.scatter(grp["qubits"], grp["gap_pct"], label=method, alpha=0.7, s=18)
    ax.set_xlabel("qubits")
    ax.set_ylabel("gap after repair (%)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    return _png(fig)


def lagrangian_trace(trace: list[dict[str, Any]], title: str, optimum: float | None) -> bytes | None:
    """Left: dual bound and best feasible primal per outer iteration; right: the multipliers."""
    if not trace:
        return None
    it = [t.get("iteration", k) for k, t in enumerate(trace)]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.4))
    dual = [t.get("dual_value") for t in trace]
    primal = [t.get("best_primal") for t in trace]
    if any(v is not None for v in dual):
        ax1.plot(it, [np.nan if v is None else v for v in dual], label="dual bound", marker=".")
    if any(v is not None for v in primal):
        ax1.plot(it, [np.nan if v is None else v for v in primal], label="best feasible primal", marker=".")
    if optimum is not None:
        ax1.axhline(optimum, color="k", lw=0.8, ls="--", label="optimum")
    ax1.set_xlabel("outer iteration")
    ax1.set_title(title, fontsize=9)
    ax1.legend(fontsize=8, frameon=False)
    ax1.grid(alpha=0.3)
    lambdas = [t.get("lambda") or [] for t in trace]
    width = max((len(v) for v in lambdas), default=0)
    if width:
        lam = np.array([list(v) + [np.nan] * (width - len(v)) for v in lambdas], dtype=float)
        for j in range(min(width, 12)):
            ax2.plot(it, lam[:, j], lw=1)
        ax2.set_title(f"multipliers ({width}{', first 12 shown' if width > 12 else ''})", fontsize=9)
        ax2.set_xlabel("outer iteration")
        ax2.grid(alpha=0.3)
    return _png(fig)
