"""Steps of the offline journeys: the service worker, the network switched off and on."""

from __future__ import annotations

import itertools
import json
import time

from playwright.sync_api import BrowserContext, CDPSession, Page, expect

from tests import factories

_ids = itertools.count(1)


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


# Chromium DevTools' "Slow 3G" of the issue's benchmark: 400 ms latency, 400 kbit/s each way.
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400_000 / 8,
    "uploadThroughput": 400_000 / 8,
}
NO_LIMIT = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
OFFLINE = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}


class Network:
    """Switch the browser's network off, on or to slow 3G for the page and its service worker.

    CDP network emulation on the page does not reach the requests the service worker makes (the
    worker is a target of its own). Playwright's offline switch covers the worker, but it has no
    throttling: the conditions are also sent to every service worker of this context through a
    browser CDP session, after Playwright's own, so they are the ones that hold.
    """

    def __init__(self, context: BrowserContext, page: Page):
        self.context = context
        self._browser = context.browser.new_browser_cdp_session()
        self._workers: dict[str, str] = {}  # service worker target id -> our session id
        self._answered: set[int] = set()  # ids of the messages the workers have answered
        self._browser.on("Target.receivedMessageFromTarget", self._answer)
        self.attach(page)

    def _emulate(self, conditions: dict) -> None:
        self.cdp.send("Network.emulateNetworkConditions", conditions)
        self.context.set_offline(conditions["offline"])
        sent = {
            self._send(session, "Network.emulateNetworkConditions", conditions)
            for session in self._worker_sessions()
        }
        # A message to a worker is only posted: until the worker answers, its fetches may still
        # run under the old conditions (a page loaded right after `on()` got the offline page).
        deadline = time.monotonic() + 5
        while not sent <= self._answered:
            assert time.monotonic() < deadline, "a service worker did not take the network conditions"
            self._browser.send("Target.getTargets")  # a round trip, during which answers arrive

    def _send(self, session: str, method: str, params: dict) -> int:
        number = next(_ids)
        message = json.dumps({"id": number, "method": method, "params": params})
        self._browser.send("Target.sendMessageToTarget", {"sessionId": session, "message": message})
        return number

    def _answer(self, event: dict) -> None:
        number = json.loads(event["message"]).get("id")  # events from the worker carry none
        if number is not None:
            self._answered.add(number)

    def _worker_sessions(self) -> list[str]:
        targets = self._browser.send("Target.getTargets")["targetInfos"]
        for target in targets:
            if target["type"] != "service_worker" or target.get("browserContextId") != self._context_id:
                continue
            if target["targetId"] not in self._workers:
                attached = self._browser.send(
                    "Target.attachToTarget", {"targetId": target["targetId"], "flatten": False}
                )
                self._workers[target["targetId"]] = attached["sessionId"]
                self._send(attached["sessionId"], "Network.enable", {})
        alive = {t["targetId"] for t in targets}
        return [session for target, session in self._workers.items() if target in alive]

    def off(self) -> None:
        self._emulate(OFFLINE)

    def on(self) -> None:
        self._emulate(NO_LIMIT)

    def slow_3g(self) -> None:
        self._emulate(SLOW_3G)

    def attach(self, page: Page) -> None:
        """A new page (a reopened tab) gets its own CDP session; call off/on/slow_3g after it."""
        self.cdp: CDPSession = self.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self._context_id = self.cdp.send("Target.getTargetInfo")["targetInfo"]["browserContextId"]
