"""How fast the explorer answers an analyst: start `scr-warehouse explore` on a built release, drive it in headless
Chromium (playwright) through scripted filter changes, and time each from the click on a filter value to the
moment the last callback it set off has answered and every chart has been drawn. The click's time is the browser's
own (the `pointerdown` event's timestamp), not the moment the automation was asked to click: playwright first
checks the option is visible and still for two frames, 35 to 50 ms that no person waits for. Both are reported.
The explorer builds its common views on a thread when it starts; the changes are timed once /_views says that is
done (as for a server that has been up a while), and how long it took is reported.

    .venv/bin/python tools/bench/explorer_latency.py --warehouse W --release R [--json out.json]

Prints one JSON object: first_load_s, changes, p50_ms, p95_ms, max_ms (filter changes, from the click), p50/p95
from the command (`command_p50_ms`, `command_p95_ms`), each tab opening's time (`tabs_ms`), and each change's
times. `make bench` runs it
on the scale-1 release. The explorer process is the one this script started, and it is stopped at the end."""
from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
# Counts the Dash callback requests in flight, when the last one started and ended, and when a chart last finished
# drawing (plotly_afterplot on any graph, or a Plotly.react / newPlot call resolving).
TRACK = """
window.__pending = 0; window.__lastStart = 0; window.__lastEnd = 0; window.__lastPlot = 0; window.__down = 0;
document.addEventListener('pointerdown', e => { if (e.isTrusted) window.__down = e.timeStamp; }, true);
const __fetch = window.fetch;
window.fetch = function (...a) {
  const url = String((a[0] && a[0].url) || a[0]);
  const dash = url.includes('_dash-update-component');
  if (dash) { window.__pending++; window.__lastStart = performance.now(); }
  return __fetch.apply(this, a).finally(() => {
    if (dash) { window.__pending--; window.__lastEnd = performance.now(); }
  });
};
setInterval(() => document.querySelectorAll('.js-plotly-plot').forEach(el => {
  if (!el.__timed && el.on) {
    el.__timed = true; el.on('plotly_afterplot', () => window.__lastPlot = performance.now());
  }
}), 50);
// a chart mounted by a change (a tab opened) draws before a listener can be attached: time Plotly's own calls too
const __wrap = setInterval(() => {
  if (!window.Plotly || !window.Plotly.react || window.Plotly.__timed) return;
  clearInterval(__wrap);
  window.Plotly.__timed = true;
  for (const name of ['react', 'newPlot']) {
    const f = window.Plotly[name];
    window.Plotly[name] = function (...a) {
      return Promise.resolve(f.apply(this, a)).then(r => { window.__lastPlot = performance.now(); return r; });
    };
  }
}, 5);
"""
QUIET_MS = 400  # a change is over when no callback has been in flight for this long (callbacks chain)
# (a change that needs no request, such as a characteristic while its tab is closed, is over after the quiet time)
SETTLED = """t0 => window.__pending === 0 && performance.now() - Math.max(window.__lastEnd, t0) > """ + str(QUIET_MS)
DONE_AT = """() => Math.max(window.__lastEnd, window.__lastPlot)"""
FRAMES = """() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def script(release: Path) -> list[tuple[str, str]]:
    """(filter id, option label) changes an analyst might make: years, regions, LAs, incident types, and topics on
    the profile's tab (("tab", label) opens a tab)."""
    with open(release / "notifications_by_area.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    years = sorted({r["time_period"] for r in rows})
    regions = sorted({r["region_name"] for r in rows if r["geographic_level"] == "Regional"})
    las_by_region: dict[str, list[str]] = {}
    for r in rows:
        if r["geographic_level"] == "Local authority":
            las_by_region.setdefault(r["region_name"], [])
            if r["la_name"] not in las_by_region[r["region_name"]]:
                las_by_region[r["region_name"]].append(r["la_name"])
    with open(release / "child_characteristics.csv", newline="", encoding="utf-8") as f:
        topics = [t for t in dict.fromkeys(r["breakdown_topic"] for r in csv.DictReader(f)) if t != "Total"]
    label = {y: f"{y[:4]}-{y[4:]}" for y in years}
    steps: list[tuple[str, str]] = []
    for y in years[-2::-1][:4]:
        steps.append(("year", label[y]))
    for reg in regions[:3]:
        steps.append(("region", reg))
        for la in sorted(las_by_region.get(reg, []))[:2]:
            steps.append(("la", la))
    steps += [("itype", "Death"), ("itype", "Serious injury"), ("itype", "Total"), ("year", label[years[-1]])]
    steps += [("tab", "Profile of the children"), *(("topic", t) for t in topics[1:3]), ("tab", "Areas and years")]
    steps += [("region", regions[-1]), ("year", label[years[-3]])]
    return steps


def measure(warehouse: Path, release: Path) -> dict:
    from playwright.sync_api import sync_playwright

    port = _free_port()
    exe = Path(sys.executable).parent / "scr-warehouse"
    env = {k: v for k, v in os.environ.items() if k != "SCR_EXPLORER_USERS"}
    log = open(release.parent / "explorer_latency.log", "w")
    proc = subprocess.Popen([str(exe), "explore", "--warehouse", str(warehouse), "--release", str(release),
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(url, timeout=1).read()
                break
            except OSError as err:
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError("the explorer did not start") from err
                time.sleep(0.3)
        # a server that has been up a while has built its common views: wait for that (/_views says)
        ready = time.time()
        while time.time() < deadline + 600:
            if json.loads(urllib.request.urlopen(url + "_views", timeout=5).read()).get("warm"):
                break
            time.sleep(1)
        warm_s = time.time() - ready
        times: list[tuple[str, str, float]] = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            # the explorer's CSP forbids evaluated code; the bench's timing probes are the automation's, not the page's
            page = browser.new_context(bypass_csp=True, viewport={"width": 1400, "height": 1000}).new_page()
            page.add_init_script(TRACK)
            started = time.perf_counter()
            page.goto(url)
            page.wait_for_selector("#funnel .main-svg")
            page.wait_for_function("window.__lastStart > 0")
            page.wait_for_function(SETTLED, arg=0)
            page.evaluate(FRAMES)
            first_load = time.perf_counter() - started
            for fid, option in script(release):
                if fid == "tab":
                    opt = page.locator(".tab", has_text=option).first
                else:
                    page.click(f"#{fid}")
                    # an open dropdown's list is a named radio group (issue 25's accessibility fix)
                    opt = page.locator("label.dash-dropdown-option").filter(
                        has=page.get_by_role("radio", name=option, exact=True)).first
                opt.wait_for()
                t_cmd = page.evaluate("performance.now()")
                opt.click()
                page.wait_for_function(SETTLED, arg=t_cmd, timeout=60_000)
                page.evaluate(FRAMES)
                t0 = page.evaluate("window.__down")
                # the last answer's arrival or the last chart's drawing, if later
                t1 = max(page.evaluate(DONE_AT), t0)
                if t0 < t_cmd:
                    raise RuntimeError(f"no click seen in the page for {fid} = {option}")
                times.append((fid, option, round(t1 - t0, 1), round(t1 - t_cmd, 1)))
            browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    # p50 and p95 are of filter changes; opening a tab is reported on its own
    ms = sorted(t[2] for t in times if t[0] != "tab")
    cmd = sorted(t[3] for t in times if t[0] != "tab")
    return {"first_load_s": round(first_load, 2), "warm_s": round(warm_s, 1), "changes": len(ms),
            "p50_ms": statistics.median(ms) if ms else None, "p95_ms": p95(ms), "max_ms": max(ms) if ms else None,
            "command_p50_ms": statistics.median(cmd) if cmd else None, "command_p95_ms": p95(cmd),
            "tabs_ms": [[t[1], t[2]] for t in times if t[0] == "tab"], "each": times}


def p95(sorted_ms: list[float]) -> float | None:
    """The 95th percentile, nearest rank on the sorted times."""
    return sorted_ms[min(len(sorted_ms) - 1, int(round(0.95 * (len(sorted_ms) - 1))))] if sorted_ms else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warehouse", required=True)
    ap.add_argument("--release", required=True)
    ap.add_argument("--json", default=None, help="also write the result here")
    a = ap.parse_args(argv)
    if not os.path.exists(CHROMIUM):
        print(json.dumps({"error": f"no Chromium at {CHROMIUM}"}))
        return 2
    result = measure(Path(a.warehouse).resolve(), Path(a.release).resolve())
    text = json.dumps(result)
    if a.json:
        Path(a.json).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
