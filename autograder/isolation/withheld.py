"""The nnlib of the grading sandbox: an allow-list, generated per lesson (issue 22, item 1).

``withheld_nnlib(lesson, dest)`` writes ``dest/nnlib``, a generated package with the same modules and the same
top-level names as the grader's nnlib, so a lesson's import cells still run. Each name is bound to

- the real object, for the few the lesson's exercise texts allow (``autograder.catalogue.MAY_USE``: nnlib's
  ``truth_table`` in 01, lesson 02's ``relu`` in 04, ...). It is not imported from nnlib: its source and the
  source of exactly what it needs (helpers, constants, by a tree-shake of the module sources) are copied into
  a private module of its own, ``nnlib/_allowed_<module>_<name>.py``. So its ``__globals__`` (and ``inspect``,
  ``importlib.reload``, the file on disk) reach that code and numpy, nothing else of nnlib;
- for everything else (public or private; functions, classes, constants; the lesson's references and every
  other route to them, such as ``nnlib.network.Dense`` or ``nnlib.losses.log_softmax``), an ``Absent`` stub with
  no code, no docstring and no value, which raises ``NotAvailableWhileGrading`` saying why when it is called
  or used.

Nothing else of nnlib exists in the sandbox: no source, no bytecode, no data files. Deriving what stays from one
table (an allow-list) instead of removing the references by name (a deny-list) closes every other route to them.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import shutil
import sys
from pathlib import Path

from autograder.catalogue import MAY_USE, REFERENCES, allowed

MARK = "allowlist"
_ABSENT = '''"""Stand-ins for the nnlib objects absent while a lesson is graded (autograder.isolation.withheld)."""


class NotAvailableWhileGrading(RuntimeError):
    """Learner code used an object of nnlib that the graded lesson does not allow."""


ReferenceWithheld = NotAvailableWhileGrading


class Absent:
    """An object of nnlib that does not exist while this lesson is graded: any use raises and says why."""

    __slots__ = ("_message",)

    def __init__(self, message):
        object.__setattr__(self, "_message", message)

    def _fail(self, *args, **kwargs):
        raise NotAvailableWhileGrading(object.__getattribute__(self, "_message"))

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        self._fail()

    def __repr__(self):
        return "<not available while grading>"

    __call__ = __iter__ = __len__ = __getitem__ = __setattr__ = __array__ = __float__ = __int__ = __index__ = _fail
    __add__ = __radd__ = __mul__ = __rmul__ = __sub__ = __rsub__ = __truediv__ = __rtruediv__ = _fail
    __matmul__ = __rmatmul__ = __eq__ = __ne__ = __lt__ = __gt__ = __bool__ = __contains__ = __neg__ = _fail
    __mro_entries__ = __instancecheck__ = __subclasscheck__ = __enter__ = __reduce__ = __reduce_ex__ = _fail
    __hash__ = object.__hash__
'''


def nnlib_source() -> Path:
    """The folder of the nnlib package the grader itself imports."""
    spec = importlib.util.find_spec("nnlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("withheld: nnlib is not importable in the grading environment")
    return Path(list(spec.submodule_search_locations)[0]).resolve()


# --- the sources of the real nnlib ---------------------------------------------------------------------------
class _Sources:
    """The real nnlib's modules as syntax trees: {dotted name: (path, tree, {top-level name: statement})}."""

    def __init__(self, root: Path):
        self.root = root
        self.modules: dict[str, tuple[Path, ast.Module, dict[str, ast.stmt]]] = {}
        for path in sorted(root.rglob("*.py")):
            rel = path.relative_to(root).with_suffix("")
            parts = ["nnlib", *rel.parts]
            if parts[-1] == "__init__":
                parts.pop()
            tree = ast.parse(path.read_text(), str(path))
            self.modules[".".join(parts)] = (path, tree, _definitions(tree))

    def is_package(self, module: str) -> bool:
        return self.modules[module][0].name == "__init__.py"

    def resolve_from(self, module: str, node: ast.ImportFrom) -> str:
        """The absolute module name of ``from ... import`` in ``module``."""
        if not node.level:
            return node.module or ""
        base = module.split(".")
        if not self.is_package(module):
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else []))

    def canonical(self, module: str, name: str, seen=()) -> tuple[str, str] | None:
        """Where ``module.name`` is defined (following nnlib's own imports), or None for a module or a name
        from outside nnlib."""
        stmt = self.modules[module][2].get(name)
        if stmt is None or (module, name) in seen:
            return None
        if isinstance(stmt, ast.ImportFrom):
            source = self.resolve_from(module, stmt)
            alias = next(a for a in stmt.names if (a.asname or a.name) == name)
            if source in self.modules and alias.name in self.modules[source][2]:
                return self.canonical(source, alias.name, (*seen, (module, name)))
            return None
        if isinstance(stmt, ast.Import):
            return None
        return module, name


def _definitions(tree: ast.Module) -> dict[str, ast.stmt]:
    """{name: the top-level statement that binds it} (functions, classes, assignments, imports)."""
    out: dict[str, ast.stmt] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        out.setdefault(name.id, node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    out[alias.asname or alias.name.split(".")[0]] = node
        elif isinstance(node, (ast.Try, ast.If)):
            for inner in ast.walk(node):
                if isinstance(inner, (ast.FunctionDef, ast.ClassDef)):
                    out.setdefault(inner.name, node)
                elif isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Store):
                    out.setdefault(inner.id, node)
                elif isinstance(inner, (ast.Import, ast.ImportFrom)):
                    for alias in inner.names:
                        out.setdefault(alias.asname or alias.name.split(".")[0], node)
    return out


def _names_used(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _strip_docstrings(node: ast.AST, keep: ast.AST | None = None) -> None:
    for inner in ast.walk(node):
        if inner is keep or not isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        body = inner.body
        if (
            body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            inner.body = body[1:] or [ast.Pass()]


def allowed_module_source(sources: _Sources, module: str, name: str) -> tuple[str, list[str]]:
    """The source of a private module holding ``module.name`` and exactly what it needs; and the list of the
    nnlib objects ("module:name") copied into it (the allowed object first)."""
    emitted: list[str] = []
    copied: list[str] = []
    bound: dict[str, str] = {}  # name in the new module -> "module:name" it is

    def visit(mod: str, nm: str, as_name: str, stack: tuple = ()) -> None:
        stmt = sources.modules[mod][2].get(nm)
        if stmt is None:
            raise RuntimeError(f"withheld: {mod}.{nm} is not defined at the top of {mod}")
        if isinstance(stmt, ast.ImportFrom):
            source = sources.resolve_from(mod, stmt)
            alias = next(a for a in stmt.names if (a.asname or a.name) == nm)
            if source.split(".")[0] == "nnlib":
                if source in sources.modules and alias.name in sources.modules[source][2]:
                    return visit(source, alias.name, as_name, stack)
                raise RuntimeError(f"withheld: {mod}.{nm} is an nnlib module; an allowed object may not need one")
            key = f"{source}:{alias.name}"
            if bound.get(as_name, key) != key:
                raise RuntimeError(f"withheld: two different {as_name!r} in the closure of {module}.{name}")
            if as_name not in bound:
                bound[as_name] = key
                emitted.append(
                    f"from {source} import {alias.name} as {as_name}"
                    if alias.name != as_name
                    else f"from {source} import {alias.name}"
                )
            return
        if isinstance(stmt, ast.Import):
            alias = next(a for a in stmt.names if (a.asname or a.name.split(".")[0]) == nm)
            if alias.name.split(".")[0] == "nnlib":
                raise RuntimeError(f"withheld: {mod}.{nm} is an nnlib module; an allowed object may not need one")
            key = f"import:{alias.name}"
            if bound.get(as_name, key) != key:
                raise RuntimeError(f"withheld: two different {as_name!r} in the closure of {module}.{name}")
            if as_name not in bound:
                bound[as_name] = key
                emitted.append(
                    f"import {alias.name} as {as_name}" if alias.asname or as_name != nm else f"import {alias.name}"
                )
            return
        if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)):
            raise RuntimeError(
                f"withheld: {mod}.{nm} is bound by a statement the generator does not copy "
                f"({type(stmt).__name__}); allow something else or simplify the module"
            )
        key = f"{mod}:{nm}"
        if as_name in bound:
            if bound[as_name] != key:
                raise RuntimeError(f"withheld: two different {as_name!r} in the closure of {module}.{name}")
            return
        bound[as_name] = key
        copied.append(key)
        definitions = sources.modules[mod][2]
        for used in sorted(_names_used(stmt) - {nm}):
            if used in definitions and (mod, used) not in stack:
                visit(mod, used, used, (*stack, (mod, nm)))
        node = ast.parse(ast.unparse(stmt)).body[0]  # a copy
        _strip_docstrings(node, keep=node if not stack else None)
        if as_name != nm:
            emitted.append(ast.unparse(node) + f"\n{as_name} = {nm}")
        else:
            emitted.append(ast.unparse(node))

    visit(module, name, name)
    header = (
        f'"""{module}.{name} for the grading sandbox, with exactly what it needs (autograder.isolation.withheld)."""\n'
        "from __future__ import annotations\n"
    )
    return header + "\n\n".join(emitted) + "\n", copied


# --- the generated package --------------------------------------------------------------------------------------
def _message(qual: str, lesson: str, allowed_names: tuple[str, ...]) -> str:
    own = {t.replace(":", ".") for t in REFERENCES[lesson].values()}
    if qual in own:
        return (
            f"{qual} is nnlib's reference answer for an exercise of {lesson}; it is withheld while {lesson} "
            "is graded. Write the exercise with your own code (calling or wrapping the reference scores zero)."
        )
    names = ", ".join(a.split(":")[1] for a in allowed_names)
    may = f"numpy and nnlib's {names}" if names else "numpy, no nnlib"
    return (
        f"{qual} is not available while {lesson} is graded: your answer may use {may}, as the exercises "
        "say; calling it scores zero."
    )


def _private_name(target: str) -> str:
    module, name = target.split(":")
    return "_allowed_" + "_".join(module.split(".")[1:]) + "__" + name


def _stub_module_source(sources: _Sources, module: str, lesson: str, allowed_names: tuple[str, ...]) -> str:
    lines = [
        f'"""{module} while {lesson} is graded: only what the lesson allows (autograder.isolation.withheld)."""',
        "from nnlib._absent import Absent as _Absent",
    ]
    tree = sources.modules[module][1]
    for node in tree.body:  # keep __all__ and __version__ as they are: `from nnlib.x import *` still works
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id in ("__all__", "__version__") for t in node.targets
        ):
            lines.append(ast.unparse(node))
    for name, stmt in sorted(sources.modules[module][2].items()):
        if name in ("__all__", "annotations", "__version__"):
            continue
        if isinstance(stmt, ast.Import):
            continue
        if isinstance(stmt, ast.ImportFrom):
            source = sources.resolve_from(module, stmt)
            if source.split(".")[0] != "nnlib":
                continue  # numpy and friends: not nnlib's
            alias = next(a for a in stmt.names if (a.asname or a.name) == name)
            if f"{source}.{alias.name}" in sources.modules:
                continue  # a submodule: the import system binds it
        where = sources.canonical(module, name)
        target = f"{where[0]}:{where[1]}" if where else None
        if target in allowed_names:
            lines.append(f"from nnlib.{_private_name(target)} import {where[1]} as {name}")
        else:
            qual = f"{where[0]}.{where[1]}" if where else f"{module}.{name}"
            lines.append(f"{name} = _Absent({_message(qual, lesson, allowed_names)!r})")
    return "\n".join(lines) + "\n"


def build(lesson: str, dest: Path, src: Path | None = None) -> tuple[Path, dict[str, list[str]]]:
    """Write the sandbox's nnlib for ``lesson`` to ``dest/nnlib``; return it and, for every allowed object,
    the nnlib objects copied with it (``{"nnlib.activations:relu": ["nnlib.activations:relu", ...]}``)."""
    if lesson not in MAY_USE:
        raise KeyError(f"withheld: unknown lesson {lesson!r}; known: {', '.join(MAY_USE)}")
    sources = _Sources(src or nnlib_source())
    allowed_names = allowed(lesson)
    out = Path(dest) / "nnlib"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / "_absent.py").write_text(_ABSENT)
    closures = {}
    for target in allowed_names:
        module, name = target.split(":")
        text, copied = allowed_module_source(sources, module, name)
        (out / f"{_private_name(target)}.py").write_text(text)
        closures[target] = copied
    for module, (path, _, _) in sources.modules.items():
        dest_path = out / path.relative_to(sources.root)
        dest_path.parent.mkdir(parents=True, exist_ok=True)
        dest_path.write_text(_stub_module_source(sources, module, lesson, allowed_names))
    return out, closures


def third_party_needs(lesson: str, src: Path | None = None) -> tuple[str, ...]:
    """The top-level packages outside nnlib that the allowed objects of ``lesson`` import, anywhere in the code
    copied with them (lesson 03's nnlib gelu imports scipy.special's erf when it is called): the sandbox's
    Python environment must hold them (``autograder.isolation.site_view``)."""
    sources = _Sources(src or nnlib_source())
    found: set[str] = set()
    for target in allowed(lesson):
        text, _ = allowed_module_source(sources, *target.split(":"))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                found.add(node.module.split(".")[0])
    return tuple(sorted(found - {"nnlib", "__future__"} - set(sys.stdlib_module_names)))


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
    """Write the sandbox's nnlib for ``lesson`` to ``dest/nnlib`` (if not there already); return it."""
    out = Path(dest) / "nnlib"
    stamp = out / f".{MARK}-{lesson}"
    if stamp.exists():
        return out
    out, _ = build(lesson, dest)
    stamp.write_text(hashlib.sha256(repr(allowed(lesson)).encode()).hexdigest()[:12])
    return out


if __name__ == "__main__":  # python -m autograder.isolation.withheld LESSON DEST: write and list it, to look at
    folder, found = build(sys.argv[1], Path(sys.argv[2]))
    for key, names in found.items():
        print(key, "->", ", ".join(names))
    print(folder)
