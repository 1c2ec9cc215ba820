"""Write the small real-format samples (police.uk, Chicago, San Francisco, NYC, LA, a GeoJSON
export, a European semicolon CSV) used by tests/test_real_formats.py.

Column names and value formats copy the public exports; the values are made up (a few dozen
rows around real streets of each city, on two hot spots so key-areas has something to find).
Run once: ``.venv/bin/python tests/data/real_formats/make_samples.py``; the output is
deterministic.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
rng = np.random.default_rng(42)


def pts(n: int, lon: float, lat: float, spread: float = 0.004) -> list[tuple[float, float]]:
    """``n`` points: two thirds on a hot spot, the rest spread over ~10 km."""
    out = []
    for i in range(n):
        s = spread if i % 3 else 0.05
        out.append((lon + rng.normal(0, s), lat + rng.normal(0, s)))
    return out


def write(name: str, header: list[str], rows: list[list[object]], delim: str = ",") -> None:
    with open(HERE / name, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=delim, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


# --- police.uk street-level CSV ----------------------------------------------------------
rows = []
for i, (x, y) in enumerate(pts(40, -1.5491, 53.8008)):
    month = ["2019-01", "2019-02", "2019-03", "2019-04"][i % 4]
    cid = "" if i % 5 == 0 else f"{rng.integers(0, 2**63):016x}{i:048x}"
    typ = "Anti-social behaviour" if i % 5 == 0 else ["Burglary", "Vehicle crime"][i % 2]
    outcome = "" if i % 5 == 0 else "Investigation complete; no suspect identified"
    lon, lat = (f"{x:.6f}", f"{y:.6f}") if i not in (7, 23) else ("", "")
    loc = "On or near Briggate" if lon else "No Location"
    lsoa = ("E01011365", "Leeds 111B") if lon else ("", "")
    rows.append(
        [
            cid,
            month,
            "West Yorkshire Police",
            "West Yorkshire Police",
            lon,
            lat,
            loc,
            *lsoa,
            typ,
            outcome,
            "",
        ]
    )
write(
    "policeuk_street.csv",
    [
        "Crime ID",
        "Month",
        "Reported by",
        "Falls within",
        "Longitude",
        "Latitude",
        "Location",
        "LSOA code",
        "LSOA name",
        "Crime type",
        "Last outcome category",
        "Context",
    ],
    rows,
)

# --- Chicago "Crimes - 2001 to Present" ------------------------------------------------
rows = []
days = [(3, 18), (3, 5), (4, 1), (4, 22), (5, 9), (6, 30)]
for i, (x, y) in enumerate(pts(36, -87.6298, 41.8781)):
    mo, d = days[i % len(days)]
    hh, mm = (i * 7) % 12 + 1, (i * 13) % 60
    half = "AM" if i % 2 else "PM"
    date = f"{mo:02d}/{d:02d}/2015 {hh:02d}:{mm:02d}:00 {half}"
    no_xy = i in (4, 17, 30)
    xsp = "" if no_xy else str(int(1176000 + (x + 87.6298) * 275000))
    ysp = "" if no_xy else str(int(1900000 + (y - 41.8781) * 364000))
    lat_s, lon_s = ("", "") if no_xy else (f"{y:.9f}", f"{x:.9f}")
    loc = "" if no_xy else f"({y:.9f}, {x:.9f})"
    typ = ["THEFT", "BATTERY", "NARCOTICS"][i % 3]
    rows.append(
        [
            10000000 + i,
            f"HY{190000 + i}",
            date,
            f"0{i:02d}XX S STATE ST",
            "0820",
            typ,
            "$500 AND UNDER",
            "STREET",
            "false",
            "true" if i % 4 == 0 else "false",
            "0123",
            "001",
            str(42 + i % 3),
            "32",
            "06",
            xsp,
            ysp,
            "2015",
            "02/10/2018 03:50:01 PM",
            lat_s,
            lon_s,
            loc,
        ]
    )
write(
    "chicago_crimes.csv",
    [
        "ID",
        "Case Number",
        "Date",
        "Block",
        "IUCR",
        "Primary Type",
        "Description",
        "Location Description",
        "Arrest",
        "Domestic",
        "Beat",
        "District",
        "Ward",
        "Community Area",
        "FBI Code",
        "X Coordinate",
        "Y Coordinate",
        "Year",
        "Updated On",
        "Latitude",
        "Longitude",
        "Location",
    ],
    rows,
)

# --- San Francisco incident reports (2018 to present) -----------------------------------
rows = []
for i, (x, y) in enumerate(pts(30, -122.4194, 37.7749)):
    d = 1 + i % 28
    hh = (i * 5) % 24
    h12, half = (hh % 12 or 12), ("AM" if hh < 12 else "PM")
    dt = f"2019/01/{d:02d} {h12:02d}:15:00 {half}"
    no_xy = i in (9, 21)
    lat_s, lon_s = ("", "") if no_xy else (f"{y:.6f}", f"{x:.6f}")
    point = "" if no_xy else f"POINT ({x:.6f} {y:.6f})"
    rows.append(
        [
            dt,
            f"2019/01/{d:02d}",
            f"{hh:02d}:15",
            "2019",
            "Tuesday",
            f"2019/01/{d:02d} {h12:02d}:45:00 {half}",
            f"{700000 + i}06374",
            700000 + i,
            190000000 + i,
            ["Larceny Theft", "Assault", "Burglary"][i % 3],
            "Theft From Vehicle",
            "Open or Active",
            "MISSION",
            lat_s,
            lon_s,
            point,
        ]
    )
write(
    "sf_incidents.csv",
    [
        "Incident Datetime",
        "Incident Date",
        "Incident Time",
        "Incident Year",
        "Incident Day of Week",
        "Report Datetime",
        "Row ID",
        "Incident ID",
        "Incident Number",
        "Incident Category",
        "Incident Subcategory",
        "Resolution",
        "Police District",
        "Latitude",
        "Longitude",
        "Point",
    ],
    rows,
)

# --- NYC complaint data -----------------------------------------------------------------
rows = []
for i, (x, y) in enumerate(pts(30, -73.9855, 40.7580)):
    d = [31, 15, 2, 20][i % 4]
    fr = f"12/{d:02d}/2019"
    tm = f"{(i * 3) % 24:02d}:{(i * 11) % 60:02d}:00"
    no_xy = i == 12
    lat_s, lon_s = ("", "") if no_xy else (f"{y:.9f}", f"{x:.9f}")
    xc = "" if no_xy else str(int(988000 + (x + 73.9855) * 276000))
    yc = "" if no_xy else str(int(216000 + (y - 40.7580) * 364000))
    rows.append(
        [
            300000000 + i,
            fr,
            tm,
            "",
            "",
            f"01/0{1 + i % 5}/2020",
            341,
            ["PETIT LARCENY", "HARASSMENT 2", "FELONY ASSAULT"][i % 3],
            "COMPLETED",
            "MANHATTAN",
            xc,
            yc,
            lat_s,
            lon_s,
            "" if no_xy else f"({y:.9f}, {x:.9f})",
        ]
    )
write(
    "nyc_complaints.csv",
    [
        "CMPLNT_NUM",
        "CMPLNT_FR_DT",
        "CMPLNT_FR_TM",
        "CMPLNT_TO_DT",
        "CMPLNT_TO_TM",
        "RPT_DT",
        "KY_CD",
        "OFNS_DESC",
        "CRM_ATPT_CPTD_CD",
        "BORO_NM",
        "X_COORD_CD",
        "Y_COORD_CD",
        "Latitude",
        "Longitude",
        "Lat_Lon",
    ],
    rows,
)

# --- Los Angeles "Crime Data from 2020 to Present" --------------------------------------
rows = []
for i, (x, y) in enumerate(pts(30, -118.2437, 34.0522)):
    occ = [(1, 8), (1, 19), (2, 14), (3, 3)][i % 4]
    rpt = (occ[0], occ[1] + 1)
    zero = i in (6, 19)
    lat_s, lon_s = ("0", "0") if zero else (f"{y:.4f}", f"{x:.4f}")
    t = ["2230", "930", "5", "1200", "0045"][i % 5]
    rows.append(
        [
            200100000 + i,
            f"{rpt[0]:02d}/{rpt[1]:02d}/2020 12:00:00 AM",
            f"{occ[0]:02d}/{occ[1]:02d}/2020 12:00:00 AM",
            t,
            1,
            "Central",
            "0159",
            1,
            ["BATTERY - SIMPLE ASSAULT", "VEHICLE - STOLEN", "BURGLARY FROM VEHICLE"][i % 3],
            "0444 0913",
            36,
            "F",
            "H",
            "STREET",
            "IC",
            "Invest Cont",
            "1100 W  39TH PL",
            "",
            lat_s,
            lon_s,
        ]
    )
write(
    "la_crime.csv",
    [
        "DR_NO",
        "Date Rptd",
        "DATE OCC",
        "TIME OCC",
        "AREA",
        "AREA NAME",
        "Rpt Dist No",
        "Part 1-2",
        "Crm Cd Desc",
        "Mocodes",
        "Vict Age",
        "Vict Sex",
        "Vict Descent",
        "Premis Desc",
        "Status",
        "Status Desc",
        "LOCATION",
        "Cross Street",
        "LAT",
        "LON",
    ],
    rows,
)

# --- a GeoJSON export (open-data portal style, Point features, properties) -------------
feats = []
for i, (x, y) in enumerate(pts(30, -122.3321, 47.6062)):
    geom = None if i == 11 else {"type": "Point", "coordinates": [round(x, 6), round(y, 6)]}
    feats.append(
        {
            "type": "Feature",
            "geometry": geom,
            "properties": {
                "report_number": f"2020-{900000 + i}",
                "offense_start_datetime": (
                    None if i == 5 else f"2020-0{1 + i % 3}-{1 + i % 27:02d}T{i % 24:02d}:00:00"
                ),
                "report_datetime": f"2020-0{1 + i % 3}-{1 + i % 27:02d}T{i % 24:02d}:30:00",
                "offense": ["Theft From Motor Vehicle", "Burglary"][i % 2],
                "mcpp": "DOWNTOWN COMMERCIAL",
            },
        }
    )
(HERE / "export.geojson").write_text(
    json.dumps({"type": "FeatureCollection", "features": feats}, indent=0), encoding="utf-8"
)

# --- a European CSV: semicolons, decimal commas, dd.mm.yyyy -----------------------------
rows = []
for i, (x, y) in enumerate(pts(30, 13.4050, 52.5200)):
    d = 1 + (i * 3) % 28
    rows.append(
        [
            f"B-{i:04d}",
            f"{d:02d}.0{1 + i % 6}.2021",
            f"{(i * 2) % 24:02d}:00",
            ["Diebstahl", "Körperverletzung", "Sachbeschädigung"][i % 3],
            f"{y:.5f}".replace(".", ","),
            f"{x:.5f}".replace(".", ","),
        ]
    )
write(
    "berlin_semicolon.csv",
    ["Aktenzeichen", "Tatzeit", "Uhrzeit", "Delikt", "Breitengrad", "Längengrad"],
    rows,
    delim=";",
)

# --- origin-destination tables --------------------------------------------------------
# the documented OD layout (origin_lon, origin_lat, dest_lon, dest_lat, count): flows from
# Chicago's Loop to O'Hare and to Midway, plus scattered single flows
rows = []
for i in range(30):
    if i < 12:
        (ox, oy), (dx, dy) = (-87.6298, 41.8781), (-87.9073, 41.9742)
    elif i < 22:
        (ox, oy), (dx, dy) = (-87.6298, 41.8781), (-87.7522, 41.7868)
    else:
        (ox, oy), (dx, dy) = (-87.6 - 0.02 * (i - 22), 41.95), (-87.7, 41.7 + 0.02 * (i - 22))
    rows.append(
        [
            f"{ox + rng.normal(0, 0.003):.6f}",
            f"{oy + rng.normal(0, 0.003):.6f}",
            f"{dx + rng.normal(0, 0.003):.6f}",
            f"{dy + rng.normal(0, 0.003):.6f}",
            1 + i % 3,
        ]
    )
write("od_flows.csv", ["origin_lon", "origin_lat", "dest_lon", "dest_lat", "count"], rows)

# the Divvy bike-trip export (Chicago open data): the same flows under its own headers
rows = []
for i, r in enumerate(rows_od := list(csv.reader(open(HERE / "od_flows.csv")))[1:]):
    rows.append(
        [
            f"{0xA1B2C3D4 + i:X}",
            "classic_bike",
            f"2023-05-{1 + i % 28:02d} 08:{i % 60:02d}:00",
            f"2023-05-{1 + i % 28:02d} 09:{i % 60:02d}:00",
            "Station A",
            "13022",
            "Station B",
            "13300",
            r[1],
            r[0],
            r[3],
            r[2],
            "member",
        ]
    )
write(
    "divvy_trips.csv",
    [
        "ride_id",
        "rideable_type",
        "started_at",
        "ended_at",
        "start_station_name",
        "start_station_id",
        "end_station_name",
        "end_station_id",
        "start_lat",
        "start_lng",
        "end_lat",
        "end_lng",
        "member_casual",
    ],
    rows,
)
