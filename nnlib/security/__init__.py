"""Attacks on neural networks and their defences (lesson 06), one module per threat.

- extraction: the weights are the model; recover them from a prediction API (Tramèr et al. 2016).
- leakage: gradients leak the training data (Phong et al. 2017; Zhu et al. 2019); DP-SGD-style defence.
- adversarial: FGSM (Goodfellow et al. 2015), PGD (Madry et al. 2018), maximize_neuron, perturb_to_activate
  (Sabour et al. 2016); adversarial training.
- poisoning: label flipping and backdoors (Gu et al. 2017); k-nearest-neighbour sanitisation.

Every attack validates its inputs and raises ValueError/TypeError naming the function; every random one
takes an explicit `rng: numpy.random.Generator`. Networks are ReLU MLPs given as lists of (W, b) pairs.
"""

from ._mlp import params_of, train_mlp
from .adversarial import (
    accuracy,
    adversarial_training,
    fgsm,
    fgsm_attack,
    input_gradient,
    maximize_neuron,
    perturb_to_activate,
    pgd_attack,
    unit_pre_activation,
)
from .extraction import (
    QueryCounter,
    agreement,
    extract_linear_model,
    labels_only,
    linear_model_query,
    mlp_query,
    rounded,
    train_surrogate,
)
from .leakage import clip_and_noise, dlg_reconstruct, dp_sgd_training, parameter_gradients, recover_input_from_gradients
from .poisoning import (
    TRIGGER_PIXELS,
    add_trigger,
    attack_success_rate,
    flip_labels,
    interpolation_losses,
    knn_sanitize,
    poison_with_trigger,
)

__all__ = [
    "extract_linear_model",
    "QueryCounter",
    "linear_model_query",
    "mlp_query",
    "rounded",
    "labels_only",
    "train_surrogate",
    "agreement",
    "recover_input_from_gradients",
    "parameter_gradients",
    "clip_and_noise",
    "dp_sgd_training",
    "dlg_reconstruct",
    "fgsm",
    "input_gradient",
    "fgsm_attack",
    "pgd_attack",
    "maximize_neuron",
    "perturb_to_activate",
    "unit_pre_activation",
    "adversarial_training",
    "flip_labels",
    "add_trigger",
    "poison_with_trigger",
    "attack_success_rate",
    "knn_sanitize",
    "interpolation_losses",
    "TRIGGER_PIXELS",
    "accuracy",
    "train_mlp",
    "params_of",
]
