"""Graph shrinking (arXiv 2506.14250; correlations after Fischer et al., arXiv 2404.17242): merge
strongly correlated QUBO variables before the quantum solver runs, expand and repair afterwards.

Modules: :mod:`~qbench.shrink.maxcut` (QUBO <-> Max-Cut graph), :mod:`~qbench.shrink.estimators`
(SDP, LP, spectral, samples), :mod:`~qbench.shrink.merge` (merge rule, record, expansion),
:mod:`~qbench.shrink.guards` (constraint-aware hooks per problem kind), :mod:`~qbench.shrink.control`
(the adaptive loop and targets), :mod:`~qbench.shrink.verify` (verification and repair),
:mod:`~qbench.shrink.composite` (shrink -> solve -> expand as one QUBO solver).
"""

from qbench.shrink.composite import ShrinkingSolver, shrink_config, wrap_solver
from qbench.shrink.control import ShrinkConfig, ShrinkOutcome, shrink
from qbench.shrink.guards import CHECKS, MergeGuard, ModelRows, VariableLayout, check_for
from qbench.shrink.maxcut import IsingGraph
from qbench.shrink.merge import Merge, MergeRecord, MergeState

__all__ = ["ShrinkingSolver", "shrink_config", "wrap_solver", "ShrinkConfig", "ShrinkOutcome", "shrink",
           "CHECKS", "MergeGuard", "ModelRows", "VariableLayout", "check_for", "IsingGraph", "Merge", "MergeRecord",
           "MergeState"]
