"""`AdamW`: Adam with decoupled weight decay (Loshchilov & Hutter, 2019)."""

from ember.backend.arguments import passed
from ember.backend.errors import ArgumentError
from ember.optimizers.adam import Adam


class AdamW(Adam):
    """Adam with decoupled weight decay, on by default.

    Before each Adam step, every variable (except those passed to
    `exclude_from_weight_decay`) is scaled by
    `1 - weight_decay * learning_rate`: the decay acts on the weights
    directly instead of being added to the gradient, so Adam's scaling does
    not weaken it.

    Args:
        learning_rate: Float, `LearningRateSchedule` or callable.
            Defaults to `0.001`.
        weight_decay: Float, the decay rate. Defaults to `0.004`.
        beta_1: Float, decay rate of the first moment. Defaults to `0.9`.
        beta_2: Float, decay rate of the second moment. Defaults to `0.999`.
        epsilon: Float, added to the denominator for numerical stability.
            Defaults to `1e-7`.
        amsgrad: Bool, whether to use AMSGrad. Defaults to `False`.
        **kwargs: The other arguments every optimizer takes (`clipnorm`,
            `use_ema`, `gradient_accumulation_steps`, `name`, ...; see
            `Optimizer`).

    Example:

    >>> weight = ember.Variable(torch.tensor([1.0]))
    >>> optimizer = ember.optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
    >>> optimizer.apply([torch.tensor([0.0])], [weight])
    >>> round(weight.tolist()[0], 4)   # decayed by 1 - 0.5 * 0.1, no gradient step
    0.95
    """

    def __init__(
        self,
        learning_rate=0.001,
        weight_decay=0.004,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
        **kwargs,
    ):
        if weight_decay is None:
            raise ArgumentError(
                "weight_decay",
                "a float",
                weight_decay,
                owner="AdamW",
                hint="For Adam without weight decay use `Adam`.",
            )
        super().__init__(**passed(locals()))
