"""One training script, run as 2 processes by `torchrun` and as 1 in-process by
`test_data_parallel.py`: their results must agree.

Usage: python -m torch.distributed.run --nproc_per_node=2 distributed_scenario.py OUT
"""

import json
import os
import sys

import numpy as np
import torch

import ember


def data():
    rng = np.random.RandomState(0)
    x = rng.normal(size=(96, 5)).astype("float32")
    y = (x @ rng.normal(size=(5, 2)) + 0.1 * rng.normal(size=(96, 2))).astype("float32")
    x_val = rng.normal(size=(37, 5)).astype("float32")  # 37: an uneven split
    y_val = rng.normal(size=(37, 2)).astype("float32")
    return x, y, x_val, y_val


class Pairs(torch.utils.data.Dataset):
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


class Custom(ember.Model):
    """A subclassed model (built by its first batch) with its own train_step:
    its gradients must be averaged across processes all the same."""

    def __init__(self):
        super().__init__()
        self.hidden = ember.layers.Dense(8, activation="tanh")
        self.head = ember.layers.Dense(2)

    def call(self, x):
        return self.head(self.hidden(x))

    def train_step(self, data):
        x, y = data
        y_pred = self(x, training=True)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred)
        self._loss_tracker.update_state(loss, sample_weight=x.shape[0])
        self.zero_grad()
        loss.backward()
        weights = self.trainable_weights
        with torch.no_grad():
            self.optimizer.apply([w.grad for w in weights], weights)
        return self.compute_metrics(x, y, y_pred)


def build():
    ember.utils.set_random_seed(0)
    model = ember.Sequential(
        [
            ember.Input((5,)),
            ember.layers.Dense(16, activation="relu"),
            ember.layers.Dense(2),
        ]
    )
    model.compile(optimizer=ember.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    return model


def main(out):
    rank = int(os.environ.get("RANK", "0"))
    tag = f"rank{rank}" if "RANK" in os.environ else "single"
    os.makedirs(out, exist_ok=True)
    stdout, sys.stdout = sys.stdout, open(os.path.join(out, f"{tag}.stdout"), "w")
    try:
        x, y, x_val, y_val = data()
        model = build()
        history = model.fit(
            x,
            y,
            batch_size=16,  # the global batch: 8 per process under 2 processes
            epochs=3,
            shuffle=True,
            verbose=2,
            validation_data=(x_val, y_val),
            callbacks=[
                ember.callbacks.CSVLogger(os.path.join(out, "log.csv")),  # one path
                ember.callbacks.CSVLogger(os.path.join(out, f"{tag}-{rank}.csv")),
            ],
        )
        evaluated = model.evaluate(x_val, y_val, batch_size=8, verbose=0)
        predicted = model.predict(x_val, batch_size=8, verbose=0)
        # A torch Dataset and a DataLoader (its batch_size is the global
        # batch too) go through the same split: two more epochs.
        model.fit(Pairs(x, y), batch_size=16, epochs=1, shuffle=False, verbose=0)
        loader = torch.utils.data.DataLoader(Pairs(x, y), batch_size=16)
        model.fit(loader, epochs=1, verbose=0)
        ember.utils.set_random_seed(1)
        custom = Custom()
        custom.compile(optimizer="sgd", loss="mse")
        custom.fit(x, y, batch_size=32, epochs=2, verbose=0)
        # The *_on_batch forms: each process passes its part of the batch.
        part = slice(0, 16)
        if "RANK" in os.environ:
            part = slice(8 * rank, 8 * rank + 8)
        small = build()
        on_batch = {
            "train": [
                small.train_on_batch(x[:16][part], y[:16][part], return_dict=True),
                small.train_on_batch(x[16:32][part], y[16:32][part], return_dict=True),
            ],
            "test": small.test_on_batch(x_val[:16][part], y_val[:16][part]),
        }
        on_batch_predicted = small.predict_on_batch(x_val[:16][part])
    finally:
        sys.stdout.close()
        sys.stdout = stdout
    np.savez(
        os.path.join(out, f"{tag}.npz"),
        *model.get_weights(),
        predicted=predicted,
        custom=np.concatenate([w.reshape(-1) for w in custom.get_weights()]),
        on_batch=np.concatenate([w.reshape(-1) for w in small.get_weights()]),
        on_batch_predicted=on_batch_predicted,
    )
    with open(os.path.join(out, f"{tag}.json"), "w") as f:
        json.dump(
            {"history": history.history, "evaluate": evaluated, "on_batch": on_batch},
            f,
        )


if __name__ == "__main__":
    main(sys.argv[1])
