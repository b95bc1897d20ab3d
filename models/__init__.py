"""The papers' inpainting models (`geoinpaint.models`). Each module registers its methods on
import: the task-driven coarse-to-fine family (`task_driven`) and IGLL (`igll`)."""

from geoinpaint.models import igll, task_driven  # noqa: F401
