"""The same Keras program on one process or several: data-parallel `fit` under torchrun.

    python examples/train_distributed.py                    # one process
    torchrun --nproc_per_node=2 examples/train_distributed.py   # two, one machine
    torchrun --nproc_per_node=2 examples/train_distributed.py --split model  # or fully

Nothing in the script changes between the two: launched by `torchrun`, `fit`,
`evaluate` and `predict` run data-parallel (DDP; gloo on CPUs, NCCL on GPUs), each
process trains on its share of every batch (`batch_size` is the global batch), the
metrics printed are global, and only rank 0 prints and writes files. A
`BackupAndRestore` callback makes the run resumable: kill it and start it again,
and it continues from the last backup.

`--split model` sets Keras's `ModelParallel` with a `LayoutMap` (the convolution's
and the dense layer's kernels split across the processes), `--split fully` sets
`DataParallel(fully_shard=True)` (every variable split, FSDP-style); the saved
`.keras` file is the same either way.

Data: MNIST from `../shared/data/mnist/` when present, else a synthetic task made
here (images whose label is the quadrant holding a bright square).
"""

import argparse
import os

import numpy as np

import ember as keras
from ember import layers

SHARED_MNIST = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "mnist"
)


def load_data(samples):
    if os.path.isdir(SHARED_MNIST):
        (x, y), (x_test, y_test) = keras.datasets.mnist.load_data(SHARED_MNIST)
        x, y, x_test, y_test = x[:samples], y[:samples], x_test[:2000], y_test[:2000]
    else:
        rng = np.random.default_rng(0)
        count = samples + 2000
        y_all = rng.integers(0, 4, count)
        x_all = rng.integers(0, 60, (count, 28, 28)).astype("uint8")
        for i, label in enumerate(y_all):
            row, col = divmod(int(label), 2)
            x_all[i, row * 14 + 3 : row * 14 + 11, col * 14 + 3 : col * 14 + 11] = 255
        x, y, x_test, y_test = (
            x_all[:samples],
            y_all[:samples],
            x_all[samples:],
            y_all[samples:],
        )
    scale = lambda a: (a.astype("float32") / 255.0)[..., None]  # noqa: E731
    return (scale(x), y.astype("int64")), (scale(x_test), y_test.astype("int64"))


def split_variables(kind):
    if kind == "fully":
        return keras.distribution.DataParallel(fully_shard=True)
    devices = keras.distribution.list_devices()  # one per process
    mesh = keras.distribution.DeviceMesh((1, len(devices)), ["batch", "model"], devices)
    layout_map = keras.distribution.LayoutMap(mesh)
    layout_map[".*conv2d.*kernel"] = (None, None, None, "model")
    layout_map[".*conv2d.*bias"] = ("model",)
    layout_map[".*dense.*kernel"] = ("model", None)
    return keras.distribution.ModelParallel(layout_map=layout_map)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=12000)
    parser.add_argument("--batch-size", type=int, default=128, help="global batch")
    parser.add_argument("--backup-dir", default="train_distributed_backup")
    parser.add_argument("--out", default="train_distributed.keras")
    parser.add_argument(
        "--split",
        choices=["none", "model", "fully"],
        default="none",
        help="split the variables across processes (set before building the model)",
    )
    args = parser.parse_args(argv)
    if args.split != "none":
        keras.distribution.set_distribution(split_variables(args.split))

    keras.utils.set_random_seed(1337)  # the same initial weights on every process
    (x, y), (x_test, y_test) = load_data(args.samples)
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(16, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    model.fit(
        x,
        y,
        batch_size=args.batch_size,
        epochs=args.epochs,
        validation_split=0.1,
        callbacks=[keras.callbacks.BackupAndRestore(args.backup_dir)],
        verbose=2,
    )
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    predictions = model.predict(x_test, verbose=0)  # every sample, in order
    processes = int(os.environ.get("WORLD_SIZE", "1"))  # set by torchrun
    if os.environ.get("RANK", "0") == "0":
        print(
            f"{processes} process(es): test accuracy {accuracy:.4f}, "
            f"loss {loss:.4f}, {len(predictions)} predictions"
        )
    model.save(args.out)  # rank 0 writes
    return accuracy


if __name__ == "__main__":
    main()
