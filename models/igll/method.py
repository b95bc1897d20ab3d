"""IGLL (Zhou et al., Remote Sensing 2025, "Image Characteristic-Guided Learning Method for
Remote-Sensing Image Inpainting") as a trained method of the suite.

Registered names:
- `igll`: the paper as written (options' defaults);
- `igll-authors-code`: the authors' public code's training behaviour (`AUTHORS_CODE`):
  lr 1e-5, batch 16, MultiStepLR([2000, 40000], 0.5) per iteration, 5 discriminator steps per
  generator step, the SVD term on the discriminator side only (on its logits), ground-truth edges
  at training time, position encodings redrawn at random on every call, no mask channel into PIRN.

docs/fidelity/igll.md lists every paper-vs-code choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import nn

from geoinpaint.methods.base import TrainableMethod, TrainContext
from geoinpaint.methods.options import TrainOptions, differing
from geoinpaint.methods.registry import register_method
from geoinpaint.metrics.weights import WeightsUnavailable
from geoinpaint.models.igll.attention import Position
from geoinpaint.models.igll.edges import Detector, EdgeDetector
from geoinpaint.models.igll.network import Generator, Init
from geoinpaint.models.igll.pidinet import pretrained_pidinet
from geoinpaint.models.igll.routine import IGLLRoutine

EdgeSource = Literal["occluded", "ground_truth"]
SvdSide = Literal["both", "generator", "discriminator", "off"]
SvdInput = Literal["images", "logits"]
CHOICES: dict[str, tuple[str, ...]] = {
    "position": ("learned", "random", "none"),
    "edge_source": ("occluded", "ground_truth"),
    "svd_loss": ("both", "generator", "discriminator", "off"),
    "svd_d_input": ("images", "logits"),
    "init": ("normal", "xavier"),
}
NETWORK = ("gam", "ffsm", "structure_prior", "pirn_mask", "heads", "position")


@dataclass(frozen=True)
class IGLLOptions(TrainOptions):
    """IGLL's options; defaults = the paper (Sec. 3, 4.2).

    Attributes:
        epochs, batch_size, lr, beta1, beta2: paper: 40 epochs, batch 6, Adam 1e-4 (0.5, 0.9)
            for G and D (code: batch 16, lr 1e-5).
        d_steps: discriminator updates per generator update (paper: not stated, 1; code: 5).
        lr_milestones, lr_gamma: MultiStepLR per iteration (paper: none; code: (2000, 40000),
            0.5).
        cnum: generator base width (32 = paper); the CPU variant narrows it.
        init: generator initialisation, `normal` (N(0, 0.02), the authors' code; the paper
            names none) or `xavier` (Glorot-uniform: the small CPU variant learns far faster).
        d_cnum: discriminator base width (64 = code; the paper gives none).
        position_size: image side the learned position encodings are sized for (the paper's
            256 x 256 crops; features are side / 4); other sides interpolate them.
        gam: GAM (False: vanilla attention in its place, Table 4 "w/o GAM").
        ffsm: FFSM (False: vanilla attention in its place, Table 4 "w/o FFSM").
        structure_prior: edge map into G and D (False: Table 4 "w/o structure prior").
        pirn_mask: the mask is a PIRN input (paper Fig. 1, Sec. 5); False = the code's input.
        heads: GAM heads (1 = paper; 3 = Table 4 "w/ multi-head attention").
        position: `learned` (paper), `random` (code), `none` (Table 4 "w/o position
            information").
        edge_source: `occluded` (edges of the occluded input, always at test time) or
            `ground_truth` (training edges from the clean image, the code's leak).
        svd_loss: where the SVD term goes: `both` (paper Fig. 1 and Sec. 3.6: generator loss
            and the discriminator's fake term), `generator`, `discriminator` (code), `off`
            (Table 4 "w/o SVD loss").
        svd_d_input: the discriminator-side SVD term compares the `images` (paper Eq. for
            L_dis) or the real/fake `logits` (code).
        svd_rank: singular values compared, top k (0 = all; the paper names no k).
        w_perceptual, w_style, w_local, w_adv, w_svd: loss weights (paper: 1, 5, 1, 0.03, 1).
    """

    epochs: int = 40
    batch_size: int = 6
    lr: float = 1e-4
    beta1: float = 0.5
    beta2: float = 0.9
    d_steps: int = 1
    lr_milestones: tuple[int, ...] = ()
    lr_gamma: float = 0.5
    cnum: int = 32
    init: Init = "normal"
    d_cnum: int = 64
    position_size: int = 256
    gam: bool = True
    ffsm: bool = True
    structure_prior: bool = True
    pirn_mask: bool = True
    heads: int = 1
    position: Position = "learned"
    edge_source: EdgeSource = "occluded"
    svd_loss: SvdSide = "both"
    svd_d_input: SvdInput = "images"
    svd_rank: int = 0
    w_perceptual: float = 1.0
    w_style: float = 5.0
    w_local: float = 1.0
    w_adv: float = 0.03
    w_svd: float = 1.0


def check_options(o: IGLLOptions) -> None:
    """Raise `ValueError` naming the first option with a value IGLL cannot take."""
    for key, allowed in CHOICES.items():
        if getattr(o, key) not in allowed:
            raise ValueError(f"IGLL option {key}={getattr(o, key)!r}; expected one of {allowed}")
    for key in ("heads", "d_steps", "d_cnum"):
        if getattr(o, key) < 1:
            raise ValueError(f"IGLL option {key} must be >= 1, got {getattr(o, key)}")
    if o.svd_rank < 0:
        raise ValueError(f"IGLL option svd_rank must be >= 0 (0 = all), got {o.svd_rank}")
    if o.position_size % 4:
        raise ValueError(
            f"IGLL option position_size must be a multiple of 4, got {o.position_size}"
        )


AUTHORS_CODE: dict[str, Any] = {
    "lr": 1e-5,
    "batch_size": 16,
    "lr_milestones": (2000, 40000),
    "d_steps": 5,
    "svd_loss": "discriminator",
    "svd_d_input": "logits",
    "edge_source": "ground_truth",
    "position": "random",
    "pirn_mask": False,
}


@register_method("igll-authors-code", label="IGLL (authors' code)", preset=AUTHORS_CODE)
@register_method("igll", label="IGLL")
class IGLL(TrainableMethod):
    """IGLL: PIRN + PERN generator on the occluded image, its mask and its edge map."""

    Options = IGLLOptions
    ARCHITECTURE = ("cnum", "d_cnum")
    SIZE_OPTION = "position_size"
    SMALL = {"cnum": 8, "d_cnum": 8, "init": "xavier", "position_size": 64}
    multiple = 4  # two stride-2 convolutions per stage

    def __init__(self, name: str, options: dict[str, Any] | None = None, device: Any = "cpu"):
        super().__init__(name, options, device)
        self.edge_detector = self._edge_detector() if self.options.structure_prior else None

    def build(self) -> dict[str, nn.Module]:
        o = self.options
        check_options(o)
        changed = differing(o, IGLLOptions(), NETWORK)
        if changed:
            text = ", ".join(f"{k}={v}" for k, v in changed.items())
            self.record("network", f"not the paper's IGLL ({text})", note=True)
        generator = Generator(
            cnum=o.cnum,
            gam=o.gam,
            ffsm=o.ffsm,
            structure_prior=o.structure_prior,
            pirn_mask=o.pirn_mask,
            heads=o.heads,
            position=o.position,
            position_side=o.position_size // 4,
            init=o.init,
        )
        return {"generator": generator}

    def _edge_detector(self, detector: Detector | None = None) -> EdgeDetector:
        """PiDiNet when its file is installed, else Canny (recorded); `detector` forces one."""
        if detector == "canny":
            return EdgeDetector("canny")
        try:
            net = pretrained_pidinet().to(self.device)
        except WeightsUnavailable as err:
            if detector == "pidinet":
                raise WeightsUnavailable(
                    f"{self.name} was trained on PiDiNet edges: {err}"
                ) from err
            self.record("edges", f"Canny (scikit-image) instead of PiDiNet: {err}", note=True)
            self.record("edge_detector", "canny")
            return EdgeDetector("canny")
        self.record("edges", "PiDiNet (table5_pidinet.pth) on the occluded input")
        self.record("edge_detector", "pidinet")
        return EdgeDetector("pidinet", net)

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Also switch to the edge detector the checkpoint was trained with."""
        super().load_state_dict(state)
        saved = self._provenance.get("edge_detector")
        if self.edge_detector is not None and saved and saved != self.edge_detector.detector:
            self.edge_detector = self._edge_detector(saved)

    def edges(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """Edge map `(N, 1, H, W)` of the occluded images (0 in the hole)."""
        return self.edge_detector.occluded(images, masks)

    def training_edges(self, clean: torch.Tensor, masks: torch.Tensor) -> torch.Tensor | None:
        """The edge input of a training batch (`edge_source`); None without the prior."""
        if self.edge_detector is None:
            return None
        if self.options.edge_source == "ground_truth":
            return self.edge_detector.raw(clean)
        return self.edges(clean, masks)

    def predict(
        self, images: torch.Tensor, masks: torch.Tensor, edges: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Refined output `(N, 3, H, W)` in [0, 1] (PERN's, clamped like the code).

        `edges` `(N, 1, H, W)` in [0, 1] overrides the edge map computed from the occluded
        input (e.g. an evaluation of `edge_source: ground_truth` that passes clean edges).
        """
        masks = masks.to(images.dtype)
        x = (images * 2 - 1) * (1 - masks)
        if self.edge_detector is not None and edges is None:
            edges = self.edges(images, masks)
        _, refined = self.nets["generator"](x, masks, edges)
        return (refined + 1) / 2

    def routine(self, ctx: TrainContext) -> IGLLRoutine:
        return IGLLRoutine(self, ctx)

    @property
    def wants_ground_truth(self) -> bool:
        """The authors' code's leak: `edge_source: ground_truth` reads the clean image's edges
        at test time too (the evaluation passes the ground truth and the table says so)."""
        return self.edge_detector is not None and self.options.edge_source == "ground_truth"

    def predict_with_truth(
        self, images: torch.Tensor, masks: torch.Tensor, truth: torch.Tensor
    ) -> torch.Tensor:
        return self.predict(images, masks, edges=self.edge_detector.raw(truth))

    @torch.no_grad()
    def internals(self, images: torch.Tensor, masks: torch.Tensor) -> dict[str, torch.Tensor]:
        """Named `(N, C, H, W)` maps in [0, 1] for the structure figure (IGLL's Fig. 9): the
        edge map of the occluded input, PIRN's coarse and PERN's refined outputs."""
        self.nets.eval()
        masks = masks.to(images.dtype)
        x = (images * 2 - 1) * (1 - masks)
        edges = self.edges(images, masks) if self.edge_detector is not None else None
        coarse, refined = self.nets["generator"](x, masks, edges)
        out = {} if edges is None else {"edges (occluded input)": edges}
        return out | {"PIRN (coarse)": (coarse + 1) / 2, "PERN (refined)": (refined + 1) / 2}

    @torch.no_grad()
    def attention(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor | None:
        """PIRN's GAM attention `(N, heads, h*w, h*w)` (rows: queries) on these inputs, or None
        without GAM (IGLL's Fig. 11)."""
        gams = self.nets["generator"].attention_modules()
        if not gams:
            return None
        gams[0].store_attention = True
        try:
            self.predict(images, masks)
            return gams[0].attention
        finally:
            gams[0].store_attention = False
