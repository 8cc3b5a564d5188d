"""Other routes to the reference (issue 22, item 1), as real hostile submissions through `nbgrader autograde`.

Withholding the graded lesson's references by name left every other computation of nnlib in the sandbox:
private helpers, classes, other lessons' modules. The sandbox's nnlib is now an allow-list
(``autograder.catalogue.MAY_USE``, ``autograder.isolation.withheld``). Each attack below answers one exercise through one
such route; ``test_every_route_is_real`` first proves, on the grader's own nnlib, that the route computes the
right answer (so the attack is genuine, not a typo that would fail anyway). Then, in one autograde run per
lesson, beside the solution notebook and an honest learner whose answers use only what the exercise texts
allow: every attacked exercise scores zero with a message that says why, and the honest learners keep full
marks.

Routes: the ten of the issue, and generic ones: an allowed function's ``__globals__``, ``__wrapped__`` and
closures, ``inspect.getsource`` of a module re-run, ``importlib.reload``, nnlib's source or bytecode read from
disk anywhere the kernel can see, other lessons' modules (``nnlib.security._mlp``), a scan of every live
function (``gc``) and of ``sys.modules``. Routes through other installed packages (scipy, scikit-learn, torch)
are tests/grading/test_third_party_routes.py's.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from autograder.catalogue import exercise_of, reference
from tests.support.notebooks import is_test_cell, nbgrader_meta

from .course import Course, points, replace_answer

pytestmark = pytest.mark.slow

# A route, if it fails in the sandbox, ends in calling the Absent object it went through, so the learner reads
# the grader's explanation; FALLBACK names it.
ROUTES: dict[str, dict[str, str]] = {
    "02-activations": {
        "sigmoid": """
import numpy as np
from nnlib.activations import _sigmoid
def sigmoid(x):
    return _sigmoid(np.asarray(x, dtype=float))
""",
        "gelu": """
import numpy as np
from nnlib.activations import _gelu
def gelu(x):
    return _gelu(np.asarray(x, dtype=float))
""",
        "softmax": """
import numpy as np
from nnlib.losses import log_softmax
def softmax(z, axis=-1):
    return np.exp(log_softmax(z, axis=axis))
""",
        # gelu_tanh through a scan of every live function (gc) for one that is not a stand-in
        "gelu_tanh": """
import gc, types
import nnlib.activations
def gelu_tanh(x):
    for obj in gc.get_objects():
        if isinstance(obj, types.FunctionType) and obj.__name__ == "gelu_tanh" \
                and str(obj.__module__).startswith("nnlib"):
            return obj(x)
    return nnlib.activations.gelu_tanh(x)
""",
        # relu by re-running the source of nnlib.activations, as inspect shows it
        "relu": """
import inspect
import nnlib.activations
def relu(x):
    ns = {"__name__": "nnlib.activations", "__package__": "nnlib"}
    exec(compile(inspect.getsource(nnlib.activations), "copy", "exec"), ns)
    return ns["relu"](x)
""",
    },
    "03-architecture": {
        "dense_forward": """
from nnlib.network import Dense
def dense_forward(X, W, b):
    return Dense.from_weights(W, b).forward(X)
""",
        "mlp_forward": """
from nnlib.network import Network
def mlp_forward(X, params, activation):
    return Network.from_params(params, "relu").forward(X)
""",
        # init_dense through the __globals__ of an allowed function (gelu, lesson 02's)
        "init_dense": """
import nnlib.layers
from nnlib.activations import gelu
def init_dense(d_in, d_out, rng, scheme="he"):
    found = gelu.__globals__.get("init_dense")
    for cell in (gelu.__closure__ or ()):
        found = found or getattr(cell.cell_contents, "init_dense", None)
    found = found or getattr(gelu, "__wrapped__", None) and gelu.__wrapped__.__globals__.get("init_dense")
    return (found or nnlib.layers.init_dense)(d_in, d_out, rng, scheme)
""",
    },
    "05-training": {
        "train": """
import numpy as np
from nnlib.security import train_mlp
def train(X, y, hidden_sizes, rng, *, epochs=40, lr=0.1, batch_size=32):
    sizes = [np.shape(X)[1], *hidden_sizes, int(np.max(y)) + 1]
    return train_mlp(X, y, sizes, rng, epochs=epochs, lr=lr, batch_size=batch_size)
""",
        "dense_backward": """
import numpy as np
from nnlib.network import Dense
def dense_backward(dZ, X, W):
    layer = Dense.from_weights(W, np.zeros(np.shape(W)[1]))
    layer.forward(np.asarray(X, float))
    dX = layer.backward(np.asarray(dZ, float))
    return dX, layer.dW, layer.db
""",
        "relu_backward": """
from nnlib.network import ReLU
def relu_backward(dA, Z):
    layer = ReLU()
    layer.forward(Z)
    return layer.backward(dA)
""",
        "sgd_step": """
from nnlib.optim import SGD
def sgd_step(params, grads, lr):
    return SGD(lr).step(params, grads)
""",
        "cross_entropy_grad": """
import numpy as np
from nnlib.train import _loss_and_grad
def cross_entropy_grad(logits, y):
    logits = np.asarray(logits, dtype=float)
    return _loss_and_grad(logits, np.asarray(y), np.arange(len(logits)))[2]
""",
        # mse_grad through importlib.reload of its module (a fresh copy of the real code, if one were there)
        "mse_grad": """
import importlib
import nnlib.losses
def mse_grad(pred, target):
    return importlib.reload(nnlib.losses).mse_grad(pred, target)
""",
        # numerical_gradient: nnlib's source or bytecode read from disk, anywhere the kernel can look
        "numerical_gradient": """
import marshal, os, sys, types
import nnlib, nnlib.gradcheck
def _from_disk(name):
    roots = [p for p in sys.path if p and os.path.isdir(p)] + ["/tmp", os.path.expanduser("~"), os.getcwd(),
             os.path.dirname(os.path.dirname(nnlib.gradcheck.__file__))]
    seen = 0
    for root in roots:
        for folder, dirs, files in os.walk(root):
            for f in files:
                seen += 1
                if seen > 300000:
                    return None
                path = os.path.join(folder, f)
                if not (f.startswith(("gradcheck", "nnlib")) and f.endswith((".py", ".pyc"))):
                    continue
                try:
                    data = open(path, "rb").read()
                except OSError:
                    continue
                if b"def " + name.encode() not in data and not (f.endswith(".pyc") and name.encode() in data):
                    continue
                ns = {"__name__": "stolen", "__builtins__": __builtins__}
                try:
                    code = marshal.loads(data[16:]) if f.endswith(".pyc") else compile(data, path, "exec")
                    exec(code, ns)
                except Exception:
                    continue
                found = ns.get(name)
                if isinstance(found, types.FunctionType):
                    try:
                        found(lambda v: float((v * v).sum()), __import__("numpy").ones(2))
                    except Exception:
                        continue
                    return found
    return None
def numerical_gradient(f, x, eps=1e-6):
    return (_from_disk("numerical_gradient") or nnlib.gradcheck.numerical_gradient)(f, x, eps)
""",
        # adam_step through sys.modules: any module holding a working adam_step
        "adam_step": """
import sys
import nnlib.optim
def adam_step(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    for module in list(sys.modules.values()):
        found = getattr(module, "adam_step", None) or getattr(module, "Adam", None)
        if callable(found) and getattr(found, "__name__", "") == "adam_step":
            try:
                return found(params, grads, state, lr, beta1, beta2, eps)
            except Exception:
                continue
    return nnlib.optim.adam_step(params, grads, state, lr, beta1, beta2, eps)
""",
        # binary_cross_entropy through lesson 06's module (nnlib.security._mlp) and nnlib.losses' private helpers
        "binary_cross_entropy": """
import numpy as np
import nnlib.security._mlp as mlp
import nnlib.losses
def binary_cross_entropy(logits, y):
    z = np.asarray(logits, dtype=float)
    targets = mlp._targets(np.asarray(y, dtype=int), 2)
    return nnlib.losses.cross_entropy(np.stack([np.zeros_like(z), z], axis=1), np.asarray(y, dtype=int))
""",
    },
}

#: Honest answers that use nnlib only where the exercise text allows it (and solutions for the rest).
ALLOWED_ONLY: dict[str, dict[str, str]] = {
    "03-architecture": {
        "transformer_mlp": """
import numpy as np
from nnlib.activations import gelu
def transformer_mlp(X, params):
    (W1, b1), (W2, b2) = params
    return gelu(np.asarray(X, dtype=float) @ W1 + b1) @ W2 + b2
"""
    },
    "05-training": {
        "cross_entropy_grad": """
import numpy as np
from nnlib.activations import softmax
def cross_entropy_grad(logits, y):
    logits = np.asarray(logits, dtype=float)
    grad = softmax(logits, axis=1)
    grad[np.arange(len(logits)), np.asarray(y)] -= 1.0
    return grad / len(logits)
""",
        "binary_cross_entropy_grad": """
import numpy as np
from nnlib.activations import sigmoid
def binary_cross_entropy_grad(logits, y):
    return (sigmoid(np.asarray(logits, dtype=float)) - np.asarray(y, dtype=float)) / len(logits)
""",
    },
}

WRONG_RELU = "import numpy as np\ndef relu(x):\n    return np.abs(np.asarray(x, dtype=float))\n"
WHY = ("is not available while", "withheld while")


def _answer(source: str, name: str):
    ns: dict = {}
    exec(compile(source, f"<attack {name}>", "exec"), ns)
    return ns[name]


def _example_call(name: str, rng):
    """(args, kwargs) of a call of exercise ``name`` on which the route's answer is compared with the reference."""
    x = rng.normal(size=(4, 3))
    params = [(rng.normal(size=(3, 5)), rng.normal(size=5)), (rng.normal(size=(5, 2)), rng.normal(size=2))]
    grads = [(rng.normal(size=(3, 5)), rng.normal(size=5)), (rng.normal(size=(5, 2)), rng.normal(size=2))]
    from nnlib.activations import relu

    return {
        "sigmoid": ((x,), {}),
        "gelu": ((x,), {}),
        "softmax": ((x,), {}),
        "gelu_tanh": ((x,), {}),
        "relu": ((x,), {}),
        "dense_forward": ((x, params[0][0], params[0][1]), {}),
        "mlp_forward": ((x, params, relu), {}),
        "init_dense": ((3, 5, np.random.default_rng(7)), {}),
        "train": ((rng.normal(size=(40, 3)), rng.integers(0, 3, 40), [4], np.random.default_rng(3)), {"epochs": 2}),
        "dense_backward": ((rng.normal(size=(4, 5)), x, params[0][0]), {}),
        "relu_backward": ((rng.normal(size=(4, 3)), x), {}),
        "sgd_step": ((params, grads, 0.1), {}),
        "cross_entropy_grad": ((x, np.array([0, 2, 1, 2])), {}),
        "mse_grad": ((x, x * 0.5), {}),
        "numerical_gradient": ((lambda v: float((v**3).sum()), np.array([1.0, -2.0])), {}),
        "adam_step": ((params, grads, None, 0.01), {}),
        "binary_cross_entropy": ((x[:, 0], np.array([0, 1, 1, 0])), {}),
    }[name]


def _same(a, b) -> bool:
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if a is None or b is None:
        return a is b
    if isinstance(a, dict) or isinstance(b, dict):
        return True  # adam's state: its arrays are compared through the parameters
    return np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), atol=1e-6)


@pytest.mark.parametrize("lesson,name", [(lesson, name) for lesson in ROUTES for name in ROUTES[lesson]])
def test_every_route_is_real(lesson, name):
    """On the grader's own nnlib (outside the sandbox) the attack computes the reference's answer."""
    args, kwargs = _example_call(name, np.random.default_rng(0))
    got = _answer(ROUTES[lesson][name], name)(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    if name == "adam_step":
        got = got[0]
    expected = reference(name)(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    if name == "adam_step":
        expected = expected[0]
    if name == "train":  # another training loop: the same network, trained (its own shuffling)
        assert [(W.shape, b.shape) for W, b in got] == [(W.shape, b.shape) for W, b in expected]
        return
    assert _same(got, expected), f"{lesson} {name}: the route does not compute the reference's answer"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("routes"), list(ROUTES))
    for lesson in ROUTES:
        src = course.source(lesson)
        course.submit_directly("aa-solution", lesson, src)
        honest = copy.deepcopy(src)
        for name, source in ALLOWED_ONLY.get(lesson, {}).items():
            honest = replace_answer(honest, name, source)
        course.submit_directly("ab-allowed-only", lesson, honest)
        cheat = copy.deepcopy(src)
        for name, source in ROUTES[lesson].items():
            cheat = replace_answer(cheat, name, source)
        course.submit_directly("cheat-routes", lesson, cheat)
        if lesson == "02-activations":
            course.submit_directly("ac-wrong-relu", lesson, replace_answer(src, "relu", WRONG_RELU))
        done = course.autograde(lesson)
        course.log = getattr(course, "log", "") + done.stdout + done.stderr
    course.scores = course.grades()
    course.run("generate_feedback", "02-activations", "--student", "ac-wrong-relu", "--force")
    return course


@pytest.mark.parametrize("learner", ["aa-solution", "ab-allowed-only"])
@pytest.mark.parametrize("lesson", list(ROUTES))
def test_honest_learners_keep_full_marks(graded, learner, lesson):
    full = sum(points(graded.source(lesson)).values())
    assert graded.scores[(learner, lesson)] == full, (learner, lesson, graded.log[-3000:])


@pytest.mark.parametrize("lesson,name", [(lesson, name) for lesson in ROUTES for name in ROUTES[lesson]])
def test_every_route_scores_zero_and_says_why(graded, lesson, name):
    nb = graded.autograded("cheat-routes", lesson)
    cells = [c for c in nb.cells if is_test_cell(c) and exercise_of(nbgrader_meta(c)["grade_id"]) == name]
    assert cells, f"{lesson}: no test cell of {name}"
    for cell in cells:
        errors = [o for o in cell.outputs if o.get("output_type") == "error"]
        assert errors, f"{lesson} {name}: {nbgrader_meta(cell)['grade_id']} passed through the route"
        message = " ".join(o.get("evalue", "") for o in errors)
        assert any(why in message for why in WHY), f"{lesson} {name}: the message does not say why: {message}"


@pytest.mark.parametrize("lesson", list(ROUTES))
def test_the_cheater_keeps_only_the_points_of_exercises_not_attacked(graded, lesson):
    pts = points(graded.source(lesson))
    unattacked = sum(p for gid, p in pts.items() if exercise_of(gid) not in ROUTES[lesson])
    assert graded.scores[("cheat-routes", lesson)] == unattacked


def test_a_wrong_answers_feedback_shows_the_mistake_once_with_its_hint(graded):
    """Issue 22, item 9: the wrong relu's feedback says what came back and the hint, once per failed check;
    no traceback, no path of the grading machine, no error anywhere else."""
    import html
    import re

    lesson = "02-activations"
    page = (graded.root / "grading" / "feedback" / "ac-wrong-relu" / lesson / f"{lesson}.html").read_text()
    body = re.sub(r"<style.*?</style>|<script.*?</script>", "", page.split("<body", 1)[-1], flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", body))
    nb = graded.autograded("ac-wrong-relu", lesson)
    failed = [c for c in nb.cells if any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    assert failed and all(is_test_cell(c) and exercise_of(nbgrader_meta(c)["grade_id"]) == "relu" for c in failed)
    for cell in failed:
        (message,) = [o["evalue"] for o in cell.outputs if o.get("output_type") == "error"]
        assert "hint:" in message, message
        lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
        assert len(lines) == len(set(lines)), message
    in_the_lesson = sum(c.source.count("hint:") for c in graded.release(lesson).cells)
    assert text.count("hint:") - in_the_lesson == len(failed), (text.count("hint:"), in_the_lesson, len(failed))
    assert "Traceback" not in text and str(graded.root) not in text and "/home/learner" not in text
