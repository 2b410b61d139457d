"""`set_weight_settings`: a layer's initializers, regularizers and
constraints, resolved from its constructor arguments in one call."""

from ember import constraints, initializers, regularizers

_RESOLVERS = (
    ("initializer", initializers.get),
    ("regularizer", regularizers.get),
    ("constraint", constraints.get),
)


def set_weight_settings(layer, arguments, parts) -> None:
    """Sets `<part>_initializer`, `<part>_regularizer` and `<part>_constraint`
    on `layer` for each of `parts` (e.g. `("kernel", "bias")`), each resolved
    from its name, config or object as Keras does.

    Args:
        layer: The layer being constructed.
        arguments: Its constructor arguments by name (`passed(locals())`).
        parts: The weights the settings are for.
    """
    for part in parts:
        for kind, resolve in _RESOLVERS:
            name = f"{part}_{kind}"
            setattr(layer, name, resolve(arguments[name]))
