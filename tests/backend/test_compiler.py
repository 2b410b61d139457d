"""ember's torch.compiler markers: same effect as torch's, no torch._dynamo at import."""

import subprocess
import sys

import torch

from ember.backend import compiler


def test_import_ember_does_not_load_the_compiler():
    code = "import sys, ember; print('torch._dynamo' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_assume_constant_result_sets_torchs_marker():
    def ours():
        return 1

    def theirs():
        return 1

    compiler.assume_constant_result(ours)
    torch.compiler.assume_constant_result(theirs)
    marked = {k: v for k, v in vars(theirs).items()}
    assert marked and vars(ours) == marked


def test_disable_breaks_the_graph_and_keeps_eager_calls_direct():
    calls = []

    @compiler.disable
    def host_side(x):
        calls.append(torch.compiler.is_compiling())
        return x + 1

    def fn(x):
        return host_side(x * 2) * 3

    x = torch.arange(3.0)
    assert torch.equal(fn(x), (x * 2 + 1) * 3)
    assert calls == [False]

    from torch import _dynamo

    _dynamo.reset()
    explained = _dynamo.explain(fn)(x)
    assert explained.graph_break_count >= 1
    assert torch.equal(torch.compile(fn)(x), (x * 2 + 1) * 3)
    assert not any(calls[1:])  # never run inside a traced graph
