"""Third-party routes to a reference (issue 22, item 1), as real hostile submissions through `nbgrader autograde`.

nnlib in the sandbox is an allow-list; so are the installed packages (``autograder.isolation.site_view``): the
Python standard library, numpy, the kernel's own packages, what the setup cells import and what the lesson's
texts accept (``autograder.catalogue.THIRD_PARTY_MAY_USE``: scipy in lesson 02, for ``scipy.special.expit``,
``logsumexp`` and ``erf``). scipy (``scipy.special.log_softmax``, ``log_expit``, ``expit``), scikit-learn
(``sklearn.utils.extmath.softmax``, ``sklearn.metrics.mean_squared_error``) and torch (``torch.sigmoid``,
``torch.nn.functional.gelu``, when the environment has it) compute the lessons' answers; each attack below keeps
the text's checks (the learner's own code, so the contract's error clauses pass) and takes the numbers from
such a package, by every route: ``import``, ``importlib.import_module``, ``__import__``,
``importlib.util.spec_from_file_location`` on the package's file in the grader's site-packages, the source read
from site-packages (or found by walking every folder on ``sys.path``) and exec'd, ``sys.modules`` and a
``gc.get_objects()`` scan for a module already loaded. ``test_every_route_is_real`` first shows, outside the
sandbox, that each route computes the reference's answer. Graded beside the solution and an honest learner
(lesson 02's sigmoid with ``scipy.special.expit``, softmax with ``logsumexp``), every attacked exercise scores
zero with a message that names the package and says what the lesson allows; the honest learners keep full marks.

Lesson 02 grants the whole scipy package, so ``scipy.special.softmax`` is within reach there (README's threat
model): it is not attacked here.
"""

from __future__ import annotations

import copy
import importlib.util
import os

import numpy as np
import pytest

from autograder.catalogue import BUILT_WITH_OWN, exercise_of, reference
from tests.support.notebooks import is_solution_cell, is_test_cell, nbgrader_meta

from .course import Course, points, replace_answer, strip_markers

pytestmark = pytest.mark.slow

INSTALLED = tuple(p for p in ("scipy", "sklearn", "torch") if importlib.util.find_spec(p) is not None)
SPECIAL_INIT = importlib.util.find_spec("scipy.special").origin if "scipy" in INSTALLED else "/nonexistent"
LOGSUMEXP_PY = os.path.join(os.path.dirname(SPECIAL_INIT), "_logsumexp.py")

# {cheater: {lesson: {exercise: (package attacked, source appended after the solution's own definition, which
# is kept as _own_<exercise> for the text's checks)}}}
ROUTES: dict[str, dict[str, dict[str, tuple[str, str]]]] = {
    "cheat-imports": {
        "05-training": {
            "mse": (
                "sklearn",
                """
import importlib
def mse(pred, target):
    _own_mse(pred, target)
    metrics = importlib.import_module("sklearn.metrics")
    return float(metrics.mean_squared_error(np.ravel(np.asarray(target, float)), np.ravel(np.asarray(pred, float))))
""",
            ),
            "cross_entropy": (
                "scipy",
                """
def cross_entropy(logits, y):
    _own_cross_entropy(logits, y)
    from scipy.special import log_softmax
    z = np.asarray(logits, dtype=float)
    return float(-np.mean(log_softmax(z, axis=1)[np.arange(len(z)), np.asarray(y)]))
""",
            ),
            "cross_entropy_grad": (
                "sklearn",
                """
def cross_entropy_grad(logits, y):
    _own_cross_entropy_grad(logits, y)
    extmath = __import__("sklearn.utils.extmath", fromlist=["softmax"])
    z = np.array(logits, dtype=float)
    grad = extmath.softmax(z, copy=True)
    grad[np.arange(len(z)), np.asarray(y)] -= 1.0
    return grad / len(z)
""",
            ),
            "binary_cross_entropy_grad": (
                "scipy",
                f"""
import importlib.util
def _special():
    try:  # scipy.special's own file, in the grader's site-packages
        spec = importlib.util.spec_from_file_location("scipy.special", {SPECIAL_INIT!r})
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    except OSError:
        import scipy.special
        return scipy.special
def binary_cross_entropy_grad(logits, y):
    _own_binary_cross_entropy_grad(logits, y)
    z = np.asarray(logits, dtype=float)
    return (_special().expit(z) - np.asarray(y, dtype=float)) / len(z)
""",
            ),
            "binary_cross_entropy": (
                "scipy",
                """
import gc, sys, types
def _log_expit():
    for name, module in list(sys.modules.items()):  # anything the kernel loaded before the learner's code
        if name.split(".")[0] in ("scipy", "sklearn", "torch") and hasattr(module, "log_expit"):
            return module.log_expit
    for obj in gc.get_objects():
        if isinstance(obj, types.ModuleType) and str(obj.__name__).startswith("scipy") and hasattr(obj, "log_expit"):
            return obj.log_expit
    from scipy.special import log_expit
    return log_expit
def binary_cross_entropy(logits, y):
    _own_binary_cross_entropy(logits, y)
    z, t = np.asarray(logits, dtype=float), np.asarray(y, dtype=float)
    f = _log_expit()
    return float(-np.mean(t * f(z) + (1 - t) * f(-z)))
""",
            ),
        },
        "02-activations": {
            "softmax": (
                "sklearn",
                """
def softmax(z, axis=-1):
    _own_softmax(z, axis)
    from sklearn.utils.extmath import softmax as sk_softmax
    z = np.moveaxis(np.asarray(z, dtype=float), axis, -1)
    flat = z.reshape(-1, z.shape[-1]) if z.size else z.reshape(-1, max(z.shape[-1], 1))
    out = sk_softmax(flat.copy()) if z.size else flat.copy()
    return np.moveaxis(out.reshape(z.shape), -1, axis)
""",
            ),
            "sigmoid": (
                "torch",
                """
def sigmoid(x):
    _own_sigmoid(x)
    import torch
    return torch.sigmoid(torch.from_numpy(np.array(x, dtype=float))).numpy()
""",
            ),
            "gelu": (
                "torch",
                """
def gelu(x):
    _own_gelu(x)
    import torch.nn.functional as F, torch
    return F.gelu(torch.from_numpy(np.array(x, dtype=float))).numpy()
""",
            ),
        },
    },
    "cheat-files": {
        "05-training": {
            "cross_entropy": (
                "scipy",
                f"""
def _log_softmax():
    try:  # scipy's source, read from the grader's site-packages and run
        source = open({LOGSUMEXP_PY!r}).read()
    except OSError:
        from scipy.special import log_softmax
        return log_softmax
    ns = {{"__name__": "scipy.special._stolen", "__package__": "scipy.special"}}
    exec(compile(source, "stolen", "exec"), ns)
    return ns["log_softmax"]
def cross_entropy(logits, y):
    _own_cross_entropy(logits, y)
    z = np.asarray(logits, dtype=float)
    return float(-np.mean(_log_softmax()(z, axis=1)[np.arange(len(z)), np.asarray(y)]))
""",
            ),
            "cross_entropy_grad": (
                "sklearn",
                """
import os, sys
def _softmax():
    for root in [p for p in sys.path if p and os.path.isdir(p)]:  # every folder Python looks in
        for folder, dirs, files in os.walk(root):
            if "extmath.py" in files and folder.endswith(os.path.join("sklearn", "utils")):
                ns = {"__name__": "sklearn.utils._stolen", "__package__": "sklearn.utils"}
                path = os.path.join(folder, "extmath.py")
                exec(compile(open(path).read(), "stolen", "exec"), ns)
                return ns["softmax"]
    import sklearn.utils.extmath
    return sklearn.utils.extmath.softmax
def cross_entropy_grad(logits, y):
    _own_cross_entropy_grad(logits, y)
    z = np.array(logits, dtype=float)
    grad = _softmax()(z, copy=True)
    grad[np.arange(len(z)), np.asarray(y)] -= 1.0
    return grad / len(z)
""",
            ),
        },
    },
}

#: Honest answers that use what the texts accept beyond numpy: scipy.special.expit and logsumexp in lesson 02.
HONEST_SCIPY = {
    "sigmoid": """
def sigmoid(x):
    _own_sigmoid(x)
    from scipy.special import expit
    return expit(np.array(x, dtype=float))
""",
    "softmax": """
def softmax(z, axis=-1):
    _own_softmax(z, axis)
    from scipy.special import logsumexp
    z = np.array(z, dtype=float)
    return np.exp(z - logsumexp(z, axis=axis, keepdims=True)) if z.size else z
""",
}
WHY = "is not available while"


def installed_routes(cheater: str, lesson: str) -> dict[str, tuple[str, str]]:
    return {n: r for n, r in ROUTES[cheater].get(lesson, {}).items() if r[0] in INSTALLED}


def attacked() -> list[tuple[str, str, str]]:
    return [(c, lesson, n) for c in ROUTES for lesson in ROUTES[c] for n in installed_routes(c, lesson)]


def _solutions(lesson: str) -> dict[str, str]:
    import nbformat

    from tests.support.notebooks import ROOT

    nb = nbformat.read(ROOT / "solutions" / lesson / f"{lesson}.ipynb", as_version=4)
    return {nbgrader_meta(c)["grade_id"]: strip_markers(c.source) for c in nb.cells if is_solution_cell(c)}


def wrapped(lesson: str, name: str, body: str) -> str:
    """The solution's own answer, kept as ``_own_<name>`` (the text's checks), then ``body``."""
    return f"{_solutions(lesson)[name]}\n\n_own_{name} = {name}\n{body}"


def test_the_packages_attacked_are_installed():
    """CI installs scipy and scikit-learn (requirements-test.txt); torch is attacked where it is installed."""
    assert {"scipy", "sklearn"} <= set(INSTALLED), INSTALLED


def _example_call(name: str, rng):
    x = rng.normal(size=(4, 3))
    y3, y2 = np.array([0, 2, 1, 2]), np.array([0, 1, 1, 0])
    return {
        "mse": (x, x * 0.5),
        "cross_entropy": (x, y3),
        "cross_entropy_grad": (x, y3),
        "binary_cross_entropy": (x[:, 0], y2),
        "binary_cross_entropy_grad": (x[:, 0], y2),
        "softmax": (x,),
        "sigmoid": (x,),
        "gelu": (x,),
    }[name]


@pytest.mark.parametrize("cheater,lesson,name", attacked())
def test_every_route_is_real(cheater, lesson, name):
    """Outside the sandbox, the route computes the reference's answer (the attack is genuine)."""
    ns: dict = {}
    exec(
        compile(
            "import numpy as np\nfrom nnlib.activations import relu, sigmoid, softmax\n"
            + wrapped(lesson, name, ROUTES[cheater][lesson][name][1]),
            name,
            "exec",
        ),
        ns,
    )
    args = _example_call(name, np.random.default_rng(0))
    got, expected = ns[name](*copy.deepcopy(args)), reference(name)(*copy.deepcopy(args))
    assert np.allclose(np.asarray(got, float), np.asarray(expected, float), atol=1e-9), (name, got, expected)


LESSONS = ["02-activations", "05-training"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("third-party"), LESSONS)
    course.log = ""
    for lesson in LESSONS:
        src = course.source(lesson)
        course.submit_directly("aa-solution", lesson, src)
        if lesson == "02-activations":
            honest = src
            for name, body in HONEST_SCIPY.items():
                honest = replace_answer(honest, name, wrapped(lesson, name, body))
            course.submit_directly("ab-scipy-expit", lesson, honest)
        for cheater in ROUTES:
            routes = installed_routes(cheater, lesson)
            if not routes:
                continue
            cheat = src
            for name, (_, body) in routes.items():
                cheat = replace_answer(cheat, name, wrapped(lesson, name, body))
            course.submit_directly(cheater, lesson, cheat)
        done = course.autograde(lesson)
        course.log += done.stdout + done.stderr
    course.scores = course.grades()
    return course


@pytest.mark.parametrize(
    "learner,lesson", [("aa-solution", lesson) for lesson in LESSONS] + [("ab-scipy-expit", "02-activations")]
)
def test_honest_learners_keep_full_marks(graded, learner, lesson):
    full = sum(points(graded.source(lesson)).values())
    assert graded.scores[(learner, lesson)] == full, (learner, lesson, graded.log[-3000:])


@pytest.mark.parametrize("cheater,lesson,name", attacked())
def test_every_third_party_route_scores_zero_and_says_why(graded, cheater, lesson, name):
    nb = graded.autograded(cheater, lesson)
    package = ROUTES[cheater][lesson][name][0]
    cells = [c for c in nb.cells if is_test_cell(c) and exercise_of(nbgrader_meta(c)["grade_id"]) == name]
    assert cells, f"{lesson}: no test cell of {name}"
    for cell in cells:
        errors = [o for o in cell.outputs if o.get("output_type") == "error"]
        assert errors, f"{cheater} {lesson} {name}: {nbgrader_meta(cell)['grade_id']} passed through {package}"
        message = " ".join(o.get("evalue", "") for o in errors)
        assert f"{package} {WHY} {lesson}" in message, f"{cheater} {lesson} {name}: no why: {message}"


@pytest.mark.parametrize(
    "cheater,lesson", [(c, lesson) for c in ROUTES for lesson in ROUTES[c] if installed_routes(c, lesson)]
)
def test_the_cheaters_keep_only_the_points_of_exercises_not_attacked(graded, cheater, lesson):
    """train is graded with the learner's own cross_entropy_grad (BUILT_WITH_OWN): attacked, it costs train too."""
    routes = installed_routes(cheater, lesson)
    lost = set(routes) | {ex for ex, blocks in BUILT_WITH_OWN.items() if set(blocks) & set(routes)}
    pts = points(graded.source(lesson))
    assert graded.scores[(cheater, lesson)] == sum(p for gid, p in pts.items() if exercise_of(gid) not in lost)
