"""hotspots: key areas, key lines and patrol plans from anti-trafficking case records.

The public API is small on purpose; everything else lives in the domain packages
(``hotspots.areas``, ``hotspots.lines``, ``hotspots.plan``, ``hotspots.maps``,
``hotspots.report``) and is imported from there.
"""

from hotspots.data.ingest import IngestResult, read_cases
from hotspots.errors import HotspotsError, InputError, UnusableInputError

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "read_cases",
    "IngestResult",
    "HotspotsError",
    "InputError",
    "UnusableInputError",
]
