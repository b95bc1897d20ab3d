"""The papers' inpainting models (`geoinpaint.models`). Each module registers its methods on
import: the task-driven coarse-to-fine family (`task_driven`); IGLL arrives with its issue."""

from geoinpaint.models import task_driven  # noqa: F401
