"""The Python environment of the grading sandbox: an allow-list of installed packages (issue 22, item 1).

nnlib in the sandbox is an allow-list (``autograder.isolation.withheld``); this module does the same for
everything else installed. While ``lesson`` is graded, the sandbox's site-packages folders hold only

- the distributions the kernel needs: ipykernel and everything it requires (IPython, zmq, traitlets, ...),
- numpy and what the setup cells import (``autograder.catalogue.KERNEL_USES``: matplotlib, tqdm, ipywidgets),
- the packages the lesson's exercise texts accept (``autograder.catalogue.THIRD_PARTY_MAY_USE``: scipy in 02,
  for ``scipy.special.expit``; scipy in 01, for ``scipy.optimize.linprog``) and those the lesson's allowed nnlib
  objects import (03's nnlib gelu: scipy),
- nnlib's own distribution (its editable-install hook; the package itself is the withheld copy),

with every distribution's requirements (markers evaluated, no extras), and the Python standard library. Every
other site-packages or dist-packages folder the sandbox could see (the base interpreter's, Debian's) is
empty. So scikit-learn, torch and, outside lessons 01 to 03, scipy do not exist in the sandbox: no module, no
source, no file to exec or load by path, nothing in ``sys.modules``. A generated module, imported by a ``.pth``
file as the interpreter starts (before the kernel, before any learner code), words the ``ModuleNotFoundError`` of
``import``, ``__import__`` and ``importlib.import_module`` for such a package: it names the package and says what
this lesson allows (``importlib.util.find_spec`` still answers None, as libraries probing for optional packages
expect).

``view(lesson)`` gives the folders to empty, the entries to bind back and the generated folder;
``Sandbox.bwrap`` mounts them.
"""

from __future__ import annotations

import glob
import importlib.metadata as md
import os
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograder.catalogue import KERNEL_USES, third_party_allowed
from autograder.isolation.withheld import third_party_needs

#: The distributions every sandboxed kernel needs, besides those providing ``KERNEL_USES``.
KERNEL_DISTRIBUTIONS = ("ipykernel",)
#: The course's own distribution: only its files directly in site-packages (an editable install's hook) are
#: bound, never its requirements (scipy, scikit-learn: what the lessons' demonstrations use); its nnlib is the
#: withheld copy the sandbox binds where nnlib lives.
COURSE_DISTRIBUTION = "nnlib"
FINDER = "_autograder_imports"

_FINDER_SOURCE = '''"""Run as the grading sandbox's Python starts (autograder.isolation.site_view): an import of a package
the sandbox does not hold says why. The package's absence is the defence; this only words the error."""
import builtins
import importlib
import sys

LESSON = {lesson!r}
ALLOWED = frozenset({allowed!r})
MAY_USE = {may_use!r}


def _explained(exc, name):
    top = str(exc.name or name or "").partition(".")[0]
    if not top or top in ALLOWED or top in sys.stdlib_module_names:
        return exc
    return ModuleNotFoundError(
        f"{{top}} is not available while {{LESSON}} is graded: your answers may use {{MAY_USE}}, as the "
        "exercises say; an answer that imports anything else scores zero.",
        name=exc.name,
    )


def _wrap(original, relative):
    def wrapper(name, *args, **kwargs):
        try:
            return original(name, *args, **kwargs)
        except ModuleNotFoundError as exc:
            if relative(name, args, kwargs):
                raise
            raise _explained(exc, name) from None

    wrapper.__name__, wrapper.__doc__ = original.__name__, original.__doc__
    return wrapper


builtins.__import__ = _wrap(builtins.__import__, lambda n, a, k: (a[3] if len(a) > 3 else k.get("level", 0)) != 0)
importlib.import_module = _wrap(importlib.import_module, lambda n, a, k: str(n).startswith("."))
'''


@dataclass
class View:
    """What the sandbox mounts: ``hidden`` folders become empty, then ``entries`` (paths inside them) are bound
    back read-only, and ``generated``'s files are bound into ``site`` (the kernel's first site-packages)."""

    lesson: str
    hidden: list[str]
    entries: list[str]
    site: str
    generated: Path
    packages: tuple[str, ...]  # the top-level import names present (standard library aside)
    distributions: tuple[str, ...]


def _norm(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _site_paths() -> list[str]:
    """The entries of sys.path that are site-packages or dist-packages folders, in order (not the current folder or
    a checkout on the path, where a stray ``nnlib.egg-info`` would stand for the installed distribution)."""
    folders = set(package_folders())
    return [p for p in sys.path if p and os.path.realpath(p) in folders]


def _installed() -> dict[str, md.Distribution]:
    """{normalised name: distribution} of the environment's site-packages (the first one wins, as for imports)."""
    found: dict[str, md.Distribution] = {}
    for dist in md.distributions(path=_site_paths()):
        name = dist.metadata["Name"]
        if name:
            found.setdefault(_norm(name), dist)
    return found


def _providers(installed: dict[str, md.Distribution]) -> dict[str, list[str]]:
    """{top-level import name: [normalised distribution names]}."""
    out: dict[str, list[str]] = {}
    for key, dist in installed.items():
        for top in _top_levels(dist):
            out.setdefault(top, []).append(key)
    return out


def _top_levels(dist: md.Distribution) -> set[str]:
    names = set()
    text = dist.read_text("top_level.txt")
    if text:
        names.update(line.strip() for line in text.splitlines() if line.strip())
    for f in dist.files or ():
        parts = Path(f).parts
        if not parts or parts[0] in ("..", "__pycache__") or parts[0].endswith((".dist-info", ".egg-info")):
            continue
        first = parts[0]
        if len(parts) == 1:
            if first.endswith(".py"):
                names.add(first[:-3])
            elif first.endswith(".so"):
                names.add(first.split(".")[0])
        elif "." not in first:
            names.add(first)
    return names


def _closure(roots: list[str], installed: dict[str, md.Distribution]) -> list[str]:
    """The normalised names of ``roots`` and every distribution they require, transitively (markers evaluated
    for this interpreter, extras left out)."""
    from packaging.requirements import InvalidRequirement, Requirement

    seen: list[str] = []
    todo = [_norm(r) for r in roots]
    while todo:
        key = todo.pop()
        if key in seen or key not in installed:
            continue
        seen.append(key)
        for line in installed[key].requires or ():
            try:
                req = Requirement(line)
            except InvalidRequirement:
                continue
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            todo.append(_norm(req.name))
    return sorted(seen)


def _entries(dist: md.Distribution) -> set[str]:
    """The paths, directly inside the distribution's site-packages folder, that belong to it."""
    base = Path(dist.locate_file("")).resolve()
    out = set()
    for f in dist.files or ():
        parts = Path(f).parts
        if not parts or parts[0] in ("..", "__pycache__"):
            continue
        out.add(str(base / parts[0]))
    info = getattr(dist, "_path", None)
    if info is not None:
        out.add(str(Path(info).resolve()))
    for top in _top_levels(dist) if not dist.files else ():
        for candidate in (base / top, base / f"{top}.py"):
            if candidate.exists():
                out.add(str(candidate))
    return {e for e in out if os.path.lexists(e)}


def package_folders() -> list[str]:
    """Every site-packages or dist-packages folder the sandbox could see: this interpreter's, its base's and the
    system's (all under the folders ``Sandbox.bwrap`` binds)."""
    roots = {sys.prefix, sys.base_prefix, "/usr", "/usr/local"}
    found = set()
    for root in roots:
        for pattern in ("lib*/python3*/site-packages", "lib*/python3*/dist-packages", "lib*/python3/dist-packages"):
            found.update(os.path.realpath(p) for p in glob.glob(os.path.join(root, pattern)) if os.path.isdir(p))
    purelib = sysconfig.get_paths().get("purelib")
    if purelib and os.path.isdir(purelib):
        found.add(os.path.realpath(purelib))
    return sorted(found)


def allowed_roots(lesson: str) -> tuple[list[str], str]:
    """The top-level packages granted while ``lesson`` is graded, and the sentence saying what answers may use."""
    granted = third_party_allowed(lesson)
    tops = sorted(
        {t.split(":")[0].split(".")[0] for t in granted} | set(third_party_needs(lesson)) | set(KERNEL_USES) | {"numpy"}
    )
    named = ", ".join(t.replace(":", ".") for t in granted)
    may_use = "the Python standard library and numpy" + (f" (and {named})" if named else "")
    return tops, may_use


def view(lesson: str) -> View:
    """The sandbox's Python environment for ``lesson`` (see the module's docstring)."""
    installed = _installed()
    providers = _providers(installed)
    tops, may_use = allowed_roots(lesson)
    roots = list(KERNEL_DISTRIBUTIONS)
    for top in tops:
        if top not in providers:
            raise RuntimeError(f"site_view: {top} is granted to {lesson} but not installed in the grading environment")
        roots += providers[top]
    dists = _closure(roots, installed)
    entries: set[str] = set()
    packages: set[str] = set()
    for key in dists:
        entries |= _entries(installed[key])
        packages |= _top_levels(installed[key])
    if _norm(COURSE_DISTRIBUTION) in installed and _norm(COURSE_DISTRIBUTION) not in dists:
        entries |= _entries(installed[_norm(COURSE_DISTRIBUTION)])
    site = next((os.path.realpath(p) for p in _site_paths()), None)
    if site is None:
        raise RuntimeError("site_view: the grading environment has no site-packages folder on sys.path")
    hidden = package_folders()
    entries = {e for e in entries if any(e.startswith(h + os.sep) for h in hidden)}
    generated = Path(tempfile.mkdtemp(prefix=f"autograder-site-{lesson}-"))
    (generated / f"{FINDER}.py").write_text(
        _FINDER_SOURCE.format(lesson=lesson, allowed=sorted(packages | {"nnlib"}), may_use=may_use)
    )
    (generated / f"{FINDER}.pth").write_text(f"import {FINDER}\n")
    return View(lesson, hidden, sorted(entries), site, generated, tuple(sorted(packages)), tuple(dists))


_CACHE: dict[str, View] = {}


def cached_view(lesson: str) -> View:
    """``view`` computed once per process and lesson (its generated folder is removed at exit)."""
    if lesson not in _CACHE or not _CACHE[lesson].generated.exists():
        import atexit
        import shutil
        from multiprocessing import util

        made = view(lesson)
        atexit.register(shutil.rmtree, made.generated, True)
        util.Finalize(None, shutil.rmtree, args=(made.generated, True), exitpriority=0)
        _CACHE[lesson] = made
    return _CACHE[lesson]


def bwrap_args(v: View) -> list[str]:
    """bubblewrap's arguments that mount ``v`` (after the interpreter's folders are bound)."""
    args: list[str] = []
    for folder in v.hidden:
        args += ["--size", str(1 << 20), "--tmpfs", folder]
    for entry in v.entries:
        args += ["--ro-bind", entry, entry]
    for name in (f"{FINDER}.py", f"{FINDER}.pth"):
        args += ["--ro-bind", str(v.generated / name), os.path.join(v.site, name)]
    for folder in v.hidden:
        args += ["--remount-ro", folder]
    return args


if __name__ == "__main__":  # python -m autograder.isolation.site_view LESSON: what the sandbox holds
    made = view(sys.argv[1])
    print("distributions:", ", ".join(made.distributions))
    print("packages:", ", ".join(made.packages))
    print("emptied:", ", ".join(made.hidden))
