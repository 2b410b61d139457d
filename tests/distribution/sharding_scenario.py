"""One script for split variables, run as 2 processes by `torchrun` and as 1
in-process by `test_model_parallel.py`: the results must agree.

MODE is `model_parallel` (a (1, 2) mesh: Dense kernels and biases split by a
LayoutMap along "model", the data whole on both processes) or `fully_shard`
(`DataParallel(fully_shard=True)`: every variable split, the data split too).

Usage: python -m torch.distributed.run --nproc_per_node=2 sharding_scenario.py OUT MODE
"""

import json
import os
import sys

import numpy as np

import ember


def data():
    rng = np.random.RandomState(0)
    x = rng.normal(size=(64, 6)).astype("float32")
    y = (x @ rng.normal(size=(6, 4)) + 0.1 * rng.normal(size=(64, 4))).astype("float32")
    x_val = rng.normal(size=(21, 6)).astype("float32")
    y_val = rng.normal(size=(21, 4)).astype("float32")
    return x, y, x_val, y_val


def distribution(mode):
    devices = ember.distribution.list_devices("cpu")
    if mode == "model_parallel":
        mesh = ember.distribution.DeviceMesh((1, len(devices)), ["batch", "model"])
        layout_map = ember.distribution.LayoutMap(mesh)
        layout_map[".*dense.*kernel"] = (None, "model")
        layout_map[".*dense.*bias"] = ("model",)
        return ember.distribution.ModelParallel(layout_map=layout_map)
    return ember.distribution.DataParallel(fully_shard=True)


def build(mode):
    ember.utils.clear_session()  # the same layer names in any process
    ember.utils.set_random_seed(0)
    # Where the data is split, batch statistics are per process unless
    # `synchronized=True` (Keras's switch) reduces them across processes.
    norm = ember.layers.BatchNormalization(synchronized=mode == "fully_shard")
    model = ember.Sequential(
        [
            ember.Input((6,)),
            ember.layers.Dense(16, activation="relu"),
            norm,
            # A recurrent layer: its Orthogonal kernel is square, and the
            # fused kernel reads the cell's weights.
            ember.layers.Reshape((4, 4)),
            ember.layers.SimpleRNN(4, return_sequences=True),
            ember.layers.Flatten(),
            ember.layers.Dense(4),
        ]
    )
    model.compile(
        # Norm clipping needs whole gradients: the norms gather every shard.
        optimizer=ember.optimizers.Adam(0.01, clipnorm=1.0)
        if mode == "model_parallel"
        else ember.optimizers.Adam(0.01, global_clipnorm=1.0),
        loss="mse",
        metrics=["mae"],
    )
    return model


class _Stop(Exception):
    pass


class _StopAfter(ember.callbacks.Callback):
    def __init__(self, count):
        super().__init__()
        self.count, self.seen = count, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.count:
            raise _Stop


def main(out, mode):
    rank = int(os.environ.get("RANK", "0"))
    tag = f"rank{rank}" if "RANK" in os.environ else "single"
    os.makedirs(out, exist_ok=True)
    if tag != "single":
        ember.distribution.set_distribution(distribution(mode))
    x, y, x_val, y_val = data()
    model = build(mode)

    def fit(model, *callbacks):
        return model.fit(
            x,
            y,
            batch_size=16,  # the global batch
            epochs=3,
            shuffle=True,
            verbose=0,
            validation_data=(x_val, y_val),
            callbacks=list(callbacks),
        )

    history = fit(
        model, ember.callbacks.ModelCheckpoint(os.path.join(out, "checkpoint.keras"))
    )
    evaluated = model.evaluate(x_val, y_val, batch_size=8, verbose=0)
    predicted = model.predict(x_val, batch_size=8, verbose=0)
    model.save(os.path.join(out, f"{tag}.keras"))
    shards = {
        v.path: list(getattr(v, "_local_tensor", v).shape)
        for v in model.weights + model.optimizer.variables
    }
    np.savez(os.path.join(out, f"{tag}.npz"), *model.get_weights(), predicted=predicted)
    # Interrupted mid-epoch (4 steps an epoch, a backup every 3), then resumed
    # from the backup rank 0 wrote: the same weights as the run above.
    backup = os.path.join(out, "backup")
    try:
        fit(build(mode), ember.callbacks.BackupAndRestore(backup, 3), _StopAfter(7))
    except _Stop:
        pass
    resumed = build(mode)
    fit(resumed, ember.callbacks.BackupAndRestore(backup, 3))
    resumed_exactly = all(
        np.array_equal(a, b)
        for a, b in zip(model.get_weights(), resumed.get_weights(), strict=True)
    )
    refused = None
    if tag != "single":  # a model built before the distribution was set
        chosen = ember.distribution.distribution()
        ember.distribution.set_distribution(None)
        early = build(mode)
        ember.distribution.set_distribution(chosen)
        try:
            early.fit(x, y, batch_size=16, epochs=1, verbose=0)
        except ValueError as error:
            refused = str(error)
        factored = build(mode)  # Adafactor's statistics span whole variables
        factored.compile(optimizer="adafactor", loss="mse")
        try:
            factored.fit(x, y, batch_size=16, epochs=1, verbose=0)
        except ValueError as error:
            refused += "\n" + str(error)
    with open(os.path.join(out, f"{tag}.json"), "w") as f:
        json.dump(
            {
                "history": history.history,
                "evaluate": evaluated,
                "shards": shards,
                "refused": refused,
                "resumed_exactly": resumed_exactly,
            },
            f,
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
