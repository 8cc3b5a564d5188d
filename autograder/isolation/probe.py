"""The code the sandboxed kernel runs in place of a graded test cell: the agent, inlined, serving the judge.

The kernel cannot import ``autograder`` (the sandbox holds nnlib and the Python environment only), so the
agent's source and the wire format's travel as the cell's code. The statements of ``autograder/isolation/agent.py``
that import from ``autograder`` (found with ``ast``, however the formatter wraps them) are dropped, and so is
``from __future__ import annotations``: the inlined wire code defines those names. The code runs in a private namespace, not the learner's, and looks up answers in the learner's
``get_ipython().user_ns``.
"""

from __future__ import annotations

import ast
import functools
import inspect

from . import agent, wire


def _body(module) -> str:
    """The module's source without its ``from __future__`` line and its imports from ``autograder``."""
    source = inspect.getsource(module)
    dropped: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (
            node.level or (node.module or "").split(".")[0] in ("autograder", "__future__")
        ):
            dropped.update(range(node.lineno, node.end_lineno + 1))
    return "\n".join(line for i, line in enumerate(source.splitlines(), 1) if i not in dropped)


@functools.cache
def agent_source() -> str:
    """wire.py and agent.py as one self-contained module source."""
    source = _body(wire) + "\n" + _body(agent)
    compile(source, "<autograder agent>", "exec")  # fail here, in the grader, if the inlining broke it
    return source


def agent_code(path: str) -> str:
    """The cell source that connects the kernel's agent to the judge's socket at ``path``."""
    return (
        f"def __autograder_agent():\n"
        f"    _ns = {{'__name__': '_autograder_agent'}}\n"
        f"    exec(compile({agent_source()!r}, '<autograder agent>', 'exec'), _ns)\n"
        f"    _ns['serve']({path!r}, get_ipython().user_ns)\n"
        f"try:\n    __autograder_agent()\nfinally:\n    del __autograder_agent\n"
    )
