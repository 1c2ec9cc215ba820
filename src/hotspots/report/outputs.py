"""What a notebook hands to the report: maps, layers, tables, figures and headlines.

A notebook writes everything it produces through a :class:`NotebookOutputs` so the
runner's index page can list it with a label, in the report's language::

    out = NotebookOutputs(output_dir, "02_key_areas", lang=lang, privacy=privacy,
                          synthetic=synthetic)
    out.layer(areas.to_gdf(), "key_areas", "Địa bàn trọng điểm", "Key areas")
    out.map(m, "key_areas", "Bản đồ địa bàn trọng điểm", "Key areas map")
    out.headline("5 địa bàn trọng điểm", "5 key areas")
    out.save()

Files go to ``output_dir/{maps,layers,tables,figures}/`` and a summary to
``output_dir/summaries/<notebook>.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from hotspots.errors import HotspotsError

__all__ = ["NotebookOutputs", "read_summaries", "banner_html", "SYNTHETIC_MARK"]

# Column headers of index tables where the map labels mean something else.
_COLUMN_NAMES = {
    "communes": {"vi": "Xã, phường", "en": "Communes"},
    "year": {"vi": "Năm", "en": "Year"},
    "commune": {"vi": "Xã, phường", "en": "Commune"},
}

#: Value of the ``data`` column added to every layer and table made from synthetic data.
SYNTHETIC_MARK = "SYNTHETIC / DỮ LIỆU GIẢ LẬP"


def banner_html(synthetic: bool, privacy: str, lang: str = "vi") -> str:
    """HTML banner for the top of a notebook page: synthetic data, privacy level."""
    parts = []
    if synthetic:
        parts.append(
            '<div style="background:#ffd400;color:#000;font-weight:700;padding:8px;'
            'text-align:center;font-size:16px">SYNTHETIC / DỮ LIỆU GIẢ LẬP — '
            + ("không phải số liệu thật" if lang == "vi" else "not real cases")
            + "</div>"
        )
    if privacy == "restricted":
        parts.append(
            '<div style="background:#b00020;color:#fff;font-weight:700;padding:6px;'
            'text-align:center">'
            + (
                "HẠN CHẾ — chỉ dành cho cán bộ phân tích"
                if lang == "vi"
                else "RESTRICTED — analysts only"
            )
            + "</div>"
        )
    return "".join(parts) or "<div></div>"


class NotebookOutputs:
    """Collects the outputs of one notebook.

    Parameters
    ----------
    output_dir
        The report's output folder (the runner's staging folder).
    notebook
        The notebook's name, for example ``"02_key_areas"``.
    lang
        "vi" or "en": which label :meth:`label` picks.
    privacy
        "shareable" or "restricted"; shareable layers are checked for PII, case ids
        and case points before they are written.
    synthetic
        Whether the data are synthetic.
    suppress_below
        Suppression threshold shareable counts must respect.
    run
        What this run was made from (``Inputs.key`` and the shared parameters); written
        into the summary so that another notebook can tell whether a layer left in
        ``output_dir`` is of this run (:meth:`reuse_layer`).
    """

    def __init__(
        self,
        output_dir: str | Path,
        notebook: str,
        lang: str = "vi",
        privacy: str = "shareable",
        synthetic: bool = False,
        suppress_below: int = 3,
        run: Any = None,
    ) -> None:
        self.root = Path(output_dir)
        # a digest, not the parameters: the summary is published and paths stay private
        self.run = _digest(run) if run is not None else None
        self.notebook = notebook
        self.lang = lang
        self.privacy = privacy
        self.synthetic = synthetic
        self.suppress_below = suppress_below
        self.items: list[dict[str, Any]] = []
        self.headlines: list[dict[str, str]] = []
        self.tables: list[dict[str, Any]] = []

    def label(self, vi: str, en: str | None = None) -> str:
        """Return ``vi`` or ``en`` according to the language."""
        return vi if self.lang == "vi" or en is None else en

    def _path(self, kind: str, name: str, ext: str) -> Path:
        folder = self.root / kind
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{name}.{ext}"

    def _add(self, kind: str, path: Path, vi: str, en: str | None) -> None:
        self.items.append(
            {
                "kind": kind,
                "path": path.relative_to(self.root).as_posix(),
                "label_vi": vi,
                "label_en": en or vi,
            }
        )

    def map(self, m: Any, name: str, vi: str, en: str | None = None) -> None:
        """Save a folium map offline (``hotspots.maps.save_map``) as ``maps/<name>.html``.

        A map of ours gets a link back to the report's index (bottom right).
        """
        from hotspots.maps import save_map
        from hotspots.maps.base import add_link

        if hasattr(m, "_hotspots_layers"):
            add_link(m, "../index.html", self.label("← Trang chính của báo cáo", "← Report home"))
        path = self._path("maps", name, "html")
        save_map(m, path)
        self._add("map", path, vi, en)

    def layer(self, gdf: Any, name: str, vi: str, en: str | None = None) -> None:
        """Write a GeoDataFrame as ``layers/<name>.gpkg`` (layer ``name``).

        Shareable layers are checked first; synthetic ones get a ``data`` column saying
        SYNTHETIC / DỮ LIỆU GIẢ LẬP on every row.
        """
        if self.privacy == "shareable":
            _check_shareable(gdf, name, self.suppress_below)
        path = self._path("layers", name, "gpkg")
        if self.synthetic:
            gdf = gdf.assign(data=SYNTHETIC_MARK)
        if path.exists():
            path.unlink()
        gdf.to_file(path, layer=name, driver="GPKG")
        self._add("layer", path, vi, en)

    def table(self, df: pd.DataFrame, name: str, vi: str, en: str | None = None) -> None:
        """Write a table as ``tables/<name>.csv`` (UTF-8 with BOM, opens in Excel).

        Synthetic tables get a last column ``data`` saying SYNTHETIC / DỮ LIỆU GIẢ LẬP.
        """
        if self.privacy == "shareable":
            _check_shareable(df, name, self.suppress_below)
        path = self._path("tables", name, "csv")
        if self.synthetic:
            df = df.assign(data=SYNTHETIC_MARK)
        df.to_csv(path, index=not isinstance(df.index, pd.RangeIndex), encoding="utf-8-sig")
        self._add("table", path, vi, en)

    def figure(self, fig: Any, name: str, vi: str, en: str | None = None) -> None:
        """Save a matplotlib figure as ``figures/<name>.png``."""
        path = self._path("figures", name, "png")
        fig.savefig(path, dpi=110, bbox_inches="tight", metadata={"Software": None})
        self._add("figure", path, vi, en)

    def file(self, path: str | Path, vi: str, en: str | None = None, kind: str = "file") -> None:
        """Register a file the notebook wrote itself under the output folder."""
        self._add(kind, Path(path), vi, en)

    @property
    def paths(self) -> list[str]:
        """Paths of the outputs written so far, relative to the report folder."""
        return [i["path"] for i in self.items]

    def banner(self) -> Any:
        """Return a banner (IPython HTML) saying SYNTHETIC and the privacy level."""
        from IPython.display import HTML

        return HTML(banner_html(self.synthetic, self.privacy, self.lang))

    def headline(self, vi: str, en: str | None = None) -> None:
        """Add one line for the index page (a key number, in both languages)."""
        self.headlines.append({"vi": vi, "en": en or vi})

    def index_table(
        self,
        df: pd.DataFrame,
        vi: str,
        en: str | None = None,
        max_rows: int = 10,
        top: int | None = None,
        note_vi: str | None = None,
        note_en: str | None = None,
    ) -> None:
        """Show a small table on the index page (first ``max_rows`` rows, as text).

        Give it aggregates only (shareable tables are checked like :meth:`table`).
        ``top`` puts the table in the index's first section, "this week" (tables in
        increasing ``top`` order); ``note_vi``/``note_en`` is a line printed under it.
        """
        if self.privacy == "shareable":
            _check_shareable(df, vi, self.suppress_below)
        frame = df.drop(columns=[c for c in ("geometry", "data") if c in df.columns])
        frame = frame.head(max_rows)
        if not isinstance(frame.index, pd.RangeIndex):
            frame = frame.reset_index()

        def cell(v: Any) -> str:
            if v is None or (isinstance(v, float) and v != v):
                return "–"
            if isinstance(v, float):  # no thousands comma: Vietnamese reads it as decimals
                return f"{v:.2f}" if abs(v) < 1 else f"{v:.1f}" if abs(v) < 1e6 else f"{v:.0f}"
            return str(v)

        from hotspots.maps.labels import label, trend_key

        if "trend" in frame.columns:
            frame = frame.assign(trend=[label(trend_key(v), self.lang) for v in frame["trend"]])
        names = [
            _COLUMN_NAMES.get(str(c), {}).get(self.lang) or label(str(c), self.lang)
            for c in frame.columns
        ]
        self.tables.append(
            {
                "label_vi": vi,
                "label_en": en or vi,
                "columns": names,
                "rows": [[cell(v) for v in row] for row in frame.itertuples(index=False)],
                "top": top,
                "note_vi": note_vi,
                "note_en": note_en or note_vi,
            }
        )

    def reuse_layer(self, name: str, notebook: str) -> tuple[Any, str]:
        """Read ``layers/<name>.gpkg`` if ``notebook`` wrote it in this same run.

        A layer left in the folder by another province, another data file or other
        parameters is not used: the summary of ``notebook`` must carry the same
        ``run`` as this notebook and list the layer among its outputs.

        Returns
        -------
        (GeoDataFrame or None, str)
            The layer (``None``: recompute it) and a sentence saying which, in the
            report's language.
        """
        import geopandas as gpd

        from hotspots.maps.labels import label
        from hotspots.report.index import NOTEBOOK_TITLES

        what_vi, what_en = label(name, "vi"), label(name, "en")
        page = NOTEBOOK_TITLES.get(notebook, {})
        page_vi = f"“{page['vi']}”" if page else notebook
        page_en = f"“{page['en']}”" if page else notebook
        summary = self.root / "summaries" / f"{notebook}.json"
        rel = f"layers/{name}.gpkg"
        data = json.loads(summary.read_text(encoding="utf-8")) if summary.exists() else None
        if data is None:
            why = ("trang {vi} chưa chạy trong lần này", "the page {en} has not run in this run")
        elif self.run is None or data.get("run") != self.run:
            why = (
                "lớp trong thư mục là của lần chạy khác (dữ liệu, tỉnh hoặc tham số khác)",
                "the layer in the folder is from another run (other data, province or parameters)",
            )
        elif (
            rel not in [o["path"] for o in data.get("outputs", [])]
            or not (self.root / rel).exists()
        ):
            why = ("trang {vi} không ghi lớp này", "the page {en} did not write this layer")
        else:
            gdf = gpd.read_file(self.root / rel)
            gdf = gdf.drop(columns=[c for c in ("data",) if c in gdf.columns])
            return gdf, self.label(
                f"{what_vi}: dùng lại kết quả của trang {page_vi} trong lần chạy này.",
                f"{what_en}: reusing the result of the page {page_en} of this run.",
            )
        vi, en = why[0].format(vi=page_vi), why[1].format(en=page_en)
        return None, self.label(f"{what_vi}: tính lại ({vi}).", f"{what_en}: recomputed ({en}).")

    def save(self, title_vi: str = "", title_en: str = "") -> None:
        """Write ``summaries/<notebook>.json`` for the index page."""
        path = self._path("summaries", self.notebook, "json")
        path.write_text(
            json.dumps(
                {
                    "notebook": self.notebook,
                    "title_vi": title_vi,
                    "title_en": title_en,
                    "headlines": self.headlines,
                    "tables": self.tables,
                    "outputs": self.items,
                    "run": self.run,
                },
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )


def _digest(run: Any) -> str:
    """A short sha256 of ``run`` written as sorted JSON."""
    import hashlib

    text = json.dumps(run, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _check_shareable(obj: Any, name: str, threshold: int) -> None:
    from hotspots.data.schema import PII_COLUMNS

    bad = [c for c in ("case_id", "source_row", *PII_COLUMNS) if c in getattr(obj, "columns", [])]
    if bad:
        raise HotspotsError(
            f"output '{name}' is shareable but has the column(s) {', '.join(bad)}; "
            "aggregate it or apply hotspots.privacy.apply_privacy first"
        )
    try:
        from hotspots.privacy import assert_shareable
    except ImportError:  # pragma: no cover - privacy module not there
        return
    assert_shareable(obj, threshold=threshold)


def read_summaries(root: str | Path) -> dict[str, dict[str, Any]]:
    """Read every ``summaries/*.json`` under ``root``, keyed by notebook name."""
    out = {}
    for f in sorted(Path(root).glob("summaries/*.json")):
        data = json.loads(f.read_text(encoding="utf-8"))
        out[data.get("notebook", f.stem)] = data
    return out
