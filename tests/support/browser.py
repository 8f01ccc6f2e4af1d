"""Helpers for the browser tests: a headless Chromium driven by Selenium, and what it saw.

The browser is the system's (Debian's ``chromium`` and ``chromium-driver``; ``.ci/run`` installs
them), never a download. Without it the tests skip with one line saying how to install it.
Screenshots and measured figures go to the tests' output folder, ``out/tests`` (or
``$CHAINRULE_TEST_OUTPUT``).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

SKIP_REASON = (
    "browser tests need headless Chromium: apt-get install chromium chromium-driver "
    "(Debian/Ubuntu; .ci/run does it) and pip install selenium (make test does)"
)

#: Flags that keep Chromium from reaching the network on its own (updates, sync, field trials)
#: and make it run as root in a container without a display.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    # The network is off: any host name resolves to nothing, so a fetch could only fail.
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


def fold_skip(report: pytest.TestReport) -> None:
    """Report every browser test skipped for want of Chromium at one place, so that pytest's
    summary shows the reason, and how to install it, on a single line (conftest calls this).
    """
    longrepr = report.longrepr
    if report.skipped and isinstance(longrepr, tuple) and SKIP_REASON in str(longrepr[2]):
        report.longrepr = (__file__, 1, longrepr[2])


def find_chromium() -> tuple[str, str] | None:
    """(browser, driver) paths of an installed Chromium and its chromedriver, or None."""
    browser = next(
        (p for n in ("chromium", "chromium-browser") if (p := shutil.which(n)) is not None), None
    )
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        return None
    return browser, driver


def output_dir() -> Path:
    """The folder for screenshots and figures (created)."""
    folder = Path(os.environ.get("CHAINRULE_TEST_OUTPUT", Path("out") / "tests"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class BrowserMissing(RuntimeError):  # noqa: N818 (it is not an error of the caller's)
    """There is no headless Chromium, or no Selenium to drive it; the message says what to do."""


def start_browser(profile: Path) -> Any:
    """A headless Chromium with a fresh profile in ``profile``; the test skips without one."""
    try:
        return launch_chromium(profile)
    except BrowserMissing:
        pytest.skip(SKIP_REASON)


def launch_chromium(profile: Path) -> Any:
    """A headless Chromium with a fresh profile in ``profile``; ``BrowserMissing`` without one.

    Outside the tests too: ``bench/figures.py`` measures the explorer's pages in it.
    """
    found = find_chromium()
    if found is None:
        raise BrowserMissing(SKIP_REASON)
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as e:
        raise BrowserMissing(SKIP_REASON) from e
    browser, driver = found
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    chrome.set_window_size(1400, 900)
    return chrome


def load_clean(chrome: Any, page_path: Path) -> None:
    """Open the page and check it loaded cleanly: no console problem, nothing but itself fetched."""
    open_page(chrome, page_path)
    assert console_problems(chrome) == []
    urls = requested_urls(chrome)
    assert all(u.startswith(("file://", "data:")) for u in urls), urls
    assert page_path.resolve().as_uri() in urls


def open_page(chrome: Any, path: Path) -> None:
    """Load ``path`` from file://, after dropping the logs of earlier pages."""
    chrome.get_log("browser")
    chrome.get_log("performance")
    chrome.get(path.resolve().as_uri())


def console_problems(chrome: Any) -> list[str]:
    """Console messages of level WARNING or SEVERE (errors, failed loads) since the last call."""
    return [
        str(entry["message"])
        for entry in chrome.get_log("browser")
        if entry["level"] in ("SEVERE", "WARNING")
    ]


def requested_urls(chrome: Any) -> list[str]:
    """Every URL the page asked for since the last call (Chromium's Network events)."""
    urls = []
    for entry in chrome.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(str(message["params"]["request"]["url"]))
    return urls


def load_event_seconds(chrome: Any) -> float:
    """Seconds from the start of the last navigation to the end of its load event, as the page
    itself timed them (Navigation Timing): the page parsed, its script run, the graph drawn."""
    ms = chrome.execute_script("return performance.getEntriesByType('navigation')[0].loadEventEnd;")
    return float(ms) / 1000


def seconds_in_page(chrome: Any, script: str) -> float:
    """Seconds ``script`` takes inside the page, timed there (no driver round trip), with the
    layout it causes included: reading ``offsetHeight`` makes the browser lay out at once."""
    ms = chrome.execute_script(
        "const t = performance.now();"
        f"{script};"
        "void document.body.offsetHeight;"
        "return performance.now() - t;"
    )
    return float(ms) / 1000


def shown_cells(chrome: Any, head: str) -> dict[int, str]:
    """What each value element's cell starting with ``head`` shows after it, by data-node."""
    pairs = chrome.execute_script(
        """return Array.from(document.querySelectorAll('g[data-node]')).map((g) => [
             Number(g.getAttribute('data-node')),
             Array.from(g.querySelectorAll('text')).map((t) => t.textContent)
               .filter((t) => t.startsWith(arguments[0]))[0]]);""",
        head,
    )
    return {int(i): str(text).removeprefix(head) for i, text in pairs}


def shown_grads(chrome: Any) -> dict[int, str]:
    """The grad each value element shows now ("grad X" in its cell), by data-node."""
    return shown_cells(chrome, "grad ")


def shown_data(chrome: Any) -> dict[int, str]:
    """The data each value element shows ("data X"), by data-node."""
    return shown_cells(chrome, "data ")


def go(chrome: Any, k: int) -> int:
    """``window.chainrule.go(k)``; the step the page is at afterwards."""
    return int(chrome.execute_script("return window.chainrule.go(arguments[0]);", k))


def current_step(chrome: Any) -> int:
    """``window.chainrule.step``."""
    return int(chrome.execute_script("return window.chainrule.step;"))
