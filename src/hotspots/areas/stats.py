"""Local statistics of areal counts: Getis-Ord Gi*, local Moran's I, FDR and classes.

Pure numpy/scipy, vectorised; no numba, so a fresh process pays no compile time.
Weights are binary ``scipy.sparse`` adjacency matrices without self loops (see
:mod:`hotspots.areas.weights`).

Permutation inference (both statistics) is *conditional randomisation* as in esda and
GeoDa: for observation ``i`` its own value stays, and the values of its ``k_i`` neighbours
are drawn without replacement from the other ``n - 1`` observations. Observations are
processed in chunks; the draws of a chunk are shared by its observations (each one
skipping itself), as esda shares one set of draws for all observations. The pseudo
p-value is folded: ``(min(larger, smaller) + 1) / (permutations + 1)`` where ``larger``
counts simulated statistics ``>=`` the observed one and ``smaller`` those ``<=``. Without
ties this is esda's ``min(larger, permutations - larger)``; with ties (count data with
many zeros, cells without neighbours) esda calls a cell whose every simulation equals
the observed value significant (p = 1 / (permutations + 1)), here it gets p = 1.
Same ``seed`` → same p-values.

The statistics live in one module each (:mod:`hotspots.areas.gistar`,
:mod:`hotspots.areas.moran`, :mod:`hotspots.areas.significance`, shared permutation code
in :mod:`hotspots.areas._permutation`); this module gathers them under one name.
"""

from hotspots.areas.gistar import GiStar, gi_star
from hotspots.areas.moran import QUADRANTS, LocalMoran, local_moran
from hotspots.areas.significance import CONFIDENCE_LEVELS, confidence_class, fdr

__all__ = [
    "GiStar",
    "LocalMoran",
    "gi_star",
    "local_moran",
    "fdr",
    "confidence_class",
    "CONFIDENCE_LEVELS",
    "QUADRANTS",
]
