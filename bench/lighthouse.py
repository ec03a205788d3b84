"""Lighthouse (mobile preset) on every observer page and the coordinator's coverage and map pages.

    .venv/bin/python -m bench lighthouse                 # Russian pages
    .venv/bin/python -m bench lighthouse --languages ru,kk --port 18610

Production settings (DEBUG off, gunicorn, whitenoise's compressed, hashed static files collected
into a temporary folder, the compression middleware), its own SQLite database with the pages'
data of tests/browser/every_page.py (an observer deployed, one checked in with a protocol sent,
a checklist, a coordinator). Lighthouse 12 (bench/lighthouse/package.json, pinned by its
package-lock; installed there with `npm ci` when node_modules is missing) drives the Debian
Chromium (CHROME_PATH, default /usr/bin/chromium) with its default mobile preset (simulated
throttling, Moto G Power screen) in one headless Chromium it attaches to, whose cookie jar holds
the user's session for each logged-in page (so the pages' own requests carry it too).
The map's tiles are a blank tile served by the same gunicorn (MAP_TILES_URL), not the internet's.
Prints each page's performance / accessibility / best-practices / SEO scores against the aim
98 / 100 / 100 / 100 (issue 17), and the audits that cost points.
"""

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from bench import configure_production_site
from bench.evidence import start_server

PROJECT = Path(__file__).resolve().parent.parent
TOOL = PROJECT / "bench" / "lighthouse"
AIM = {"performance": 98, "accessibility": 100, "best-practices": 100, "seo": 100}


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m bench lighthouse", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=18610, help="gunicorn's port")
    parser.add_argument("--languages", default="ru", help="comma-separated interface languages (ru,kk,en)")
    parser.add_argument("--pages", default="", help="comma-separated page names (default: all)")
    parser.add_argument("--details", action="store_true",
                        help="after each page: total blocking time, the scripts' main-thread time and "
                             "the longest tasks, to see what costs performance")
    return parser.parse_args(argv)


def install():
    binary = TOOL / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=TOOL, check=True)
    return binary


def prepare(folder, port):
    # The map's tiles come from a tile server on the internet, which this machine may not reach:
    # the page would be measured with failed requests in its console. A blank tile served by the
    # same gunicorn stands in for them (MAP_TILES_URL is the setting an NGO uses for its own server).
    os.environ["MAP_TILES_URL"] = f"http://localhost:{port}/static/bench-tile.png?{{z}}/{{x}}/{{y}}"
    configure_production_site(folder)
    Image.new("RGB", (256, 256), (242, 239, 233)).save(folder / "static" / "bench-tile.png")
    from tests.browser import every_page  # noqa: PLC0415 - needs the configured Django

    world = every_page.build()
    users = {who: world[who] for who in ("observer", "present", "coordinator")}
    cookies = {who: every_page.session_cookie(user) for who, user in users.items()}
    return every_page.pages(world), cookies


@contextlib.contextmanager
def chromium(port):
    """The Debian Chromium, headless, that every page is measured in (Lighthouse attaches by `port`)."""
    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    with tempfile.TemporaryDirectory(prefix="bench-lighthouse-profile-") as profile:
        process = subprocess.Popen([chrome, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                    f"--remote-debugging-port={port}", f"--user-data-dir={profile}", "about:blank"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/json/version", timeout=1).close()  # noqa: S310
                    break
                except OSError:
                    time.sleep(0.1)
            yield port
        finally:
            process.terminate()
            process.wait(timeout=20)


def sign_in(debug_port, origin, session):
    """The session cookie in the browser's own cookie jar, so that the page's script requests carry
    it as a user's would (Lighthouse's extra headers reach the page itself, not its fetches: the
    map's data then came back as the login page). None: no one signed in."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{debug_port}")
        context = browser.contexts[0]
        context.clear_cookies()
        if session:
            context.add_cookies([{"name": "sessionid", "value": session, "url": origin}])
        browser.close()  # disconnects; the browser and its default context stay


def run_lighthouse(binary, url, headers, folder, debug_port):
    report = folder / "report.json"
    # Lighthouse resets the origin's storage before loading (caches, service worker, IndexedDB:
    # a first visit) and keeps its cookies, which hold the session.
    command = [str(binary), url, "--quiet", "--output=json", f"--output-path={report}", f"--port={debug_port}",
               "--only-categories=performance,accessibility,best-practices,seo", f"--extra-headers={json.dumps(headers)}"]
    for attempt in (1, 2):  # Lighthouse now and then loses its trace (NO_NAVSTART) and says to run it again
        done = subprocess.run(command, timeout=300, check=attempt == 2)
        if done.returncode == 0:
            break
    result = json.loads(report.read_text())
    if urllib.parse.urlsplit(result["finalDisplayedUrl"]).path != urllib.parse.urlsplit(url).path:
        raise SystemExit(f"{url} ended at {result['finalDisplayedUrl']}: the page was not measured signed in")
    scores = {key: round((category["score"] or 0) * 100) for key, category in result["categories"].items()}
    lost = sorted({audit["id"] for category in result["categories"].values() for ref in category["auditRefs"]
                   if ref["weight"] > 0 for audit in [result["audits"][ref["id"]]]
                   if audit["score"] is not None and audit["score"] < 1})
    return scores, lost, result["audits"]["first-contentful-paint"]["displayValue"], details(result["audits"])


def details(audits):
    """Lines naming what blocked the main thread: TBT, the costliest scripts, the longest tasks."""
    lines = [f"    total blocking time {audits['total-blocking-time'].get('displayValue', '-')}, "
             f"largest contentful paint {audits['largest-contentful-paint'].get('displayValue', '-')}"]
    for item in (audits.get("bootup-time", {}).get("details") or {}).get("items", [])[:4]:
        lines.append(f"    script {item.get('url', '')[-60:]}: {item.get('total', 0):.0f} ms "
                     f"(evaluation {item.get('scripting', 0):.0f} ms, parse {item.get('scriptParseCompile', 0):.0f} ms)")
    for item in (audits.get("long-tasks", {}).get("details") or {}).get("items", [])[:4]:
        lines.append(f"    long task {item.get('duration', 0):.0f} ms at {item.get('startTime', 0):.0f} ms: "
                     f"{str(item.get('url', ''))[-60:]}")
    for item in (audits.get("layout-shifts", {}).get("details") or {}).get("items", [])[:3]:
        node = item.get("node") or {}
        lines.append(f"    layout shift {item.get('score', 0):.3f}: {str(node.get('snippet', ''))[:100]}")
    for audit_id in ("target-size", "color-contrast", "image-size-responsive"):
        for item in (audits.get(audit_id, {}).get("details") or {}).get("items", [])[:3]:
            node = item.get("node") or {}
            lines.append(f"    {audit_id}: {str(node.get('snippet') or item.get('url', ''))[:100]}")
    for item in (audits.get("errors-in-console", {}).get("details") or {}).get("items", [])[:3]:
        lines.append(f"    console: {str(item.get('description', ''))[:100]}")
    return lines


def main(argv):
    args = parse(argv)
    binary = install()
    with tempfile.TemporaryDirectory(prefix="bench-lighthouse-") as name:
        folder = Path(name)
        pages, cookies = prepare(folder, args.port)
        if args.pages:
            pages = [page for page in pages if page[0] in args.pages.split(",")]
        print("prepared (migrate, collectstatic)", file=sys.stderr, flush=True)
        server, log, _worker = start_server(args.port, folder, "gunicorn")
        origin = f"http://localhost:{args.port}"
        rows = []
        try:
            with chromium(args.port + 1) as debug_port:
                for language in args.languages.split(","):
                    for page, who, path in pages:
                        sign_in(debug_port, origin, cookies[who] if who else None)
                        scores, lost, fcp, why = run_lighthouse(binary, origin + path, {"Accept-Language": language},
                                                                folder, debug_port)
                        rows.append((language, page, scores, lost, fcp))
                        print(f"measured {language} {page}", file=sys.stderr, flush=True)
                        if args.details:
                            print("\n".join(why), file=sys.stderr, flush=True)
        finally:
            server.terminate()
            server.wait(timeout=20)
            log.close()
    version = json.loads((TOOL / "node_modules" / "lighthouse" / "package.json").read_text())["version"]
    print(f"Lighthouse {version}, mobile preset (simulated throttling), production settings, gunicorn; "
          f"aim {' / '.join(str(value) for value in AIM.values())}")
    print(f"{'lang':<6}{'page':<13}{'perf':>6}{'a11y':>6}{'best':>6}{'seo':>6}{'FCP':>9}  verdict; audits below 1")
    for language, page, scores, lost, fcp in rows:
        verdict = "meets" if all(scores.get(key, 0) >= aim for key, aim in AIM.items()) else "BELOW"
        print(f"{language:<6}{page:<13}{scores['performance']:>6}{scores['accessibility']:>6}"
              f"{scores['best-practices']:>6}{scores['seo']:>6}{fcp:>9}  {verdict}; {', '.join(lost) or '-'}")
