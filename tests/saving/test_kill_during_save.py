"""Killing a process in the middle of `model.save` / `model.save_weights`
leaves the old file or the new one at the path, never a broken one.

A subprocess builds a model whose save takes tens of milliseconds, then for
each kill forks a saver that writes versions 1, 2, 3, ... of the model (each
version stamps its number into two biases, at the two ends of the file) to the
same path in a loop, announcing "start v" / "done v" on a pipe. The subprocess
SIGKILLs the saver at a seeded random moment, then loads the file at the path:
it must load, be one whole version (both biases agree, the fixed kernels are
intact), and be the last version whose save finished or the one being saved.

Forking the savers from one process keeps the test fast (importing ember once,
not once per kill); the saver is a separate process killed without warning,
exactly as a crash or `kill -9` would end a training run. The process that
does the forking sets one torch thread, so no thread pool crosses a fork.
"""

import json
import os
import re
import subprocess
import sys

import numpy as np

import ember

_KILLER = r"""
import json, os, random, signal, sys, time, traceback
import numpy as np
import torch
torch.set_num_threads(1)
import ember

folder, kills, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ember.utils.set_random_seed(0)
L = ember.layers


def build():
    return ember.Sequential(
        [ember.Input((256,)), L.Dense(1024, name="first"), L.Dense(1024),
         L.Dense(8, name="last")], name="big")


model, twin = build(), build()
kernels = [np.array(w) for w in model.get_weights()[0::2]]
rng = random.Random(seed)
report = []


def saver(path, mode, first_version, out, parent):
    version = first_version
    while os.getppid() == parent:  # never outlive the killer
        with torch.no_grad():
            model.get_layer("first").bias.fill_(version)
            model.get_layer("last").bias.fill_(version)
        os.write(out, b"start %d\n" % version)
        if mode == "save":
            model.save(path)
        else:
            model.save_weights(path)
        os.write(out, b"done %d\n" % version)
        version += 1


def loaded_version(path, mode):
    if mode == "save":
        restored = ember.models.load_model(path)
    else:
        twin.load_weights(path)
        restored = twin
    weights = restored.get_weights()
    for got, want in zip(weights[0::2], kernels):
        assert np.array_equal(got, want), "a kernel differs from the saved one"
    first, last = weights[1], weights[-1]
    assert (first == first[0]).all() and (last == last[0]).all(), "torn biases"
    assert first[0] == last[0], f"two versions mixed: {first[0]} and {last[0]}"
    return int(first[0])


for mode, name in (("save", "model.keras"), ("weights", "model.weights.h5")):
    path = os.path.join(folder, name)
    on_disk = None
    for round_ in range(kills):
        first_version = (round_ + 1) * 1000 + 1
        read, write = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            try:
                saver(path, mode, first_version, write, parent)
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(0)
        os.close(write)
        delay = rng.uniform(0.02, 0.5)
        if round_ == kills - 1:
            delay += 0.6  # a longer run: several files replaced, then a kill
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        events = b""
        while chunk := os.read(read, 65536):
            events += chunk
        os.close(read)
        events = events.decode().split()
        done = [int(v) for k, v in zip(events[::2], events[1::2]) if k == "done"]
        started = [int(v) for k, v in zip(events[::2], events[1::2]) if k == "start"]
        old = done[-1] if done else on_disk
        new = started[-1] if started else None
        mid_save = bool(started) and (not done or started[-1] != done[-1])
        entry = {"mode": mode, "delay": round(delay, 3), "old": old, "new": new,
                 "mid_save": mid_save, "saves": len(done)}
        if on_disk is None and not done and not os.path.exists(path):
            entry["loaded"] = None  # killed before the first file existed
        else:
            try:
                entry["loaded"] = loaded_version(path, mode)
            except Exception as error:
                entry["error"] = f"{type(error).__name__}: {error}"[:500]
            on_disk = entry.get("loaded", on_disk)
        report.append(entry)
print("REPORT " + json.dumps(report))
"""

_TEMPORARY = re.compile(r"^\.model\.(keras|weights\.h5)\.[A-Za-z0-9_]+\.tmp$")


def test_a_killed_save_leaves_the_old_or_the_new_file(tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    scratch = tmp_path / "tmp"  # the system temp folder of the savers
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": os.fspath(scratch)}
    result = subprocess.run(
        [sys.executable, "-c", _KILLER, os.fspath(folder), "4", "20261204"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    line = [x for x in result.stdout.splitlines() if x.startswith("REPORT ")][-1]
    report = json.loads(line[len("REPORT ") :])
    assert len(report) == 8
    for entry in report:
        assert "error" not in entry, entry
        if entry["loaded"] is not None:
            assert entry["loaded"] in (entry["old"], entry["new"]), entry
    for mode in ("save", "weights"):
        kills = [e for e in report if e["mode"] == mode]
        # The kills did land inside saves, and files were replaced meanwhile.
        assert any(e["mid_save"] for e in kills), kills
        assert kills[-1]["saves"] >= 1, kills

    # What remains: the two files, plus (a SIGKILL runs no cleanup) the
    # temporary file and staging folder of interrupted saves, which are
    # hidden, named after the file, end in `.tmp` and are never read as a
    # model; nothing is left in the system temp folder.
    names = sorted(os.listdir(folder))
    assert "model.keras" in names and "model.weights.h5" in names
    stray = [n for n in names if n not in ("model.keras", "model.weights.h5")]
    assert stray and all(_TEMPORARY.match(n) for n in stray), stray
    assert not [n for n in os.listdir(scratch) if n.startswith("ember")]

    # This process, which never wrote them, reads the surviving files too.
    restored = ember.models.load_model(folder / "model.keras")
    first, last = restored.get_weights()[1], restored.get_weights()[-1]
    assert np.all(first == first[0]) and first[0] == last[0]
    assert int(first[0]) == [e for e in report if e["mode"] == "save"][-1]["loaded"]
