"""Independent re-checking of stored results (``qbench verify``); shares no code with the solver path."""

from qbench.verify.check import VerifyReport, verify_results

__all__ = ["VerifyReport", "verify_results"]
