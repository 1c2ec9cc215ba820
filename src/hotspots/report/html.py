"""Executed notebooks as code-free HTML that opens offline.

nbconvert's templates load require.js, MathJax and mermaid from CDNs. We use the
``lab`` template without input cells, then remove every script that fetches anything
from the network, and check that no remote reference is left.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from hotspots.errors import HotspotsError

__all__ = ["add_navigation", "nav_html", "notebook_to_html", "remote_references", "strip_remote"]

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S | re.I)
_REMOTE = re.compile(
    r"""(?:<(?:script|img|iframe|audio|video|source|embed)\b[^>]*\bsrc\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|url\(\s*["']?\s*(?:https?:)?//"""
    r"""|@import\s+["']?(?:url\()?\s*["']?(?:https?:)?//"""
    r"""|import\(\s*["'](?:https?:)?//)""",
    re.I,
)


def remote_references(html: str) -> list[str]:
    """Return the snippets of ``html`` that would make the browser fetch from the network."""
    import html as _html

    text = _html.unescape(html)  # iframes carry whole pages in srcdoc="..."
    return [text[m.start() : m.end() + 60] for m in _REMOTE.finditer(text)]


def strip_remote(html: str) -> str:
    """Remove scripts that load from the network (and the MathJax configuration)."""

    def keep(m: re.Match[str]) -> str:
        tag = m.group(0)
        if re.search(r"https?://", tag) or "text/x-mathjax-config" in tag:
            return ""
        return tag

    return _SCRIPT.sub(keep, html)


def notebook_to_html(
    notebook: str | Path, html_path: str | Path, title: str | None = None, lang: str | None = None
) -> Path:
    """Export an executed notebook to self-contained, code-free HTML.

    Parameters
    ----------
    notebook
        The executed ``.ipynb``.
    html_path
        Where to write the HTML.
    title
        Page title; default the notebook's first heading.
    lang
        The report's language: markdown cells tagged for another language
        (``lang-en`` in a ``vi`` report) are left out, so a page speaks one language.

    Returns
    -------
    pathlib.Path
        ``html_path``.

    Raises
    ------
    HotspotsError
        If a remote reference survives (a notebook output that loads from a CDN).
    """
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(notebook), as_version=4)
    if lang is not None:
        nb.cells = [
            c
            for c in nb.cells
            if not any(
                t.startswith("lang-") and t != f"lang-{lang}" for t in c.metadata.get("tags", [])
            )
        ]
    if title is None:
        title = first_heading(nb) or Path(notebook).stem
    nb.metadata["title"] = title
    exporter = HTMLExporter(
        template_name="lab",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(nb)
    body = strip_remote(body)
    left = remote_references(body)
    if left:
        raise HotspotsError(
            f"{Path(notebook).name}: an output loads from the network ({left[0]!r}); "
            "show maps with hotspots.maps (offline) instead"
        )
    html_path = Path(html_path)
    html_path.write_text(body, encoding="utf-8")
    return html_path


def first_heading(nb: nbformat.NotebookNode) -> str | None:
    """Return the text of the first Markdown heading of a notebook."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return None


_NAV_CSS = (
    "<style>.hs-nav{position:sticky;top:0;z-index:10;background:#7a1f1f;color:#fff;"
    "padding:8px 14px;font:15px system-ui,Arial,sans-serif;display:flex;flex-wrap:wrap;"
    "gap:6px 16px}.hs-nav a{color:#fff;font-weight:600}.hs-nav span{opacity:.8}</style>"
)


def nav_html(links: list[tuple[str, str]], lang: str = "vi") -> str:
    """A bar of links for the top of a notebook page: the index first, then its maps.

    Parameters
    ----------
    links
        ``(label, href)`` of the page's maps and plan, relative to the page.
    lang
        ``"vi"`` or ``"en"``.
    """
    import html as _html

    home = "← Trang chính của báo cáo" if lang == "vi" else "← Report home"
    maps = "Bản đồ:" if lang == "vi" else "Maps:"
    parts = [f'<nav class="hs-nav"><a href="../index.html">{_html.escape(home)}</a>']
    if links:
        parts.append(f"<span>{_html.escape(maps)}</span>")
        parts += [f'<a href="{_html.escape(h)}">{_html.escape(t)}</a>' for t, h in links]
    parts.append("</nav>")
    return _NAV_CSS + "".join(parts)


def add_navigation(root: str | Path, pages: dict[str, str], lang: str = "vi") -> None:
    """Put a link bar on every notebook page: back to the index and to the page's maps.

    The maps and printable plans of a page are those its notebook registered in
    ``summaries/<notebook>.json`` (kinds ``map`` and ``plan``).
    """
    from hotspots.report.outputs import read_summaries

    root = Path(root)
    summaries = read_summaries(root)
    for name, rel in pages.items():
        page = root / rel
        items = summaries.get(name, {}).get("outputs", [])
        links = [
            (i.get(f"label_{lang}") or i.get("label_vi") or i["path"], f"../{i['path']}")
            for i in items
            if i.get("kind") in ("map", "plan")
        ]
        text = page.read_text(encoding="utf-8")
        bar = nav_html(links, lang)
        body = re.search(r"<body[^>]*>", text)
        at = body.end() if body else 0
        text = text[:at] + bar + text[at:]
        page.write_text(text, encoding="utf-8")
