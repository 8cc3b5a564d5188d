"""Learner notebooks made inert before an instructor's browser renders them (autograder/integration/learner_html.py), unit by
unit; tests/browser/test_learner_html.py opens the real formgrader and feedback pages in Chromium."""

from __future__ import annotations

import nbformat
import pytest

from autograder.integration.learner_html import CSP, escape_markdown_html, neutralize, with_csp

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVQI12P4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"


@pytest.mark.parametrize(
    "hostile",
    [
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        "<svg onload=alert(1)>",
        "<b onclick=alert(1)>x</b>",
        "<iframe src=//x>",
        "<IMG SRC=x OnError=alert(1)>",
        "<!--><script>alert(1)</script>",
        "<details open ontoggle=alert(1)>",
        "<a href='javascript:alert(1)'>x</a>",
    ],
)
def test_markdown_html_with_attributes_or_unknown_tags_is_escaped(hostile):
    out = escape_markdown_html(hostile)
    assert "<" not in out.replace("</b>", ""), out


def test_markdown_keeps_its_markdown_and_bare_safe_tags():
    source = "> a quote, `x < y`, a & b\n\n<details><summary>Hint</summary>use **np.exp**</details> ![d](data:image/png;base64,AAAA)"
    assert escape_markdown_html(source) == source


@pytest.mark.parametrize(
    "link",
    ["[x](javascript:alert(1))", "[x](JaVa\tScRiPt:alert(1))", "[x](data:text/html,<b>)", "[x](vbscript:msgbox)"],
)
def test_script_urls_are_defused(link):
    assert "-blocked:" in escape_markdown_html(link)


def test_outputs_keep_only_plain_text_and_checked_images():
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": "<script>x</script>", "text/plain": "<HTML>"}),
        nbformat.v4.new_output("display_data", data={"application/javascript": "alert(1)"}),
        nbformat.v4.new_output(
            "display_data", data={"image/png": PNG}, metadata={"image/png": {"width": '1" onload=x'}}
        ),
        nbformat.v4.new_output("display_data", data={"image/png": '"><script>alert(1)</script>'}),
        nbformat.v4.new_output(
            "execute_result", data={"image/svg+xml": "<svg onload=x>", "text/plain": "svg"}, execution_count=1
        ),
        nbformat.v4.new_output("stream", name="stdout", text="<script>stays text</script>"),
    ]
    nb = nbformat.v4.new_notebook(cells=[cell])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    raw = nbformat.v4.new_raw_cell("<script>alert(1)</script>", metadata={"format": "text/html"})
    nb.cells.append(raw)
    neutralize(nb)
    data = [o.get("data") for o in cell.outputs]
    assert data[0] == {"text/plain": "<HTML>"}
    assert list(data[1]) == ["text/plain"] and "application/javascript" in data[1]["text/plain"]
    assert data[2] == {"image/png": PNG} and cell.outputs[2].metadata == {}
    assert list(data[3]) == ["text/plain"]
    assert data[4] == {"text/plain": "svg"}
    assert cell.outputs[5].text == "<script>stays text</script>"  # nbconvert escapes streams
    assert "widgets" not in nb.metadata
    assert raw.source == "&lt;script&gt;alert(1)&lt;/script&gt;" and "format" not in raw.metadata


def test_feedback_pages_carry_the_policy_in_their_head():
    page = with_csp("<!DOCTYPE html>\n<html>\n<head>\n<title>x</title></head><body></body></html>")
    assert page.index(CSP) < page.index("<title>")
    assert (
        "script-src https://cdnjs.cloudflare.com 'unsafe-eval'" in CSP
        and "'unsafe-inline'" not in CSP.split("style-src")[0]
    )
