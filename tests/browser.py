"""Debian's Chromium driven by Playwright, for the tests that need a real browser (the widget, the console).

Chromium comes from Debian's package (``make browser``): Playwright never downloads a browser here.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from indexer.settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = PROJECT_ROOT / "build" / "screenshots"


@contextmanager
def chromium(viewport: dict[str, int]) -> Iterator:
    """Headless Debian Chromium with a fresh profile; the test fails (not skips) without it.

    Yields:
        Its Playwright browser context.
    """
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium) before these tests")
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="kb-chromium-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, viewport=viewport)
            yield context
            context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(page, name: str) -> Path:
    """The whole page as ``build/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
