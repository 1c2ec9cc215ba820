"""Case data: schema, ingest, CRS handling, commune geocoding and synthetic demo data."""
