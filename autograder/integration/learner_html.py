"""Learner notebooks are shown to the instructor without any active content (issue 22, 3).

nbgrader's formgrader renders autograded notebooks with nbconvert's HTML exporter, unsanitised, inside the
instructor's own Jupyter server: a learner's ``display(HTML("<script>..."))`` or a markdown cell holding
``<img src=x onerror=...>`` would run with the instructor's session. ``neutralize(nb)`` makes a notebook inert
before it is stored (``NeutralizeLearnerHTML`` runs in autograde, and again in feedback), by allow-lists:

- outputs keep only ``text/plain``, ``image/png`` and ``image/jpeg`` (base64 checked); ``text/html``,
  ``text/markdown``, ``application/javascript``, ``image/svg+xml``, widgets and every other type are dropped, and
  an output left with nothing says so in plain text; output metadata (sizes nbconvert writes into attributes)
  is dropped; stream and error outputs are plain text, which nbconvert escapes;
- markdown cells keep their markdown, but every HTML tag is escaped unless it is one of ``SAFE_TAGS`` written
  bare (``<details>``, ``</summary>``, ``<b>``: no attributes, so no event handler, style or URL), and
  ``javascript:`` links are defused; attachments keep only PNG and JPEG images;
- raw cells become plain text (nbconvert copies a raw cell marked text/html into the page verbatim);
- the notebook's widget state, which nbconvert embeds in a script element, is removed.

``install_feedback_csp()`` (from ``nbgrader_config.py``) also gives every feedback page a Content-Security-Policy.
"""

from __future__ import annotations

import base64
import binascii
import html
import re

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

SAFE_MIME = ("text/plain", "image/png", "image/jpeg")
SAFE_TAGS = frozenset(
    {
        "details",
        "summary",
        "b",
        "i",
        "em",
        "strong",
        "code",
        "sub",
        "sup",
        "br",
        "kbd",
        "p",
        "ul",
        "ol",
        "li",
        "hr",
        "pre",
        "blockquote",
    }
)
REMOVED_NOTE = "[output not shown to the grader: {kinds} from a learner's notebook is never rendered]"
_TAG = re.compile(r"<(?=[A-Za-z/!?])")
_BARE = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)\s*/?>")
_SCHEME = re.compile(r"(?i)(j\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t|v\s*b\s*s\s*c\s*r\s*i\s*p\s*t|d\s*a\s*t\s*a)(\s*:)")


def _is_base64(text) -> bool:
    if type(text) is not str:
        return False
    try:
        base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def escape_markdown_html(source: str) -> str:
    """``source`` with every HTML tag escaped except bare ``SAFE_TAGS``, and script URLs defused."""
    out, pos = [], 0
    for m in _TAG.finditer(source):
        out.append(source[pos : m.start()])
        bare = _BARE.match(source, m.start())
        if bare and bare.group(1).lower() in SAFE_TAGS:
            out.append(bare.group(0))
            pos = bare.end()
        else:
            out.append("&lt;")
            pos = m.end()
    out.append(source[pos:])
    text = "".join(out)
    return _SCHEME.sub(lambda m: m.group(1) + "-blocked" + m.group(2) if not _image_data(m, text) else m.group(0), text)


def _image_data(match, text: str) -> bool:
    """A ``data:`` URL of a PNG or JPEG image (an inline picture, harmless in an img element) is kept."""
    return (
        match.group(1).lower() == "data"
        and re.match(r"(?i)data:image/(png|jpeg);base64,", text[match.start() :]) is not None
    )


def neutralize_output(output) -> None:
    kind = output.get("output_type")
    if kind in ("stream", "error"):
        return
    data = output.get("data") or {}
    dropped = sorted(k for k in data if k not in SAFE_MIME or (k != "text/plain" and not _is_base64(data[k])))
    for key in dropped:
        del data[key]
    if "text/plain" in data and type(data["text/plain"]) is not str:
        data["text/plain"] = "".join(map(str, data["text/plain"])) if type(data["text/plain"]) is list else ""
    if dropped and not data:
        data["text/plain"] = REMOVED_NOTE.format(kinds=", ".join(dropped))
    output["data"] = data
    if "metadata" in output:
        output["metadata"] = {}


def neutralize_cell(cell) -> None:
    if cell.get("cell_type") == "code":
        for output in cell.get("outputs", []):
            neutralize_output(output)
    elif cell.get("cell_type") == "markdown":
        cell["source"] = escape_markdown_html(cell.get("source", ""))
        attachments = cell.get("attachments") or {}
        for name in list(attachments):
            bundle = attachments[name]
            kept = {k: v for k, v in bundle.items() if k in ("image/png", "image/jpeg") and _is_base64(v)}
            if kept:
                attachments[name] = kept
            else:
                del attachments[name]
    elif cell.get("cell_type") == "raw":
        cell["source"] = html.escape(cell.get("source", ""))
        for key in ("format", "raw_mimetype"):
            cell.get("metadata", {}).pop(key, None)


def neutralize(nb):
    """Make notebook ``nb`` inert when rendered as HTML (see the module docstring); returns it."""
    for cell in nb.cells:
        neutralize_cell(cell)
    nb.metadata.pop("widgets", None)
    return nb


class NeutralizeLearnerHTML(Preprocessor):
    """nbconvert/nbgrader preprocessor: ``neutralize`` the notebook (autograde and feedback)."""

    enabled = Bool(True, help="nbconvert runs a preprocessor only when enabled (its default is False)").tag(config=True)

    def preprocess(self, nb, resources):
        return neutralize(nb), resources


CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline' data:; font-src data: https://cdnjs.cloudflare.com; "
    "script-src https://cdnjs.cloudflare.com 'unsafe-eval'; connect-src 'none'; base-uri 'none'; form-action 'none'"
)


def with_csp(page: str) -> str:
    """The HTML ``page`` with ``CSP`` as the first element of its head: no inline script or event handler runs,
    no request leaves the page; MathJax from its CDN still does, and images are the page's own data."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
    head = re.search(r"<head[^>]*>", page, re.IGNORECASE)
    return page[: head.end()] + "\n" + meta + page[head.end() :] if head else meta + "\n" + page


def install_feedback_csp() -> None:
    """Every feedback page nbgrader writes carries ``CSP`` (``with_csp``); the formgrader is untouched (idempotent)."""
    from nbgrader.converters.generate_feedback import GenerateFeedback

    if getattr(GenerateFeedback, "_autograder_csp", False):
        return
    original = GenerateFeedback.write_single_notebook

    def write_single_notebook(self, output, resources):
        return original(self, with_csp(output) if isinstance(output, str) else output, resources)

    GenerateFeedback.write_single_notebook = write_single_notebook
    GenerateFeedback._autograder_csp = True
