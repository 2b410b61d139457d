"""`EinsumDense`: a dense layer whose contraction is an einsum equation."""

import re

import torch

from ember import activations, constraints, initializers, regularizers
from ember.backend.arguments import passed
from ember.backend.errors import ArgumentError
from ember.initializers.variance_scaling import VarianceScaling
from ember.layers.core.dense import _common_dtype
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer
from ember.layers.weight_settings import set_weight_settings

# The three equation forms: no ellipsis, ellipsis on the left, on the right.
_FORMS = (
    (re.compile(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$"), False),
    (re.compile(r"\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+)$"), True),
    (re.compile(r"([a-zA-Z]{2,})\.\.\.,([a-zA-Z]+)->([a-zA-Z]+)\.\.\.$"), False),
)


class EinsumDense(Layer):
    """A dense layer of any dimensionality: `einsum(equation, inputs, kernel)`.

    The equation names the axes of the input, of the kernel and of the output,
    e.g. `"abc,cd->abd"` applies a `(c, d)` kernel to the last axis of a
    sequence. The kernel's shape is read off the equation: each kernel axis
    takes its size from the input or from `output_shape`.

    Args:
        equation: An einsum equation of the form `"ab,bc->ac"`,
            `"...ab,bc->...ac"` or `"ab...,bc->ac..."`.
        output_shape: The output shape without the batch axis and without the
            axes an ellipsis stands for: an integer or a tuple; `None` entries
            are taken from the input.
        activation: Activation function or its name. Defaults to `None`
            (no activation).
        bias_axes: A string of output axis letters to add a bias along, e.g.
            `"d"`. Defaults to `None` (no bias).
        kernel_initializer: Initializer of the kernel. Defaults to
            `"glorot_uniform"`, whose fans are computed from the kernel axes
            the equation marks as input and output axes.
        bias_initializer: Initializer of the bias. Defaults to `"zeros"`.
        kernel_regularizer: Regularizer of the kernel. Defaults to `None`.
        bias_regularizer: Regularizer of the bias. Defaults to `None`.
        kernel_constraint: Constraint on the kernel. Defaults to `None`.
        bias_constraint: Constraint on the bias. Defaults to `None`.
        quantization_config: Present for compatibility with Keras configs;
            only `None` is accepted. Defaults to `None`.
        **kwargs: Standard layer keyword arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: A tensor whose rank matches the input part of `equation`.

    Input shape:
        As named by the input part of `equation`.

    Output shape:
        `(batch_size, *output_shape)`, with the ellipsis axes in place.

    Example:

    >>> layer = EinsumDense("abc,cd->abd", output_shape=(None, 64), bias_axes="d")
    >>> layer(torch.ones(2, 5, 16)).shape
    torch.Size([2, 5, 64])
    """

    def __init__(
        self,
        equation: str,
        output_shape,
        activation=None,
        bias_axes: str | None = None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        quantization_config=None,
        **kwargs,
    ):
        arguments = passed(locals())
        super().__init__(**kwargs)
        if not isinstance(equation, str) or _match(equation) is None:
            raise ArgumentError(
                "equation",
                "an einsum equation of the form 'ab,bc->ac', '...ab,bc->...ac' "
                "or 'ab...,bc->ac...'",
                equation,
            )
        if quantization_config is not None:
            raise ArgumentError(
                "quantization_config",
                "None (ember does not quantize EinsumDense)",
                quantization_config,
            )
        self.equation = equation
        if isinstance(output_shape, int):
            output_shape = (output_shape,)
        if not isinstance(output_shape, (tuple, list)) or not all(
            d is None or (isinstance(d, int) and d > 0) for d in output_shape
        ):
            raise ArgumentError(
                "output_shape",
                "a positive integer, or a tuple of positive integers and None",
                output_shape,
            )
        self.partial_output_shape = tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        set_weight_settings(self, arguments, ("kernel", "bias"))

    def build(self, input_shape):
        kernel_shape, bias_shape, _, input_axes, output_axes = self._analyze(
            tuple(input_shape)
        )
        self.input_spec = InputSpec(ndim=len(input_shape))
        self.kernel = self.add_weight(
            shape=kernel_shape,
            initializer=self._fan_aware(
                self.kernel_initializer, input_axes, output_axes
            ),
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
        )
        if bias_shape is not None:
            self.bias = self.add_weight(
                shape=bias_shape,
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )
        else:
            self.bias = None
        self.built = True

    def call(self, inputs):
        inputs, kernel, bias = _common_dtype(self, inputs, self.kernel, self.bias)
        outputs = torch.einsum(self.equation, inputs, kernel)
        if bias is not None:
            outputs = outputs + bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return tuple(self._analyze(tuple(input_shape))[2])

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        }

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, equation={self.equation!r}"

    def _fan_aware(self, initializer, input_axes, output_axes):
        # A variance-scaling initializer cannot guess which kernel axes are fans
        # in and out of an arbitrary einsum: tell it, keeping its drawn seed.
        if not isinstance(initializer, VarianceScaling) or (
            initializer.input_axes is not None and initializer.output_axes is not None
        ):
            return initializer
        config = initializer.get_config()
        config.update(
            seed=initializer.seed, input_axes=input_axes, output_axes=output_axes
        )
        return type(initializer).from_config(config)

    def _analyze(self, input_shape):
        """Returns kernel shape, bias shape, full output shape, and the kernel
        axes that are input and output units."""
        (in_spec, kernel_spec, out_spec), left_elided = _match(self.equation)
        where = f"`EinsumDense` (layer '{self.name}', equation '{self.equation}')"
        elided = len(input_shape) - len(in_spec)
        if elided < 0 or (elided and "..." not in self.equation):
            rank = f"{len(in_spec)}{' or more' if '...' in self.equation else ''}"
            raise ValueError(
                f"{where} expects inputs of rank {rank}, but received shape "
                f"{input_shape}."
            )

        # 1. The full output shape: batch axis, user's axes, elided axes.
        output_shape = [input_shape[0], *self.partial_output_shape]
        if elided and left_elided:
            output_shape[1:1] = input_shape[1:elided]
        elif elided:
            output_shape.extend(input_shape[len(input_shape) - elided :])
        offset = elided if left_elided else 0
        in_index = {c: i + offset for i, c in enumerate(in_spec)}
        out_index = {c: i + offset for i, c in enumerate(out_spec)}
        missing = len(out_spec) + elided - len(output_shape)
        if missing:
            raise ValueError(
                f"{where}: `output_shape` {self.partial_output_shape} must give "
                f"{len(self.partial_output_shape) + missing} sizes: the output "
                "axes after the batch axis, without those the ellipsis stands for."
            )

        # 2. Axes shared by input and output keep the input's size.
        for c in in_spec:
            if c in out_index:
                size_in, size_out = input_shape[in_index[c]], output_shape[out_index[c]]
                if size_out is None:
                    output_shape[out_index[c]] = size_in
                elif size_in is not None and size_out != size_in:
                    raise ValueError(
                        f"{where}: input and output disagree on shared axis '{c}': "
                        f"the input has size {size_in}, `output_shape` says "
                        f"{size_out}."
                    )
        for c in out_spec:
            if c not in in_spec and c not in kernel_spec:
                raise ValueError(
                    f"{where}: output axis '{c}' appears in neither the input "
                    f"'{in_spec}' nor the kernel '{kernel_spec}'."
                )

        # 3. Kernel axes take their size from the output, else from the input.
        kernel_shape, input_axes, output_axes = [], [], []
        for i, c in enumerate(kernel_spec):
            if c in out_index:
                kernel_shape.append(output_shape[out_index[c]])
                output_axes.append(i)
            elif c in in_index:
                kernel_shape.append(input_shape[in_index[c]])
                input_axes.append(i)
            else:
                raise ValueError(
                    f"{where}: kernel axis '{c}' appears in neither the input "
                    f"'{in_spec}' nor the output '{out_spec}'."
                )
        if None in kernel_shape:
            raise ValueError(
                f"{where}: the kernel shape {tuple(kernel_shape)} has unknown "
                "sizes. Give them in `output_shape`, or fix the input's sizes."
            )

        # 4. The bias spans the output from its first biased axis to the end;
        # unbiased axes in between (and elided trailing axes) broadcast as 1.
        bias_shape = None
        if self.bias_axes is not None:
            for c in self.bias_axes:
                if c not in out_spec:
                    raise ValueError(
                        f"{where}: bias axis '{c}' is not an output axis of "
                        f"'{out_spec}'."
                    )
            first = min(out_spec.index(c) for c in self.bias_axes)
            bias_shape = [
                output_shape[out_index[c]] if c in self.bias_axes else 1
                for c in out_spec[first:]
            ]
            if not left_elided:
                bias_shape.extend([1] * elided)
        return kernel_shape, bias_shape, output_shape, input_axes, output_axes


def _match(equation):
    for pattern, left_elided in _FORMS:
        found = pattern.match(equation)
        if found:
            return found.groups(), left_elided
    return None
