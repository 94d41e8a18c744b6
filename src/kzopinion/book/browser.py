"""Headless Chromium (Debian's package) driven by Playwright, for the browser tests and the PDF.

Installs Chromium when missing (waiting for apt's lock), serves a folder on 127.0.0.1 (:func:`serve`) and holds
the check of each chart's geometry (:data:`CHART_LAYOUT_JS`: inside its container, no text cut or truncated, no two
texts overlapping), which the PDF and the browser tests run.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import re
import shutil
import socketserver
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]
CHROMIUM_ARGS += ["--disable-component-update", "--disable-sync"]
DEBIAN_PACKAGES = ["chromium", "poppler-utils"]
# How long an install waits for another one (a second test run, `make pdf`, the system's own upgrades) to release
# apt's locks before it fails: an install of Chromium takes minutes, so several of them
PACKAGE_LOCK_WAIT = 900
LOCK_RETRY_PAUSE = 5  # s between two tries of `apt-get update`, which apt does not let wait (see run_apt)
LOCK_REPORT_EVERY = 60  # s between two progress lines while waiting
APT_ENVIRONMENT = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
# apt-get's words: "Waiting for cache lock: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process
# 4242 (apt-get)..." once a second while it waits (-q, not -qq); an "E:" line naming the holder, or asking "is another
# process using it?", when it gives up on a lock another process holds (not "are you root?": no waiting helps that)
WAITING = "Waiting for cache lock"
LOCK_HOLDER = re.compile(r"Could not get lock (?P<lock>\S+?)\.? It is held by process (?P<pid>\d+) \((?P<name>[^)]*)\)")
LOCK_FAILURE = re.compile(r"^E: .*(It is held by process|is another process using it\?)", re.M)

Execute = Callable[[list[str], Callable[[str], None]], subprocess.CompletedProcess]


def apt_commands(packages: list[str], wait: int = PACKAGE_LOCK_WAIT) -> list[list[str]]:
    """The apt-get runs that install ``packages``. Each waits up to ``wait`` s for the dpkg lock another installation
    holds (apt-get's own `DPkg::Lock::Timeout`) instead of failing at once, as it does by default; `-q` (not `-qq`)
    keeps apt-get's line saying it waits."""
    waiting = ["-o", f"DPkg::Lock::Timeout={wait}"]
    return [
        ["apt-get", *waiting, "update", "-q"],
        ["apt-get", *waiting, "install", "-y", "-q", "--no-install-recommends", *packages],
    ]


def lock_holder(text: str) -> str:
    """Who holds the lock apt-get names last in ``text`` ("process 4242 (apt-get) holds /var/lib/dpkg/lock")."""
    named = list(LOCK_HOLDER.finditer(text))
    if not named:
        return "apt's lock is held"
    return f"process {named[-1]['pid']} ({named[-1]['name']}) holds {named[-1]['lock']}"


def failed_on_lock(result: subprocess.CompletedProcess) -> bool:
    return result.returncode != 0 and bool(LOCK_FAILURE.search(result.stdout))


def stream_apt(command: list[str], on_line: Callable[[str], None]) -> subprocess.CompletedProcess:
    """One apt-get run, each line of its output (errors included) passed to ``on_line`` as it comes and kept."""
    lines: list[str] = []
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=APT_ENVIRONMENT
    ) as process:
        for line in process.stdout:
            lines.append(line)
            on_line(line)
    return subprocess.CompletedProcess(command, process.returncode, "".join(lines))


def run_apt(
    command: list[str],
    wait: int = PACKAGE_LOCK_WAIT,
    execute: Execute | None = None,
    clock: Callable[[], float] = time.monotonic,
    pause: Callable[[float], None] = time.sleep,
) -> subprocess.CompletedProcess:
    """One apt-get run that waits, up to ``wait`` s in all, while another installation holds one of apt's locks, and
    says so. apt-get waits for the dpkg lock by itself (apt_commands) and says so each second; `apt-get update` fails
    at once on the package lists' lock whatever its options (apt 2.6), so it is run again every few seconds."""
    execute, deadline, said = execute or stream_apt, clock() + wait, []

    def waiting(holder: str) -> None:  # the first line at once, then one a minute: never silent, never a flood
        if not said or clock() - said[-1] >= LOCK_REPORT_EVERY:
            print(
                f"[browser] another installation is running ({holder}): waiting for it, up to {wait} s ...", flush=True
            )
            said.append(clock())

    def on_line(line: str) -> None:
        if line.startswith(WAITING):
            waiting(lock_holder(line))

    while True:
        result = execute(command, on_line)
        if not failed_on_lock(result) or clock() >= deadline:
            return result
        waiting(lock_holder(result.stdout))
        pause(LOCK_RETRY_PAUSE)


def apt_failure(command: list[str], result: subprocess.CompletedProcess, wait: int = PACKAGE_LOCK_WAIT) -> str:
    """The sentence for an apt-get run that failed: still locked out after the wait, or anything else."""
    if failed_on_lock(result):
        return (
            f"`{' '.join(command)}` waited {wait} s for another installation ({lock_holder(result.stdout)}) and gave "
            "up: let it finish, then run this again"
        )
    return f"`{' '.join(command)}` failed (are you root?):\n{result.stdout[-2000:]}"


def ensure_chromium() -> Path:
    """Install Debian's Chromium (and poppler-utils for PDF checks) when missing, waiting for any other installation
    running meanwhile rather than failing on apt's lock."""
    if CHROMIUM.exists() and shutil.which("pdftoppm"):
        return CHROMIUM
    if not shutil.which("apt-get"):
        raise RuntimeError(
            f"Chromium is missing at {CHROMIUM} and apt-get is not available: "
            f"install the Debian packages {' '.join(DEBIAN_PACKAGES)}."
        )
    print(f"[browser] installing {' '.join(DEBIAN_PACKAGES)} from Debian (once per machine) ...", flush=True)
    for command in apt_commands(DEBIAN_PACKAGES):
        result = run_apt(command)
        if result.returncode != 0:
            raise RuntimeError(apt_failure(command, result))
    return CHROMIUM


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port); yields the base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep test output readable
            pass

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# Each chart's drawn SVG must lie inside its container and the window, every text inside the
# SVG and whole (Vega marks a label cut at its labelLimit with an ellipsis), and no two visible
# texts of a chart may overlap (axis labels of one axis may not even touch).
CHART_LAYOUT_JS = """(opts) => [...document.querySelectorAll('.kz-chart')].map(el => {
  const box = el.getBoundingClientRect(), problems = [];
  const svg = el.querySelector('svg.marks') || el.querySelector('svg');
  if (!svg) return {id: el.id, problems: ['no svg']};
  const s = svg.getBoundingClientRect(), width = document.documentElement.clientWidth;
  const own = parseFloat(svg.getAttribute('width'));
  const minScale = (opts || {}).minScale;
  if (minScale && el.classList.contains('kz-chart-live') && own && s.width < minScale * own)
    problems.push(`drawn ${Math.round(own)} px wide and shrunk to ${Math.round(s.width)} px: `
                  + 'its text is too small to read');
  if (s.left < box.left - 1 || s.right > box.right + 1)
    problems.push(`drawn ${Math.round(s.left)}..${Math.round(s.right)} px outside its container `
                  + `${Math.round(box.left)}..${Math.round(box.right)} px`);
  if (s.right > width + 1) problems.push(`drawn to ${Math.round(s.right)} px, beyond the ${width} px window`);
  const visible = t => t.textContent.trim() && t.getAttribute('opacity') !== '0' && getComputedStyle(t).opacity !== '0'
    && !t.closest('[opacity="0"]');
  const texts = [...svg.querySelectorAll('text')].filter(visible);
  const words = t => t.textContent.replace(/\\s+/g, ' ').trim();
  for (const t of texts) {
    const r = t.getBoundingClientRect();
    if (r.width && (r.left < s.left - 2 || r.right > s.right + 2 || r.top < s.top - 2 || r.bottom > s.bottom + 2))
      problems.push(`text "${words(t)}" is cut by the chart's edge`);
    if (t.textContent.includes('\\u2026'))
      problems.push(`text "${words(t)}" is truncated (Vega's ellipsis: its labelLimit or limit is too small; `
                    + 'wrap it into lines in kzopinion.analysis.charts)');
  }
  const rects = texts.map(t => t.getBoundingClientRect());
  const axisOf = t => t.closest('g.role-axis');
  for (let i = 0; i < rects.length; i++) for (let j = i + 1; j < rects.length; j++) {
    const a = rects[i], b = rects[j];
    if (!a.width || !b.width) continue;
    const across = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const down = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    const sameAxis = axisOf(texts[i]) && axisOf(texts[i]) === axisOf(texts[j])
      && texts[i].closest('g.role-axis-label') && texts[j].closest('g.role-axis-label');
    // labels of one axis closer than 1 px count: touching labels read as one ("0.000.05");
    // any other two texts must not overlap by more than a pixel either way
    if (sameAxis ? across > -1 && down > -1 : across > 1 && down > 1)
      problems.push(`${sameAxis ? 'axis labels' : 'texts'} "${words(texts[i])}" and "${words(texts[j])}" `
                    + (sameAxis ? 'overlap or touch' : `overlap (${Math.round(across)} x ${Math.round(down)} px)`));
  }
  return {id: el.id, problems};
})"""


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A Playwright browser running Debian's Chromium headless."""
    from playwright.sync_api import sync_playwright

    executable = ensure_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
