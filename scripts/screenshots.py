"""Screenshots of a run map and a comparison map at desktop, laptop and phone sizes.

Writes ``docs/img/{run,compare}_{1400x900,1024x768,390x844}.png`` for the documentation
(``docs/maps.md``), from the maps the tool itself writes. Not run in CI: it needs Debian
``chromium`` and the ``playwright`` Python package (the ``test`` extra), and takes about a
minute and a half.

Usage::

    .venv/bin/python scripts/screenshots.py [--out docs/img]

The run map is ``python -m network run plan_2035``; the comparison is
``python -m network compare plan_2025 lanyu_hsr``. Both are written to a temporary folder
first, so nothing in ``out/`` is touched.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SIZES = [(1400, 900), (1024, 768), (390, 844)]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def _network(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "network", *args], check=True)


def _watch(page, label: str, problems: list[str]) -> None:
    """Collect the page's console errors and any request that leaves the file."""
    page.on("console", lambda m: problems.append(f"{label}: {m.text}")
            if m.type == "error" else None)
    page.on("request", lambda r: problems.append(f"{label}: request {r.url}")
            if not r.url.startswith(("file:", "data:", "blob:")) else None)


def _shoot(pages: dict[str, Path], out: Path) -> list[str]:
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=FLAGS)
        for name, html in pages.items():
            for w, h in SIZES:
                page = browser.new_page(viewport={"width": w, "height": h})
                _watch(page, f"{name} {w}x{h}", problems)
                page.goto(html.resolve().as_uri())
                page.wait_for_timeout(1500)
                target = out / f"{name}_{w}x{h}.png"
                page.screenshot(path=str(target))
                print(f"wrote {target}")
                page.close()
        browser.close()
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/img"),
                        help="folder for the PNG files (default: docs/img)")
    args = parser.parse_args()
    if shutil.which("chromium") is None:
        print("screenshots: Debian chromium is not on PATH (apt-get install chromium)",
              file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        run_dir, cmp_dir = Path(tmp, "run"), Path(tmp, "compare")
        _network("run", "plan_2035", "--out", str(run_dir))
        _network("compare", "plan_2025", "lanyu_hsr", "--out", str(cmp_dir))
        problems = _shoot({"run": run_dir / "map.html", "compare": cmp_dir / "compare.html"},
                          args.out)
    for line in problems:
        print(f"screenshots: {line}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
