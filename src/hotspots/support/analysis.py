"""One run of the victim-support analysis: reach, new sites and awareness communes.

:func:`support_analysis` chains the named steps of :mod:`hotspots.support` on a case
table and a facilities table; ``hotspots support`` and notebook 07 call it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from hotspots.data.crs import WGS84
from hotspots.errors import HotspotsWarning, InputError
from hotspots.plan.travel import TravelModel
from hotspots.support import reach as R
from hotspots.support.awareness import commune_risk, select_awareness
from hotspots.support.facilities import FACILITY_TYPE_VI, FACILITY_TYPES
from hotspots.support.reach import support_travel
from hotspots.support.siting import SitingResult, sites_table, solve_siting

__all__ = [
    "SupportAnalysis",
    "support_analysis",
    "add_sites",
    "origin_areas",
    "aim_awareness",
    "support_travel",
    "key_lines_from",
]


@dataclass
class SupportAnalysis:
    """Everything ``hotspots support`` writes (see :func:`support_analysis`)."""

    facilities: gpd.GeoDataFrame
    travel: dict
    limit: float
    communes: gpd.GeoDataFrame
    reach_communes: pd.DataFrame
    areas: gpd.GeoDataFrame
    reach_areas: pd.DataFrame
    service_areas: gpd.GeoDataFrame
    victims_within: pd.DataFrame
    beyond: pd.DataFrame
    sites: gpd.GeoDataFrame | None
    siting: SitingResult | None
    site_type: str
    awareness: pd.DataFrame
    risk: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def site_type_vi(self) -> str:
        """Vietnamese name of the type of the new sites."""
        return FACILITY_TYPE_VI[self.site_type]

    def share(self, kind: str, year: str = "all") -> float:
        """Share of victims within the limit of ``kind`` (0-1) in ``year``."""
        v = self.victims_within
        row = v[(v["type"] == kind) & (v["year"] == str(year))]
        return float(row["share"].iloc[0]) if len(row) else float("nan")


def origin_areas(cases: gpd.GeoDataFrame, area=None) -> gpd.GeoDataFrame:
    """Origin key areas (``view="origin"``); an empty frame when none stands out."""
    from hotspots.areas.key_areas import key_areas

    try:
        return key_areas(cases, view="origin", area=area)
    except InputError as exc:
        warnings.warn(f"no origin key areas: {exc}", HotspotsWarning, stacklevel=2)
        return gpd.GeoDataFrame({"rank": [], "victims": []}, geometry=[], crs=WGS84)


def key_lines_from(routes, province: object, roads=None) -> gpd.GeoDataFrame | None:
    """Key lines of the case routes on the roads (``roads`` file, else bundled).

    Only the communes they list are used (recruitment places on a key line), so the
    warnings about legs the roads do not join are not repeated here (notebook 03 and
    ``hotspots key-lines`` give them). None without routes or when no line stands out.
    """
    if routes is None or len(routes) == 0:
        return None
    from hotspots import geodata
    from hotspots.lines.key_lines import key_lines

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", HotspotsWarning)
            lines = key_lines(routes, top=10, network=roads or geodata.roads(province))
        return lines.to_gdf()
    except InputError:
        return None


def add_sites(
    victims: pd.Series,
    places: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    travel: TravelModel,
    kind: str,
    k: int,
    limit: float = 60.0,
    model: str = "cover",
    years: int = 1,
) -> tuple[gpd.GeoDataFrame, SitingResult]:
    """Choose ``k`` new sites of ``kind`` among the communes without one.

    Parameters
    ----------
    victims
        Victims per commune code (home communes).
    places
        Communes (:func:`~hotspots.support.reach.commune_places`): demand and candidates.
    facilities, travel, limit, model
        Existing facilities, travel model, minutes, ``"cover"`` or ``"median"``.
    years
        Years of the case data; with capacities the demand is victims per year.

    Returns
    -------
    (GeoDataFrame, SitingResult)
        The sites layer (:func:`~hotspots.support.siting.sites_table`) and the result.
        Capacities are used when some facility of ``kind`` has one; new sites then get
        the median capacity of those.
    """
    if kind not in FACILITY_TYPES:
        raise InputError(f"site type {kind!r}: use one of {', '.join(FACILITY_TYPES)}")
    w_all = places["place"].map(victims).fillna(0.0).to_numpy(float)
    demand = places[w_all > 0].reset_index(drop=True)
    w = w_all[w_all > 0]
    have = facilities[facilities["type"] == kind]
    taken = set(have["commune_code"].astype(str))
    cands = places[~places["place"].isin(taken)].reset_index(drop=True)
    if len(demand) == 0 or len(cands) == 0:
        raise InputError("no victim's home commune or no candidate commune to site support")
    t_new, _ = R.travel_minutes(travel, demand, cands)
    t_now = R.travel_minutes(travel, demand, have)[0] if len(have) else None
    caps = pd.to_numeric(have["capacity"], errors="coerce") if len(have) else pd.Series([])
    cap_now = cap_new = None
    if caps.notna().any():
        w = w / max(years, 1)
        cap_now, cap_new = caps.to_numpy(float), float(caps.median())
    res = solve_siting(
        w, t_new, k, t_now, model=model, limit=limit, cap_new=cap_new, cap_now=cap_now
    )
    if cap_now is not None:  # what the existing sites achieve, same model
        now = solve_siting(
            w, t_new, 0, t_now, model=model, limit=limit, cap_new=cap_new, cap_now=cap_now
        )
        res.before, res.before_served = now.objective, now.served
    res.params.update(
        {
            "type": kind,
            "demand": "victims per year" if cap_now is not None else "victims",
            "total": float(w.sum()),
            "new_capacity": cap_new,
        }
    )
    return sites_table(res, cands, kind), res


def _data_years(cases: pd.DataFrame) -> int:
    when = pd.to_datetime(cases["occurred_at"], errors="coerce").dropna()
    return int(when.dt.year.nunique()) if len(when) else 1


def support_analysis(
    cases: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    province: object,
    travel: TravelModel | None = None,
    add: int = 3,
    limit: float = 60.0,
    site_type: str = "shelter",
    model: str = "cover",
    awareness: int = 5,
    reach_min: float = 15.0,
    key_lines: gpd.GeoDataFrame | None = None,
    areas: gpd.GeoDataFrame | None = None,
) -> SupportAnalysis:
    """Reach, new sites and awareness communes for one province.

    Parameters
    ----------
    cases
        CaseTable (:func:`hotspots.read_cases`).
    facilities
        Facilities (:func:`~hotspots.support.facilities.read_facilities_file`).
    province
        Province name or code (communes, commune cells, bundled roads).
    travel
        Travel model (default :func:`~hotspots.support.reach.support_travel`).
    add
        New sites of ``site_type`` to choose (0: none).
    limit
        Minutes within which support counts as within reach.
    model
        ``"cover"`` (maximal covering) or ``"median"`` (p-median).
    awareness, reach_min
        Communes to choose for awareness work, and the minutes a campaign reaches.
    key_lines, areas
        Key lines (for the recruitment places) and origin key areas (default: computed
        with :func:`origin_areas`).
    """
    from hotspots import geodata

    travel = travel or R.support_travel(province)
    places = R.commune_places(province)
    reach_c = R.reach_table(places, facilities, travel)
    areas = origin_areas(cases, province) if areas is None else areas
    aplaces = R.area_places(areas) if len(areas) else None
    reach_a = R.reach_table(aplaces, facilities, travel) if aplaces is not None else None
    cells = geodata.commune_areas(province=province)
    hv = R.home_victims(cases)
    within = R.victims_within(reach_c, hv, limit)
    beyond = (
        R.beyond_reach(reach_a, aplaces, limit)
        if reach_a is not None
        else pd.DataFrame(columns=["place", "name", "victims", "beyond"])
    )
    sites, res, notes = None, None, []
    victims = hv.groupby("commune_code")["victims"].sum()
    if add > 0:
        sites, res = add_sites(
            victims,
            places,
            facilities,
            travel,
            site_type,
            add,
            limit,
            model,
            years=_data_years(cases),
        )
    risk, aware = aim_awareness(
        cases, province, awareness, travel, key_lines, reach_min, places, cells
    )
    missing = [FACILITY_TYPE_VI[t] for t in FACILITY_TYPES if not (facilities["type"] == t).any()]
    if missing:
        notes.append("không có cơ sở loại: " + ", ".join(missing))
    return SupportAnalysis(
        facilities=facilities,
        travel=travel.describe(),
        limit=float(limit),
        communes=places,
        reach_communes=reach_c,
        areas=aplaces if aplaces is not None else areas,
        reach_areas=reach_a if reach_a is not None else pd.DataFrame(),
        service_areas=R.service_areas(reach_c, cells),
        victims_within=within,
        beyond=beyond,
        sites=sites,
        siting=res,
        site_type=site_type,
        awareness=aware,
        risk=risk,
        notes=notes,
    )


def aim_awareness(
    cases: gpd.GeoDataFrame,
    province: object,
    k: int = 5,
    travel: TravelModel | None = None,
    key_lines: gpd.GeoDataFrame | None = None,
    reach_min: float = 15.0,
    places: gpd.GeoDataFrame | None = None,
    cells: gpd.GeoDataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Origin risk of the communes and the ``k`` chosen for awareness work.

    Needs no facilities file (see :func:`~hotspots.support.awareness.commune_risk` and
    :func:`~hotspots.support.awareness.select_awareness`); returns ``(risk, chosen)``.
    """
    from hotspots import geodata

    travel = travel or R.support_travel(province)
    places = R.commune_places(province) if places is None else places
    cells = geodata.commune_areas(province=province) if cells is None else cells
    risk = commune_risk(
        cases,
        places.rename(columns={"place": "code"}),
        key_lines,
        _emerging(cases, province),
        cells,
    )
    if not len(risk):
        return risk, risk
    seats = places.set_index("place").loc[risk["commune_code"]].reset_index()
    minutes = R.travel_minutes(travel, seats, seats)[0]
    return risk, select_awareness(risk, k, minutes, reach_min)


def _emerging(cases: gpd.GeoDataFrame, province) -> gpd.GeoDataFrame | None:
    """Emerging hot spots of the victims' homes (None when there are too few)."""
    from hotspots.areas.emerging import emerging_hot_spots
    from hotspots.data.schema import ORIGIN_ROLES

    home = cases[cases["role"].isin(ORIGIN_ROLES)]
    if len(home) < 10:
        return None
    try:
        return emerging_hot_spots(home, time_bin="year")
    except (InputError, ValueError):
        return None
