"""Linear probes (lesson 04): how well a straight line through a layer's activations reads off a property.

A *probe* is a small classifier trained on the activations of one layer to predict a property of the input that
the network was never told about (Alain & Bengio 2016; Tenney et al. 2019 read syntax off BERT this way). A
*linear* probe can only read what the layer holds along a straight direction, so comparing probes on the raw
input and on deeper layers shows where a property becomes *linearly* readable: it says nothing about what the
network "uses", and a deeper layer never holds more information than the input (it can only make it easier to
read).

`probe_accuracy(features, labels, rng)` fits a ridge-regularised least-squares classifier (targets -1 / +1,
classes weighted equally) on k - 1 folds and scores the held-out fold, for each of k folds. The score is the
*balanced* accuracy (the mean of the accuracy on positives and on negatives): 0.5 is chance whatever the class
balance, 1.0 is perfect.

`word_ends(text, context)` gives lesson 04's probed property: for every window of the next-character data set,
whether the character after the window is a space (a word ends here).
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array, check_int, check_nonnegative, check_rng

__all__ = ["probe_accuracy", "word_ends"]


def probe_accuracy(features, labels, rng, *, folds=5, ridge=1e-3):
    """Cross-validated balanced accuracy of a linear probe reading binary `labels` off `features`.

    features: `(n, d)` float array (raw inputs or one layer's activations); labels: `(n,)` of 0/1 (or bools),
    with at least `folds` samples of each class; rng: numpy.random.Generator that shuffles the samples into
    `folds` folds (int >= 2); ridge: L2 strength >= 0, scaled by the number of training samples.
    Each fold: standardise the features with the training part's mean and spread, solve the weighted ridge
    least-squares problem for targets -1 / +1 (each class weighted so that both count equally), and predict the
    held-out part by the sign of the score.
    Returns: float, the mean over folds of the balanced accuracy (0.5 = chance, 1.0 = perfect).
    Raises: ValueError for mismatched lengths, labels other than 0/1, too few samples of a class, folds < 2.
    """
    func = "probe_accuracy"
    F = as_float_array(features, func, "features", ndim=2)
    P = np.asarray(labels)
    if P.ndim != 1 or P.shape[0] != F.shape[0]:
        raise ValueError(f"{func}: labels must have shape ({F.shape[0]},) to match features, got {P.shape}")
    if not np.isin(P, (0, 1)).all():
        raise ValueError(f"{func}: labels must be 0/1 (or bools), got values {np.unique(P)[:5].tolist()}")
    P = P.astype(np.int64)
    rng = check_rng(rng, func)
    folds = check_int(folds, func, "folds", minimum=2)
    ridge = check_nonnegative(ridge, func, "ridge")
    if min(P.sum(), len(P) - P.sum()) < folds:
        raise ValueError(
            f"{func}: need at least folds = {folds} samples of each class, got {P.sum()} positives "
            f"and {len(P) - P.sum()} negatives"
        )
    parts = np.array_split(rng.permutation(len(P)), folds)
    scores = []
    for k in range(folds):
        test = parts[k]
        train = np.concatenate([parts[j] for j in range(folds) if j != k])
        mean, spread = F[train].mean(axis=0), F[train].std(axis=0) + 1e-8
        design = np.hstack([(F[train] - mean) / spread, np.ones((len(train), 1))])
        positive = P[train] == 1
        if positive.all() or not positive.any():  # a fold without one class: the probe cannot learn, score chance
            scores.append(0.5)
            continue
        weight = np.where(positive, 0.5 / positive.mean(), 0.5 / (1 - positive.mean()))
        weighted = design * weight[:, None]
        coef = np.linalg.solve(
            design.T @ weighted + ridge * len(train) * np.eye(design.shape[1]), weighted.T @ (2.0 * P[train] - 1.0)
        )
        scores_test = np.hstack([(F[test] - mean) / spread, np.ones((len(test), 1))]) @ coef
        predicted, truth = scores_test > 0, P[test] == 1
        rates = [
            np.mean(predicted[truth]) if truth.any() else 0.5,
            np.mean(~predicted[~truth]) if (~truth).any() else 0.5,
        ]
        scores.append(float(np.mean(rates)))
    return float(np.mean(scores))


def word_ends(text, context):
    """For each window of next_char_dataset(text, context): 1 if the character after it is a space, else 0.

    text: a normalised str (see nnlib.text_data.normalise_text); context: int >= 1, the window length.
    Returns: int64 `(len(text) - context,)`, aligned with the rows of next_char_dataset(text, context).
    Raises: TypeError for a non-str text; ValueError for a text shorter than context + 1.
    """
    func = "word_ends"
    if not isinstance(text, str):
        raise TypeError(f"{func}: text must be a str, got {type(text).__name__}")
    context = check_int(context, func, "context", minimum=1)
    if len(text) < context + 1:
        raise ValueError(f"{func}: text has {len(text)} characters; need at least context + 1 = {context + 1}")
    return np.array([text[i] == " " for i in range(context, len(text))], dtype=np.int64)
