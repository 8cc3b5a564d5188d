"""nnlib: the small numpy reference library behind the course "Neural Networks, from one neuron to attacks on models".

Every graded exercise of the course has its reference answer here, under the same name and signature.
The functional core (activations, neuron, layers, losses, optim, gradcheck, depth, train, data) uses numpy only;
drawing (`nnlib.views.plot`), interaction (`nnlib.views.widgets`), learner feedback (`nnlib.checks`) and the attacks
(`nnlib.security`) live in their own modules and the core never imports them. The grading machinery is the
instructor's tool and lives in its own package, `autograder`, which nnlib never imports.
"""

__version__ = "0.1.0"

# The functional core and its thin class layer, importable by name: `from nnlib import relu, Network`.
from .activations import (  # noqa: E402,F401
    ACTIVATIONS,
    gelu,
    gelu_grad,
    gelu_tanh,
    gelu_tanh_grad,
    identity,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
    step,
    tanh,
    tanh_grad,
)
from .data import load_digits, make_circles, make_moons, make_spirals, make_xor, one_hot, standardize, train_test_split  # noqa: E402,F401
from .depth import count_linear_pieces, sawtooth, tent_params, top_activating  # noqa: E402,F401
from .gradcheck import check_network_gradients, numerical_gradient, relative_error  # noqa: E402,F401
from .layers import (  # noqa: E402,F401
    collapse_linear,
    count_parameters,
    dense_backward,
    dense_forward,
    init_dense,
    layer_activations,
    mlp_forward,
    predict_class,
    relu_backward,
)
from .losses import (  # noqa: E402,F401
    binary_cross_entropy,
    binary_cross_entropy_grad,
    cross_entropy,
    cross_entropy_grad,
    log_softmax,
    mse,
    mse_grad,
)
from .network import GELU, Dense, Network, ReLU, Sigmoid, Tanh  # noqa: E402,F401
from .neuron import AND_PARAMS, OR_PARAMS, is_linearly_separable, neuron, truth_table, weighted_sum  # noqa: E402,F401
from .optim import SGD, Adam, sgd_step  # noqa: E402,F401
from .train import History, TrainingDiverged, fit, lr_range_test, train  # noqa: E402,F401
