"""A training run with BackupAndRestore, killed and rerun by the resume tests
(`test_backup_and_restore.py` as one process, and under torchrun as two by
`tests/distribution/test_backup_and_restore_distributed.py`).

Usage: resume_script.py BACKUP_DIR|- OUT BATCH_SIZE SAVE_FREQ
Writes OUT.npz/.json (OUT-<rank>.* under torchrun). Rank 0 prints "step"
after each batch. KILL_AT_REPLACE=n: rank 0 SIGKILLs itself at its n-th
`os.replace`, i.e. inside a save (each backup renames its weights, its state,
then checkpoint.json).
"""

import json
import os
import signal
import sys

import numpy as np
import torch

torch.set_num_threads(1)
import ember  # noqa: E402

backup_dir, out = sys.argv[1], sys.argv[2]
batch_size, save_freq = int(sys.argv[3]), int(sys.argv[4])
rank = int(os.environ.get("RANK", "0"))
if "RANK" in os.environ:
    out = f"{out}-{rank}"
kill_at = int(os.environ.get("KILL_AT_REPLACE", "0"))
if kill_at and rank == 0:
    replace, calls = os.replace, [0]

    def killing_replace(source, target):
        calls[0] += 1
        if calls[0] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return replace(source, target)

    os.replace = killing_replace


class Progress(ember.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if rank == 0:
            print("step", flush=True)


ember.utils.set_random_seed(7)
rs = np.random.RandomState(0)
x = rs.rand(120, 5).astype("float32")
y = (x.sum(axis=1, keepdims=True) > 2.5).astype("float32")
model = ember.Sequential(
    [
        ember.Input((5,)),
        ember.layers.Dense(12, activation="relu"),
        ember.layers.Dropout(0.25, seed=11),
        ember.layers.Dense(1, activation="sigmoid"),
    ]
)
model.compile(ember.optimizers.Adam(0.01), "binary_crossentropy", metrics=["accuracy"])
callbacks = [Progress()]
if backup_dir != "-":
    callbacks.insert(
        0, ember.callbacks.BackupAndRestore(backup_dir, save_freq=save_freq)
    )
history = model.fit(
    x, y, batch_size=batch_size, epochs=3, shuffle=True, verbose=0, callbacks=callbacks
)
np.savez(out, *model.get_weights())
with open(out + ".json", "w") as f:
    json.dump({"epoch": history.epoch, "history": history.history}, f)
