"""The built-in losses as test cases: constructor arguments and the kind of
inputs each takes, with seeded input makers shared by the loss tests."""

import numpy as np
import torch

# (class name, function name, keyword arguments, kind of inputs)
CASES = [
    ("MeanSquaredError", "mean_squared_error", {}, "real"),
    ("MeanAbsoluteError", "mean_absolute_error", {}, "real"),
    ("MeanAbsolutePercentageError", "mean_absolute_percentage_error", {}, "real"),
    ("MeanSquaredLogarithmicError", "mean_squared_logarithmic_error", {}, "real"),
    ("CosineSimilarity", "cosine_similarity", {}, "real"),
    ("CosineSimilarity", "cosine_similarity", {"axis": 1}, "real"),
    ("Huber", "huber", {}, "real"),
    ("Huber", "huber", {"delta": 0.3}, "real"),
    ("LogCosh", "log_cosh", {}, "real"),
    ("Hinge", "hinge", {}, "signed"),
    ("Hinge", "hinge", {}, "binary_scores"),
    ("SquaredHinge", "squared_hinge", {}, "binary_scores"),
    ("CategoricalHinge", "categorical_hinge", {}, "onehot_logits"),
    ("KLDivergence", "kl_divergence", {}, "distributions"),
    ("Poisson", "poisson", {}, "positive"),
    ("BinaryCrossentropy", "binary_crossentropy", {}, "binary"),
    ("BinaryCrossentropy", "binary_crossentropy", {"from_logits": True}, "logits"),
    (
        "BinaryCrossentropy",
        "binary_crossentropy",
        {"label_smoothing": 0.2, "axis": 1},
        "soft",
    ),
    ("BinaryFocalCrossentropy", "binary_focal_crossentropy", {}, "binary"),
    (
        "BinaryFocalCrossentropy",
        "binary_focal_crossentropy",
        {
            "apply_class_balancing": True,
            "alpha": 0.4,
            "gamma": 1.5,
            "from_logits": True,
            "label_smoothing": 0.1,
        },
        "logits",
    ),
    ("CategoricalCrossentropy", "categorical_crossentropy", {}, "onehot"),
    (
        "CategoricalCrossentropy",
        "categorical_crossentropy",
        {"from_logits": True, "label_smoothing": 0.1},
        "onehot_logits",
    ),
    (
        "CategoricalCrossentropy",
        "categorical_crossentropy",
        {"axis": 1, "label_smoothing": 0.2},
        "onehot",
    ),
    ("CategoricalFocalCrossentropy", "categorical_focal_crossentropy", {}, "onehot"),
    (
        "CategoricalFocalCrossentropy",
        "categorical_focal_crossentropy",
        {"alpha": 0.5, "gamma": 1.5, "from_logits": True, "label_smoothing": 0.1},
        "onehot_logits",
    ),
    ("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy", {}, "sparse"),
    (
        "SparseCategoricalCrossentropy",
        "sparse_categorical_crossentropy",
        {"from_logits": True},
        "sparse_logits",
    ),
    (
        "SparseCategoricalCrossentropy",
        "sparse_categorical_crossentropy",
        {"ignore_class": 2},
        "sparse",
    ),
    (
        "SparseCategoricalCrossentropy",
        "sparse_categorical_crossentropy",
        {"axis": 1, "from_logits": True},
        "sparse_axis1",
    ),
    (
        "SparseCategoricalCrossentropy",
        "sparse_categorical_crossentropy",
        {"from_logits": True, "ignore_class": -1},
        "sparse_logits_padded",
    ),
    ("Dice", "dice", {}, "masks"),
    ("Dice", "dice", {"axis": (1,)}, "masks"),
    ("Tversky", "tversky", {}, "masks"),
    ("Tversky", "tversky", {"alpha": 0.7, "beta": 0.3, "axis": (1,)}, "masks"),
    (
        "CategoricalGeneralizedCrossEntropy",
        "categorical_generalized_cross_entropy",
        {"q": 0.7},
        "sparse_normalized",
    ),
]


def case_id(case):
    name, _, kwargs, kind = case
    arguments = ",".join(f"{k}={v}" for k, v in kwargs.items())
    return f"{name}({arguments})-{kind}"


CASE_IDS = [case_id(case) for case in CASES]
SPARSE_KINDS = (
    "sparse",
    "sparse_axis1",
    "sparse_logits",
    "sparse_logits_padded",
    "sparse_normalized",
)


def make_inputs(kind, shape, seed=0):
    """Seeded `(y_true, y_pred)` float32 arrays of `shape` (labels for the
    sparse kinds: `shape` without its last axis)."""
    rng = np.random.default_rng(seed)

    def f32(x):
        return np.asarray(x, dtype="float32")

    classes = shape[-1]
    if kind == "real":
        return f32(rng.normal(size=shape)), f32(rng.normal(size=shape))
    if kind == "positive":
        return f32(rng.poisson(2.0, size=shape)), f32(rng.uniform(0.1, 3, shape))
    if kind == "signed":
        return f32(rng.choice([-1.0, 1.0], shape)), f32(rng.normal(size=shape))
    if kind == "binary_scores":
        return f32(rng.integers(0, 2, shape)), f32(rng.normal(size=shape))
    if kind == "binary":
        return f32(rng.integers(0, 2, shape)), f32(rng.uniform(0.02, 0.98, shape))
    if kind == "logits":
        return f32(rng.integers(0, 2, shape)), f32(rng.normal(0, 2, shape))
    if kind == "soft":
        return f32(rng.uniform(size=shape)), f32(rng.uniform(0.02, 0.98, shape))
    if kind == "masks":
        return f32(rng.integers(0, 2, shape)), f32(rng.uniform(size=shape))
    if kind == "distributions":
        return _softmax(rng.normal(size=shape)), _softmax(rng.normal(size=shape))
    if kind == "sparse_axis1":
        labels = rng.integers(0, shape[1], shape[:1] + shape[2:])
        return f32(labels), f32(rng.normal(0, 2, shape))
    labels = rng.integers(0, classes, shape[:-1])
    if kind == "onehot":
        # Unnormalized probabilities: the losses rescale them to sum to 1.
        return f32(np.eye(classes)[labels]), f32(rng.uniform(0.01, 1, shape))
    if kind == "onehot_logits":
        return f32(np.eye(classes)[labels]), f32(rng.normal(0, 2, shape))
    if kind == "sparse":
        return f32(labels), f32(rng.uniform(0.01, 1, shape))
    if kind == "sparse_normalized":
        return f32(labels), _softmax(rng.normal(size=shape))
    if kind == "sparse_logits":
        return f32(labels), f32(rng.normal(0, 2, shape))
    if kind == "sparse_logits_padded":
        labels = np.where(rng.uniform(size=labels.shape) < 0.3, -1, labels)
        return f32(labels), f32(rng.normal(0, 2, shape))
    raise ValueError(kind)


def loss_shape(kind, kwargs, shape):
    """The shape of the unreduced losses for inputs of `shape`."""
    if kind == "masks":
        axis = kwargs.get("axis")
        if axis is None:
            return ()
        dropped = {a % len(shape) for a in axis}
        return tuple(d for i, d in enumerate(shape) if i not in dropped)
    dropped = kwargs.get("axis", -1) % len(shape)
    return tuple(d for i, d in enumerate(shape) if i != dropped)


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return np.asarray(e / e.sum(axis=-1, keepdims=True), dtype="float32")


def as_torch(x, requires_grad=False):
    return torch.tensor(x).requires_grad_(requires_grad)
