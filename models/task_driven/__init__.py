"""Task-driven coarse-to-fine inpainting: the first paper's method family (Sec. III-IV).

Registered methods, one class (`method.TaskDriven`) with a preset per name:
- `proposed_b`: the coarse-to-fine GAN alone (no task network, no MaskMix);
- `proposed-`: with the frozen task network's loss (Eq. 6, lambda), no MaskMix;
- `proposed`: task loss and MaskMix on the training masks (Eq. 7);
- `proposed-augmix`: task loss and AugMix on the training images instead (Table VIII);
- `coarse-only`: the Proposed model's R_coarse instead of R_refined (Sec. H compares the two
  outputs of one model, so it reads the `proposed` checkpoint).

Layers: `generator` (encoder-decoders), `options`, `method` (inference and initialisation),
`routine` (the training step). docs/fidelity.md lists the paper-vs-code choices.
"""

from geoinpaint.methods.registry import register_method
from geoinpaint.models.task_driven.method import TaskDriven

PRESETS = {
    "proposed_b": {"task_loss": False, "augment": "none"},
    "proposed-": {"task_loss": True, "augment": "none"},
    "proposed": {"task_loss": True, "augment": "maskmix"},
    "proposed-augmix": {"task_loss": True, "augment": "augmix"},
    "coarse-only": {"task_loss": True, "augment": "maskmix", "output": "coarse"},
}
LABELS = {
    "proposed_b": "Proposed_b",
    "proposed-": "Proposed-",
    "proposed": "Proposed",
    "proposed-augmix": "Proposed (AugMix)",
    "coarse-only": "Coarse-only",
}
for _name, _preset in PRESETS.items():
    register_method(
        _name,
        preset=_preset,
        label=LABELS[_name],
        reads="proposed" if _name == "coarse-only" else None,
    )(TaskDriven)
