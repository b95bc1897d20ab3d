"""The papers' inpainting models (`geoinpaint.models`). Each module registers its methods on
import; the coarse-to-fine family and IGLL arrive with their issues."""
