"""Key lines (tuyến trọng điểm): routes, flow clustering, sub-trajectory clustering.

>>> from hotspots.lines import key_lines, cluster_flows  # doctest: +SKIP
>>> kl = key_lines(ingest.routes)                          # doctest: +SKIP
>>> kl.to_file("key_lines.gpkg")                           # doctest: +SKIP
"""

from hotspots.lines.flows import cluster_flows, flow_distance
from hotspots.lines.key_lines import KeyLines, key_lines
from hotspots.lines.routes import (
    legs,
    origin_destination,
    route_lines,
    routes_from_od,
    snap_to_gates,
)
from hotspots.lines.segments import cluster_segments, partition_routes, segment_distance

__all__ = [
    "key_lines",
    "KeyLines",
    "cluster_flows",
    "flow_distance",
    "legs",
    "route_lines",
    "origin_destination",
    "routes_from_od",
    "snap_to_gates",
    "partition_routes",
    "cluster_segments",
    "segment_distance",
]
