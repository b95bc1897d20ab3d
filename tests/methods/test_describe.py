"""`describe` counts torch FLOPs and thop MACs on one shared forward pass: the same numbers as
each counter alone; on the meta device (Table 3's `describe_untrained`) the same numbers as on the
CPU, and a method that needs data is measured on the CPU."""

from __future__ import annotations

import subprocess
import sys

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


@pytest.mark.slow  # two paper-size builds each: ~2 s
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
    reference = build_method("igll", device="cpu")
    # measured on the CPU: built again with its random initialisation, not the skipped one
    expected = reference.nets.state_dict()
    for name, value in method.nets.state_dict().items():
        assert torch.equal(value, expected[name]), name
    assert cost == describe(reference, 64)
    # and torch.nn.init fills tensors again after the skipped build
    assert torch.nn.init.normal_(torch.zeros(100)).std() > 0.5


@pytest.mark.slow  # MAT at 256 px on the CPU: ~30 s
def test_a_fresh_process_measures_every_kind_of_method_once_on_meta_then_on_the_cpu():
    """MAT's modules were first imported under a global meta device once (module-level filter
    taps on meta) and its CPU measurement then failed: Table 3's job died. Built on the CPU
    and moved to meta, nothing is made on meta at import."""
    code = (
        "from geoinpaint.reporting.cost import cost_rows\n"
        "df = cost_rows({'mat': 'MAT', 'hifill': 'HiFill'}, 256, {})\n"
        "print(df['Params (M)'].round(6).tolist())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[59.779834, 2.722791]"
