"""Key lines for the report: drawn along the roads, with what happened said in words."""

from __future__ import annotations

import warnings
from typing import Any

__all__ = ["key_lines_on_roads"]


def key_lines_on_roads(
    routes: Any,
    province: str,
    roads_path: str | None = None,
    lang: str = "vi",
    **kwargs: Any,
) -> tuple[Any, list[str]]:
    """Key lines of ``routes`` drawn along a road network, and notes for the page.

    Parameters
    ----------
    routes
        The RouteTable of the cases.
    province
        Province whose bundled major roads (:func:`hotspots.geodata.roads`) are used
        when ``roads_path`` is ``None``.
    roads_path
        A roads GeoPackage (``hotspots roads``).
    lang
        Language of the notes. Vietnamese pages get one Vietnamese sentence for the
        network's warnings (legs or lines the roads do not join), not the English text.
    **kwargs
        For :func:`hotspots.lines.key_lines.key_lines` (``eps``, ``min_routes``, ``top``).

    Returns
    -------
    (KeyLines, list of str)
    """
    from hotspots import geodata
    from hotspots.lines.key_lines import key_lines

    roads = roads_path or geodata.roads(province)  # OSM major roads, bundled
    with warnings.catch_warnings(record=True) as said:  # said on the page, not hidden
        warnings.simplefilter("always")
        lines = key_lines(routes, network=roads, **kwargs)
    if lang == "vi":
        notes = [
            "Lưu ý: mạng đường không nối được một vài chặng hoặc tuyến; các đoạn đó được vẽ "
            "thẳng theo hành trình của vụ việc."
        ][: len(said[:1])]
        where = "của tệp đã chọn" if roads_path else "chính (OpenStreetMap, ODbL)"
        notes.append(f"Tuyến vẽ theo mạng đường {where}.")
    else:
        notes = [str(w.message) for w in said]
        notes.append(f"Lines drawn on roads: {lines.params.get('network')}")
    return lines, notes
