"""Words on the maps, in Vietnamese (default) and English.

The Vietnamese terms follow the programme plan (``Địa bàn trọng điểm``, ``Tuyến trọng
điểm``, ``Cửa khẩu``, ``Chốt kiểm soát``, ``Tuyến tuần tra``, ``Số vụ``, ``Số nạn nhân``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

from hotspots.errors import ConfigError

__all__ = [
    "LANGS",
    "LABELS",
    "HEADINGS_VI",
    "REASONS_VI",
    "Lang",
    "display_value",
    "format_date",
    "label",
    "labels_for",
    "localize_table",
    "looks_synthetic",
    "trend_key",
]

Lang = Literal["vi", "en"]
LANGS: tuple[str, ...] = ("vi", "en")

LABELS: dict[str, dict[str, str]] = {
    "vi": {
        # layers
        "province": "Ranh giới tỉnh",
        "communes": "Ranh giới xã, phường (xấp xỉ)",
        "boundaries": "Ranh giới hành chính",
        "cases_per_commune": "Số vụ theo xã, phường",
        "cases_per_cell": "Số vụ theo ô lưới",
        "key_areas": "Địa bàn trọng điểm",
        "density": "Mật độ vụ việc",
        "trends": "Xu hướng điểm nóng",
        "key_lines": "Tuyến trọng điểm",
        "exit_points": "Cửa khẩu, điểm xuất cảnh",
        "checkpoints": "Chốt kiểm soát",
        "patrol_routes": "Tuyến tuần tra",
        "case_points": "Vị trí vụ việc (hạn chế)",
        # fields
        "name": "Tên",
        "code": "Mã",
        "cases": "Số vụ",
        "victims": "Số nạn nhân",
        "rank": "Thứ hạng",
        "score": "Điểm",
        "z_max": "Z lớn nhất",
        "trend": "Xu hướng",
        "trend_label": "Xu hướng",
        "communes_list": "Xã, phường",
        "roles": "Vai trò",
        "share": "Tỷ lệ",
        "gate": "Cửa khẩu",
        "itinerary": "Lộ trình (đường, cửa khẩu)",
        "roads": "Các tuyến đường",
        "line_model": "Cách vẽ tuyến",
        "leg_model": "Cách tính chặng",
        "direction": "Hướng",
        "country": "Nước",
        "kind": "Loại",
        "volume": "Lưu lượng",
        "unit": "Tổ tuần tra",
        "shift": "Ca",
        "distance_km": "Quãng đường (km)",
        "duration_min": "Thời gian (phút)",
        "density_value": "Mật độ",
        "class": "Nhóm",
        "role": "Vai trò",
        "precision": "Độ chính xác",
        "occurred_at": "Thời gian xảy ra",
        "area_km2": "Diện tích (km²)",
        "base": "Nơi xuất phát",
        "day": "Ngày",
        "date": "Ngày",
        "start": "Bắt đầu",
        "end": "Kết thúc",
        "n_stops": "Số điểm dừng",
        "marginal": "Lưu lượng thêm",
        "heading": "Hướng đi",
        "length_km": "Chiều dài (km)",
        # legend and notes
        "legend": "Chú giải",
        "suppressed": "Dưới {threshold} vụ (ẩn số liệu)",
        "no_cases": "Không có vụ",
        "synthetic": "DỮ LIỆU GIẢ LẬP / SYNTHETIC",
        "synthetic_note": "Bản đồ này làm từ dữ liệu giả lập, không phải vụ việc thật.",
        "approximate": "Ranh giới xã là xấp xỉ",
        "shareable": "Mức chia sẻ: tổng hợp, không có thông tin cá nhân",
        "restricted": "Mức hạn chế: chỉ dành cho cán bộ phân tích",
        "restricted_banner": "HẠN CHẾ — chỉ dành cho cán bộ phân tích",
        "origin": "Nơi ở của nạn nhân (nguồn)",
        "operational": "Địa bàn hoạt động",
        "low": "thấp",
        "high": "cao",
        "top": "Hạng {a}–{b}",
        "credit_provinces": "Ranh giới tỉnh: amCharts (amcharts5-geodata)",
        "credit_communes": "Trụ sở, diện tích xã: vietnamadminunits (MIT)",
        "credit_borders": "Đường biên giới: Made with Natural Earth",
    },
    "en": {
        "province": "Province boundary",
        "communes": "Commune boundaries (approximate)",
        "boundaries": "Administrative boundaries",
        "cases_per_commune": "Cases per commune",
        "cases_per_cell": "Cases per grid cell",
        "key_areas": "Key areas",
        "density": "Case density",
        "trends": "Hot spot trends",
        "key_lines": "Key lines",
        "exit_points": "Border gates and exit points",
        "checkpoints": "Checkpoints",
        "patrol_routes": "Patrol routes",
        "case_points": "Case locations (restricted)",
        "name": "Name",
        "code": "Code",
        "cases": "Cases",
        "victims": "Victims",
        "rank": "Rank",
        "score": "Score",
        "z_max": "Max z",
        "trend": "Trend",
        "trend_label": "Trend",
        "communes_list": "Communes",
        "roles": "Roles",
        "share": "Share",
        "gate": "Gate",
        "itinerary": "Itinerary (roads, gate)",
        "roads": "Roads",
        "line_model": "Line drawn",
        "leg_model": "Leg model",
        "direction": "Direction",
        "country": "Country",
        "kind": "Kind",
        "volume": "Volume",
        "unit": "Patrol unit",
        "shift": "Shift",
        "distance_km": "Distance (km)",
        "duration_min": "Duration (min)",
        "density_value": "Density",
        "class": "Class",
        "role": "Role",
        "precision": "Precision",
        "occurred_at": "Occurred",
        "area_km2": "Area (km²)",
        "base": "Base",
        "day": "Day",
        "date": "Date",
        "start": "Start",
        "end": "End",
        "n_stops": "Stops",
        "marginal": "Added volume",
        "heading": "Heading",
        "length_km": "Length (km)",
        "legend": "Legend",
        "suppressed": "Fewer than {threshold} cases (suppressed)",
        "no_cases": "No cases",
        "synthetic": "SYNTHETIC / DỮ LIỆU GIẢ LẬP",
        "synthetic_note": "This map is made from synthetic data, not real cases.",
        "approximate": "Commune boundaries are approximate",
        "shareable": "Shareable: aggregates only, no personal data",
        "restricted": "Restricted: for analysts only",
        "restricted_banner": "RESTRICTED — analysts only",
        "origin": "Victims' home (origin)",
        "operational": "Operational area",
        "low": "low",
        "high": "high",
        "top": "Rank {a}–{b}",
        "credit_provinces": "Province boundaries: amCharts (amcharts5-geodata)",
        "credit_communes": "Commune seats and areas: vietnamadminunits (MIT)",
        "credit_borders": "Borders: Made with Natural Earth",
    },
}


# Emerging-hot-spot categories (ArcGIS Pro names, as in hotspots.areas.emerging), keyed
# by their normalised form ("new hot spot" -> "new_hot_spot").
_PATTERNS_VI = {
    "new": "mới",
    "consecutive": "liên tiếp",
    "intensifying": "gia tăng",
    "persistent": "kéo dài",
    "diminishing": "suy giảm",
    "sporadic": "rải rác",
    "oscillating": "dao động",
    "historical": "trước đây",
}
for _p, _vi in _PATTERNS_VI.items():
    LABELS["vi"][f"{_p}_hot_spot"] = f"Điểm nóng {_vi}"
    LABELS["vi"][f"{_p}_cold_spot"] = f"Điểm lạnh {_vi}"
    LABELS["en"][f"{_p}_hot_spot"] = f"{_p.capitalize()} hot spot"
    LABELS["en"][f"{_p}_cold_spot"] = f"{_p.capitalize()} cold spot"
# Roles of a case location (hotspots.data.schema.ROLES), prediction methods of the
# backtest and chart axes, so that notebook tables and figures speak the reader's language.
_EXTRA = {
    "victim_home": ("Nơi cư trú của nạn nhân", "Victim's home"),
    "recruitment": ("Nơi lôi kéo, tuyển mộ", "Recruitment"),
    "transit": ("Nơi trung chuyển", "Transit"),
    "exit": ("Nơi xuất cảnh", "Exit"),
    "rescue": ("Nơi giải cứu", "Rescue"),
    "destination": ("Nơi bị đưa đến", "Destination"),
    "other": ("Khác", "Other"),
    "year": ("Năm", "Year"),
    "method": ("Phương pháp", "Method"),
    "key_areas_origin": ("Địa bàn trọng điểm nguồn", "Origin key areas"),
    "type_vi": ("Loại hỗ trợ", "Support type"),
    "naive": ("Cách đơn giản (cả giai đoạn trước)", "Naive (whole training window)"),
    "naive_last": ("Cách đơn giản (kỳ gần nhất)", "Naive (last period)"),
    "kde": ("Mật độ hạt nhân (KDE)", "Kernel density (KDE)"),
    "decay": ("Mật độ giảm dần theo thời gian", "Time-decayed density"),
    "prospective": ("Điểm nóng dự báo", "Prospective hot spots"),
    "gistar": ("Điểm nóng Gi*", "Gi* hot spots"),
    "lisa": ("Cụm Moran địa phương (LISA)", "Local Moran clusters (LISA)"),
    "sepp": ("Mô hình tự kích thích (SEPP)", "Self-exciting model (SEPP)"),
    "auto": ("Tự chọn phương pháp", "Automatic choice (auto)"),
    "hdbscan": ("Cụm mật độ (HDBSCAN)", "Density clusters (HDBSCAN)"),
    "blend": ("Kết hợp dài hạn và ngắn hạn", "Blend of long and short term"),
    "learned": ("Mô hình học từ dữ liệu", "Learned model"),
    # kinds of checkpoint site (hotspots.plan.checkpoints)
    "line_vertex": ("Đỉnh tuyến", "Line vertex"),
    "line_point": ("Điểm trên tuyến", "Point on the line"),
    "border_gate": ("Cửa khẩu", "Border gate"),
    "commune_seat": ("Trụ sở xã", "Commune seat"),
    "road_vertex": ("Điểm trên đường", "Point on a road"),
    "road_junction": ("Nút giao", "Road junction"),
    "road_segment": ("Đoạn đường", "Road segment"),
    "key_area": ("Trong địa bàn", "Inside a key area"),
    # checkpoint rotation (hotspots.plan.game)
    "probability": ("Xác suất có chốt mỗi ca", "Probability manned per shift"),
    "shifts": ("Số ca có chốt trong kỳ", "Shifts manned in the period"),
    "covers": ("Tuyến chặn", "Lines covered"),
    "checkpoint_rotation": ("Chốt luân phiên (xác suất có chốt)", "Rotating checkpoints"),
    "never_manned": ("0 (không bố trí)", "0 (never manned)"),
    "hit_rate": ("Tỷ lệ trúng", "Hit rate"),
    "pai": ("PAI (tỷ lệ trúng / tỷ lệ diện tích)", "PAI"),
    "coverage_pct": ("Diện tích được chỉ ra (% diện tích)", "Coverage (% of area)"),
}
for _key, (_vi, _en) in _EXTRA.items():
    LABELS["vi"][_key] = _vi
    LABELS["en"][_key] = _en
# coded values of layers (border gates, key lines) shown in popups and tables
_VALUES = {
    "main": ("Cửa khẩu chính", "Main gate"),
    "international": ("Cửa khẩu quốc tế", "International gate"),
    "secondary": ("Cửa khẩu phụ", "Secondary gate"),
    "opening": ("Lối mở", "Border opening"),
    "China": ("Trung Quốc", "China"),
    "Laos": ("Lào", "Laos"),
    "Cambodia": ("Campuchia", "Cambodia"),
    "one-way": ("Một chiều", "One-way"),
    "two-way": ("Hai chiều", "Two-way"),
    "unknown": ("Không rõ", "Unknown"),
}
for _key, (_vi, _en) in _VALUES.items():
    LABELS["vi"].setdefault(_key, _vi)
    LABELS["en"].setdefault(_key, _en)
LABELS["vi"]["no_pattern"] = "Không có xu hướng"
LABELS["en"]["no_pattern"] = "No pattern"
LABELS["vi"]["not_computed"] = "Chưa tính (thiếu số liệu theo thời gian)"
LABELS["en"]["not_computed"] = "Not computed (too few time steps)"


#: Compass headings of key lines (``N``, ``NE``...) in Vietnamese.
HEADINGS_VI: dict[str, str] = {
    "N": "Bắc", "NE": "Đông Bắc", "E": "Đông", "SE": "Đông Nam",
    "S": "Nam", "SW": "Tây Nam", "W": "Tây", "NW": "Tây Bắc",
}  # fmt: skip


#: What each reason of :data:`hotspots.data.schema.REASONS` means, in Vietnamese.
REASONS_VI: dict[str, str] = {
    "missing_coordinates": "không có tọa độ, không có xã để định vị",
    "bad_coordinates": "tọa độ không phải là số hoặc độ",
    "coordinates_out_of_range": "tọa độ ngoài phạm vi hợp lệ",
    "swapped_coordinates": "kinh độ và vĩ độ bị đổi chỗ (đã sửa)",
    "outside_area": "điểm nằm ngoài tỉnh hoặc địa bàn đã chọn",
    "far_from_others": "điểm nằm rất xa mọi vụ khác",
    "unknown_commune": "không tìm thấy tên hoặc mã xã",
    "ambiguous_commune": "tên xã trùng với nhiều xã",
    "geocoded_commune": "định vị tại trụ sở xã (độ chính xác cấp xã)",
    "bad_date": "không đọc được ngày",
    "impossible_date": "ngày không hợp lý (trước năm 1990 hoặc báo trước khi xảy ra)",
    "future_date": "ngày nằm trong tương lai",
    "bad_time": "không đọc được giờ; giữ lại ngày",
    "missing_case_id": "thiếu mã vụ; dùng số thứ tự dòng thay thế",
    "duplicate_merged": "trùng hoàn toàn với một dòng trước (đã gộp)",
    "conflicting_duplicate": "trùng mã vụ và vai trò với dòng khác nhưng khác giá trị",
    "bad_value": "giá trị không đúng loại (vai trò, số nạn nhân, độ chính xác)",
    "converted_crs": "tọa độ đã chuyển từ VN-2000 hoặc UTM sang WGS84",
    "unknown_province": "tên hoặc mã tỉnh không có trong danh mục năm 2025",
    "old_province": "tên tỉnh cũ (trước 2025); dùng tỉnh mới đã sáp nhập",
    "malformed_row": "dòng có nhiều trường hơn tiêu đề",
    "unknown_role": "vai trò địa điểm không rõ; ghi là 'khác'",
    "non_point_geometry": "là đường hoặc vùng; dùng một điểm bên trong",
    "crs_assumed": "nhiều hệ tọa độ phù hợp; đã giả định một hệ",
    "status_flag_as_date": "trạng thái ghi dạng có/không; dùng ngày báo thay ngày trạng thái",
}


def trend_key(value: object) -> str:
    """Normalise an emerging-hot-spot category: ``"New Hot Spot"`` -> ``"new_hot_spot"``."""
    return "_".join(str(value).strip().lower().replace("-", " ").split())


def _check_lang(lang: str) -> None:
    if lang not in LABELS:
        raise ConfigError(f"lang={lang!r} is not supported; use one of {', '.join(LANGS)}")


def label(key: str, lang: Lang = "vi", **fmt: object) -> str:
    """Return the word for ``key`` in ``lang``; unknown keys come back unchanged.

    Parameters
    ----------
    key
        A key of :data:`LABELS` (a layer, a field or a note). A column name without a
        label is returned as it is, so tolerant layers can still show it.
    lang
        ``"vi"`` (default) or ``"en"``.
    **fmt
        Values for ``{placeholders}`` in the label.
    """
    _check_lang(lang)
    text = LABELS[lang].get(key, key)
    return text.format(**fmt) if fmt else text


def localize_table(
    frame: Any,
    lang: Lang = "vi",
    names: dict[str, str] | None = None,
    words: Sequence[str] = (),
    index: str | None = None,
) -> Any:
    """Return a copy of a table for display: headers and coded values in ``lang``.

    Parameters
    ----------
    frame
        A pandas DataFrame (a ``geometry`` column is dropped).
    lang
        ``"vi"`` or ``"en"``.
    names
        Headers that override :func:`label` (``{"share": "Tỷ lệ (%)"}``).
    words
        Columns whose values are keys of :data:`LABELS` (roles, methods, site kinds...)
        and are replaced by their words; unknown values stay as they are.
    index
        Column (before renaming) to show as the row index instead of 0, 1, 2...
    """
    _check_lang(lang)
    out = frame.drop(columns=[c for c in ("geometry",) if c in frame.columns])
    out = out.copy()
    for col in words:
        if col in out.columns:
            out[col] = out[col].map(lambda v: label(v, lang) if isinstance(v, str) else v)
    names = names or {}
    header = {c: names.get(c, label(c, lang)) for c in out.columns}
    out = out.rename(columns=header)
    return out.set_index(header[index]) if index in header else out


def labels_for(lang: Lang = "vi") -> dict[str, str]:
    """Return a copy of every label in ``lang``."""
    _check_lang(lang)
    return dict(LABELS[lang])


_TRUE = frozenset({"yes", "true", "1", "có", "x"})


def looks_synthetic(frame: object) -> bool:
    """Whether a table (cases, routes, key areas or lines) says it is synthetic.

    True when it has a ``synthetic`` column with a true value (``yes``, ``true``, ``1``),
    a ``label``/``data_label`` column carrying the generator's ``SYNTHETIC`` label, or
    case ids that all start with ``SYN-``. Used by the CLI so that the ``DỮ LIỆU GIẢ
    LẬP / SYNTHETIC`` banner cannot be forgotten on outputs of demo data.
    """
    columns = getattr(frame, "columns", None)
    if columns is None or not len(frame):  # type: ignore[arg-type]
        return False
    if "synthetic" in columns:
        flag = frame["synthetic"].astype(str).str.strip().str.lower()  # type: ignore[index]
        if flag.isin(_TRUE).any():
            return True
    for col in ("data_label", "label"):
        if col in columns:
            text = frame[col].astype(str).str.upper()  # type: ignore[index]
            if text.str.contains("SYNTHETIC", regex=False).any():
                return True
    if "case_id" in columns:
        ids = frame["case_id"].astype(str)  # type: ignore[index]
        return bool(ids.str.startswith("SYN-").all())
    return False


_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?)?"
    r"(?:[+-]\d{2}:?\d{2}|Z)?$"
)
#: Fields whose values are codes with a word in :data:`LABELS` (popups, tables).
CODED_FIELDS = frozenset({"kind", "country", "direction", "role", "method", "gate_country"})


def format_date(value: object, lang: Lang = "vi") -> str:
    """Write a date or timestamp as the reader writes it.

    Vietnamese: ``30/11/2026`` (with ``07:00`` when it has a time of day); English keeps
    ``2026-11-30``. Text that is not an ISO date comes back unchanged.
    """
    import pandas as pd

    if isinstance(value, str):
        m = _ISO.match(value.strip())
        if not m:
            return value
        y, mo, d, hh, mm = m.groups()
        if lang != "vi":
            return f"{y}-{mo}-{d}" + (f" {hh}:{mm}" if hh else "")
        return f"{d}/{mo}/{y}" + (f" {hh}:{mm}" if hh and (hh, mm) != ("00", "00") else "")
    if value is None or (isinstance(value, float) and value != value):
        return ""
    try:
        t = pd.Timestamp(value)
    except (TypeError, ValueError):
        return str(value)
    with_time = (t.hour, t.minute) != (0, 0)
    if lang != "vi":
        return t.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")
    return t.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")


def display_value(field: str, value: object, lang: Lang = "vi") -> object:
    """Return ``value`` of ``field`` as a reader should see it in ``lang``.

    Codes become words (gate kinds, countries, directions, checkpoint site kinds,
    roles), compass headings are spelled out (``NW`` -> ``Tây Bắc``), role counts
    ``"transit:12;exit:3"`` become ``"Nơi trung chuyển: 12; Nơi xuất cảnh: 3"``, ISO
    dates become ``30/11/2026``. Numbers and other text come back unchanged.
    """
    _check_lang(lang)
    if not isinstance(value, str):
        return value
    text = value.strip()
    if field == "heading" and lang == "vi":
        return HEADINGS_VI.get(text, text)
    if field == "roles" and ":" in text:
        parts = []
        for item in re.split(r"[;,]\s*", text):
            role, _, n = item.partition(":")
            parts.append(f"{label(role.strip(), lang)}: {n}" if n else label(role.strip(), lang))
        return "; ".join(parts)
    if field in CODED_FIELDS or text in _VALUES:
        return label(text, lang)
    if _ISO.match(text):
        return format_date(text, lang)
    return value
