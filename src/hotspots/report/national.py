"""The national run: every province's report as one task on Dask distributed.

``provinces: all`` (or a list) in report.yaml makes ``hotspots report`` call
:func:`run_national`: each province runs :func:`hotspots.report.run_report` on a Dask
worker into ``out/<province>/`` and publishes atomically there (and into PostGIS when
``publish:`` says so). A province that fails does not stop the others; the summary says
which failed and why. ``out/index.html`` links the provincial reports with a map of the
country shaded by each province's cases (offline SVG; counts below ``suppress_below``
are shown as "< N").
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hotspots.config import ReportConfig, validate_config
from hotspots.errors import ConfigError

__all__ = ["NationalResult", "province_list", "province_slug", "run_national"]

_SHADES = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")


@dataclasses.dataclass
class NationalResult:
    """Outcome of a national run.

    Attributes
    ----------
    provinces
        One dict per province: ``province``, ``ok``, ``folder``, ``index``, ``cases``,
        ``error``, ``seconds``.
    index
        The national index page.
    """

    provinces: list[dict[str, Any]]
    index: Path

    @property
    def failed(self) -> list[dict[str, Any]]:
        """The provinces whose report failed."""
        return [p for p in self.provinces if not p["ok"]]


def province_list(config: ReportConfig) -> list[str]:
    """The provinces of a national run (``all`` = the 34 of the 2025 structure)."""
    if config.provinces == ("all",):
        from hotspots.geodata import provinces

        return provinces()["name"].tolist()
    return list(config.provinces)


def province_slug(name: str) -> str:
    """Folder name of a province: ASCII, lower case, ``-`` for spaces (``lao-cai``)."""
    from hotspots.geodata import province_code, provinces

    table = provinces().set_index("code")
    ascii_name = str(table.loc[province_code(name), "name_ascii"])
    text = unicodedata.normalize("NFKD", ascii_name).encode("ascii", "ignore").decode()
    return "-".join(text.lower().split())


def _run_one(values: dict[str, Any]) -> dict[str, Any]:
    """Run one province's report (on a worker); never raises: the error is returned."""
    from hotspots.report import run_report

    t0 = time.perf_counter()
    out: dict[str, Any] = {"province": values["province"], "ok": False, "folder": None}
    out["slug"] = Path(values["out"]).name
    out |= {"index": None, "cases": None, "error": None}
    try:
        res = run_report(validate_config(values), progress=False)
        out |= {"ok": True, "folder": str(res.folder), "index": str(res.index)}
        out["cases"] = res.manifest.get("data_period", {}).get("cases")
    except BaseException as exc:  # noqa: BLE001 - one province must not stop the others
        out["error"] = f"{type(exc).__name__}: {exc}"
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out


def _client(scheduler: str | None) -> tuple[Any, Any]:
    """A Dask client on ``scheduler``, or on a LocalCluster sized to the machine."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="10s"), None
        except OSError as exc:
            raise ConfigError(f"parameter 'scheduler': cannot reach {scheduler}: {exc}") from None
    n = max(1, os.cpu_count() or 1)
    cluster = LocalCluster(
        n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
    )
    return Client(cluster), cluster


def run_national(config: ReportConfig, progress: bool = True, client: Any = None) -> NationalResult:
    """Run every province of ``config.provinces`` as one Dask task and index them.

    Parameters
    ----------
    config
        Validated parameters with ``provinces`` set; ``out`` holds one folder per
        province and the national ``index.html``.
    progress
        Print one line per finished province.
    client
        A ``distributed.Client`` to use (default: ``config.scheduler`` or a LocalCluster).

    Returns
    -------
    NationalResult
    """
    from distributed import as_completed

    say: Callable[[str], None] = (
        (lambda m: print(m, file=sys.stderr, flush=True)) if progress else (lambda m: None)
    )
    names = province_list(config)
    out = Path(config.out).resolve()
    tasks = []
    for name in names:
        values = config.to_dict() | {
            "province": name,
            "provinces": [],
            "scheduler": None,
            "out": str(out / province_slug(name)),
        }
        tasks.append(values)
    own = client is None
    cluster = None
    if own:
        client, cluster = _client(config.scheduler)
    try:
        say(f"national run: {len(tasks)} provinces on {client}")
        futures = client.map(_run_one, tasks, pure=False)
        results = []
        for i, fut in enumerate(as_completed(futures), 1):
            r = fut.result()
            results.append(r)
            what = f"published ({r['seconds']} s)" if r["ok"] else f"FAILED: {r['error']}"
            say(f"[{i}/{len(tasks)}] {r['province']}: {what}")
    finally:
        if own:
            client.close()
            if cluster is not None:
                cluster.close()
    order = {n: i for i, n in enumerate(names)}
    results.sort(key=lambda r: order[r["province"]])
    index = write_national_index(out, results, config)
    return NationalResult(results, index)


def _svg_map(results: list[dict[str, Any]], threshold: int, out: Path) -> str:
    """An offline SVG map of Vietnam, provinces shaded by cases, linked to their report."""
    import numpy as np
    import shapely

    from hotspots.geodata import province_code, provinces

    gdf = provinces()
    gdf["geometry"] = gdf.geometry.simplify(0.02)
    by_code = {province_code(r["province"]): r for r in results}
    counts = [r["cases"] for r in results if r["ok"] and r["cases"] is not None]
    edges = np.quantile(counts, [0.2, 0.4, 0.6, 0.8]) if counts else np.zeros(4)
    x0, y0, x1, y1 = gdf.total_bounds
    k = 400 / (y1 - y0)
    cos = float(np.cos(np.radians((y0 + y1) / 2)))
    width = (x1 - x0) * k * cos
    parts = []
    for row in gdf.itertuples():
        r = by_code.get(row.code)
        paths = []
        for poly in getattr(row.geometry, "geoms", [row.geometry]):
            xy = shapely.get_coordinates(poly.exterior)
            pts = " ".join(f"{(x - x0) * k * cos:.1f},{(y1 - y) * k:.1f}" for x, y in xy)
            paths.append(f"M{pts}Z")
        if r is None:
            fill, label = "#eeeeee", row.name
        elif not r["ok"]:
            fill, label = "#999999", f"{row.name}: lỗi / failed"
        else:
            n = r["cases"] or 0
            fill = _SHADES[int(np.searchsorted(edges, n, side="right"))]
            label = f"{row.name}: {_shown(n, threshold)} vụ"
        shape = f'<path d="{" ".join(paths)}" fill="{fill}" stroke="#555" stroke-width="0.5">'
        shape += f"<title>{html.escape(label)}</title></path>"
        if r is not None and r["ok"]:
            shape = f'<a href="{html.escape(r["slug"])}/current/index.html">{shape}</a>'
        parts.append(shape)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="400" '
        f'viewBox="0 0 {width:.0f} 400">{"".join(parts)}</svg>'
    )


def _shown(n: int | None, threshold: int) -> str:
    """A province's case count as shown: ``< threshold`` when small (shareable rule)."""
    if n is None:
        return ""
    return f"< {threshold}" if n < threshold else str(n)


def write_national_index(out: Path, results: list[dict[str, Any]], config: ReportConfig) -> Path:
    """Write ``out/index.html`` (links, key figure, map) and ``out/national.json``."""
    threshold = config.suppress_below
    rows = []
    for r in results:
        if r["ok"]:
            shown = _shown(r["cases"], threshold)
            rel = html.escape(r["slug"])
            link = f'<a href="{rel}/current/index.html">{html.escape(r["province"])}</a>'
            rows.append(f"<tr><td>{link}</td><td>{shown}</td><td>đã công bố</td></tr>")
        else:
            err = html.escape(str(r["error"])[:300])
            rows.append(
                f"<tr><td>{html.escape(r['province'])}</td><td></td><td>LỖI: {err}</td></tr>"
            )
    mark = (
        '<p style="color:#b00;font-weight:bold">SYNTHETIC / DỮ LIỆU GIẢ LẬP</p>'
        if config.synthetic
        else ""
    )
    page = (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        "<title>Báo cáo toàn quốc — địa bàn trọng điểm</title></head><body>"
        f"<h1>Báo cáo toàn quốc: {len(results)} tỉnh, thành phố</h1>{mark}"
        f"{_svg_map(results, threshold, out)}"
        "<table><tr><th>Tỉnh, thành phố</th><th>Số vụ</th><th>Trạng thái</th></tr>"
        f"{''.join(rows)}</table></body></html>"
    )
    out.mkdir(parents=True, exist_ok=True)
    index = out / "index.html"
    tmp = out / ".index.html.tmp"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, index)
    summary = [
        {k: r[k] for k in ("province", "slug", "ok", "error", "seconds")}
        | {"cases": _shown(r["cases"], threshold)}
        for r in results
    ]
    (out / "national.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return index
