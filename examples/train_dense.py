"""Build a Dense network with ember and train it on data made here.

Until `compile()`/`fit()` land, the training loop is plain PyTorch: an ember model
is an `nn.Module`, so any torch optimizer trains `model.trainable_weights`.

    python examples/train_dense.py
"""

import numpy as np
import torch

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

    optimizer = torch.optim.Adam(model.trainable_weights, lr=1e-2)
    x_train_t, y_train_t = torch.from_numpy(x_train), torch.from_numpy(y_train)
    for epoch in range(1, epochs + 1):
        order = torch.randperm(len(x_train_t))
        total = 0.0
        for start in range(0, len(order), batch_size):
            index = order[start : start + batch_size]
            probabilities = model(x_train_t[index], training=True)
            loss = torch.nn.functional.nll_loss(
                torch.log(probabilities.clamp_min(1e-7)), y_train_t[index]
            )
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(index)
        if epoch % 5 == 0 or epoch == 1:
            with torch.no_grad():
                predicted = model(torch.from_numpy(x_val)).argmax(dim=1).numpy()
            accuracy = float((predicted == y_val).mean())
            print(
                f"epoch {epoch:3d}  loss {total / len(x_train):.4f}  "
                f"val_accuracy {accuracy:.4f}"
            )
    return accuracy


if __name__ == "__main__":
    final = main()
    if final < 0.9:
        raise SystemExit(f"Training did not converge: val_accuracy={final:.4f}")
