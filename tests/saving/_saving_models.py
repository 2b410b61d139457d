"""Models shared by the saving tests: the registered subclassed model of the
Keras interop files, in ember and in Keras."""

import ember


@ember.saving.register_keras_serializable(package="interop")
class SubclassedMLP(ember.Model):
    def __init__(self, hidden=16, out_dim=3, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.out_dim = out_dim
        self.d1 = ember.layers.Dense(hidden, activation="relu")
        self.bn = ember.layers.BatchNormalization()
        self.d2 = ember.layers.Dense(out_dim)

    def call(self, x, training=False):
        return self.d2(self.bn(self.d1(x), training=training))

    def get_config(self):
        config = super().get_config()
        config.update({"hidden": self.hidden, "out_dim": self.out_dim})
        return config


def keras_subclassed_mlp(keras):
    """The same class in Keras, registered under the same name."""
    name = "interop>SubclassedMLP"
    existing = keras.saving.get_registered_object(name)
    if existing is not None:
        return existing

    @keras.saving.register_keras_serializable(package="interop")
    class SubclassedMLP(keras.Model):
        def __init__(self, hidden=16, out_dim=3, **kwargs):
            super().__init__(**kwargs)
            self.hidden = hidden
            self.out_dim = out_dim
            self.d1 = keras.layers.Dense(hidden, activation="relu")
            self.bn = keras.layers.BatchNormalization()
            self.d2 = keras.layers.Dense(out_dim)

        def call(self, x, training=False):
            return self.d2(self.bn(self.d1(x), training=training))

        def get_config(self):
            config = super().get_config()
            config.update({"hidden": self.hidden, "out_dim": self.out_dim})
            return config

    return SubclassedMLP
