"""Matplotlib figures for the report, returned as PNG bytes (the HTML page embeds them).

Every figure takes a ``colors`` mapping so a method has the same colour in every plot, puts its
legend outside the axes (never over data) and is saved with constrained layout and a tight bounding
box (no clipped labels).
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

DPI = 110


def method_colors(methods) -> dict[str, Any]:
    """A fixed colour per method (sorted names -> tab10, then tab20 beyond ten methods)."""
    names = sorted(set(methods))
    cmap = plt.get_cmap("tab10" if len(names) <= 10 else "tab20")
    return {m: cmap(k % cmap.N) for k, m in enumerate(names)}


def _figure(width: float, height: float, ncols: int = 1):
    return plt.subplots(1, ncols, figsize=(width, height), layout="constrained")


def _legend_outside(ax, **kw) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False, **kw)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _color(colors, method):
    return (colors or {}).get(method)


def grouped_bars(table: pd.DataFrame, value: str, title: str, ylabel: str, colors=None,
                 lo: str | None = None, hi: str | None = None) -> bytes | None:
    """Bars of ``value`` per instance (x) and method (colour); error bars from columns ``lo``/``hi``.
    Infinite values (no feasible sample) are drawn as hatched bars to the top of the axis, marked ∞."""
    if table.empty or table[value].dropna().empty:
        return None
    pivot = table.pivot_table(index="instance", columns="method", values=value, aggfunc="mean")
    err = None
    if lo and hi:
        lo_p = table.pivot_table(index="instance", columns="method", values=lo, aggfunc="mean").reindex_like(pivot)
        hi_p = table.pivot_table(index="instance", columns="method", values=hi, aggfunc="mean").reindex_like(pivot)
        err = (lo_p, hi_p)
    instances, methods = list(pivot.index), list(pivot.columns)
    width = 0.8 / max(len(methods), 1)
    fig, ax = _figure(max(6.0, 0.5 * len(instances) * max(1, len(methods)) ** 0.5 + 4), 3.8)
    finite = pivot.to_numpy(dtype=float)
    finite = finite[np.isfinite(finite)]
    top = float(finite.max()) if finite.size else 1.0
    top = top * 1.15 if top > 0 else 1.0
    x = np.arange(len(instances))
    for k, method in enumerate(methods):
        vals = pivot[method].to_numpy(dtype=float)
        pos = x + (k - (len(methods) - 1) / 2) * width
        inf = np.isinf(vals)
        shown = np.where(inf, top, vals)
        yerr = None
        if err is not None:
            l, h = err[0][method].to_numpy(dtype=float), err[1][method].to_numpy(dtype=float)
            ok = np.isfinite(l) & np.isfinite(h) & ~inf
            l, h = np.where(ok, l, 0.0), np.where(ok, h, 0.0)
            yerr = np.vstack([np.where(ok, np.maximum(vals - l, 0), 0), np.where(ok, np.maximum(h - vals, 0), 0)])
        ax.bar(pos, shown, width, label=method, color=_color(colors, method), yerr=yerr, capsize=2,
               hatch=None, error_kw={"lw": 0.8})
        for p_, is_inf in zip(pos, inf):
            if is_inf:
                ax.bar(p_, top, width, color="none", edgecolor="k", hatch="//", lw=0)
                ax.text(p_, top, "∞", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, instances, rotation=30, ha="right")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    if not np.any(finite) and finite.size:  # all zeros: a visible axis instead of matplotlib's ±0.04
        ax.set_ylim(0, 1)
    _legend_outside(ax)
    return _png(fig)


def qubits_vs_gap(runs: pd.DataFrame, title: str, colors=None) -> bytes | None:
    """Left: best raw (unrepaired) gap vs qubits, runs without a feasible sample on the ∞ row;
    right: the gap after repair."""
    data = runs[(runs["status"] == "ok") & runs["qubits"].notna()]
    cols = [c for c in ("best_gap_pct_raw", "gap_pct") if c in data and data[c].notna().any()]
    if data.empty or not cols:
        return None
    fig, axes = _figure(5.0 * len(cols) + 1.5, 3.6, ncols=len(cols))
    axes = np.atleast_1d(axes)
    names = {"best_gap_pct_raw": "best raw gap (%)", "gap_pct": "gap after repair (%)"}
    for ax, col in zip(axes, cols):
        vals = data[col].astype(float)
        finite = vals[np.isfinite(vals)]
        inf_row = (finite.max() * 1.2 if len(finite) and finite.max() > 0 else 1.0)
        for method, grp in data.groupby("method"):
            v = grp[col].astype(float)
            fin = np.isfinite(v)
            ax.scatter(grp["qubits"][fin], v[fin], label=method, alpha=0.75, s=20, color=_color(colors, method))
            if (~fin & v.notna()).any():
                ax.scatter(grp["qubits"][~fin & v.notna()], np.full(int((~fin & v.notna()).sum()), inf_row),
                           marker="^", s=26, alpha=0.75, color=_color(colors, method))
        if (np.isinf(vals)).any():
            ax.axhline(inf_row, color="0.6", lw=0.6, ls=":")
            ax.annotate("∞ (no feasible sample)", (0.01, inf_row), xycoords=("axes fraction", "data"),
                        va="bottom", fontsize=7, color="0.4")
        top = inf_row if np.isinf(vals).any() else (finite.max() if len(finite) else 0.0)
        top = max(float(top), 1.0)
        ax.set_ylim(-0.05 * top, 1.1 * top)  # a readable axis even when every gap is 0
        ax.set_xlabel("qubits")
        ax.set_ylabel(names[col])
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    _legend_outside(axes[-1])
    return _png(fig)


def performance_profile(profiles: dict[str, np.ndarray], title: str, xlabel: str, colors=None) -> bytes | None:
    """Fraction of instances whose (mean) gap is within x % of the optimum, per method."""
    if not profiles:
        return None
    finite = np.concatenate([v[np.isfinite(v)] for v in profiles.values()] + [np.array([0.0])])
    xmax = max(float(finite.max()) * 1.1, 1.0)
    fig, ax = _figure(6.5, 3.6)
    styles = ["-", "--", ":", "-."]
    for k, (method, gaps) in enumerate(sorted(profiles.items())):
        n = len(gaps)
        if n == 0:
            continue
        xs = np.concatenate([[0.0], np.clip(gaps[np.isfinite(gaps)], 0, None), [xmax]])
        xs = np.sort(xs)
        ys = np.array([(gaps <= x + 1e-12).sum() / n for x in xs])
        # identical profiles are common (everyone optimal): line styles and widths keep them all visible
        ax.step(xs, ys, where="post", label=method, color=_color(colors, method), ls=styles[k % 4],
                lw=3.0 - 2.0 * k / max(len(profiles) - 1, 1))
    ax.set_xlim(0, xmax)
    ax.set_ylim(-0.02, 1.05)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("fraction of instances")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    _legend_outside(ax)
    return _png(fig)


def convergence(runs: pd.DataFrame, title: str, colors=None) -> bytes | None:
    """Best-so-far objective of the variational loop against evaluations, one line per run."""
    data = runs[runs["trace_best"].apply(lambda v: isinstance(v, list) and len(v) > 0)]
    if data.empty:
        return None
    fig, ax = _figure(6.5, 3.6)
    seen = set()
    for r in data.itertuples():
        xs = r.trace_evaluation if isinstance(r.trace_evaluation, list) and len(r.trace_evaluation) == len(r.trace_best) \
            else list(range(1, len(r.trace_best) + 1))
        ax.plot(xs, r.trace_best, color=_color(colors, r.method), lw=1, alpha=0.8,
                label=None if r.method in seen else r.method)
        seen.add(r.method)
    ax.set_xlabel("objective evaluations")
    ax.set_ylabel("best objective so far")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    _legend_outside(ax)
    return _png(fig)


def lagrangian_trace(trace: list[dict[str, Any]], title: str, optimum: float | None) -> bytes | None:
    """Left: dual bound and best feasible primal per outer iteration; right: the multipliers."""
    if not trace:
        return None
    it = [t.get("iteration", k) for k, t in enumerate(trace)]
    fig, (ax1, ax2) = _figure(11, 3.4, ncols=2)
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
    _legend_outside(ax1)
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
    else:
        ax2.set_axis_off()
    return _png(fig)
