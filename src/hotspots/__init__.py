"""hotspots: key areas, key lines and patrol plans from anti-trafficking case records."""

__version__ = "0.1.0"
