"""ember's `fit()` against a hand-written PyTorch loop (and Keras 3 when installed).

Same model, data, batch size and optimizer; ember and the torch loop run in one
process with their epochs interleaved, Keras 3 in a child process (it needs
KERAS_BACKEND at import). Reports the median steady-state epoch time of each (the
first epoch, which warms caches, is left out) and the ratios to the torch loop.

    python benchmarks/fit_vs_torch.py [--epochs 4] [--threads 2]

Models: an MLP on 784-dim inputs. The small CNN and Embedding+LSTM models of the
training issue join once Conv2D and LSTM land (the layers issue).
"""

import argparse
import importlib.util
import os
import subprocess
import sys
import time

import numpy as np
import torch

SAMPLES, FEATURES, CLASSES, BATCH = 12_800, 784, 10, 128


def make_data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(SAMPLES, FEATURES)).astype("float32")
    w = rng.normal(size=(FEATURES, CLASSES)).astype("float32")
    y = (x @ w).argmax(axis=1).astype("int64")
    return x, y


def epoch_times(run_epoch, epochs):
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        run_epoch()
        times.append(time.perf_counter() - start)
    return times[1:]  # the first epoch warms up


def torch_loop(x, y):
    model = torch.nn.Sequential(
        torch.nn.Linear(FEATURES, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, CLASSES),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, foreach=True)
    loss_fn = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def run_epoch():
        order = torch.randperm(len(xt))
        total = torch.zeros(())
        for start in range(0, len(xt), BATCH):
            index = order[start : start + BATCH]
            loss = loss_fn(model(xt[index]), yt[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.detach()
        return float(total)

    return run_epoch


def keras_like_fit(keras, x, y):
    model = keras.Sequential(
        [
            keras.Input(shape=(FEATURES,)),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(CLASSES),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return lambda: model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)


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


def run_keras(epochs, threads):
    """Keras 3 runs in a child process: it must be imported with KERAS_BACKEND set."""
    here = os.path.dirname(os.path.abspath(__file__))
    code = (
        f"import sys, json, torch; torch.set_num_threads({threads}); "
        f"sys.path.insert(0, {here!r}); import fit_vs_torch as b, keras; "
        f"x, y = b.make_data(); print(json.dumps(b.epoch_times(b.keras_like_fit(keras, x, y), {epochs})))"
    )
    env = dict(os.environ, KERAS_BACKEND="torch")
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    start = time.perf_counter()
    import ember

    import_seconds = time.perf_counter() - start
    x, y = make_data()
    torch.manual_seed(0)
    results = interleaved_epoch_times(
        {"torch loop": torch_loop(x, y), "ember fit": keras_like_fit(ember, x, y)},
        args.epochs,
    )
    if importlib.util.find_spec("keras") is not None:
        results["keras 3 fit"] = run_keras(args.epochs, args.threads)

    base = np.median(results["torch loop"])
    print(
        f"MLP 784-256-256-10, {SAMPLES} samples, batch {BATCH}, Adam, "
        f"{args.threads} threads; median of {args.epochs - 1} steady epochs"
    )
    print(f"{'':14s}{'epoch s':>10s}{'vs torch':>10s}")
    for name, times in results.items():
        median = float(np.median(times))
        print(f"{name:14s}{median:10.3f}{median / base:10.2f}x")
    print(f"import ember: {import_seconds:.2f} s (torch included)")


if __name__ == "__main__":
    main()
