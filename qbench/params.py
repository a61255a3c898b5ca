"""Typed parameters for every component (solvers, formulations, multiplier methods, generators).

One pydantic schema per component, derived from its dataclass fields (or a generator's signature) and
their annotations, validates what a config or the CLI passes before the component is built, so
``annealing {num_reads: 2.5}`` or ``lagrangian {tol: 'x'}`` are refused with a line that names the
parameter and lists what is allowed (``describe`` feeds ``qbench params``).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import sys
import typing
from typing import Any

from pydantic import ConfigDict, ValidationError, create_model

from qbench.errors import ConfigError

_CONFIG = ConfigDict(extra="forbid", arbitrary_types_allowed=True)


@dataclasses.dataclass(frozen=True)
class Param:
    name: str
    annotation: Any
    default: Any  # inspect.Parameter.empty when required

    @property
    def required(self) -> bool:
        return self.default is inspect.Parameter.empty

    def render(self) -> str:
        text = f"{self.name}: {type_name(self.annotation)}"
        return text if self.required else f"{text} = {self.default!r}"


def type_name(annotation: Any) -> str:
    if annotation is Any:
        return "any"
    if isinstance(annotation, type) and not typing.get_args(annotation):
        return annotation.__name__
    return str(annotation).replace("typing.", "").replace("NoneType", "None")


def _resolve(annotation: Any, namespace: dict) -> Any:
    if isinstance(annotation, str):
        try:
            return eval(annotation, namespace)  # noqa: S307 - annotations of our own modules
        except Exception:
            return Any
    return annotation


@functools.lru_cache(maxsize=None)
def parameters(target: Any) -> tuple[Param, ...]:
    """The settable parameters of a dataclass component or a generator function."""
    namespace = dict(vars(sys.modules[target.__module__])) if target.__module__ in sys.modules else {}
    out = []
    if dataclasses.is_dataclass(target):
        for f in dataclasses.fields(target):
            if not f.init:
                continue
            if f.default is not dataclasses.MISSING:
                default = f.default
            elif f.default_factory is not dataclasses.MISSING:
                default = f.default_factory()
            else:
                default = inspect.Parameter.empty
            out.append(Param(f.name, _resolve(f.type, namespace), default))
    else:
        for p in inspect.signature(target).parameters.values():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            annotation = Any if p.annotation is p.empty else _resolve(p.annotation, namespace)
            out.append(Param(p.name, annotation, p.default))
    return tuple(out)


@functools.lru_cache(maxsize=None)
def schema(target: Any):
    """The pydantic model of ``target``'s parameters (every field optional: defaults stay the
    component's own, only what the user gives is validated)."""
    fields = {p.name: (p.annotation, None) for p in parameters(target)}
    return create_model(f"{getattr(target, '__name__', 'component')}Params", __config__=_CONFIG, **fields)


def allowed(target: Any) -> str:
    return ", ".join(p.render() for p in parameters(target)) or "none"


def validate(target: Any, params: dict[str, Any], what: str) -> dict[str, Any]:
    """``params`` checked and converted against ``target``'s annotations; a :class:`ConfigError`
    naming the parameter and what is allowed otherwise."""
    params = dict(params or {})
    by_name = {p.name: p for p in parameters(target)}
    for key in params:
        if key not in by_name:
            raise ConfigError(f"{what} has no parameter {key!r}; allowed: {allowed(target)}")
    for key, value in params.items():
        # pydantic's lax mode reads True as 1; a flag given for a number is a mistake
        if isinstance(value, bool) and not _admits_bool(by_name[key].annotation):
            raise ConfigError(f"{what}: parameter {key!r} expects {type_name(by_name[key].annotation)}, "
                              f"got {value!r}; allowed: {allowed(target)}")
    missing = [p.name for p in by_name.values() if p.required and p.name not in params]
    if missing:
        raise ConfigError(f"{what} needs parameter {missing[0]!r}; allowed: {allowed(target)}")
    try:
        model = schema(target).model_validate(params)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"][:1])
        sub = ".".join(str(p) for p in err["loc"][1:])
        raise ConfigError(f"{what}: parameter {key!r} expects {type_name(by_name[key].annotation)}, got "
                          f"{err.get('input')!r} ({err['msg']}{' at ' + sub if sub else ''}); "
                          f"allowed: {allowed(target)}") from None
    return {k: getattr(model, k) for k in params}


def _admits_bool(annotation: Any) -> bool:
    if annotation is Any or annotation is bool:
        return True
    return any(_admits_bool(a) for a in typing.get_args(annotation))


def build(cls: type, params: dict[str, Any], what: str):
    """Validate ``params`` against ``cls`` and instantiate it; the component's own checks
    (``__post_init__``) become the same one-line :class:`ConfigError`."""
    values = validate(cls, params, what)
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{what}: {exc}") from None


def call(func, params: dict[str, Any], what: str):
    """Validate ``params`` against a generator function's signature and call it."""
    values = validate(func, params, what)
    try:
        return func(**values)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{what}: {exc}") from None
