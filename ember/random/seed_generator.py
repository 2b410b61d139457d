"""`SeedGenerator`: the state behind reproducible random ops.

Random ops in ember are stateless, as in Keras: an integer `seed` gives the same
values on every call, a `SeedGenerator` gives new values on each call (its state
advances), and `seed=None` draws from a global `SeedGenerator` that
`ember.utils.set_random_seed` resets. Every draw turns into a fresh
`torch.Generator`, so seeded ops never touch torch's global RNG.

The seed arithmetic follows Keras 3 on its torch backend step for step, so the
same seed gives the same numbers in ember and in Keras.
"""

import numbers
import random as python_random

import torch

from ember.backend import compiler
from ember.backend.errors import ArgumentError, UnknownArgumentError
from ember.backend.naming import auto_name
from ember.backend.variable import make_variable

# Keras's "unordered" draw of the global generator: a cheap scramble that walks
# near-unique numbers below a million, applied with int32 wrap-around.
_SCRAMBLE_MULTIPLIER = 5387
_SCRAMBLE_MODULUS = 933199
_UINT32_MASK = 0xFFFFFFFF

_global_generator = None


class SeedGenerator:
    """Generates a new seed on each call to a random op that receives it.

    Passing an integer `seed` to a random op (`ember.random.normal(..., seed=42)`)
    returns the same values on every call. To get new values on each call while
    staying reproducible, pass a `SeedGenerator` instead: each draw advances its
    state. With `seed=None` the generator starts from a seed drawn from Python's
    `random` module, which `ember.utils.set_random_seed` seeds.

    The state is a non-trainable int32 `Variable` of shape `(2,)` holding
    `[seed, counter]`. It always lives on the CPU, so reading it never waits on
    an accelerator.

    Args:
        seed: Integer, the initial seed. `None` draws one from Python's `random`.
            Defaults to `None`.
        name: String, the generator's name. Defaults to an automatic name such
            as `"seed_generator_1"`.

    Example:

    >>> seed_gen = ember.random.SeedGenerator(seed=42)
    >>> a = ember.random.normal((2, 3), seed=seed_gen)
    >>> b = ember.random.normal((2, 3), seed=seed_gen)  # different from `a`
    >>> bool((a == b).all())
    False
    """

    def __init__(self, seed: int | None = None, name: str | None = None, **kwargs):
        kwargs.pop("backend", None)  # Keras configs may carry it; torch is implied.
        if kwargs:
            raise UnknownArgumentError(
                f"Unknown keyword arguments for `SeedGenerator`: {sorted(kwargs)}. "
                "Accepted arguments are `seed` and `name`."
            )
        self.name = name if name is not None else auto_name("SeedGenerator")
        if seed is not None and (
            not isinstance(seed, numbers.Integral) or isinstance(seed, bool)
        ):
            raise ArgumentError("seed", "an integer or None", seed)
        self._initial_seed = None if seed is None else int(seed)
        if seed is None:
            seed = make_default_seed()
        initial = torch.tensor(
            [_to_int32(int(seed)), 0], dtype=torch.int32, device="cpu"
        )
        self.state = make_variable(
            initial,
            name="seed_generator_state",
            path=f"{self.name}/seed_generator_state",
            trainable=False,
        )

    def next(self, ordered: bool = True) -> torch.Tensor:
        """Returns the current `[seed, counter]` pair and advances the state.

        Args:
            ordered: Boolean. `True` increments the counter; `False` scrambles
                both entries, as the global generator does. Defaults to `True`.

        Returns:
            An int32 tensor of shape `(2,)`.
        """
        value = self.state.detach().clone()
        with torch.no_grad():
            if ordered:
                self.state[1] += 1
            else:
                self.state.copy_((value + 1) * _SCRAMBLE_MULTIPLIER % _SCRAMBLE_MODULUS)
        return value

    def get_config(self) -> dict:
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> "SeedGenerator":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<SeedGenerator name={self.name}, seed={self._initial_seed}>"


def make_default_seed() -> int:
    """Returns a seed drawn from Python's `random` module (seeded by
    `set_random_seed`), as Keras draws one for unseeded objects."""
    return python_random.randint(1, int(1e9))


def global_seed_generator() -> SeedGenerator:
    """Returns the generator behind `seed=None`, creating it on first use."""
    global _global_generator
    if _global_generator is None:
        _global_generator = SeedGenerator(name="global_seed_generator")
    return _global_generator


def reset_global_seed_generator() -> None:
    """Drops the global generator; the next unseeded op recreates it from
    Python's `random` module. Called by `ember.utils.set_random_seed`."""
    global _global_generator
    _global_generator = None


def draw_seed(seed) -> int:
    """Turns a `seed` argument (int, `SeedGenerator` or `None`) into the uint32
    seed of one `torch.Generator`, advancing any generator involved."""
    if isinstance(seed, SeedGenerator):
        first, second = seed.next().tolist()
    elif seed is None:
        first, second = global_seed_generator().next(ordered=False).tolist()
    elif isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        first, second = int(seed), 0
    else:
        raise ArgumentError(
            "seed",
            "an integer, an `ember.random.SeedGenerator` or None",
            seed,
        )
    return (first + second) & _UINT32_MASK


@compiler.disable
def make_torch_generator(seed, device: torch.device) -> torch.Generator:
    """A `torch.Generator` on `device`, seeded from `seed` (see `draw_seed`).

    Kept out of `torch.compile` graphs: generators are created eagerly.
    """
    generator = torch.Generator(device=device)
    generator.manual_seed(draw_seed(seed))
    return generator


def _to_int32(value: int) -> int:
    """The int32 with the same low 32 bits as `value` (seeds are uint32 at heart)."""
    return ((value + 2**31) & _UINT32_MASK) - 2**31
