"""Build a Dense network with ember and train it on data made here, the Keras way.

python examples/train_dense.py
"""

import numpy as np

import ember as keras
from ember import layers


def make_spirals(n_per_class=500, seed=0):
    """Two interleaved spirals: not linearly separable, easy for a small MLP."""
    rng = np.random.default_rng(seed)
    t = np.sqrt(rng.uniform(0.05, 1.0, n_per_class)) * 3 * np.pi
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (3 * np.pi)
    x = np.concatenate([arm, -arm]) + rng.normal(0, 0.06, (2 * n_per_class, 2))
    y = np.concatenate([np.zeros(n_per_class), np.ones(n_per_class)])
    order = rng.permutation(len(x))
    return x[order].astype("float32"), y[order].astype("int64")


def main(epochs=30, batch_size=32):
    keras.utils.set_random_seed(1337)
    x, y = make_spirals()
    split = int(0.8 * len(x))
    x_train, y_train, x_val, y_val = x[:split], y[:split], x[split:], y[split:]

    model = keras.Sequential(
        [
            keras.Input(shape=(2,)),
            layers.Dense(64, activation="relu"),
            layers.Dense(64, activation="relu"),
            layers.Dense(2, activation="softmax"),
        ]
    )
    model.summary()

    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-2),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(
        x_train,
        y_train,
        batch_size=batch_size,
        epochs=epochs,
        validation_data=(x_val, y_val),
        verbose=2,
    )
    _, accuracy = model.evaluate(x_val, y_val, verbose=0)
    print(f"validation accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    final = main()
    if final < 0.9:
        raise SystemExit(f"Training did not converge: val_accuracy={final:.4f}")
