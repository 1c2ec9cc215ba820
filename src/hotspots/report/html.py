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

__all__ = ["notebook_to_html", "remote_references", "strip_remote"]

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


def notebook_to_html(notebook: str | Path, html_path: str | Path, title: str | None = None) -> Path:
    """Export an executed notebook to self-contained, code-free HTML.

    Parameters
    ----------
    notebook
        The executed ``.ipynb``.
    html_path
        Where to write the HTML.
    title
        Page title; default the notebook's first heading.

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
