"""Launching Debian's Chromium through Playwright for the real-browser tests."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("PAPERSHELF_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialing out, and this
# machine's closed network refuses it; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_or_skip():
    """Return the Chromium path; skip loudly when absent, but fail under CI (CI=true)."""
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    reason = (f"Chromium not found at {CHROMIUM}: install Debian's `chromium` package "
              "(apt-get install chromium) to run the real-browser tests")
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def launch_browser(playwright, headless=True):
    """Launch a plain headless Chromium (no extension)."""
    return playwright.chromium.launch(
        executable_path=chromium_or_skip(), headless=headless, args=CHROMIUM_ARGS)


def launch_with_extension(playwright, user_data_dir, extension_dir):
    """Launch Chromium with the unpacked extension loaded; return the persistent context."""
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir), executable_path=chromium_or_skip(), headless=True,
        args=CHROMIUM_ARGS + [f"--disable-extensions-except={extension_dir}",
                              f"--load-extension={extension_dir}"])
