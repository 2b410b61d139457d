"""Errors that say what was expected, what came, and what to do.

Family lookups (`activations.get`, `initializers.get`, ...) raise `ArgumentError`
without knowing which layer asked; `Layer.__init__` fills in the layer's class and
the exact argument name, so users read e.g.

    Invalid value for argument `activation` of `Dense`: expected a string name
    such as 'relu', a callable or None. Received: activation=64 (of type int).
"""


class ArgumentError(ValueError):
    """A bad argument value. `owner` (the class) may be filled in by the caller."""

    def __init__(self, argument, expected, received, owner=None, hint=None):
        self.argument = argument
        self.expected = expected
        self.received = received
        self.owner = owner
        self.hint = hint
        super().__init__(self._message())

    def _message(self):
        owner = f" of `{self.owner}`" if self.owner else ""
        text = (
            f"Invalid value for argument `{self.argument}`{owner}: expected "
            f"{self.expected}. Received: {self.argument}={self.received!r}"
            f" (of type {type(self.received).__name__})."
        )
        return f"{text} {self.hint}" if self.hint else text

    def with_owner(self, owner, argument=None):
        return ArgumentError(
            argument or self.argument, self.expected, self.received, owner, self.hint
        )


class UnknownArgumentError(TypeError, ValueError):
    """An unknown keyword argument. A TypeError like Python's own, and a ValueError
    as Keras raises for it, so either `except` clause catches it."""
