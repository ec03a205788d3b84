"""Waiting for a condition in a page that runs under the Content-Security-Policy.

Playwright's `wait_for_function` evaluates its expression with `eval` inside the page, which the
policy (no 'unsafe-eval') refuses. `page.evaluate` goes through the DevTools protocol, which the
page's policy does not govern: polling it waits for the same condition.
"""

import time

from playwright.sync_api import Error


def wait_until(page, expression, timeout=30_000):
    """Poll the JavaScript `expression` until it is truthy, at most `timeout` milliseconds."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        try:
            if page.evaluate(expression):
                return
        except Error:  # the element is not there yet, or the page is navigating: ask again
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} ms: {expression}")
        time.sleep(0.1)
