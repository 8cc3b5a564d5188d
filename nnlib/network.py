"""Thin classes on top of the functional core: layers that remember their inputs, and a Network.

Each layer has `forward(X)`, which computes its output and keeps ("caches") what its backward pass will
need, and `backward(dOut)`, which receives the gradient of the loss with respect to its output and
returns the gradient with respect to its input. A Dense layer also stores the gradients of its own
parameters in `dW` and `db`. A Network is a list of layers run in order forward and in reverse backward:

    net = Network.mlp([64, 128, 64, 10], rng)      # Dense, ReLU, Dense, ReLU, Dense
    logits = net.forward(X)                         # (n, 10)
    net.backward(cross_entropy_grad(logits, y))     # fills every Dense layer's dW, db
    net.set_params(sgd_step(net.params(), net.grads(), lr=0.1))

The formulas are the ones of nnlib.layers and nnlib.activations; the methods with a leading underscore
skip the input checks and are what nnlib.train.fit calls inside its training loop.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array, check_int, check_rng
from .activations import _gelu, _gelu_grad, _sigmoid, softmax
from .layers import INIT_SCHEMES, _check_params, init_dense

__all__ = ["Dense", "ReLU", "Sigmoid", "Tanh", "GELU", "Network"]


def _check_batch(X, func, d_in=None):
    X = as_float_array(X, func, "X", ndim=2, copy=False)
    if d_in is not None and X.shape[1] != d_in:
        raise ValueError(f"{func}: X has {X.shape[1]} features but the layer expects {d_in}")
    return X


def _check_cached(layer, func):
    if layer._cache is None:
        raise RuntimeError(f"{func}: call forward before backward (nothing is cached yet)")


class Dense:
    """A fully connected layer Z = X @ W + b with W `(d_in, d_out)`, b `(d_out,)`.

    Dense(d_in, d_out, rng, scheme="he") draws W with nnlib.layers.init_dense and sets b to zeros.
    forward(X `(n, d_in)`) -> Z `(n, d_out)`, caching X.
    backward(dZ `(n, d_out)`) -> dX `(n, d_in)`, storing dW `(d_in, d_out)` and db `(d_out,)`.
    Raises: as init_dense at construction; ValueError for inputs of the wrong shape; RuntimeError for
            backward before forward.
    """

    def __init__(self, d_in, d_out, rng, scheme="he"):
        self.W, self.b = init_dense(d_in, d_out, rng, scheme)
        self.scheme = scheme
        self.dW = None
        self.db = None
        self._cache = None

    @classmethod
    def from_weights(cls, W, b):
        """A Dense layer with given weights W `(d_in, d_out)` and bias b `(d_out,)` (float64 copies).

        Raises: TypeError for non-numeric arrays; ValueError for NaN or when b does not match W's outputs.
        """
        W = as_float_array(W, "Dense.from_weights", "W", ndim=2)
        b = as_float_array(b, "Dense.from_weights", "b", ndim=1)
        if b.shape[0] != W.shape[1]:
            raise ValueError(
                f"Dense.from_weights: b has {b.shape[0]} entries but W has {W.shape[1]} output "
                f"units (W.shape={W.shape})"
            )
        layer = cls.__new__(cls)
        layer.W, layer.b, layer.scheme = W, b, None
        layer.dW = layer.db = layer._cache = None
        return layer

    @property
    def d_in(self):
        return self.W.shape[0]

    @property
    def d_out(self):
        return self.W.shape[1]

    def __repr__(self):
        return f"Dense({self.d_in} -> {self.d_out})"

    def forward(self, X):
        """Z = X @ W + b for X `(n, d_in)`; remembers X for the backward pass."""
        return self._forward(_check_batch(X, "Dense.forward", self.d_in))

    def _forward(self, X):
        self._cache = X
        return X @ self.W + self.b

    def backward(self, dZ):
        """Return dX = dZ @ W.T and store dW = X.T @ dZ, db = dZ.sum(axis=0) (X from the last forward)."""
        _check_cached(self, "Dense.backward")
        dZ = as_float_array(dZ, "Dense.backward", "dZ", ndim=2, copy=False)
        expected = (self._cache.shape[0], self.d_out)
        if dZ.shape != expected:
            raise ValueError(f"Dense.backward: dZ must have shape {expected}, got {dZ.shape}")
        return self._backward(dZ)

    def _backward(self, dZ, need_dX=True):
        X = self._cache
        self.dW = X.T @ dZ  # every sample used the same W: contributions add up
        self.db = dZ.sum(axis=0)
        # The first layer's dX is not needed for training (nothing to update before it), so fit skips it.
        return dZ @ self.W.T if need_dX else None


class _Activation:
    """Shared plumbing of the element-wise activation layers: forward(Z) -> A, backward(dA) -> dZ."""

    name = "activation"

    def __init__(self):
        self._cache = None

    def __repr__(self):
        return f"{type(self).__name__}()"

    def forward(self, Z):
        """Apply the activation element-wise to Z `(n, units)`; remembers what backward needs."""
        return self._forward(_check_batch(Z, f"{type(self).__name__}.forward"))

    def backward(self, dA):
        """Return dZ = dA * f'(Z) for the Z of the last forward pass (same shape as dA)."""
        func = f"{type(self).__name__}.backward"
        _check_cached(self, func)
        dA = as_float_array(dA, func, "dA", ndim=2, copy=False)
        if dA.shape != self._cache.shape:
            raise ValueError(f"{func}: dA must have shape {self._cache.shape}, got {dA.shape}")
        return self._backward(dA)


class ReLU(_Activation):
    """A = max(Z, 0); backward passes dA where the unit was active (A > 0, i.e. Z > 0)."""

    name = "relu"

    def _forward(self, Z):
        A = np.maximum(Z, 0.0)
        self._cache = A  # A > 0 exactly where Z > 0, so the output is all backward needs
        return A

    def _backward(self, dA):
        return dA * (self._cache > 0)


class Sigmoid(_Activation):
    """A = sigmoid(Z); backward uses sigmoid' = A (1 - A), so only A is cached."""

    name = "sigmoid"

    def _forward(self, Z):
        A = _sigmoid(Z)
        self._cache = A
        return A

    def _backward(self, dA):
        A = self._cache
        return dA * A * (1.0 - A)


class Tanh(_Activation):
    """A = tanh(Z); backward uses tanh' = 1 - A**2, so only A is cached."""

    name = "tanh"

    def _forward(self, Z):
        A = np.tanh(Z)
        self._cache = A
        return A

    def _backward(self, dA):
        A = self._cache
        return dA * (1.0 - A * A)


class GELU(_Activation):
    """A = gelu(Z) (exact form); backward needs gelu'(Z), so Z is cached."""

    name = "gelu"

    def _forward(self, Z):
        self._cache = Z
        return _gelu(Z)

    def _backward(self, dA):
        return dA * _gelu_grad(self._cache)


_ACTIVATION_LAYERS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "gelu": GELU}


class Network:
    """A feed-forward network: a list of layers applied in order; the last one outputs logits.

    Network(layers) with layers a list of Dense / ReLU / Sigmoid / Tanh / GELU objects,
    Network.mlp(layer_sizes, rng) for the usual Dense-activation-...-Dense stack, or
    Network.from_params(params) for that stack with given weights (a list of (W, b) pairs).
    forward(X `(n, d)` or `(d,)`) -> logits `(n, k)` (or `(k,)`); backward(dlogits) -> dX.
    params() / grads(): lists [W1, b1, W2, b2, ...] in layer order; set_params(list) replaces them.
    predict_proba(X) -> softmax probabilities `(n, k)`; predict(X) -> int64 classes `(n,)`;
    activations(X) -> list with every layer's output.
    Raises: TypeError for layers that are not layer objects; ValueError for inputs of the wrong shape.
    """

    def __init__(self, layers):
        layers = list(layers)
        if not layers:
            raise ValueError("Network: layers must contain at least one layer, got an empty list")
        for i, layer in enumerate(layers):
            if not isinstance(layer, (Dense, _Activation)):
                raise TypeError(f"Network: layers[{i}] must be a Dense or activation layer, got {type(layer).__name__}")
        dense = [layer for layer in layers if isinstance(layer, Dense)]
        if not dense:
            raise ValueError("Network: layers must contain at least one Dense layer")
        for a, b in zip(dense[:-1], dense[1:]):
            if a.d_out != b.d_in:
                raise ValueError(f"Network: {a!r} is followed by {b!r}; the sizes do not chain")
        self.layers = layers
        self._dense = dense
        self._reversed_tail = layers[:0:-1]
        self._first_is_dense = isinstance(layers[0], Dense)
        self._single = False

    @classmethod
    def mlp(cls, layer_sizes, rng, activation="relu", scheme="he"):
        """A multi-layer perceptron: Dense(d0, d1), act, Dense(d1, d2), act, ..., Dense(d_{L-1}, d_L).

        layer_sizes: ints, input size first, e.g. [64, 128, 64, 10]; rng: numpy.random.Generator;
        activation: "relu", "sigmoid", "tanh" or "gelu"; scheme: "he" or "xavier" (see init_dense).
        Raises: ValueError for fewer than two sizes, an unknown activation or scheme; TypeError as init_dense.
        """
        sizes = list(layer_sizes)
        if len(sizes) < 2:
            raise ValueError(f"Network.mlp: need at least two layer sizes (input and output), got {sizes}")
        sizes = [check_int(s, "Network.mlp", "each layer size", minimum=1) for s in sizes]
        check_rng(rng, "Network.mlp")
        if activation not in _ACTIVATION_LAYERS:
            raise ValueError(
                f"Network.mlp: unknown activation {activation!r}; expected one of {sorted(_ACTIVATION_LAYERS)}"
            )
        if scheme not in INIT_SCHEMES:
            raise ValueError(f"Network.mlp: unknown scheme {scheme!r}; expected one of {sorted(INIT_SCHEMES)}")
        layers = []
        for i, (d_in, d_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(Dense(d_in, d_out, rng, scheme))
            if i < len(sizes) - 2:  # no activation after the output layer: it returns logits
                layers.append(_ACTIVATION_LAYERS[activation]())
        return cls(layers)

    @classmethod
    def from_params(cls, params, activation="relu"):
        """The network of given weights: Dense(W_1, b_1), act, ..., Dense(W_L, b_L), logits from the last.

        params: list of (W, b) pairs as nnlib.layers.mlp_forward takes them (copied, never modified);
        activation: "relu", "sigmoid", "tanh" or "gelu", after every layer but the last. Its forward pass
        equals mlp_forward(X, params, activation) for the matching activation function.
        Raises: TypeError/ValueError as mlp_forward for params that are not chaining (W, b) pairs;
                ValueError for an unknown activation.
        """
        if activation not in _ACTIVATION_LAYERS:
            raise ValueError(
                f"Network.from_params: unknown activation {activation!r}; expected one of {sorted(_ACTIVATION_LAYERS)}"
            )
        pairs = _check_params(params, "Network.from_params")
        layers = []
        for i, (W, b) in enumerate(pairs):
            layers.append(Dense.from_weights(W, b))
            if i < len(pairs) - 1:
                layers.append(_ACTIVATION_LAYERS[activation]())
        return cls(layers)

    # ---- sizes and description -------------------------------------------------------------------
    @property
    def d_in(self):
        return self._dense[0].d_in

    @property
    def d_out(self):
        return self._dense[-1].d_out

    def n_parameters(self):
        """Total number of trainable numbers (all weights and biases), a Python int."""
        return int(sum(p.size for p in self.params()))

    def __repr__(self):
        inner = ",\n".join(f"  {layer!r}" for layer in self.layers)
        return f"Network([\n{inner}\n])  # {self.n_parameters()} parameters"

    # ---- forward and backward -----------------------------------------------------------------------
    def _check_input(self, X, func):
        X = as_float_array(X, func, "X", ndim=(1, 2), copy=False)
        if X.shape[-1] != self.d_in:
            raise ValueError(f"{func}: X has {X.shape[-1]} features but the network expects {self.d_in}")
        return X

    def forward(self, X):
        """Logits for X `(n, d)` (or one sample `(d,)` -> `(k,)`); every layer caches for backward."""
        X = self._check_input(X, "Network.forward")
        self._single = X.ndim == 1
        out = self._forward(X[None, :] if self._single else X)
        return out[0] if self._single else out

    def _forward(self, X):
        for layer in self.layers:
            X = layer._forward(X)
        return X

    def backward(self, dlogits):
        """Backpropagate dlogits (gradient of the loss w.r.t. the last forward's logits); return dX.

        Fills dW and db of every Dense layer (read them with grads()).
        Raises: RuntimeError before any forward; ValueError when dlogits does not match the logits' shape.
        """
        if self.layers[0]._cache is None:
            raise RuntimeError("Network.backward: call forward before backward (nothing is cached yet)")
        dlogits = as_float_array(dlogits, "Network.backward", "dlogits", ndim=(1, 2), copy=False)
        n = self.layers[0]._cache.shape[0]
        expected = (self.d_out,) if self._single else (n, self.d_out)
        if dlogits.shape != expected:
            raise ValueError(
                f"Network.backward: dlogits must have shape {expected} like the logits, got {dlogits.shape}"
            )
        dX = self._backward(dlogits[None, :] if self._single else dlogits)
        return dX[0] if self._single else dX

    def _backward(self, grad, need_dX=True):
        for layer in self._reversed_tail:  # every layer but the first, last layer first
            grad = layer._backward(grad)
        if self._first_is_dense:
            return self.layers[0]._backward(grad, need_dX)
        return self.layers[0]._backward(grad)

    # ---- parameters -----------------------------------------------------------------------------------
    def param_names(self):
        """Names of the parameters in the order of params(): ['layers[0].W', 'layers[0].b', ...]."""
        names = []
        for i, layer in enumerate(self.layers):
            if isinstance(layer, Dense):
                names += [f"layers[{i}].W", f"layers[{i}].b"]
        return names

    def params(self):
        """The parameters [W1, b1, W2, b2, ...] in layer order (the arrays themselves, not copies)."""
        out = []
        for layer in self._dense:
            out += [layer.W, layer.b]
        return out

    def grads(self):
        """The gradients [dW1, db1, dW2, db2, ...] from the last backward, in the order of params().

        Raises: RuntimeError before the first backward.
        """
        if self._dense[0].dW is None:
            raise RuntimeError("Network.grads: call backward first (no gradients yet)")
        out = []
        for layer in self._dense:
            out += [layer.dW, layer.db]
        return out

    def set_params(self, params):
        """Replace the parameters by (copies of) params, a list in the order and shapes of params().

        Raises: TypeError for non-numeric arrays; ValueError for a wrong count, wrong shapes or NaN.
        """
        params = list(params)
        current = self.params()
        if len(params) != len(current):
            raise ValueError(f"Network.set_params: expected {len(current)} arrays, got {len(params)}")
        new = []
        for name, p, old in zip(self.param_names(), params, current):
            p = as_float_array(p, "Network.set_params", name, copy=True)
            if p.shape != old.shape:
                raise ValueError(f"Network.set_params: {name} must have shape {old.shape}, got {p.shape}")
            new.append(p)
        self._set_params(new)

    def _set_params(self, params):
        for i, layer in enumerate(self._dense):
            layer.W, layer.b = params[2 * i], params[2 * i + 1]

    # ---- predictions --------------------------------------------------------------------------------
    def predict_proba(self, X):
        """Class probabilities softmax(forward(X)): `(n, k)` rows summing to 1 (or `(k,)`)."""
        return softmax(self.forward(X), axis=-1)

    def predict(self, X):
        """Predicted classes argmax(forward(X)): int64 `(n,)` (a Python int for one sample `(d,)`)."""
        pred = np.argmax(self.forward(X), axis=-1)
        return int(pred) if np.ndim(pred) == 0 else pred.astype(np.int64)

    def activations(self, X):
        """Every layer's output for X `(n, d)`: a list of float64 arrays, one per layer, the logits last."""
        X = self._check_input(X, "Network.activations")
        A = X[None, :] if X.ndim == 1 else X
        outputs = []
        for layer in self.layers:
            A = layer._forward(A)
            outputs.append(A[0] if X.ndim == 1 else A)
        self._single = X.ndim == 1
        return outputs
