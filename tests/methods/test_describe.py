"""`describe` counts torch FLOPs and thop MACs on one shared forward pass: the same numbers as
each counter alone; on the meta device (Table 3's `describe_untrained`) the same numbers as on the
CPU, and a method that needs data is measured on the CPU."""

from __future__ import annotations

import pytest
import torch

from geoinpaint.methods.describe import describe, describe_untrained, thop_macs, torch_flops
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


@pytest.mark.parametrize("name", ["hifill", "dmfn"])
def test_meta_device_counts_are_the_cpu_counts(name):
    method, on_meta = describe_untrained(name, 256)
    assert next(method.nets.parameters()).is_meta
    torch.manual_seed(0)
    on_cpu = describe(build_method(name, device="cpu"), 256)
    assert on_meta == on_cpu


def test_a_method_whose_forward_needs_data_is_measured_on_the_cpu():
    method, cost = describe_untrained("igll", 64)  # its edge map comes from skimage's Canny
    assert not next(method.nets.parameters()).is_meta
    torch.manual_seed(0)
    assert cost == describe(build_method("igll", device="cpu"), 64)
