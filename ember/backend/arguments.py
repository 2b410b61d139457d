"""`passed`: a constructor's arguments by name, to hand on in one line.

Public classes keep Keras's explicit signatures (so `inspect.signature`,
defaults and help match Keras class by class); a class that only hands its
arguments to a shared base writes `super().__init__(rank=2, **passed(locals()))`
instead of listing every argument a second time.
"""


def passed(local_values: dict) -> dict:
    """The arguments a function was called with, from its `locals()`.

    Call it first thing in the function, before any other local variable
    exists: every local then is a parameter. `self` and `__class__` (present
    when the function uses `super()`) are left out, and a `**kwargs`
    parameter's entries are merged in.

    Example:

    >>> def f(self, a, b=2, **kwargs):
    ...     return passed(locals())
    >>> f(None, 1, c=3)
    {'a': 1, 'b': 2, 'c': 3}
    """
    arguments = {
        name: value
        for name, value in local_values.items()
        if name not in ("self", "__class__", "kwargs")
    }
    arguments.update(local_values.get("kwargs", {}))
    return arguments
