"""A copy of nnlib in which the references of the lesson being graded are withheld (for the grading sandbox).

``withheld_nnlib(lesson, dest)`` writes ``dest/nnlib``: the grader's nnlib with, in every module that holds a
reference of ``lesson`` (see ``autograder.catalogue``), that function's body replaced by a ``raise`` (its
signature and docstring stay) and that constant replaced by an object that raises when used. The code is gone,
not hidden: an answer that calls, wraps, copies or re-imports a reference fails its tests with a message that
says why, and no source of the reference exists inside the sandbox to read and re-run. Other lessons'
references stay (lesson 03 may use lesson 02's ``relu``).
"""
from __future__ import annotations

import ast
import hashlib
import importlib.util
import shutil
from pathlib import Path

from autograder.catalogue import REFERENCES

MARK = "withheld"
_PRELUDE = '''
class ReferenceWithheld(RuntimeError):
    """A reference answer of the lesson being graded was called inside the grading sandbox."""


def _withheld_message(name, lesson):
    return (f"{name} is nnlib's reference answer for an exercise of {lesson}; it is withheld while {lesson} "
            "is graded. Write the exercise with your own code (calling or wrapping the reference scores zero).")


class _WithheldValue:
    def __init__(self, name, lesson):
        self._message = _withheld_message(name, lesson)

    def _fail(self, *args, **kwargs):
        raise ReferenceWithheld(self._message)

    __iter__ = __len__ = __getitem__ = __call__ = __getattr__ = __array__ = __float__ = _fail
    __add__ = __radd__ = __mul__ = __rmul__ = __sub__ = __rsub__ = __eq__ = __bool__ = _fail
'''


def nnlib_source() -> Path:
    """The folder of the nnlib package the grader itself imports."""
    spec = importlib.util.find_spec("nnlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("withheld: nnlib is not importable in the grading environment")
    return Path(list(spec.submodule_search_locations)[0]).resolve()


def targets(lesson: str) -> dict[str, list[str]]:
    """{module dotted name: [attribute names]} of the references of ``lesson``."""
    if lesson not in REFERENCES:
        raise KeyError(f"withheld: unknown lesson {lesson!r}; known: {', '.join(REFERENCES)}")
    out: dict[str, list[str]] = {}
    for target in REFERENCES[lesson].values():
        module, attr = target.split(":")
        out.setdefault(module, []).append(attr)
    return out


def _transform(source: str, names: list[str], lesson: str, module: str) -> str:
    tree = ast.parse(source)
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in names:
            doc = ast.get_docstring(node)
            message = ast.Call(func=ast.Name("_withheld_message", ast.Load()),
                               args=[ast.Constant(f"{module}.{node.name}"), ast.Constant(lesson)], keywords=[])
            body: list[ast.stmt] = [ast.Expr(ast.Constant(doc))] if doc else []
            body.append(ast.Raise(exc=ast.Call(func=ast.Name("ReferenceWithheld", ast.Load()), args=[message],
                                               keywords=[]), cause=None))
            node.body = body
            node.decorator_list = []
            found.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets_ = node.targets if isinstance(node, ast.Assign) else [node.target]
            hit = [t.id for t in targets_ if isinstance(t, ast.Name) and t.id in names]
            if hit:
                node.value = ast.Call(func=ast.Name("_WithheldValue", ast.Load()),
                                      args=[ast.Constant(f"{module}.{hit[0]}"), ast.Constant(lesson)], keywords=[])
                found.update(hit)
    prelude = ast.parse(_PRELUDE).body
    # after `from __future__` imports and the module docstring
    at = 0
    while at < len(tree.body) and (isinstance(tree.body[at], ast.ImportFrom) and tree.body[at].module == "__future__"
                                   or (at == 0 and isinstance(tree.body[at], ast.Expr)
                                       and isinstance(getattr(tree.body[at], "value", None), ast.Constant))):
        at += 1
    tree.body[at:at] = prelude
    for name in sorted(set(names) - found):  # defined elsewhere and imported here: rebind at the end
        tree.body += ast.parse(f"{name} = _WithheldValue({module + '.' + name!r}, {lesson!r})").body
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


_CACHE: dict[str, Path] = {}


def cached_withheld_nnlib(lesson: str) -> Path:
    """``withheld_nnlib`` built once per process and lesson, in a private temporary folder (read-only binds
    let every sandbox of the lesson share it)."""
    if lesson not in _CACHE or not _CACHE[lesson].exists():
        import atexit
        import tempfile

        from multiprocessing import util

        folder = Path(tempfile.mkdtemp(prefix=f"autograder-nnlib-{lesson}-"))
        atexit.register(shutil.rmtree, folder, True)
        util.Finalize(None, shutil.rmtree, args=(folder, True), exitpriority=0)  # also in pool workers
        _CACHE[lesson] = withheld_nnlib(lesson, folder)
    return _CACHE[lesson]


def withheld_nnlib(lesson: str, dest: Path) -> Path:
    """Write nnlib with ``lesson``'s references withheld to ``dest/nnlib`` (if not there already); return it."""
    src = nnlib_source()
    out = Path(dest) / "nnlib"
    stamp = out / f".{MARK}-{lesson}"
    if stamp.exists():
        return out
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(src, out, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"), symlinks=False)
    for module, names in targets(lesson).items():
        rel = Path(*module.split(".")[1:])
        path = out / rel.with_suffix(".py")
        if not path.exists():
            path = out / rel / "__init__.py"
        path.write_text(_transform(path.read_text(), names, lesson, module))
    digest = hashlib.sha256(repr(sorted(targets(lesson).items())).encode()).hexdigest()[:12]
    stamp.write_text(digest)
    return out
