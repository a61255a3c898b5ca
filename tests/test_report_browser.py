"""Open report.html in headless Chromium: no console messages, every plot decodes, a screenshot.

The report has no scripts of its own, so any console message (an error, a failed script) is a fault.
A copy of the page gets a small load-time probe that writes how many images decoded into the DOM,
which Chromium's --dump-dom prints.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from report_data import known_store

from qbench.report import write_report

PROBE = ("<script>window.addEventListener('load',function(){var im=Array.from(document.images);"
         "document.body.setAttribute('data-probe',im.length+':'+im.filter(function(i){return i.complete&&"
         "i.naturalWidth>0;}).length+':'+document.documentElement.scrollWidth);});</script>")


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "chromium"], capture_output=True, timeout=900)
        if shutil.which("chromium"):
            return shutil.which("chromium")
    pytest.skip("no chromium on PATH and not root to `apt-get install -y chromium`")


def _browse(page: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", f"--user-data-dir={page.parent / 'profile'}",
           *args, page.as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def check_page(page: Path, tmp: Path) -> tuple[int, int, int, list[str]]:
    """(images, images decoded, page width in CSS px, console messages) of a page in Chromium."""
    probe = tmp / "probe.html"
    probe.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    proc = _browse(probe, "--window-size=1280,900", "--dump-dom")
    found = re.search(r'data-probe="(\d+):(\d+):(\d+)"', proc.stdout)
    assert found, f"the page did not load in chromium: {proc.stderr[-2000:]}"
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return int(found[1]), int(found[2]), int(found[3]), console


def test_probe_detects_a_broken_image_and_a_console_error(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("<!doctype html><html><body><img src='data:image/png;base64,AAAA'/>"
                   "<script>console.error('boom')</script></body></html>")
    images, decoded, _, console = check_page(bad, tmp_path)
    assert (images, decoded) == (1, 0) and any("boom" in c for c in console)


def test_report_opens_cleanly_in_chromium(tmp_path):
    known_store(tmp_path)
    _, html_path = write_report(tmp_path)
    plots = sorted((tmp_path / "plots").glob("*.png"))
    images, decoded, width, console = check_page(html_path, tmp_path)
    assert console == []
    assert images == decoded == len(plots) > 0
    assert width <= 1280  # wide tables scroll inside their box instead of widening the page
    shot = tmp_path / "report.png"
    proc = _browse(html_path, "--window-size=1280,3000", f"--screenshot={shot}")
    assert shot.exists() and shot.stat().st_size > 10_000, proc.stderr[-2000:]
    print(f"screenshot: {shot}")
