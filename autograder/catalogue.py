"""The exercise catalogue: each graded exercise's name and where its nnlib reference lives.

The name is the ``grade_id`` of the exercise's solution cell and the ``test_<name>`` prefix of its test
cells (see CONTRIBUTING.md). The grader uses this table to guard the references while a learner's answer
runs: an answer that calls the reference of an exercise of the notebook being graded scores zero.
"""

from __future__ import annotations

import importlib

REFERENCES: dict[str, dict[str, str]] = {
    "00-start-here": {"add": "nnlib.practice:add"},
    "01-neuron": {
        "weighted_sum": "nnlib.neuron:weighted_sum",
        "neuron": "nnlib.neuron:neuron",
        "AND_PARAMS": "nnlib.neuron:AND_PARAMS",
        "OR_PARAMS": "nnlib.neuron:OR_PARAMS",
        "is_linearly_separable": "nnlib.neuron:is_linearly_separable",
    },
    "02-activations": {
        "relu": "nnlib.activations:relu",
        "relu_grad": "nnlib.activations:relu_grad",
        "sigmoid": "nnlib.activations:sigmoid",
        "sigmoid_grad": "nnlib.activations:sigmoid_grad",
        "softmax": "nnlib.activations:softmax",
        "gelu": "nnlib.activations:gelu",
        "gelu_tanh": "nnlib.activations:gelu_tanh",
        "collapse_linear": "nnlib.layers:collapse_linear",
        "attention": "nnlib.attention:attention",
    },
    "03-architecture": {
        "dense_forward": "nnlib.layers:dense_forward",
        "init_dense": "nnlib.layers:init_dense",
        "count_parameters": "nnlib.layers:count_parameters",
        "mlp_forward": "nnlib.layers:mlp_forward",
        "predict_class": "nnlib.layers:predict_class",
        "transformer_mlp": "nnlib.layers:transformer_mlp",
    },
    "04-depth": {
        "tent_params": "nnlib.depth:tent_params",
        "sawtooth": "nnlib.depth:sawtooth",
        "count_linear_pieces": "nnlib.depth:count_linear_pieces",
        "layer_activations": "nnlib.layers:layer_activations",
        "top_activating": "nnlib.depth:top_activating",
    },
    "05-training": {
        "mse": "nnlib.losses:mse",
        "mse_grad": "nnlib.losses:mse_grad",
        "cross_entropy": "nnlib.losses:cross_entropy",
        "cross_entropy_grad": "nnlib.losses:cross_entropy_grad",
        "binary_cross_entropy": "nnlib.losses:binary_cross_entropy",
        "binary_cross_entropy_grad": "nnlib.losses:binary_cross_entropy_grad",
        "dense_backward": "nnlib.layers:dense_backward",
        "relu_backward": "nnlib.layers:relu_backward",
        "numerical_gradient": "nnlib.gradcheck:numerical_gradient",
        "sgd_step": "nnlib.optim:sgd_step",
        "adam_step": "nnlib.optim:adam_step",
        "train": "nnlib.train:train",
    },
    "06-security": {
        "extract_linear_model": "nnlib.security.extraction:extract_linear_model",
        "recover_input_from_gradients": "nnlib.security.leakage:recover_input_from_gradients",
        "fgsm": "nnlib.security.adversarial:fgsm",
        "maximize_neuron": "nnlib.security.adversarial:maximize_neuron",
        "perturb_to_activate": "nnlib.security.adversarial:perturb_to_activate",
        "flip_labels": "nnlib.security.poisoning:flip_labels",
        "poison_with_trigger": "nnlib.security.poisoning:poison_with_trigger",
    },
}

LESSONS = tuple(REFERENCES)

#: {exercise: the earlier exercises of its lesson that its answer is meant to call}. While such an exercise is
#: graded, the judge stands its references in for these names (``SandboxedExecute.grade_alone``), so a mistake
#: in an earlier exercise costs that exercise only. Only these, never the lesson's other references: each is
#: what the exercise's own text tells the learner to build on, so it gives away nothing the learner may not use
#: (binding, say, ``numerical_gradient`` and ``mse`` while ``mse_grad`` is graded would let a learner answer with
#: them). tests/lessons checks this table against the solution notebooks' answers.
BUILDS_ON: dict[str, tuple[str, ...]] = {
    "neuron": ("weighted_sum",),
    "sigmoid_grad": ("sigmoid",),
    "attention": ("softmax",),
    "mlp_forward": ("dense_forward",),
    "transformer_mlp": ("dense_forward",),
    "sawtooth": ("tent_params",),
}
#: Exercises built on earlier ones that are graded with the learner's own building blocks all the same: their
#: tests call those thousands of times (a training loop), and as callbacks into the judge that made lesson 05's
#: grading ten times slower (benchmarks: 32-39 s against 2.4-3.5 s for train's test). When such an exercise
#: fails, its feedback names the earlier exercises to mend first.
BUILT_WITH_OWN: dict[str, tuple[str, ...]] = {
    "train": ("cross_entropy_grad", "dense_backward", "relu_backward", "sgd_step"),
}


def exercise_of(grade_id: str) -> str | None:
    """The exercise name a test cell's ``grade_id`` belongs to (``test_relu_hidden`` → ``relu``), or None.

    The longest catalogue name that matches wins, so ``test_relu_grad`` is ``relu_grad``, not ``relu``.
    """
    if not grade_id.startswith("test_"):
        return None
    rest = grade_id[len("test_") :]
    names = [n for lesson in REFERENCES.values() for n in lesson]
    matches = [n for n in names if rest == n or rest.startswith(n + "_")]
    return max(matches, key=len) if matches else None


def reference(name: str):
    """Import and return the nnlib reference of exercise ``name``; KeyError names the unknown exercise."""
    for lesson in REFERENCES.values():
        if name in lesson:
            module, attr = lesson[name].split(":")
            return getattr(importlib.import_module(module), attr)
    raise KeyError(f"catalogue: no exercise named {name!r}; add it to autograder.catalogue.REFERENCES")


#: {lesson: {exercise: the nnlib objects its text allows ("May use: ... nnlib's X, imported at the top")}}: the
#: ONE place the grading sandbox takes its allow-list from (``autograder.isolation.withheld``). While a lesson is graded,
#: its learner's code reaches only these (numpy and the standard library stay; other installed packages are an
#: allow-list of their own, ``THIRD_PARTY_MAY_USE``); every other object of nnlib, public or private, is absent.
#: An exercise that names no nnlib object has ``()``.
#: tests/lessons/test_may_use.py checks this table against the solution notebooks' "May use" lines.
MAY_USE: dict[str, dict[str, tuple[str, ...]]] = {
    "00-start-here": {"add": ()},
    "01-neuron": {
        "weighted_sum": (),
        "neuron": (),
        "AND_PARAMS": (),
        "OR_PARAMS": (),
        "is_linearly_separable": ("nnlib.neuron:truth_table",),
    },
    "02-activations": {name: () for name in REFERENCES["02-activations"]},
    "03-architecture": {
        "dense_forward": (),
        "init_dense": (),
        "count_parameters": (),
        "mlp_forward": (),
        "predict_class": (),
        "transformer_mlp": ("nnlib.activations:gelu",),
    },
    "04-depth": {
        "tent_params": (),
        "count_linear_pieces": (),
        "top_activating": (),
        "sawtooth": ("nnlib.layers:mlp_forward", "nnlib.activations:relu"),
        "layer_activations": ("nnlib.activations:relu", "nnlib.layers:mlp_forward"),
    },
    "05-training": {
        "mse": (),
        "mse_grad": (),
        "cross_entropy": (),
        "binary_cross_entropy": (),
        "dense_backward": (),
        "relu_backward": (),
        "numerical_gradient": (),
        "sgd_step": (),
        "adam_step": (),
        "cross_entropy_grad": ("nnlib.activations:softmax",),
        "binary_cross_entropy_grad": ("nnlib.activations:sigmoid",),
        "train": ("nnlib.layers:init_dense", "nnlib.layers:mlp_forward", "nnlib.activations:relu"),
    },
    "06-security": {
        "recover_input_from_gradients": (),
        "fgsm": (),
        "maximize_neuron": (),
        "perturb_to_activate": (),
        "flip_labels": (),
        "extract_linear_model": ("nnlib.activations:softmax",),
        "poison_with_trigger": ("nnlib.security.poisoning:TRIGGER_PIXELS", "nnlib.security.poisoning:add_trigger"),
    },
}


def allowed(lesson: str) -> tuple[str, ...]:
    """The nnlib objects ("module:name") the learner's code may reach while ``lesson`` is graded (``MAY_USE``)."""
    if lesson not in MAY_USE:
        raise KeyError(f"catalogue: unknown lesson {lesson!r}; known: {', '.join(MAY_USE)}")
    return tuple(sorted({target for names in MAY_USE[lesson].values() for target in names}))


#: The third-party packages every graded notebook's kernel imports: numpy (every exercise may use it) and what
#: the lessons' setup cells import (``%matplotlib inline``, ``matplotlib.figure``/``pyplot``, ``tqdm.auto``, which
#: draws with ipywidgets). With the Python standard library, the kernel's own packages (ipykernel and what it
#: needs) and ``THIRD_PARTY_MAY_USE``, these are the only installed packages in the grading sandbox
#: (``autograder.isolation.site_view``, an allow-list); scipy, scikit-learn, torch and anything else installed
#: beside the course do not exist there.
KERNEL_USES: tuple[str, ...] = ("numpy", "matplotlib", "tqdm", "ipywidgets")

#: {lesson: {exercise: the third-party objects ("module:name") or whole packages ("scipy") beyond numpy its text
#: accepts ("May use: numpy; scipy.special.expit is accepted too")}}. The sandbox grants their top-level package
#: while that lesson is graded (the grant is a whole package: scipy in lesson 02 brings scipy.special.softmax too,
#: README's threat model). Lessons and exercises not listed accept numpy only. tests/lessons/test_may_use.py
#: checks this against the "May use" lines.
THIRD_PARTY_MAY_USE: dict[str, dict[str, tuple[str, ...]]] = {
    "01-neuron": {"is_linearly_separable": ("scipy",)},
    "02-activations": {
        "sigmoid": ("scipy.special:expit",),
        "softmax": ("scipy.special:logsumexp",),
        "gelu": ("scipy.special:erf",),
    },
}


def third_party_allowed(lesson: str) -> tuple[str, ...]:
    """The third-party objects ("module:name") the texts of ``lesson`` accept beyond numpy (``THIRD_PARTY_MAY_USE``)."""
    if lesson not in MAY_USE:
        raise KeyError(f"catalogue: unknown lesson {lesson!r}; known: {', '.join(MAY_USE)}")
    return tuple(sorted({t for names in THIRD_PARTY_MAY_USE.get(lesson, {}).values() for t in names}))
