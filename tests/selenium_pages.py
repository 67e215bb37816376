"""Playwright's Page and Locator calls, the subset the browser tests use, over Selenium (Firefox).

The real-browser tests are written once against Playwright's page API; Chromium runs them on
Playwright's own pages, Firefox on these. Each page is a browser tab (a Selenium window
handle) and every call switches to it first. As in Playwright, actions wait (with a deadline)
for their element to be attached, unique and visible, and typing goes through real key events.
"""

import re
import time

from selenium.common.exceptions import (
    ElementClickInterceptedException,
    ElementNotInteractableException,
    NoSuchWindowException,
    StaleElementReferenceException,
)
from selenium.webdriver.common.keys import Keys

DEFAULT_TIMEOUT = 30_000  # milliseconds, as Playwright counts (and its default)
POLL = 0.05

# Resolve a locator's steps inside the page; returns the matching elements in document order.
_RESOLVE = """
const [steps] = arguments;
const norm = (text) => String(text ?? "").replace(/\\s+/g, " ").trim().toLowerCase();
const unique = (nodes) => [...new Set(nodes)];
let nodes = [document];
for (const [kind, value] of steps) {
  if (kind === "css") {
    nodes = unique(nodes.flatMap((node) => [...node.querySelectorAll(value)]));
  } else if (kind === "has_text") {
    nodes = nodes.filter((node) => norm(node.textContent).includes(norm(value)));
  } else if (kind === "text") {
    // The innermost elements holding the text, as Playwright's get_by_text finds them.
    const want = norm(value);
    const skip = ["SCRIPT", "STYLE", "TEMPLATE"];
    const holds = (el) => !skip.includes(el.tagName) && norm(el.textContent).includes(want);
    nodes = unique(nodes.flatMap((node) => [...node.querySelectorAll("*")]))
      .filter((el) => holds(el) && ![...el.children].some(holds));
  } else if (kind === "nth") {
    nodes = nodes.slice(value < 0 ? nodes.length + value : value).slice(0, 1);
  }
}
return nodes;
"""

_VISIBLE = """
const rect = arguments[0].getBoundingClientRect();
return rect.width > 0 && rect.height > 0 && getComputedStyle(arguments[0]).visibility !== "hidden";
"""

_FUNCTION = re.compile(r"^\s*(async\s+)?(function\b|\(|[A-Za-z_$][\w$]*\s*=>)")

_KEYS = {
    "Enter": Keys.ENTER,
    "Tab": Keys.TAB,
    "Escape": Keys.ESCAPE,
    "Backspace": Keys.BACKSPACE,
    "Delete": Keys.DELETE,
    "ArrowDown": Keys.ARROW_DOWN,
    "ArrowUp": Keys.ARROW_UP,
    "Space": Keys.SPACE,
    "Control": Keys.CONTROL,
    "Shift": Keys.SHIFT,
    "Alt": Keys.ALT,
}


def call_script(source):
    """Return a WebDriver script body that calls (or evaluates) a Playwright-style script."""
    return f"return ({source})(...arguments);" if _FUNCTION.match(source) else f"return ({source});"


def _deadline_loop(timeout, what):
    """Yield until the caller breaks; raise AssertionError once timeout milliseconds have passed."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        yield
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} ms waiting for {what}")
        time.sleep(POLL)


class SeleniumPage:
    """One tab of a Selenium-driven browser, answering the Playwright page calls tests make."""

    def __init__(self, driver, handle, timeout=DEFAULT_TIMEOUT):
        self.driver = driver
        self.handle = handle
        self.timeout = timeout

    def __repr__(self):
        return f"<SeleniumPage {self.handle}>"

    def __eq__(self, other):
        return isinstance(other, SeleniumPage) and other.handle == self.handle

    def __hash__(self):
        return hash(self.handle)

    def focus(self):
        """Make this tab Selenium's current window."""
        try:
            if self.driver.current_window_handle == self.handle:
                return
        except NoSuchWindowException:
            pass
        self.driver.switch_to.window(self.handle)

    def run(self, script, *args):
        """Run a WebDriver script body in this tab; return its (awaited) value."""
        self.focus()
        return self.driver.execute_script(script, *args)

    @property
    def url(self):
        self.focus()
        return self.driver.current_url

    def goto(self, url):
        self.focus()
        self.driver.get(url)

    def reload(self):
        self.focus()
        self.driver.refresh()

    def evaluate(self, source, arg=None):
        return self.run(call_script(source), arg)

    def wait_for_function(self, source, arg=None, timeout=None):
        for _ in _deadline_loop(timeout or self.timeout, f"{source} to be true"):
            value = self.evaluate(source, arg)
            if value:
                return value

    def locator(self, selector):
        return Locator(self, [("css", selector)])

    def get_by_text(self, text):
        return Locator(self, [("text", text)])

    def set_viewport_size(self, size):
        self.focus()
        self.driver.set_window_size(size["width"], size["height"])

    def is_closed(self):
        return self.handle not in self.driver.window_handles

    def close(self):
        if self.is_closed():
            return
        self.focus()
        self.driver.close()
        remaining = self.driver.window_handles
        if remaining:
            self.driver.switch_to.window(remaining[0])


class Locator:
    """Elements found by CSS steps, text filters and positions; resolved anew on every call."""

    def __init__(self, page, steps):
        self.page = page
        self.steps = steps

    def __repr__(self):
        return f"<Locator {self.steps}>"

    def locator(self, selector):
        return Locator(self.page, self.steps + [("css", selector)])

    def filter(self, has_text=None):
        return Locator(self.page, self.steps + ([("has_text", has_text)] if has_text else []))

    def nth(self, index):
        return Locator(self.page, self.steps + [("nth", index)])

    @property
    def first(self):
        return self.nth(0)

    @property
    def last(self):
        return self.nth(-1)

    def elements(self):
        return self.page.run(_RESOLVE, self.steps)

    def _visible(self, element):
        return self.page.run(_VISIBLE, element)

    def _one(self, visible=True, timeout=None):
        """Wait until the locator names exactly one element (visible, unless told); return it."""
        for _ in _deadline_loop(
            timeout or self.page.timeout, f"{self} to be {'visible' if visible else 'attached'}"
        ):
            found = self.elements()
            if len(found) > 1:
                raise AssertionError(f"{self} matches {len(found)} elements, not one")
            try:
                if found and (not visible or self._visible(found[0])):
                    return found[0]
            except StaleElementReferenceException:
                continue

    def wait_for(self, state="visible", timeout=None):
        if state in ("visible", "attached"):
            for _ in _deadline_loop(timeout or self.page.timeout, f"{self} to be {state}"):
                found = self.elements()
                if found and (state == "attached" or any(self._visible(el) for el in found)):
                    return
        elif state in ("hidden", "detached"):
            for _ in _deadline_loop(timeout or self.page.timeout, f"{self} to be {state}"):
                found = self.elements()
                if not found or (state == "hidden" and not any(self._visible(el) for el in found)):
                    return
        else:
            raise ValueError(f"unknown state {state!r}")

    def count(self):
        return len(self.elements())

    def is_visible(self):
        found = self.elements()
        return bool(found) and self._visible(found[0])

    def is_hidden(self):
        return not self.is_visible()

    def inner_text(self):
        return self.page.run("return arguments[0].innerText;", self._one(visible=False))

    def all_inner_texts(self):
        return self.page.run("return arguments[0].map((el) => el.innerText);", self.elements())

    def input_value(self):
        return self.page.run("return arguments[0].value;", self._one(visible=False))

    def is_checked(self):
        return bool(self.page.run("return arguments[0].checked;", self._one(visible=False)))

    def evaluate(self, source, arg=None):
        return self.page.run(call_script(source), self._one(visible=False), arg)

    def evaluate_all(self, source, arg=None):
        return self.page.run(call_script(source), self.elements(), arg)

    def click(self, timeout=None):
        """Click as a reader does (real mouse events, so it counts as a user gesture)."""
        for _ in _deadline_loop(timeout or self.page.timeout, f"{self} to take a click"):
            element = self._one(timeout=timeout)
            if not element.is_enabled():
                continue
            try:
                element.click()
                return
            except (
                ElementClickInterceptedException,
                ElementNotInteractableException,
                StaleElementReferenceException,
            ):
                continue

    def set_checked(self, checked):
        if self.is_checked() != checked:
            self.click()
        if self.is_checked() != checked:
            raise AssertionError(f"{self} did not become {'checked' if checked else 'unchecked'}")

    def check(self):
        self.set_checked(True)

    def uncheck(self):
        self.set_checked(False)

    def fill(self, text):
        """Replace the field's text by typing it (the old text is selected and deleted first)."""
        element = self._one()
        element.send_keys(Keys.CONTROL, "a")
        element.send_keys(Keys.DELETE)
        if text:
            element.send_keys(text)

    def press(self, key):
        """Press a key named as Playwright names it ("Enter", "Control+a")."""
        self._one().send_keys(*(_KEYS.get(part, part) for part in key.split("+")))

    def screenshot(self, path):
        if self.steps == [("css", "body")]:
            # An element shot is cut at the viewport; the whole page is what a reader scrolls.
            self.page.focus()
            self.page.driver.save_full_page_screenshot(str(path))
        else:
            self._one().screenshot(str(path))
