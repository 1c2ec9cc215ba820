"""The tables hotspots works on: CaseTable, RouteTable and Quarantine.

See ``docs/data-model.md`` for the full description. The constants here are the single
source of truth for column names, allowed values and reason codes.
"""

from __future__ import annotations

__all__ = [
    "TZ",
    "ROLES",
    "ORIGIN_ROLES",
    "OPERATIONAL_ROLES",
    "PRECISIONS",
    "STATUS_FIELDS",
    "CASE_COLUMNS",
    "ROUTE_COLUMNS",
    "QUARANTINE_COLUMNS",
    "PII_COLUMNS",
    "REASONS",
]

#: Time zone of every timestamp in a CaseTable.
TZ = "Asia/Ho_Chi_Minh"

#: Role of a case location (one row of a CaseTable / one stop of a route).
ROLES = ("victim_home", "recruitment", "transit", "exit", "rescue", "destination", "other")

#: Roles that say where victims come from (origin view: awareness work).
ORIGIN_ROLES = ("victim_home",)

#: Roles that say where trafficking happens or passes (operational view).
OPERATIONAL_ROLES = ("recruitment", "transit", "exit", "rescue", "destination")

#: How the point was obtained.
PRECISIONS = ("exact", "commune", "province")

#: Programme-status fields (dates; NaT = not reached). In order of the case's life.
#: ``received``: report/tip received (tiếp nhận); ``classified``: classified (phân loại);
#: ``resolved``: report resolved (giải quyết); ``prosecuted_case``: criminal case opened
#: (khởi tố vụ án); ``solved``: case investigated and solved (điều tra, khám phá);
#: ``prosecuted``: indicted (truy tố); ``tried``: brought to trial (xét xử).
STATUS_FIELDS = (
    "received",
    "classified",
    "resolved",
    "case_opened",
    "solved",
    "prosecuted",
    "tried",
)

#: Columns of an accepted CaseTable, in order (status fields follow, then extra columns).
CASE_COLUMNS = (
    "case_id",
    "occurred_at",
    "reported_at",
    "offence",
    "role",
    "victims",
    "province_code",
    "commune_code",
    "precision",
    "flags",
    "source_row",
    "geometry",
)

#: Columns of a RouteTable (one row per stop).
ROUTE_COLUMNS = ("case_id", "seq", "role", "victims", "occurred_at", "geometry")

#: Columns of a Quarantine.
QUARANTINE_COLUMNS = ("source_row", "reason", "column", "value", "message")

#: Canonical names of personally identifying columns. They are split off at ingest
#: and never written to a shareable output.
PII_COLUMNS = (
    "victim_name",
    "suspect_name",
    "phone",
    "id_number",
    "address",
    "notes",
)

#: Reason codes of the Quarantine (and of flags on accepted rows), with their meaning.
REASONS: dict[str, str] = {
    "missing_coordinates": "no coordinates and no commune to place the case",
    "bad_coordinates": "coordinates are neither numbers nor degrees",
    "coordinates_out_of_range": "coordinates outside the valid range of the CRS",
    "swapped_coordinates": "latitude and longitude were swapped (repaired)",
    "outside_area": "the point lies outside the chosen province or area",
    "far_from_others": "no area given and the point lies far from all the other cases",
    "unknown_commune": "the commune name or code is not known",
    "ambiguous_commune": "the commune name matches several communes",
    "geocoded_commune": "placed at the commune seat (precision 'commune')",
    "bad_date": "a date cannot be read",
    "impossible_date": "a date is impossible (before 1990 or reported before it occurred)",
    "future_date": "a date lies in the future",
    "bad_time": "the time of day cannot be read; the date is kept without it",
    "missing_case_id": "the case id is empty; the row number stands in for it",
    "duplicate_merged": "exact duplicate of an earlier row (merged)",
    "conflicting_duplicate": "same case id and role as another row, with different values",
    "bad_value": "a value is not of the expected kind (role, victims, precision)",
    "converted_crs": "coordinates converted from VN-2000 or UTM to WGS84",
    "unknown_province": "the province name or code is not a province of the 2025 structure",
    "old_province": "a pre-2025 province name; the 2025 province it was merged into is used",
    "malformed_row": "the row has more fields than the header has names",
    "unknown_role": "the location role is not known; kept as 'other'",
    "non_point_geometry": "a line or polygon was given; its representative point is used",
    "crs_assumed": "several CRS zones fit the x/y values; one was assumed (declare --crs)",
    "status_flag_as_date": "a status given as a yes-flag; the report date stands in for it",
}
