"""Roles of case locations and the journeys (routes) they make.

A role word in a register ("tuyển mộ", "xuất cảnh", "nơi ở nạn nhân", …) is normalised
and looked up in :data:`ROLE_WORDS`. A route is the ordered stops of one case: by the
stop order column when the input has one, else by role (home → recruitment → transit →
exit → destination → rescue).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from hotspots.data.crs import WGS84
from hotspots.data.schema import ROUTE_COLUMNS

__all__ = ["ROLE_WORDS", "ROLE_LOOKUP", "ROUTE_ORDER", "build_routes"]

#: Role → recognised normalised words (Vietnamese without diacritics, English).
ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "victim_home": (
        "victim_home",
        "home",
        "noi_o",
        "noi_o_nan_nhan",
        "que",
        "que_quan",
        "noi_cu_tru",
        "nha_nan_nhan",
        "origin",
        "nguon",
    ),
    "recruitment": (
        "recruitment",
        "recruit",
        "tuyen_mo",
        "du_do",
        "lua_dao",
        "lua",
        "noi_du_do",
        "noi_lua_dao",
        "tuyen_dung",
    ),
    "transit": (
        "transit",
        "trung_chuyen",
        "qua_canh",
        "diem_trung_chuyen",
        "di_qua",
        "tap_ket",
        "noi_tap_ket",
    ),
    "exit": ("exit", "xuat_canh", "cua_khau", "vuot_bien", "diem_xuat_canh", "border"),
    "rescue": ("rescue", "giai_cuu", "noi_giai_cuu", "tiep_nhan_nan_nhan"),
    "destination": ("destination", "noi_den", "noi_ban", "dich", "noi_bi_ban"),
    "other": ("other", "khac"),
}
#: Normalised word → role.
ROLE_LOOKUP = {w: r for r, words in ROLE_WORDS.items() for w in words}
#: Order of roles along a journey when the input has no stop order.
ROUTE_ORDER = {
    r: i
    for i, r in enumerate(
        ("victim_home", "recruitment", "transit", "exit", "destination", "rescue", "other")
    )
}


def build_routes(cases: gpd.GeoDataFrame, has_seq: bool, has_role: bool) -> gpd.GeoDataFrame | None:
    """Ordered stops per case, when the input describes journeys."""
    if cases.empty or not (has_seq or has_role):
        return None
    df = cases[["case_id", "role", "victims", "occurred_at", "geometry"]].copy()
    if has_seq:
        df["seq"] = cases["seq"].to_numpy()
        df["_order"] = df["seq"].where(df["seq"] >= 0, 10_000)
    else:
        counts = df.groupby("case_id")["role"].transform("size")
        if (counts < 2).all():
            return None
        df["_order"] = df["role"].map(ROUTE_ORDER)
    df = df.sort_values(["case_id", "_order"], kind="stable")
    sizes = df.groupby("case_id")["case_id"].transform("size")
    df = df[sizes >= 2]
    if df.empty:
        return None
    df["seq"] = df.groupby("case_id").cumcount().astype(np.int64)
    return gpd.GeoDataFrame(
        df[list(ROUTE_COLUMNS)].reset_index(drop=True), geometry="geometry", crs=WGS84
    )
