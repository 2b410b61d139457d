"""Progbar: the same text as Keras 3's Progbar for the same updates and clock."""

import io
import re
import sys
import time

import numpy as np
import pytest
import torch
from conftest import keras_or_skip

from ember.utils.progbar import Progbar


class _Terminal(io.StringIO):
    def isatty(self):
        return True


class _Reads(torch.Tensor):
    """A tensor counting host reads of its value."""

    count = 0

    def __float__(self):
        _Reads.count += 1
        return float(self.as_subclass(torch.Tensor))


@pytest.fixture
def clock(monkeypatch):
    """A fake `time.time`: `clock.now` is advanced by the test."""

    class Clock:
        now = 1000.0

    monkeypatch.setattr(time, "time", lambda: Clock.now)
    return Clock


def _drive(cls, clock, updates, tty=True, **kwargs):
    """Feeds `updates` ((seconds, method, args...)) to a `cls(**kwargs)` bar and
    returns what it printed."""
    out = _Terminal() if tty else io.StringIO()
    saved, sys.stdout = sys.stdout, out
    try:
        clock.now = 1000.0
        bar = cls(**kwargs)
        for seconds, method, *args in updates:
            clock.now += seconds
            getattr(bar, method)(*args)
    finally:
        sys.stdout = saved
    return out.getvalue()


def _epoch(steps=100, seconds=0.013, metrics=("loss", "accuracy"), scale=1.0):
    return [
        (
            seconds * (1 + 3 * (i == 1)),  # a slow first step, as in real runs
            "update",
            i,
            [(name, scale * (k + 1) / (i + k)) for k, name in enumerate(metrics)],
        )
        for i in range(1, steps + 1)
    ]


_CASES = {
    "known-target": (_epoch(), dict(target=100)),
    "verbose-2": (_epoch(), dict(target=100, verbose=2)),
    "silent": (_epoch(), dict(target=100, verbose=0)),
    "unknown-target": (
        _epoch(12) + [(0.01, "update", 12, [("loss", 0.5)], True)],
        dict(target=None),
    ),
    "stateful": (_epoch(), dict(target=100, stateful_metrics=["loss"])),
    "stateless": (_epoch(), dict(target=100, stateless_metrics=["accuracy"])),
    "tiny-and-negative": (_epoch(scale=-1e-4), dict(target=100)),
    "tiny-verbose-2": (_epoch(scale=-1e-4), dict(target=100, verbose=2)),
    "eta-minutes": (_epoch(40, seconds=3.0), dict(target=40, interval=0.0)),
    "eta-hours": (_epoch(5, seconds=1500.0), dict(target=5, interval=0.0)),
    "microseconds": (_epoch(seconds=2e-5), dict(target=100, interval=0.0)),
    "width-unit": (_epoch(7, 0.2), dict(target=7, width=30, unit_name="sample")),
    "add": (
        [(0.1, "add", 8, [("loss", 0.5)]), (0.1, "add", 8, [("loss", 0.25)])]
        + [(0.1, "add", 4, [("loss", 0.125)])],
        dict(target=20),
    ),
    "no-finalize": (
        [(0.1, "update", 3, [("loss", 1.0)], False)] * 2,
        dict(target=3),
    ),
    "shrinking-line": (
        [(0.1, "update", 1, [("loss", 123456.0)]), (0.1, "update", 2, [("l", 1.0)])],
        dict(target=2),
    ),
    "numpy-values": (
        [(0.1, "update", i, [("loss", np.array([0.5, i]))]) for i in (1, 2)],
        dict(target=2),
    ),
}


@pytest.mark.parametrize("updates, kwargs", _CASES.values(), ids=_CASES.keys())
def test_same_text_as_keras_on_a_terminal(clock, updates, kwargs):
    keras = keras_or_skip()
    expected = _drive(keras.utils.Progbar, clock, updates, **kwargs)
    assert _drive(Progbar, clock, updates, **kwargs) == expected


@pytest.mark.parametrize(
    "case", ["known-target", "unknown-target", "stateful", "eta-hours", "add"]
)
def test_one_line_per_bar_when_not_interactive(clock, case):
    keras = keras_or_skip()
    updates, kwargs = _CASES[case]
    text = _drive(Progbar, clock, updates, tty=False, **kwargs)
    # Keras redraws on any POSIX system; its final redraw is the line a log
    # should get once, without the codes that move back over the old one.
    final = _drive(keras.utils.Progbar, clock, updates, **kwargs).split("\r")[-1]
    assert "\r" not in text and "\b" not in text
    assert text == final.rstrip("\n").rstrip(" ") + "\n"


def test_nothing_before_the_end_when_not_interactive(clock):
    updates, kwargs = _CASES["known-target"]
    assert _drive(Progbar, clock, updates[:-1], tty=False, **kwargs) == ""


def test_verbose_2_prints_one_summary_line(clock):
    text = _drive(Progbar, clock, *_CASES["verbose-2"][:1], target=100, verbose=2)
    assert text.count("\n") == 1 and text.startswith("100/100 - ")
    assert " - loss: 0.0100 - accuracy: 0.0198\n" in text


def test_redraws_at_most_every_interval(clock):
    text = _drive(Progbar, clock, _epoch(100, seconds=0.01), target=100)
    # 1.03 s in all, a redraw at most every 0.05 s, plus the final one.
    assert 15 <= text.count("\r") <= 22


def test_device_values_are_read_only_when_printed(clock):
    def updates():
        value = torch.tensor(0.5).as_subclass(_Reads)
        return [(0.01, "update", i, [("loss", value)]) for i in range(1, 101)]

    _Reads.count = 0
    text = _drive(Progbar, clock, updates(), stateless_metrics=[], target=100)
    assert _Reads.count == text.count("\r")
    _Reads.count = 0
    _drive(Progbar, clock, updates(), tty=False, stateless_metrics=[], target=100)
    assert _Reads.count == 1


def test_averaged_device_values(clock):
    keras = keras_or_skip()
    updates = [(0.1, "update", i, [("loss", torch.tensor(1.0 / i))]) for i in (1, 3, 4)]
    floats = [(s, m, i, [(k, float(v)) for k, v in vals]) for s, m, i, vals in updates]
    expected = _drive(keras.utils.Progbar, clock, floats, target=5)
    assert _drive(Progbar, clock, updates, target=5) == expected


def test_stateful_and_stateless_together_is_an_error():
    with pytest.raises(ValueError, match="not both"):
        Progbar(10, stateful_metrics=["a"], stateless_metrics=["b"])


def test_falls_back_to_ascii_bar(clock):
    keras = keras_or_skip()
    outputs = []
    for cls in (keras.utils.Progbar, Progbar):
        raw = io.BytesIO()
        stream = io.TextIOWrapper(raw, encoding="ascii", write_through=True)
        saved, sys.stdout = sys.stdout, stream
        try:
            clock.now = 1000.0
            cls(target=2).update(2, [("loss", 0.5)])
        finally:
            sys.stdout = saved
        outputs.append(raw.getvalue())
    # A BytesIO is no terminal: ember writes Keras's final line once.
    assert outputs[1] == outputs[0].split(b"\r")[-1]
    assert b"====" in outputs[1]


def test_a_line_by_hand(clock):
    # 12 steps in 0.144 s: 12 ms/step, 88 steps left: 1 s. 12% of 20 cells: 2.
    updates = [(0.144, "update", 12, [("accuracy", 0.91234), ("loss", 0.23449)])]
    text = _drive(Progbar, clock, updates, target=100)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert (
        plain
        == "\r 12/100 " + "━" * 20 + " 1s 12ms/step - accuracy: 0.9123 - loss: 0.2345"
    )
