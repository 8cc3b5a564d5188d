"""Fixtures of the browser suite: one JupyterLab server and one headless Chromium per session.

When Chromium (/usr/bin/chromium) or Playwright is missing the browser tests are skipped with a message saying
how to install them, except in CI (CI=true) or with NNLIB_REQUIRE_BROWSER=1, where they fail instead.
"""

from __future__ import annotations

import os

import pytest

from tests.browser.lab import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    INSTALL_HINT,
    Notebook,
    run_notebook,
    start_lab,
    stop_lab,
)


def browser_required() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("NNLIB_REQUIRE_BROWSER") == "1"


def _missing_browser(reason: str):
    if browser_required():
        pytest.fail(
            f"{reason}; the browser suite must run here (CI=true or NNLIB_REQUIRE_BROWSER=1): {INSTALL_HINT}",
            pytrace=False,
        )
    pytest.skip(f"browser suite skipped: {reason}; {INSTALL_HINT}")


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        _missing_browser(f"Playwright cannot be imported ({err})")
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _missing_browser(f"no Chromium at {CHROMIUM}")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """JupyterLab on 127.0.0.1, a free port and a random token, serving a temporary copy of the course."""
    server = start_lab(tmp_path_factory.mktemp("jupyterlab"))
    try:
        yield server
    finally:
        stop_lab(server)


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


class Runner:
    """Runs one notebook at a time in the browser and keeps it open while its tests look at it."""

    def __init__(self, browser, lab):
        self.browser, self.lab = browser, lab
        self.current = None
        self.failed: dict[Notebook, str] = {}

    def get(self, notebook: Notebook):
        if notebook in self.failed:
            pytest.fail(f"{notebook} could not be run in the browser: {self.failed[notebook]}", pytrace=False)
        if self.current is not None and self.current.notebook == notebook:
            return self.current
        self.close()
        try:
            self.current = run_notebook(self.browser, self.lab, notebook)
        except Exception as err:  # noqa: BLE001 - recorded so that the notebook's other tests fail fast
            self.failed[notebook] = f"{type(err).__name__}: {err}"
            raise
        return self.current

    def close(self) -> None:
        if self.current is not None:
            try:
                self.current.context.close()
            finally:
                self.current = None
                self.lab.shutdown_kernels()


@pytest.fixture(scope="session")
def runner(browser, lab):
    run = Runner(browser, lab)
    try:
        yield run
    finally:
        run.close()


@pytest.fixture
def page(browser, lab, runner):
    """A fresh page of its own (the notebook runner's page and kernel are closed first)."""
    runner.close()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    try:
        yield context.new_page()
    finally:
        context.close()
        lab.shutdown_kernels()


def pytest_collection_modifyitems(config, items):
    """Keep the tests of one notebook together (each notebook runs once in the browser), in definition order."""
    slots = [
        i
        for i, item in enumerate(items)
        if isinstance(getattr(getattr(item, "callspec", None), "params", {}).get("notebook"), Notebook)
    ]
    ordered = sorted((items[i] for i in slots), key=lambda item: item.callspec.params["notebook"])
    for slot, item in zip(slots, ordered):
        items[slot] = item
