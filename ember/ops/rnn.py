"""Recurrent loops: Keras's step-by-step `rnn` and torch's fused recurrent kernels.

`rnn` runs any step function over the time axis with Keras's mask semantics:
a masked step keeps the previous states and repeats the previous output (or
outputs zeros with `zero_output_for_mask`). `fused_rnn` runs the same
recurrences on torch's fused LSTM/GRU/Elman kernels (cuDNN on GPU), with the
same results; the `*_weights` helpers turn Keras's weight layouts into torch's
at the weight boundary, as views or small concatenations of the Keras
variables, so gradients flow back to them.
"""

import warnings

import torch
from torch.nn.utils import rnn as torch_rnn

from ember.backend import tree

# cuDNN copies weights that are not one contiguous buffer on every call (what
# we want: the Keras variables stay the single source of truth) and warns.
_CUDNN_WEIGHT_WARNING = ".*weights are not part of single contiguous chunk.*"


def rnn(
    step_function,
    inputs,
    initial_states,
    go_backwards=False,
    mask=None,
    zero_output_for_mask=False,
    return_all_outputs=True,
):
    """Runs `step_function` over the time axis (axis 1) of `inputs`.

    Args:
        step_function: `(input_t, states) -> (output_t, new_states)`; `states`
            keeps the nesting of `initial_states`.
        inputs: Tensor of shape `(batch, timesteps, ...)`.
        initial_states: List (possibly nested) of state tensors.
        go_backwards: Whether to iterate from the last timestep to the first.
            The outputs then come in processing (reversed) order.
        mask: Boolean tensor `(batch, timesteps)`, `True` = use the step.
        zero_output_for_mask: Whether masked steps output zeros instead of
            repeating the previous output.
        return_all_outputs: Whether to stack every step's output (`False`
            keeps the last one only).

    Returns:
        `(last_output, outputs, new_states)`; `outputs` is
        `(batch, timesteps, ...)`, or `(batch, 1, ...)` when
        `return_all_outputs` is `False`.
    """
    if inputs.device.type == "meta":
        return _shape_only_rnn(
            step_function, inputs, initial_states, return_all_outputs
        )
    steps = inputs.unbind(1)
    step_masks = None
    if mask is not None:
        mask = _as_bool_mask(mask, inputs)
        step_masks = mask.unbind(1)
        if go_backwards:
            step_masks = step_masks[::-1]
    if go_backwards:
        steps = steps[::-1]
    states = initial_states
    outputs = []
    previous = None
    output = None
    for t, step_input in enumerate(steps):
        output, new_states = step_function(step_input, states)
        if step_masks is not None:
            keep = step_masks[t]
            if previous is None or zero_output_for_mask:
                previous = torch.zeros_like(output)
            output = torch.where(_expand(keep, output), output, previous)
            flat_new = [
                torch.where(_expand(keep, new), new, old)
                for new, old in zip(tree.flatten(new_states), tree.flatten(states))
            ]
            new_states = tree.pack_sequence_as(new_states, flat_new)
            previous = output
        states = new_states
        if return_all_outputs:
            outputs.append(output)
    stacked = torch.stack(outputs, 1) if return_all_outputs else output.unsqueeze(1)
    return output, stacked, states


def fused_rnn(
    mode,
    inputs,
    initial_states,
    weights,
    mask=None,
    go_backwards=False,
    zero_output_for_mask=False,
):
    """Runs one recurrent layer on torch's fused kernel, with `rnn`'s semantics.

    Args:
        mode: `"lstm"`, `"gru"`, `"rnn_tanh"` or `"rnn_relu"`.
        inputs: Tensor `(batch, timesteps, features)`.
        initial_states: `[h, c]` for `"lstm"`, `[h]` otherwise, each
            `(batch, units)`.
        weights: torch's per-layer weights, `[w_ih, w_hh]` or
            `[w_ih, w_hh, b_ih, b_hh]` (see `lstm_weights`, ...).
        mask: Boolean tensor `(batch, timesteps)` or `None`. Only
            right-padded masks (each row `True...True False...False`) run
            fused, through packed sequences.
        go_backwards: Whether to process the sequence in reverse; outputs
            come in processing order, as `rnn` returns them.
        zero_output_for_mask: Whether masked steps output zeros.

    Returns:
        `(last_output, outputs, states)` as `rnn` returns them, or `None` when
        the mask is not right-padded (run `rnn` instead).
    """
    if inputs.device.type == "meta":
        # Shape inference: torch's meta LSTM steps through every timestep in
        # Python (seconds for a long stand-in length); the shapes are known.
        batch, steps = inputs.shape[:2]
        units = weights[1].shape[1]
        outputs = inputs.new_empty((batch, steps, units))
        return outputs[:, -1], outputs, [outputs[:, -1]] * len(initial_states)
    hx = [s.unsqueeze(0) for s in initial_states]
    hx = tuple(hx) if mode == "lstm" else hx[0]
    has_biases = len(weights) == 4
    train = torch.is_grad_enabled()
    if mask is not None:
        mask = _as_bool_mask(mask, inputs)
        return _fused_masked(
            mode,
            inputs,
            initial_states,
            hx,
            weights,
            has_biases,
            train,
            mask,
            go_backwards,
            zero_output_for_mask,
        )
    if go_backwards:
        inputs = torch.flip(inputs, (1,))
    result = _call_kernel(
        mode, inputs, hx, weights, has_biases, train, batch_first=True
    )
    outputs, states = result[0], [s.squeeze(0) for s in result[1:]]
    return outputs[:, -1], outputs, states


def lstm_weights(kernel, recurrent_kernel, bias):
    """torch's LSTM weights from Keras's: both order the gates `i, f, c, o`.

    Keras's kernel `(input_dim, 4 * units)` is torch's `w_ih` transposed (a
    view); Keras has one bias where torch adds two, so `b_hh` is zeros.
    """
    weights = [kernel.T, recurrent_kernel.T]
    if bias is not None:
        weights += [bias, torch.zeros_like(bias)]
    return weights


def gru_weights(kernel, recurrent_kernel, bias):
    """torch's GRU weights from a Keras `reset_after=True` GRU.

    Keras orders the gates `z, r, h`, torch `r, z, n`; Keras's bias of shape
    `(2, 3 * units)` holds the input bias (row 0) and the recurrent bias
    (row 1), torch's `b_ih` and `b_hh`.
    """
    weights = [_reorder_gru(kernel, 1).T, _reorder_gru(recurrent_kernel, 1).T]
    if bias is not None:
        weights += [_reorder_gru(bias[0], 0), _reorder_gru(bias[1], 0)]
    return weights


def simple_rnn_weights(kernel, recurrent_kernel, bias):
    """torch's Elman RNN weights from Keras's SimpleRNN ones (`b_hh` is zeros)."""
    weights = [kernel.T, recurrent_kernel.T]
    if bias is not None:
        weights += [bias, torch.zeros_like(bias)]
    return weights


# ---------------------------------------------------------------------- helpers
def _shape_only_rnn(step_function, inputs, initial_states, return_all_outputs):
    """`rnn` on meta tensors: one step gives the output and state shapes, which
    every timestep shares, so shape inference costs one step, not `timesteps`."""
    output, states = step_function(inputs[:, 0], initial_states)
    steps = inputs.shape[1] if return_all_outputs else 1
    outputs = output.unsqueeze(1).expand(
        (output.shape[0], steps) + tuple(output.shape[1:])
    )
    return output, outputs, states


def _reorder_gru(tensor, dim):
    z, r, h = tensor.chunk(3, dim=dim)
    return torch.cat([r, z, h], dim=dim)


def _as_bool_mask(mask, inputs):
    if not isinstance(mask, torch.Tensor):
        mask = torch.as_tensor(mask, device=inputs.device)
    if mask.ndim == 3:
        mask = mask[..., 0]
    return mask if mask.dtype == torch.bool else mask.bool()


def _expand(keep, like):
    return keep.view(keep.shape + (1,) * (like.ndim - 1))


def _call_kernel(
    mode, data, hx, weights, has_biases, train, batch_first=None, batch_sizes=None
):
    kernel = getattr(torch._VF, mode)
    if batch_sizes is None:
        args = (data, hx, weights, has_biases, 1, 0.0, train, False, batch_first)
    else:
        args = (data, batch_sizes, hx, weights, has_biases, 1, 0.0, train, False)
    if data.is_cuda:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_CUDNN_WEIGHT_WARNING)
            return kernel(*args)
    return kernel(*args)


def _fused_masked(
    mode,
    inputs,
    initial_states,
    hx,
    weights,
    has_biases,
    train,
    mask,
    go_backwards,
    zero_output_for_mask,
):
    batch, steps = mask.shape
    lengths = mask.sum(1)
    positions = torch.arange(steps, device=mask.device)
    right_padded = (mask == (positions < lengths[:, None])).all()
    # One host transfer for both facts (packing needs lengths on the CPU).
    info = torch.cat([lengths, right_padded.view(1).long()]).cpu()
    if not bool(info[-1]):
        return None
    host_lengths = info[:-1]
    if bool((host_lengths == steps).all()):
        return fused_rnn(mode, inputs, initial_states, weights, None, go_backwards)

    index = None
    if go_backwards:
        # Keras flips the sequence and its mask: the padding comes first (no
        # update, zero outputs), then the valid steps last to first.
        index = torch.where(
            positions < lengths[:, None], lengths[:, None] - 1 - positions, positions
        )
        inputs = _gather_time(inputs, index)
    # Fully masked rows are packed with length 1 and restored below.
    packed = torch_rnn.pack_padded_sequence(
        inputs, host_lengths.clamp(min=1), batch_first=True, enforce_sorted=False
    )
    order = packed.sorted_indices
    sorted_hx = (
        tuple(h[:, order] for h in hx) if isinstance(hx, tuple) else hx[:, order]
    )
    result = _call_kernel(
        mode,
        packed.data,
        sorted_hx,
        weights,
        has_biases,
        train,
        batch_sizes=packed.batch_sizes,
    )
    out_packed = torch_rnn.PackedSequence(
        result[0], packed.batch_sizes, order, packed.unsorted_indices
    )
    outputs, _ = torch_rnn.pad_packed_sequence(
        out_packed, batch_first=True, total_length=steps
    )
    unsort = packed.unsorted_indices
    has_steps = (lengths > 0)[:, None]
    final = [s[0, unsort] for s in result[1:]]
    states = [torch.where(has_steps, f, s0) for f, s0 in zip(final, initial_states)]
    last_valid = torch.where(has_steps, final[0], torch.zeros_like(final[0]))
    if go_backwards:
        shift = (positions - (steps - lengths[:, None])).clamp(min=0)
        outputs = _gather_time(outputs, shift)
        keep = torch.flip(mask, (1,))
        fill = torch.zeros_like(last_valid)
    else:
        keep = mask
        fill = torch.zeros_like(last_valid) if zero_output_for_mask else last_valid
    outputs = torch.where(keep[..., None], outputs, fill[:, None, :])
    return outputs[:, -1], outputs, states


def _gather_time(x, index):
    return torch.gather(x, 1, index[..., None].expand(-1, -1, x.shape[-1]))
