"""`Progbar`: the progress bar `fit`, `evaluate` and `predict` print.

The text is Keras 3's, character for character:

    12/100 ━━━━━━━━━━━━━━━━━━━━ 2s 12ms/step - accuracy: 0.9123 - loss: 0.2345

When stdout is interactive (a terminal, a notebook) the bar redraws in place with
`\\r` at most every `interval` seconds. When it is not (a file, a CI log) redrawing
would fill the log with partial bars, so verbose=1 prints one line per bar, when
it finalizes. verbose=2 prints only that final summary line, in either case.

Values may be numbers, NumPy arrays or torch tensors on any device. They are kept
as given and read (a host sync for a device tensor) only when a line is printed.
"""

import math
import os
import re
import sys
import time

import numpy as np
import torch

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_BOLD, _GREEN, _GREY, _RESET = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"


def print_msg(message, line_break=True):
    """Writes `message` to stdout and flushes, as Keras's interactive logging does.

    A stdout whose encoding cannot show the bar's `━` gets `=` instead.
    """
    message = f"{message}\n" if line_break else str(message)
    try:
        sys.stdout.write(message)
    except UnicodeEncodeError:
        encoding = sys.stdout.encoding or "utf-8"
        message = message.replace("━", "=").encode(encoding, errors="ignore")
        sys.stdout.write(message.decode(encoding))
    sys.stdout.flush()


def _is_interactive():
    stdout_is_tty = hasattr(sys.stdout, "isatty") and sys.stdout.isatty()
    return stdout_is_tty or "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ


def _as_number(value):
    """The mean of `value` as a Python float; this is where a device tensor syncs."""
    if isinstance(value, float):
        return value
    if isinstance(value, torch.Tensor):
        value = value.detach()
        if value.numel() != 1:
            value = value.double().mean()
        return float(value)
    return float(np.mean(value))


def _format_metric(avg, always_abs=True):
    # Keras prints small magnitudes in scientific notation; the verbose=2 line
    # compares the signed value, so negative values are scientific there.
    small = abs(avg) <= 1e-3 if always_abs else avg <= 1e-3
    return f" {avg:.4e}" if small else f" {avg:.4f}"


def _format_eta(eta):
    if eta > 3600:
        hours, minutes, seconds = eta // 3600, (eta % 3600) // 60, eta % 60
        return f"{int(hours)}:{int(minutes):02d}:{int(seconds):02d}"
    if eta > 60:
        return f"{int(eta // 60)}:{int(eta % 60):02d}"
    return f"{int(eta)}s"


def _count(current, target):
    """`current/target`, `current` right-aligned to the width of `target`."""
    digits = int(math.log10(target)) + 1
    return f"{int(current):{digits}d}/{int(target)}"


def _format_time(time_per_unit, unit_name):
    if time_per_unit >= 1 or time_per_unit == 0:
        return f" {time_per_unit:.0f}s/{unit_name}"
    if time_per_unit >= 1e-3:
        return f" {time_per_unit * 1e3:.0f}ms/{unit_name}"
    return f" {time_per_unit * 1e6:.0f}us/{unit_name}"


class Progbar:
    """Displays a progress bar.

    Metrics are averaged over the steps seen (weighted by the steps each update
    covers) unless they are named in `stateful_metrics`, which are shown as
    given. Passing `stateless_metrics` instead flips the default: only the
    metrics it names are averaged. When neither is given, every metric is
    averaged. The update that finalizes the bar shows the values it is given.

    Args:
        target: Total number of steps expected, or `None` if unknown.
        width: Width of the bar, in characters. Defaults to `20`.
        verbose: 0 (silent), 1 (a bar) or 2 (one summary line at the end).
            Defaults to `1`.
        interval: Minimum time between redraws, in seconds. Defaults to `0.05`.
        stateful_metrics: Names of metrics shown as given rather than averaged.
            Defaults to `None`.
        stateless_metrics: Names of the only metrics to average; excludes
            `stateful_metrics`. Defaults to `None`.
        unit_name: What a step counts, shown as e.g. `12ms/step`. Defaults to
            `"step"`.

    Example:

    ```python
    bar = Progbar(target=100)
    for step in range(1, 101):
        loss = train_one_step()
        bar.update(step, values=[("loss", loss)])
    ```
    """

    def __init__(
        self,
        target,
        width=20,
        verbose=1,
        interval=0.05,
        stateful_metrics=None,
        stateless_metrics=None,
        unit_name="step",
    ):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "`Progbar` takes `stateful_metrics` (names shown as given; the "
                "rest are averaged) or `stateless_metrics` (names averaged; the "
                "rest are shown as given), not both. Received: "
                f"stateful_metrics={stateful_metrics}, "
                f"stateless_metrics={stateless_metrics}."
            )
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        if stateless_metrics is not None:
            self.stateful_metrics = None
            self.stateless_metrics = set(stateless_metrics)
        else:
            self.stateful_metrics = set(stateful_metrics or ())
            self.stateless_metrics = None
        self._dynamic_display = _is_interactive()
        self._seen_so_far = 0
        # name -> [sum of value * steps, steps]; the order of first appearance.
        self._values = {}
        self._values_order = []
        self._start = time.time()
        self._last_update = 0
        self._time_after_first_step = None
        self._prev_total_width = 0

    def update(self, current, values=None, finalize=None):
        """Updates the bar to step `current`.

        Args:
            current: Index of the current step (1-based: the steps done).
            values: List of `(name, value)` pairs for the last step(s).
            finalize: Whether this is the last update. Defaults to
                `current >= target` (never when the target is unknown).
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or ():
            self._record(name, value, current, finalize)
        self._seen_so_far = current

        now = time.time()
        time_per_unit = self._estimate_step_duration(current, now)
        if self.verbose == 1:
            if not finalize and (
                not self._dynamic_display or now - self._last_update < self.interval
            ):
                return
            self._print_bar(current, now, time_per_unit, finalize)
        elif self.verbose == 2 and finalize and (self.target or 0) > 0:
            self._print_summary(current, now, time_per_unit)
        self._last_update = now

    def add(self, n, values=None):
        """Advances the bar by `n` steps."""
        self.update(self._seen_so_far + n, values)

    def _record(self, name, value, current, finalize):
        if isinstance(value, torch.Tensor):
            value = value.detach()  # averaging must not extend an autograd graph
        if name not in self._values:
            self._values_order.append(name)
        if self.stateful_metrics is not None:
            averaged = name not in self.stateful_metrics
        else:
            averaged = name in self.stateless_metrics
        if not averaged or finalize:
            # A final value replaces the running mean: after an epoch whose
            # target was unknown, the last batch and the epoch end both report.
            self._values[name] = [value, 1]
            return
        steps = max(current - self._seen_so_far, 1)
        if name in self._values:
            self._values[name][0] += value * steps
            self._values[name][1] += steps
        else:
            self._values[name] = [value * steps, steps]

    def _average(self, name):
        total, steps = self._values[name]
        return _as_number(total) / max(1, steps)

    def _print_bar(self, current, now, time_per_unit, finalize):
        known = self.target is not None and self.target > 0
        if known:
            done = int(self.width * (float(current) / self.target))
            bar = f"{_BOLD}{_count(current, self.target)}{_RESET} "
            if done > 0:
                bar += f"{_GREEN}{'━' * done}{_RESET}"
            bar += f"{_GREY}{'━' * (self.width - done)}{_RESET}"
        else:
            bar = f"{int(current):7d}/Unknown"
        if known and not finalize:
            clock = _format_eta(time_per_unit * (self.target - current))
        else:
            clock = f"{now - self._start:.0f}s"
        info = f" {_BOLD}{clock}{_RESET}" + _format_time(time_per_unit, self.unit_name)
        for name in self._values_order:
            info += f" - {name}:" + _format_metric(self._average(name))

        line = bar + info
        width = len(_ANSI.sub("", line))
        if self._dynamic_display:
            # Back over the previous line, then pad so no old text shows through.
            prefix = "\b" * self._prev_total_width + "\r"
            line = prefix + line + " " * max(0, self._prev_total_width - width)
        if finalize:
            line += "\n"
        print_msg(line, line_break=False)
        self._prev_total_width = width

    def _print_summary(self, current, now, time_per_unit):
        line = _count(current, self.target)
        line += f" - {now - self._start:.0f}s"
        line += " -" + _format_time(time_per_unit, self.unit_name)
        for name in self._values_order:
            avg = self._average(name)
            line += f" - {name}:" + _format_metric(avg, always_abs=False)
        print_msg(line)

    def _estimate_step_duration(self, current, now):
        """Seconds per step; the first step (often slow: warm-up) is left out once
        later steps exist."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            time_per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            time_per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return time_per_unit
