"""The real police.uk West Yorkshire street-crime files shipped by crime-sim-toolkit (OGL v3).

crime-sim-toolkit is a test dependency (the ``dev`` extra): when it or its data is missing,
the ``realdata`` tests fail with a clear message rather than skip in silence. Deselect them
with ``-m "not realdata"``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["west_yorkshire_files", "west_yorkshire_points"]


def west_yorkshire_files() -> list[Path]:
    """The monthly ``*-west-yorkshire-street.csv`` files, oldest first."""
    import crime_sim_toolkit

    base = Path(crime_sim_toolkit.__file__).parent / "tests" / "testing_data" / "test_policedata"
    files = sorted(base.glob("*/*-west-yorkshire-street.csv"))
    assert files, f"crime_sim_toolkit no longer ships West Yorkshire street files under {base}"
    return files


def west_yorkshire_points() -> pd.DataFrame:
    """``Longitude``, ``Latitude`` of every located crime of all the monthly files."""
    files = west_yorkshire_files()
    df = pd.concat([pd.read_csv(f, usecols=["Longitude", "Latitude"]) for f in files])
    return df.dropna()
