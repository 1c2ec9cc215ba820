"""Open generated HTML in headless Chromium and report what happened (for browser tests).

Usage in a test::

    from browser import check_html, require_browser

    def test_page(tmp_path):
        require_browser()                      # skip (or fail with CI=true) without Chromium
        report = check_html(path)
        assert report.console_errors == []
        assert report.requests == []

Chromium is driven over the DevTools protocol (``websocket-client``): the Runtime, Log,
Network and Page domains are enabled, the file is opened, exceptions, console errors,
log errors and every request whose URL is not ``file:``, ``data:``, ``blob:`` or
``about:`` are collected, then the layer-control labels are read and a screenshot is
saved to ``tests/artifacts/<name>.png``.

Chromium comes from Debian's packages: ``apt-get install chromium``. Set
``HOTSPOTS_CHROMIUM`` to use another binary.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

__all__ = ["BrowserReport", "chromium_path", "require_browser", "check_html", "ARTIFACTS"]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
INSTALL_HINT = (
    "headless Chromium is not installed; install it with `sudo apt-get install chromium` "
    "(Debian/Ubuntu) or set HOTSPOTS_CHROMIUM to a Chromium binary"
)
_LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:", "chrome-error:", "devtools:")

# JavaScript run in the page once it has loaded: the layer control's labels (overlays and
# base layers), the legend headings and the number of drawn vector paths.
_INSPECT_JS = r"""
(function(){
  var labels = Array.prototype.map.call(
    document.querySelectorAll('.leaflet-control-layers label span span'),
    function(e){ return e.textContent.trim(); }).filter(function(t){ return t.length; });
  var legend = Array.prototype.filter.call(
    document.querySelectorAll('.hs-legend h5'), function(e){ return e.offsetParent !== null; })
    .map(function(e){ return e.textContent.trim(); });
  var banner = document.querySelector('.hs-banner');
  var attribution = document.querySelector('.leaflet-control-attribution');
  return JSON.stringify({
    layers: labels, legend: legend,
    attribution: attribution ? attribution.textContent.trim() : null,
    banner: banner ? banner.textContent.trim() : null,
    leaflet: typeof L !== 'undefined' ? L.version : null,
    title: document.title
  });
})()
"""


@dataclass
class BrowserReport:
    """What Chromium saw when it opened a page."""

    path: Path
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    layers: list[str] = field(default_factory=list)
    legend: list[str] = field(default_factory=list)
    banner: str | None = None
    attribution: str | None = None
    leaflet: str | None = None
    title: str = ""
    screenshot: Path | None = None
    load_seconds: float = float("nan")
    value: object = None

    @property
    def ok(self) -> bool:
        """No console error and no network request."""
        return not self.console_errors and not self.requests


def chromium_path() -> str | None:
    """Return the Chromium binary to use, or ``None`` when there is none."""
    env = os.environ.get("HOTSPOTS_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def require_browser() -> str:
    """Return the Chromium binary; skip the test without one (fail when ``CI=true``)."""
    path = chromium_path()
    if path is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI=true and {INSTALL_HINT}")
        pytest.skip(INSTALL_HINT)
    return path


class _DevTools:
    def __init__(self, ws_url: str) -> None:
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, timeout: float = 30.0) -> dict:
        self.next_id += 1
        msg_id = self.next_id
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"DevTools {method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)
        raise TimeoutError(f"DevTools {method}: no answer in {timeout} s")

    def wait_for(self, method: str, timeout: float) -> bool:
        if any(e["method"] == method for e in self.events):
            return True
        deadline = time.monotonic() + timeout
        self.ws.settimeout(0.25)
        try:
            while time.monotonic() < deadline:
                try:
                    msg = json.loads(self.ws.recv())
                except Exception:  # websocket timeout: keep waiting
                    continue
                if "method" in msg:
                    self.events.append(msg)
                    if msg["method"] == method:
                        return True
        finally:
            self.ws.settimeout(30)
        return False

    def drain(self, seconds: float) -> None:
        self.wait_for("__never__", seconds)

    def close(self) -> None:
        self.ws.close()


def _start_chromium(
    binary: str, profile: str, width: int, height: int
) -> tuple[subprocess.Popen, int]:
    args = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-sync",
        "--no-first-run",
        "--no-default-browser-check",
        "--metrics-recording-only",
        "--remote-allow-origins=*",
        "--remote-debugging-port=0",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
        "about:blank",
    ]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    port_file = Path(profile) / "DevToolsActivePort"
    while time.monotonic() < deadline:
        if port_file.exists():
            lines = port_file.read_text().split()
            if lines:
                return proc, int(lines[0])
        if proc.poll() is not None:
            err = proc.stderr.read() if proc.stderr else ""
            raise RuntimeError(f"Chromium exited with code {proc.returncode}: {err[-2000:]}")
        time.sleep(0.05)
    proc.kill()
    raise TimeoutError("Chromium did not open its DevTools port within 30 s")


def _page_ws(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as resp:
        targets = json.load(resp)
    for t in targets:
        if t.get("type") == "page":
            return t["webSocketDebuggerUrl"]
    raise RuntimeError("Chromium has no page target")


def _event_errors(events: list[dict]) -> tuple[list[str], list[str]]:
    errors: list[str] = []
    requests: list[str] = []
    for e in events:
        method, p = e["method"], e.get("params", {})
        if method == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            text = d.get("exception", {}).get("description") or d.get("text", "exception")
            errors.append(f"exception: {text}")
        elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            args = " ".join(
                str(a.get("value", a.get("description", ""))) for a in p.get("args", [])
            )
            errors.append(f"console.{p.get('type')}: {args}")
        elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            entry = p["entry"]
            errors.append(f"log: {entry.get('text', '')} {entry.get('url', '')}".strip())
        elif method == "Network.requestWillBeSent":
            url = p.get("request", {}).get("url", "")
            if not url.startswith(_LOCAL_SCHEMES):
                requests.append(url)
        elif method == "Network.loadingFailed":
            errors.append(f"loading failed: {p.get('errorText', '')}")
    return errors, requests


def check_html(
    path: str | os.PathLike[str],
    name: str | None = None,
    width: int = 1200,
    height: int = 800,
    settle: float = 0.5,
    timeout: float = 30.0,
    evaluate: str | None = None,
    mobile: bool = False,
) -> BrowserReport:
    """Open ``path`` in headless Chromium and report errors, requests, layers, screenshot.

    Parameters
    ----------
    path
        An HTML file.
    name
        Screenshot name (``tests/artifacts/<name>.png``); default the file's stem.
    settle
        Seconds to keep listening after the load event (late errors, late requests).
    evaluate
        A JavaScript expression to evaluate after the checks (before the screenshot);
        its value is in ``report.value``.
    mobile
        Emulate a phone screen of ``width`` x ``height`` CSS pixels (Chromium's window
        cannot be narrower than about 500 px).
    """
    binary = require_browser()
    path = Path(path).resolve()
    if not path.exists():
        raise FileNotFoundError(path)
    report = BrowserReport(path=path)
    profile = tempfile.mkdtemp(prefix="hotspots-chromium-")
    proc = None
    try:
        proc, port = _start_chromium(binary, profile, width, height)
        dt = _DevTools(_page_ws(port))
        try:
            for domain in ("Runtime", "Log", "Network", "Page"):
                dt.send(f"{domain}.enable")
            if mobile:
                dt.send(
                    "Emulation.setDeviceMetricsOverride",
                    {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True},
                )
            t0 = time.monotonic()
            dt.send("Page.navigate", {"url": path.as_uri()})
            loaded = dt.wait_for("Page.loadEventFired", timeout)
            report.load_seconds = time.monotonic() - t0
            if not loaded:
                report.console_errors.append(f"page did not finish loading within {timeout} s")
            dt.drain(settle)
            res = dt.send("Runtime.evaluate", {"expression": _INSPECT_JS, "returnByValue": True})
            info = json.loads(res.get("result", {}).get("value") or "{}")
            report.layers = info.get("layers", [])
            report.legend = info.get("legend", [])
            report.banner = info.get("banner")
            report.attribution = info.get("attribution")
            report.leaflet = info.get("leaflet")
            report.title = info.get("title", "")
            if evaluate is not None:
                res = dt.send("Runtime.evaluate", {"expression": evaluate, "returnByValue": True})
                if "exceptionDetails" in res:
                    raise RuntimeError(f"evaluate failed: {res['exceptionDetails']}")
                report.value = res.get("result", {}).get("value")
            shot = dt.send("Page.captureScreenshot", {"format": "png"})
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name or path.stem)
            report.screenshot = ARTIFACTS / f"{stem}.png"
            report.screenshot.write_bytes(base64.b64decode(shot["data"]))
            dt.drain(0.1)
            errors, requests = _event_errors(dt.events)
            report.console_errors = errors + report.console_errors
            report.requests = requests
        finally:
            dt.close()
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)
    return report
