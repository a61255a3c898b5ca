"""Circuit resources stored with every circuit run: logical depth, 2-qubit gates and parameters, and,
on request (``resources_on: <fake device>``), the ISA depth and 2-qubit count after a seeded
``generate_preset_pass_manager`` on that device, whatever backend simulated the run."""

from __future__ import annotations

import functools
from typing import Any


def two_qubit_count(circuit) -> int:
    return sum(1 for inst in circuit.data if inst.operation.num_qubits == 2 and inst.operation.name != "barrier")


def logical_resources(circuit) -> dict[str, Any]:
    c = circuit.remove_final_measurements(inplace=False) if circuit.num_clbits else circuit
    return {"depth": int(c.depth()), "two_qubit_gates": two_qubit_count(c),
            "parameters": int(c.num_parameters), "circuit_qubits": int(c.num_qubits)}


@functools.lru_cache(maxsize=16)
def _pass_manager(device: str, seed: int, level: int):
    from qiskit.transpiler import generate_preset_pass_manager

    from qbench.backends.noisy import fake_device

    return generate_preset_pass_manager(optimization_level=level, backend=fake_device(device), seed_transpiler=seed)


def isa_resources(circuit, device: str, seed: int = 0, level: int = 1, isa=None) -> dict[str, Any]:
    """ISA depth and 2-qubit gates of ``circuit`` on the fake ``device`` (or of ``isa`` if given)."""
    from qbench.backends.noisy import active_qubits, fake_device

    name = fake_device(device).name
    if isa is None:
        c = circuit.remove_final_measurements(inplace=False) if circuit.num_clbits else circuit
        isa = _pass_manager(name, int(seed), int(level)).run(c)
    return {"isa_device": name, "isa_depth": int(isa.depth(lambda inst: inst.operation.name != "barrier")),
            "isa_two_qubit_gates": two_qubit_count(isa), "isa_active_qubits": len(active_qubits(isa))}


def circuit_resources(circuit, resources_on: str | None = None, seed: int = 0, isa=None,
                      isa_device: str | None = None) -> dict[str, Any]:
    """Logical resources, plus ISA ones on ``resources_on`` and, when the run itself was transpiled
    (``isa`` on ``isa_device``), those of the circuit that actually ran."""
    out = logical_resources(circuit)
    if isa is not None and isa_device is not None:
        out.update(isa_resources(circuit, isa_device, seed, isa=isa))
    if resources_on and (isa_device is None or resources_on != isa_device):
        extra = isa_resources(circuit, resources_on, seed)
        out.update({f"on_{k}" if isa is not None else k: v for k, v in extra.items()})
    return out
