"""Problem kinds, their readers and generators.

Each kind lives in its own module (``mdkp``, ``mis``, ``qap``, ``tsp``, ``marketsplit``) exposing:

* a :class:`~qbench.problems.base.Problem` subclass;
* ``SUFFIXES`` (file endings it reads) and ``sniff(path, text) -> bool`` (does this file look like ours?);
* ``read(path) -> list[Problem]`` (most files hold one instance; OR-Library files hold many);
* ``generate(**params) -> Problem`` (seeded, deterministic).

``load_instances`` below is the single entry point used by the CLI and the runner.
"""

from __future__ import annotations

from pathlib import Path

from qbench.errors import InstanceFormatError
from qbench.problems.base import BinaryModel, Optimum, Problem
from qbench.problems.io import read_text
from qbench.registry import PROBLEM_KINDS, problem_module

__all__ = ["BinaryModel", "Optimum", "Problem", "load_instances", "load_instance", "detect_kind", "generate"]


def detect_kind(path: str | Path) -> str:
    """Infer the problem kind of a file from its ending and, where endings are shared, its contents."""
    path = Path(path)
    text = read_text(path)
    candidates = [k for k in PROBLEM_KINDS if _suffix_matches(problem_module(k), path)]
    matches = [k for k in candidates if problem_module(k).sniff(path, text)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise InstanceFormatError(path, "cannot tell which problem this file holds; pass --problem "
                                  f"({'|'.join(PROBLEM_KINDS)})")
    raise InstanceFormatError(path, f"ambiguous format (could be {' or '.join(matches)}); pass --problem")


def _suffix_matches(module, path: Path) -> bool:
    name = path.name.lower()
    return any(name.endswith(s) for s in module.SUFFIXES)


def load_instances(path: str | Path, kind: str | None = None) -> list[Problem]:
    """All instances in a file. ``path`` may end in ``#K`` (0-based index) or ``#NAME`` to pick one."""
    spec = str(path)
    selector = None
    if "#" in spec:
        spec, selector = spec.rsplit("#", 1)
    p = Path(spec)
    kind = kind or detect_kind(p)
    problems = problem_module(kind).read(p)
    if selector is None:
        return problems
    if selector.isdigit() and int(selector) < len(problems):
        return [problems[int(selector)]]
    chosen = [q for q in problems if q.name == selector]
    if not chosen:
        raise InstanceFormatError(p, f"no instance {selector!r} in this file ({len(problems)} instances)")
    return chosen


def load_instance(path: str | Path, kind: str | None = None) -> Problem:
    problems = load_instances(path, kind)
    if len(problems) != 1:
        raise InstanceFormatError(str(path).split("#")[0], f"holds {len(problems)} instances; pick one with FILE#INDEX or FILE#NAME")
    return problems[0]


def generate(kind: str, **params) -> Problem:
    """A generated instance; parameters are validated against the generator's signature."""
    from qbench.params import call

    return call(problem_module(kind).generate, params, f"generator {kind!r}")
