"""Wins and margins of every held-out run (results/held_out_*.txt, written by held_out.py).

Per file: on how many instances QAOA beat uniform on feasible mass *and* P(opt); the worst and the
geometric-mean margin, min(feasible / uniform, P(opt) / uniform) per instance; and the misses.

    .venv/bin/python experiments/null_baseline/held_out_summary.py
"""

from __future__ import annotations

import math
import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ROW = re.compile(r"mdkp (.*?)\s+([\d.]+) / ([\d.e+-]+)\s+\|.*\|\s+([\d.]+) / ([\d.e+-]+) (yes|NO)")


def main() -> None:
    for path in sorted(RESULTS.glob("held_out_*.txt")):
        rows = []
        for line in path.read_text().splitlines():
            m = ROW.match(line)
            if m:
                uf, uo, qf, qo = map(float, m.group(2, 3, 4, 5))
                rows.append((m.group(1).strip(), qf / uf, qo / uo, m.group(6) == "yes"))
        if not rows:
            continue
        margins = [min(r[1], r[2]) for r in rows]
        geo = math.exp(sum(math.log(x) for x in margins) / len(margins))
        misses = ", ".join(f"{r[0]} ({r[1]:.2f}x / {r[2]:.2f}x)" for r in rows if not r[3]) or "-"
        print(f"{path.stem:40s} {sum(r[3] for r in rows):2d}/{len(rows):<2d} worst {min(margins):.2f} "
              f"geo {geo:.2f}  misses: {misses}")


if __name__ == "__main__":
    main()
