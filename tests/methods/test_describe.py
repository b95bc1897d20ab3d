"""`describe` counts torch FLOPs and thop MACs on one shared forward pass: the same numbers as
each counter alone."""

from __future__ import annotations

import pytest

from geoinpaint.methods.describe import describe, thop_macs, torch_flops
from geoinpaint.methods.registry import build_method, traits


@pytest.mark.parametrize("name", ["igll"])  # convolutions and attention products
def test_one_shared_pass_counts_what_each_counter_counts_alone(name):

    method = build_method(name, options=traits(name)["cls"].SMALL, device="cpu")
    method.nets.eval()
    alone_flops, alone_macs = torch_flops(method, 64), thop_macs(method, 64)
    cost = describe(method, 64)
    assert alone_flops > 0 and alone_macs > 0
    assert cost["gflops"] == pytest.approx(alone_flops / 1e9, rel=1e-9)
    assert cost["gmacs_thop"] == pytest.approx(alone_macs / 1e9, rel=1e-9)
    assert cost["params"] == sum(p.numel() for p in method.nets.parameters())
