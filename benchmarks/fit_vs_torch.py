"""ember's `fit()` against a hand-written PyTorch loop (and Keras 3 when installed).

Same model, data, batch size and optimizer; ember and the torch loops run in one
process with their epochs interleaved, Keras 3 in a child process (it needs
KERAS_BACKEND at import). Reports the median steady-state epoch time of each (the
first epoch, which warms caches, is left out) and the ratios to the fastest torch
loop.

    python benchmarks/fit_vs_torch.py [--epochs 4] [--threads 2] [--workloads mlp,cnn,lstm]

Workloads (those of the training issue):
- mlp:  Dense 784-256-256-10 on 784-dim inputs, Adam, sparse crossentropy.
- cnn:  the MNIST convnet (Conv2D 32 -> MaxPool -> Conv2D 64 -> MaxPool -> Flatten ->
        Dropout -> Dense 10) on 28x28x1 images; torch uses NCHW, as people write it.
- lstm: Embedding(10000, 64) -> LSTM(64) -> Dense(1) on sequences of 80 tokens,
        binary crossentropy from logits.

Two torch loops are timed: Adam as torch picks it by default (on the CPU, the
per-tensor loop) and with `fused=True` (its fastest kernel, which ember uses).
"""

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch

# ---------------------------------------------------------------- workloads


class MLP:
    title = "MLP 784-256-256-10, 12800 samples, batch 128, Adam"
    batch = 128

    @staticmethod
    def data(seed=0):
        rng = np.random.default_rng(seed)
        x = rng.normal(size=(12_800, 784)).astype("float32")
        w = rng.normal(size=(784, 10)).astype("float32")
        return x, (x @ w).argmax(axis=1).astype("int64")

    @staticmethod
    def torch_model():
        return torch.nn.Sequential(
            torch.nn.Linear(784, 256),
            torch.nn.ReLU(),
            torch.nn.Linear(256, 256),
            torch.nn.ReLU(),
            torch.nn.Linear(256, 10),
        )

    torch_loss = torch.nn.CrossEntropyLoss

    @staticmethod
    def torch_x(x):
        return torch.from_numpy(x)

    @staticmethod
    def torch_y(y):
        return torch.from_numpy(y)

    @staticmethod
    def keras_model(keras):
        layers = keras.layers
        model = keras.Sequential(
            [
                keras.Input(shape=(784,)),
                layers.Dense(256, activation="relu"),
                layers.Dense(256, activation="relu"),
                layers.Dense(10),
            ]
        )
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        return model, loss


class CNN:
    title = "MNIST convnet on 28x28x1, 6144 samples, batch 128, Adam"
    batch = 128

    @staticmethod
    def data(seed=0):
        rng = np.random.default_rng(seed)
        x = rng.random(size=(6_144, 28, 28, 1)).astype("float32")
        y = (x[:, :14].mean(axis=(1, 2, 3)) * 10 % 10).astype("int64")
        return x, y

    @staticmethod
    def torch_model():
        nn = torch.nn
        return nn.Sequential(
            nn.Conv2d(1, 32, 3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Dropout(0.5),
            nn.Linear(64 * 5 * 5, 10),
        )

    torch_loss = torch.nn.CrossEntropyLoss

    @staticmethod
    def torch_x(x):
        # The hand-written loop keeps torch's own NCHW layout.
        return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))

    @staticmethod
    def torch_y(y):
        return torch.from_numpy(y)

    @staticmethod
    def keras_model(keras):
        layers = keras.layers
        model = keras.Sequential(
            [
                keras.Input(shape=(28, 28, 1)),
                layers.Conv2D(32, 3, activation="relu"),
                layers.MaxPooling2D(2),
                layers.Conv2D(64, 3, activation="relu"),
                layers.MaxPooling2D(2),
                layers.Flatten(),
                layers.Dropout(0.5),
                layers.Dense(10),
            ]
        )
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        return model, loss


class _TorchLSTM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(10_000, 64)
        self.lstm = torch.nn.LSTM(64, 64, batch_first=True)
        self.head = torch.nn.Linear(64, 1)

    def forward(self, x):
        _, (h, _) = self.lstm(self.embedding(x))
        return self.head(h[-1])


class LSTM:
    title = "Embedding(10000, 64) + LSTM(64) + Dense(1), 80 tokens, 4096 samples, batch 64, Adam"
    batch = 64

    @staticmethod
    def data(seed=0):
        rng = np.random.default_rng(seed)
        x = rng.integers(1, 10_000, size=(4_096, 80)).astype("int64")
        y = (x[:, :5].mean(axis=1) > 5_000).astype("float32")[:, None]
        return x, y

    torch_model = _TorchLSTM
    torch_loss = torch.nn.BCEWithLogitsLoss

    @staticmethod
    def torch_x(x):
        return torch.from_numpy(x)

    @staticmethod
    def torch_y(y):
        return torch.from_numpy(y)

    @staticmethod
    def keras_model(keras):
        layers = keras.layers
        model = keras.Sequential(
            [
                keras.Input(shape=(80,), dtype="int64"),
                layers.Embedding(10_000, 64),
                layers.LSTM(64),
                layers.Dense(1),
            ]
        )
        return model, keras.losses.BinaryCrossentropy(from_logits=True)


WORKLOADS = {"mlp": MLP, "cnn": CNN, "lstm": LSTM}

# ------------------------------------------------------------------ runners


def torch_loop(workload, x, y, fused):
    model = workload.torch_model()
    optimizer = torch.optim.Adam(
        model.parameters(), lr=1e-3, eps=1e-7, fused=True if fused else None
    )
    loss_fn = workload.torch_loss()
    xt, yt = workload.torch_x(x), workload.torch_y(y)
    batch = workload.batch

    def run_epoch():
        model.train()
        order = torch.randperm(len(xt))
        total = torch.zeros(())
        for start in range(0, len(xt), batch):
            index = order[start : start + batch]
            loss = loss_fn(model(xt[index]), yt[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.detach()
        return float(total)

    return run_epoch


def keras_like_fit(keras, workload, x, y):
    model, loss = workload.keras_model(keras)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss)
    return lambda: model.fit(x, y, batch_size=workload.batch, epochs=1, verbose=0)


def epoch_times(run_epoch, epochs):
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        run_epoch()
        times.append(time.perf_counter() - start)
    return times[1:]  # the first epoch warms up


def interleaved_epoch_times(runners, epochs):
    """Alternates one epoch of each runner, so that drifts in the machine's speed
    (other processes, clocks) hit all of them alike; drops the warm-up epoch."""
    times = {name: [] for name in runners}
    for _ in range(epochs):
        for name, run_epoch in runners.items():
            start = time.perf_counter()
            run_epoch()
            times[name].append(time.perf_counter() - start)
    return {name: values[1:] for name, values in times.items()}


def run_keras(name, epochs, threads):
    """Keras 3 runs in a child process: it must be imported with KERAS_BACKEND set."""
    here = os.path.dirname(os.path.abspath(__file__))
    code = (
        f"import sys, json, torch; torch.set_num_threads({threads}); "
        f"sys.path.insert(0, {here!r}); import fit_vs_torch as b, keras; "
        f"w = b.WORKLOADS[{name!r}]; x, y = w.data(); "
        f"print(json.dumps(b.epoch_times(b.keras_like_fit(keras, w, x, y), {epochs})))"
    )
    env = dict(os.environ, KERAS_BACKEND="torch")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    )
    if out.returncode != 0:
        print(f"  (Keras 3 failed on {name}: {out.stderr.strip().splitlines()[-1]})")
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def import_times():
    """Seconds to import torch, and ember (torch included), each in a fresh process."""
    code = (
        "import time; t = time.perf_counter(); import {}; "
        "print(time.perf_counter() - t)"
    )
    return tuple(
        float(
            subprocess.run(
                [sys.executable, "-c", code.format(module)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for module in ("torch", "ember")
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workloads", default="mlp,cnn,lstm")
    parser.add_argument("--no-keras", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    import_seconds = import_times()
    import ember

    with_keras = not args.no_keras and importlib.util.find_spec("keras") is not None
    print(
        f"{args.threads} threads; median of {args.epochs - 1} steady epochs; "
        "ratios to the fused-Adam torch loop"
    )
    for name in args.workloads.split(","):
        workload = WORKLOADS[name]
        x, y = workload.data()
        torch.manual_seed(0)
        results = interleaved_epoch_times(
            {
                "torch loop (fused Adam)": torch_loop(workload, x, y, fused=True),
                "torch loop (default Adam)": torch_loop(workload, x, y, fused=False),
                "ember fit": keras_like_fit(ember, workload, x, y),
            },
            args.epochs,
        )
        if with_keras:
            keras_times = run_keras(name, args.epochs, args.threads)
            if keras_times is not None:
                results["keras 3 fit"] = keras_times
        base = np.median(results["torch loop (fused Adam)"])
        print(f"\n{name}: {workload.title}")
        print(f"  {'':27s}{'epoch s':>9s}{'ratio':>8s}")
        for runner, times in results.items():
            median = float(np.median(times))
            print(f"  {runner:27s}{median:9.3f}{median / base:7.2f}x")
    torch_s, ember_s = import_seconds
    print(
        f"\nimport torch: {torch_s:.2f} s; import ember: {ember_s:.2f} s (torch included)"
    )


if __name__ == "__main__":
    main()
