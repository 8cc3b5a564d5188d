"""The class-server tests use the browser suite's headless Chromium (tests/browser/conftest.py)."""

from tests.browser.conftest import artifacts, browser  # noqa: F401 - fixtures shared with the browser suite
