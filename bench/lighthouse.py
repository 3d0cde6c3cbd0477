"""Lighthouse (mobile) on the login, property and calendar pages of a running Kotipiha.

    python bench/lighthouse.py --lighthouse /path/to/node_modules/.bin/lighthouse [--base URL]

Lighthouse is not one of the app's dependencies: install it once in a scratch folder
(`npm install lighthouse@12`). The script logs in as the demo resident `maija` in Debian's
Chromium, hands the session cookie to Lighthouse and prints the four scores of each page;
the goal is 100 for each (exit status 1 otherwise).
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

PASSWORD = "Kotipiha-demo-2026"


def session_cookie(base: str, chromium: str) -> tuple[str, str]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        context = browser.new_context()
        page = context.new_page()
        page.goto(base + "/login")
        page.fill("#login", "maija")
        page.fill("#password", PASSWORD)
        page.locator("form button[type=submit]").last.click()
        page.wait_for_load_state()
        prop = page.locator(".property-card").first.get_attribute("href") or page.url.replace(base, "")
        cookie = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
        browser.close()
    return cookie, prop


def scores(lighthouse: str, chromium: str, url: str, cookie: str | None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.json"
        command = [lighthouse, url, "--quiet", "--form-factor=mobile", "--output=json", f"--output-path={out}",
                   "--chrome-flags=--headless=new --no-sandbox"]
        if cookie:
            command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
        subprocess.run(command, check=True, env={"CHROME_PATH": chromium, "PATH": "/usr/bin:/bin"}, timeout=300)
        report = json.loads(out.read_text())
    return {name: category["score"] * 100 for name, category in report["categories"].items()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lighthouse", required=True)
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    cookie, prop = session_cookie(args.base, chromium)
    ok = True
    for path, with_cookie in (("/login", False), (prop, True), (prop.rstrip("/") + "/calendar", True)):
        found = scores(args.lighthouse, chromium, args.base + path, cookie if with_cookie else None)
        ok = ok and all(v == 100 for v in found.values())
        print(f"{path}: " + ", ".join(f"{k} {v:.0f}" for k, v in found.items()))
    print("goal (100 everywhere):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
