"""Task-driven coarse-to-fine inpainting: the first paper's method family (Sec. III-IV).

Registered methods, one class (`method.TaskDriven`) with a preset per name:
- `proposed_b`: the coarse-to-fine GAN alone (no task network, no MaskMix);
- `proposed-`: with the frozen task network's loss (Eq. 6, lambda), no MaskMix;
- `proposed`: task loss and MaskMix on the training masks (Eq. 7);
- `proposed-augmix`: task loss and AugMix on the training images instead (Table VIII);
- `coarse-only`: the Proposed model's R_coarse instead of R_refined (Sec. H compares the two
  outputs of one model, so it reads the `proposed` checkpoint);
- `proposed-authors-code`: Proposed as the authors' public code trains it (`AUTHORS_CODE`), so a
  table can show the paper's model beside the code's.

Layers: `generator` (encoder-decoders), `options`, `method` (inference and initialisation),
`routine` (the training step). docs/fidelity.md lists the paper-vs-code choices.
"""

from typing import Any

from geoinpaint.methods.registry import register_method
from geoinpaint.models.task_driven.method import TaskDriven

AUTHORS_CODE: dict[str, Any] = {
    "task_loss": True,
    "augment": "none",  # the code's MaskMix returns the seed mask unchanged
    "skips": 4,
    "refine_conv": True,
    "residual_on": "composite",
    "norm_affine": False,
    "init": "normal",
    "lpips_rescale": False,
    "alpha1": 10.0,  # the training entry point overrides the config's 1 / 1 + 1
    "alpha2": 10.0,
    "gan_loss": "lsgan",
    "disc_padding": "pix2pix",
    "adv_input": "authors-code",
    "task_input": "raw",
}
"""What the authors' public code does where it differs from the paper (docs/fidelity.md); the
rest (hole fill 1.0, D loss 0.5 (real + fake), Adam 2e-4 (0.5, 0.999), StepLR 30 x 0.8, the
D_c, D_r, G order) is the same in both."""

PRESETS: dict[str, dict[str, Any]] = {
    "proposed_b": {"task_loss": False, "augment": "none"},
    "proposed-": {"task_loss": True, "augment": "none"},
    "proposed": {"task_loss": True, "augment": "maskmix"},
    "proposed-augmix": {"task_loss": True, "augment": "augmix"},
    "coarse-only": {"task_loss": True, "augment": "maskmix", "output": "coarse"},
    "proposed-authors-code": AUTHORS_CODE,
}
LABELS = {
    "proposed_b": "Proposed_b",
    "proposed-": "Proposed-",
    "proposed": "Proposed",
    "proposed-augmix": "Proposed (AugMix)",
    "coarse-only": "Coarse-only",
    "proposed-authors-code": "Proposed (authors' code)",
}
for _name, _preset in PRESETS.items():
    register_method(
        _name,
        preset=_preset,
        label=LABELS[_name],
        reads="proposed" if _name == "coarse-only" else None,
    )(TaskDriven)
