"""Runs in the learner's kernel after each graded test cell: ships the answers that cell uses to the grader.

The grader (``autograder.preprocessors.IsolatedExecute``) executes ``emit([...names...])`` in the kernel
right after a test cell. It publishes one display output of MIME type ``MIME`` holding, for each name, how
to rebuild it in the grader's isolated process: a module name, a cloudpickle of the value (functions defined
in the notebook travel by value), or why it could not be sent. The output never reaches the notebook.
Anything learner code does to this module can only change what is shipped, and what is shipped must then
pass the instructor's tests in a pristine process, so tampering here gains nothing.
"""
from __future__ import annotations

import base64
import types

MIME = "application/x-nnlib-answers+json"


def pack(namespace: dict, names: list[str]) -> dict[str, list[str]]:
    """Describe ``names`` from ``namespace`` as ``{name: [kind, data]}`` (kind: value/module/missing/unpicklable)."""
    import cloudpickle

    packed: dict[str, list[str]] = {}
    for name in names:
        if name not in namespace:
            packed[name] = ["missing", ""]
            continue
        value = namespace[name]
        if isinstance(value, types.ModuleType):
            packed[name] = ["module", value.__name__]
            continue
        try:
            packed[name] = ["value", base64.b64encode(cloudpickle.dumps(value)).decode("ascii")]
        except Exception as exc:  # a value that cannot travel (an open file, a widget, ...)
            packed[name] = ["unpicklable", f"{type(exc).__name__}: {exc}"[:300]]
    return packed


def emit(names: list[str]) -> None:
    """Publish the answers ``names`` from the kernel's user namespace as one raw display output."""
    from IPython import get_ipython
    from IPython.display import display

    display({MIME: pack(get_ipython().user_ns, names)}, raw=True)
