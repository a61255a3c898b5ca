"""Reports: tables and plots comparing methods, from an experiment's run store."""

from qbench.report.html import write_report

__all__ = ["write_report"]
