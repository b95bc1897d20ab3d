"""What every job process imports before its work. torchvision imports torch._dynamo (~2 s of
CPU, as does `torch.use_deterministic_algorithms` through torch._inductor), and the embedded
default starts ~190 jobs: the modules every job loads leave both to the jobs that use them, and
the stand-ins behave as the originals."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest
import torch

from geoinpaint.io import tile
from geoinpaint.runtime import seed_everything


def test_seed_everything_turns_on_deterministic_algorithms_with_warnings():
    before = (torch.are_deterministic_algorithms_enabled(), torch.get_deterministic_debug_mode())
    try:
        seed_everything(0)
        assert torch.are_deterministic_algorithms_enabled()
        assert torch.is_deterministic_algorithms_warn_only_enabled()
    finally:
        torch.set_deterministic_debug_mode(before[1])
    assert torch.are_deterministic_algorithms_enabled() == before[0]


@pytest.mark.parametrize(("n", "per_row"), [(6, 3), (5, 3), (2, 4)])
def test_sample_sheets_are_laid_out_as_torchvisions_make_grid(n, per_row):
    from torchvision.utils import make_grid

    images = torch.rand(n, 3, 5, 7)
    expected = make_grid(images, nrow=per_row).permute(1, 2, 0).numpy()
    assert (tile(images.numpy(), per_row) == expected).all()


def loaded_in_a_fresh_interpreter(code: str, prefixes: tuple[str, ...]) -> list[str]:
    """The modules starting with one of `prefixes` that a new Python process has loaded after
    running `code`."""
    probe = (
        f"{code}\nimport sys\nprint(sorted(m for m in sys.modules if m.startswith({prefixes!r})))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return ast.literal_eval(out.stdout.strip())


@pytest.mark.slow  # a fresh interpreter importing torch: ~4 s
def test_the_modules_every_job_loads_import_neither_torchvision_nor_dynamo():
    code = (
        "import geoinpaint.cli, geoinpaint.methods.train, geoinpaint.training.data\n"
        "from geoinpaint.methods.registry import METHODS\n"
        "from geoinpaint.runtime import seed_everything\n"
        "METHODS.names(); seed_everything(0)"
    )
    assert loaded_in_a_fresh_interpreter(code, ("torchvision", "torch._dynamo")) == []


@pytest.mark.slow  # a fresh interpreter: ~1 s
def test_the_command_line_parser_leaves_scipy_ndimage_to_the_jobs_that_filter():
    """Every job builds the whole parser (its choices come from the registries); scipy.ndimage
    costs ~0.25 s of CPU per process, and only mask, test-set and MaskMix work needs it."""
    code = "from geoinpaint.cli import build_parser\nbuild_parser()"
    assert loaded_in_a_fresh_interpreter(code, ("scipy.ndimage",)) == []
