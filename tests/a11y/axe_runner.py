"""axe-core in headless Chromium: load a page, inject the axe kept in the project (tests/a11y/axe.min.js, from the
npm registry), run it with the WCAG 2.2 A and AA tags and return its violations.

    from tests.a11y.axe_runner import chromium, axe_violations, run_axe
    with chromium() as browser:
        violations = axe_violations(browser, "http://127.0.0.1:8050/")   # or a file path
        # or, on a page a test has already opened and driven:  run_axe(page)

axe is injected through the DevTools protocol (page.evaluate), not as a <script> element, so the page's Content
Security Policy stays as served. Violations carry axe's rule id, impact, help text and each failing node's CSS
selector and axe's reason; never a node's HTML or text (a page may show records).

Command line: `python -m tests.a11y.axe_runner URL-or-file ...` prints each page's violations; exit 1 if any."""
from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

AXE = Path(__file__).with_name("axe.min.js")
TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def require_chromium() -> None:
    """Skip a browser test when Chromium is missing, except in CI (CI=true), where a missing browser fails it."""
    import pytest

    if os.path.exists(CHROMIUM):
        return
    message = f"no Chromium at {CHROMIUM} (make browser installs it)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{message}: browser tests may not be skipped in CI")
    pytest.skip(f"{message}: browser test skipped")


@contextlib.contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def run_axe(page, tags=TAGS, context: str | None = None) -> list[dict]:
    """axe's violations of the page as it is now (optionally within the element a CSS selector names)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        """async ([tags, context]) => {
             const r = await axe.run(context ? document.querySelector(context) : document,
                                     {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
             return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, tags: v.tags,
                                            nodes: v.nodes.map(n => ({target: n.target,
                                                                      summary: n.failureSummary}))}));
           }""", [list(tags), context])
    return result


def axe_violations(browser, url: str, wait_for: str | None = None, viewport=(1400, 1000)) -> list[dict]:
    """Open a URL (or a local file's path) in a new page, wait for `wait_for` (a CSS selector) and for the network
    to settle, and return axe's violations."""
    if "://" not in url:
        url = Path(url).resolve().as_uri()
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    try:
        page.goto(url)
        if wait_for:
            page.wait_for_selector(wait_for)
        page.wait_for_load_state("networkidle")
        return run_axe(page)
    finally:
        page.close()


def summary(violations: list[dict], max_targets: int = 3) -> str:
    """One line per rule: impact, rule id, nodes, help, the first few failing elements' selectors."""
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:max_targets])
        more = f" (+{len(v['nodes']) - max_targets} more)" if len(v["nodes"]) > max_targets else ""
        lines.append(f"{v['impact'] or '-':9} {v['id']}: {len(v['nodes'])} node(s): {v['help']} [{targets}{more}]")
    return "\n".join(lines) if lines else "no violations"


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    failed = 0
    with chromium() as browser:
        for url in argv:
            violations = axe_violations(browser, url)
            nodes = sum(len(v["nodes"]) for v in violations)
            print(f"{url}: {len(violations)} rule(s) violated, {nodes} node(s)")
            print(summary(violations, max_targets=5))
            failed |= bool(violations)
    return int(failed)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
