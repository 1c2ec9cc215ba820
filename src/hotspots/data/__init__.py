"""Case data: schema, readers, ingest, CRS handling, commune geocoding, PII separation.

The entry point is :func:`hotspots.read_cases` (:mod:`hotspots.data.ingest`); the demo
data generator is :mod:`hotspots.synthetic`.
"""

__all__: list[str] = []
