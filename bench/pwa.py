"""The observer app's weight and speed on a slow phone network, in production settings.

    .venv/bin/python -m bench pwa            # observer home, protocol form, incident form
    .venv/bin/python -m bench pwa --port 8160

A real gunicorn server with DEBUG off, whitenoise's compressed, hashed static files (collectstatic
into a temporary folder), its own SQLite database with one observer deployed at one station of a
Kazakh election. Chromium (390x844) behind a byte-counting proxy, the page's network emulated by
CDP at 400 kbit/s down and up with 400 ms latency. For each page, a first visit (new browser
profile: empty cache, no service worker; the observer's session cookie only) and a repeat visit:

- page bytes: what the page itself received over the network (CDP encodedDataLength, responses
  not served by the service worker or the memory/disk cache);
- wire bytes: every byte that crossed the proxy towards the phone during the visit and the 4 s
  after its load event, the service worker's own fetches included (on a first visit of My station
  it keeps the observer's forms and their scripts for offline use: that background prefetch is
  counted here, not in page bytes; a repeat visit's page comes through the service worker, which
  fetches the fresh HTML: counted here too);
- time to usable: from navigation to the `load` event (HTML, CSS and every script run).

Budget (issue 11): observer home <= 50 KB and protocol form <= 120 KB on a first visit.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench import configure_production_site
from bench.evidence import start_server

PROJECT = Path(__file__).resolve().parent.parent
BUDGET = {"home": 50 * 1024, "protocol": 120 * 1024}
DOWN = UP = 400_000 // 8  # bytes per second
LATENCY_MS = 400


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m bench pwa", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8160, help="gunicorn's port (the proxy uses the next one)")
    return parser.parse_args(argv)


def prepare(folder):
    configure_production_site(folder)
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: PLC0415
    from django.contrib.sessions.backends.db import SessionStore  # noqa: PLC0415

    from tests.factories import DeploymentFactory, ElectionFactory, ObserverFactory  # noqa: PLC0415

    observer = ObserverFactory(username="bench-observer")
    deployment = DeploymentFactory(observer=observer, election=ElectionFactory(country="KZ"))
    session = SessionStore()
    session.update({SESSION_KEY: str(observer.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                    HASH_SESSION_KEY: observer.get_session_auth_hash()})
    session.create()
    return session.session_key, deployment


def visit(page, client, network, url):
    """Load `url`; return (page bytes, wire bytes, seconds to the load event)."""
    received = {"bytes": 0}
    skipped = set()

    def on_response(event):
        response = event["response"]
        if response.get("fromServiceWorker") or response.get("fromDiskCache") or response.get("fromPrefetchCache"):
            skipped.add(event["requestId"])

    def on_finished(event):
        if event["requestId"] not in skipped:
            received["bytes"] += event["encodedDataLength"]

    client.on("Network.responseReceived", on_response)
    client.on("Network.loadingFinished", on_finished)
    wire_before = network.bytes_down
    started = time.perf_counter()
    page.goto(url, wait_until="load")
    seconds = time.perf_counter() - started
    page.wait_for_timeout(4000)  # the service worker's background work, counted on the wire
    client.remove_listener("Network.responseReceived", on_response)
    client.remove_listener("Network.loadingFinished", on_finished)
    return received["bytes"], network.bytes_down - wire_before, seconds


def main(argv):
    args = parse(argv)
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - a test dependency, only for this bench

    with tempfile.TemporaryDirectory(prefix="bench-pwa-") as name:
        folder = Path(name)
        session_key, deployment = prepare(folder)
        # After prepare: tests.conftest imports models, which need the settings prepare configures.
        from tests.browser.switchable_network import SwitchableNetwork  # noqa: PLC0415
        from tests.conftest import CHROMIUM  # noqa: PLC0415

        print("prepared (migrate, collectstatic)", file=sys.stderr, flush=True)
        server, log, _worker = start_server(args.port, folder, "gunicorn")
        network = SwitchableNetwork(args.port, port=args.port + 1)
        network.on()
        pages = {"home": "/observe/me/", "protocol": f"/protocols/deployments/{deployment.pk}/protocol/",
                 "incident": f"/incidents/report/?deployment={deployment.pk}"}
        rows = []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
                for key, path in pages.items():
                    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                                  has_touch=True, device_scale_factor=2,
                                                  extra_http_headers={"Accept-Language": "ru"})
                    context.add_cookies([{"name": "sessionid", "value": session_key, "domain": "localhost",
                                          "path": "/", "secure": True, "httpOnly": True}])
                    page = context.new_page()
                    client = context.new_cdp_session(page)
                    client.send("Network.enable")
                    client.send("Network.emulateNetworkConditions", {
                        "offline": False, "latency": LATENCY_MS, "downloadThroughput": DOWN, "uploadThroughput": UP})
                    url = network.url + path
                    first = visit(page, client, network, url)
                    assert "/accounts/login/" not in page.url, "the bench's session was refused"
                    repeat = visit(page, client, network, url)
                    rows.append((key, first, repeat))
                    print(f"measured {key}", file=sys.stderr, flush=True)
                    context.close()
                browser.close()
        finally:
            network.off()
            server.terminate()
            server.wait(timeout=20)
            log.close()
    print(f"Observer app, production settings, {DOWN * 8 // 1000} kbit/s, {LATENCY_MS} ms latency (CDP), 390x844")
    print(f"{'page':<10}{'visit':<8}{'page KB':>9}{'wire KB':>9}{'usable s':>10}{'budget KB':>11}  verdict")
    for key, first, repeat in rows:
        for label, (page_bytes, wire_bytes, seconds) in (("first", first), ("repeat", repeat)):
            budget = BUDGET.get(key) if label == "first" else None
            verdict = "" if budget is None else ("within" if page_bytes <= budget else "OVER")
            print(f"{key:<10}{label:<8}{page_bytes / 1024:>9.1f}{wire_bytes / 1024:>9.1f}{seconds:>10.2f}"
                  f"{(budget or 0) / 1024 if budget else '':>11}  {verdict}")
