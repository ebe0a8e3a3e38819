"""Steps of the offline journeys: the service worker, the network switched off and on."""

from __future__ import annotations

from playwright.sync_api import BrowserContext, CDPSession, Page, expect

from tests import factories


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Selamat datang")


def wait_for_worker(page: Page) -> None:
    """The service worker is active and controls this page (it claims pages when it activates)."""
    # Polled from Python: wait_for_function would evaluate a string, which the CSP forbids.
    for _attempt in range(2):
        for _ in range(100):
            if page.evaluate("() => Boolean(navigator.serviceWorker && navigator.serviceWorker.controller)"):
                return
            page.wait_for_timeout(100)
        # The worker activated but did not claim this page (a slow install): a reload puts it in control.
        page.evaluate("() => navigator.serviceWorker.ready")
        page.reload()
    raise AssertionError("the service worker never took control of the page")


class Network:
    """Switch the browser's network off and on for the page and its service worker.

    CDP network emulation covers the page; Playwright's offline switch also covers the requests
    the service worker makes, which CDP on the page does not see.
    """

    def __init__(self, context: BrowserContext, page: Page):
        self.context = context
        self.cdp: CDPSession = context.new_cdp_session(page)
        self.cdp.send("Network.enable")

    def _emulate(self, offline: bool) -> None:
        self.cdp.send(
            "Network.emulateNetworkConditions",
            {"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
        self.context.set_offline(offline)

    def off(self) -> None:
        self._emulate(True)

    def on(self) -> None:
        self._emulate(False)

    def attach(self, page: Page) -> None:
        """A new page (a reopened tab) gets its own CDP session, in the current state."""
        self.cdp = self.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
