"""Procedural aerial scenes: a land-cover map per scene, rendered to RGB with per-material textures.

Each scene belongs to one of RSSCN7's seven scene classes. The class decides how the land-cover
map is laid out (fields with row structure, a lake or river, roofs along roads, parking rows...);
the map is then rendered material by material, with lighting and colour jitter so that classes
share materials (grass appears in four of them, trees in five) and are separable by layout and
proportions rather than by one colour. Everything is drawn from a `numpy.random.Generator`, so a
scene is a pure function of its seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from geoinpaint.noise import smooth_noise

SCENE_CLASSES: tuple[str, ...] = (
    "grassland",
    "farmland",
    "industrial",
    "river_lake",
    "forest",
    "residential",
    "parking",
)
"""RSSCN7's seven classes, in the order of its folders (aGrass ... gParking)."""

MATERIALS: tuple[str, ...] = (
    "grass", "crop", "forest", "water", "road", "roof", "barren", "asphalt", "car",
)
"""Materials of the land-cover map; index = value in the map."""

GRASS, CROP, FOREST, WATER, ROAD, ROOF, BARREN, ASPHALT, CAR = range(len(MATERIALS))

LOVEDA_CLASSES: tuple[str, ...] = (
    "no-data", "background", "building", "road", "water", "barren", "forest", "agriculture",
)
"""LoveDA's label values 0..7; 0 = no-data (ignored by mIoU), 1..7 the seven classes."""

# LoveDA label of each material: grass, asphalt lots and cars are LoveDA "background".
MATERIAL_TO_LOVEDA = np.array([1, 7, 6, 4, 3, 2, 5, 1, 1], dtype=np.uint8)


def loveda_labels(landcover: np.ndarray) -> np.ndarray:
    """LoveDA label map `(H, W) uint8 in 1..7` of a land-cover map (the map the image shows)."""
    return MATERIAL_TO_LOVEDA[landcover]

# Mean RGB colour of each material before jitter.
_BASE_RGB = np.array(
    [
        [0.42, 0.55, 0.28],  # grass
        [0.55, 0.52, 0.30],  # crop
        [0.16, 0.30, 0.14],  # forest
        [0.14, 0.24, 0.32],  # water
        [0.52, 0.51, 0.48],  # road
        [0.62, 0.45, 0.38],  # roof
        [0.66, 0.58, 0.45],  # barren
        [0.30, 0.30, 0.31],  # asphalt
        [0.70, 0.70, 0.72],  # car
    ],
    dtype=np.float32,
)


@dataclass(frozen=True)
class Scene:
    """One rendered scene.

    Attributes:
        image: `(H, W, 3) float32 in [0, 1]`, RGB.
        landcover: `(H, W) uint8`, index into `MATERIALS`.
        label: scene class index into `SCENE_CLASSES`.
    """

    image: np.ndarray
    landcover: np.ndarray
    label: int


def _coords(size: int, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates rotated by `angle` radians about the image centre."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) - (size - 1) / 2
    c, s = np.cos(angle), np.sin(angle)
    return xx * c + yy * s, -xx * s + yy * c


def _rect(lc: np.ndarray, y0: float, x0: float, h: float, w: float, value: int) -> None:
    size = lc.shape[0]
    ya, yb = int(np.clip(y0, 0, size)), int(np.clip(y0 + h, 0, size))
    xa, xb = int(np.clip(x0, 0, size)), int(np.clip(x0 + w, 0, size))
    lc[ya:yb, xa:xb] = value


def _scatter_trees(rng: np.random.Generator, lc: np.ndarray, density: float, on: int) -> None:
    size = lc.shape[0]
    canopy = smooth_noise(rng, size, max(size / 40, 0.8)) > 1 - density
    lc[canopy & (lc == on)] = FOREST


def _grassland(rng: np.random.Generator, size: int) -> np.ndarray:
    lc = np.full((size, size), GRASS, np.uint8)
    lc[smooth_noise(rng, size, size / 6) > rng.uniform(0.72, 0.9)] = BARREN
    _scatter_trees(rng, lc, rng.uniform(0.0, 0.12), GRASS)
    return lc


def _farmland(rng: np.random.Generator, size: int) -> np.ndarray:
    lc = np.full((size, size), CROP, np.uint8)
    x, _ = _coords(size, rng.uniform(0, np.pi))
    y_edges = np.sort(rng.uniform(0, size, rng.integers(1, 3)))
    yy = np.mgrid[0:size, 0:size][0]
    parcels = np.digitize(yy, y_edges) + 3 * np.digitize(x + size / 2, np.sort(rng.uniform(0, size, 2)))
    for p in np.unique(parcels):
        kind = rng.choice([CROP, CROP, GRASS, BARREN])
        lc[parcels == p] = kind
    if rng.random() < 0.5:
        _rect(lc, rng.uniform(0, size), 0, max(1, size // 32), size, ROAD)
    return lc


def _industrial(rng: np.random.Generator, size: int) -> np.ndarray:
    lc = np.full((size, size), rng.choice([ASPHALT, BARREN, ROAD]), np.uint8)
    for _ in range(rng.integers(2, 5)):
        h, w = rng.uniform(0.2, 0.5, 2) * size
        _rect(lc, rng.uniform(-h / 2, size - h / 2), rng.uniform(-w / 2, size - w / 2), h, w, ROOF)
    _rect(lc, rng.uniform(0, size), 0, max(2, size // 16), size, ROAD)
    _scatter_trees(rng, lc, 0.04, BARREN)
    return lc


def _river_lake(rng: np.random.Generator, size: int) -> np.ndarray:
    lc = np.full((size, size), rng.choice([GRASS, GRASS, FOREST, CROP]), np.uint8)
    if rng.random() < 0.5:  # lake: a thresholded low-frequency blob
        lake = smooth_noise(rng, size, size / 5) > rng.uniform(0.5, 0.65)
    else:  # river: a meandering band across the tile
        x, y = _coords(size, rng.uniform(0, np.pi))
        centre = size * 0.15 * np.sin(2 * np.pi * y / size * rng.uniform(0.5, 1.5) + rng.uniform(0, 6))
        lake = np.abs(x - centre) < size * rng.uniform(0.08, 0.18)
    _scatter_trees(rng, lc, 0.15, GRASS)
    lc[lake] = WATER
    shore = ndimage.binary_dilation(lake, iterations=max(1, size // 48)) & ~lake
    lc[shore & (rng.random((size, size)) < 0.6)] = BARREN
    return lc


def _forest(rng: np.random.Generator, size: int) -> np.ndarray:
    lc = np.full((size, size), FOREST, np.uint8)
    lc[smooth_noise(rng, size, size / 8) > rng.uniform(0.78, 0.95)] = GRASS
    if rng.random() < 0.3:
        x, _ = _coords(size, rng.uniform(0, np.pi))
        lc[np.abs(x) < max(1, size / 48)] = BARREN
    return lc


def _residential(rng: np.random.Generator, size: int) -> np.ndarray:
    lc = np.full((size, size), GRASS, np.uint8)
    block = int(size * rng.uniform(0.3, 0.45))
    road_w = max(2, size // 24)
    offset = rng.integers(0, block)
    for v in range(-offset, size, block):
        _rect(lc, v, 0, road_w, size, ROAD)
        _rect(lc, 0, v, size, road_w, ROAD)
    house = max(3, size // 12)
    for y0 in range(-offset + road_w + 1, size, block):
        for x0 in range(-offset + road_w + 1, size, house + 2):
            if rng.random() < 0.8:
                _rect(lc, y0 + rng.integers(0, 2), x0, house, house, ROOF)
            if rng.random() < 0.8:
                _rect(lc, y0 + block - road_w - house - 1, x0, house, house, ROOF)
    _scatter_trees(rng, lc, 0.1, GRASS)
    return lc


def _parking(rng: np.random.Generator, size: int) -> np.ndarray:
    lc = np.full((size, size), ASPHALT, np.uint8)
    row = max(6, size // 6)
    car_w, car_h = max(2, size // 28), max(3, size // 14)
    for y0 in range(int(rng.integers(0, row)), size, row):
        for x0 in range(int(rng.integers(0, car_w + 1)), size, car_w + 1):
            if rng.random() < rng.uniform(0.4, 0.95):
                _rect(lc, y0, x0, car_h, car_w, CAR)
    if rng.random() < 0.5:
        _rect(lc, 0, 0, size, int(size * rng.uniform(0.1, 0.3)), rng.choice([ROOF, GRASS]))
    return lc


_LAYOUTS = (_grassland, _farmland, _industrial, _river_lake, _forest, _residential, _parking)


def render(rng: np.random.Generator, lc: np.ndarray) -> np.ndarray:
    """Render a land-cover map to `(H, W, 3) float32 in [0, 1]` with per-material textures."""
    size = lc.shape[0]
    colours = _BASE_RGB * rng.uniform(0.85, 1.15, (len(MATERIALS), 1))
    colours += rng.normal(0, 0.03, colours.shape)
    img = colours[lc].astype(np.float32)
    fine = smooth_noise(rng, size, 0.7)[..., None] - 0.5
    coarse = smooth_noise(rng, size, size / 6)[..., None] - 0.5
    x, _ = _coords(size, rng.uniform(0, np.pi))
    rows = (0.5 + 0.5 * np.sin(2 * np.pi * x / rng.uniform(2.5, 5)))[..., None]
    crop_tint = np.where(rng.random() < 0.5, [0.0, 0.12, -0.05], [0.1, 0.02, -0.05])
    amp = {GRASS: 0.10, CROP: 0.06, FOREST: 0.25, WATER: 0.03, ROAD: 0.04, ROOF: 0.05,
           BARREN: 0.10, ASPHALT: 0.05, CAR: 0.15}
    for material, a in amp.items():
        sel = lc == material
        img[sel] += (a * fine + 0.08 * coarse)[sel]
    sel = lc == CROP
    img[sel] += (0.12 * (rows - 0.5) + crop_tint.astype(np.float32) * rows)[sel]
    car_colours = rng.uniform(0.1, 0.9, (size, size, 3)).astype(np.float32)
    cars = ndimage.label(lc == CAR)[0]
    if cars.max():
        palette = rng.uniform(0.1, 0.95, (cars.max() + 1, 3)).astype(np.float32)
        car_colours = palette[cars]
        img[lc == CAR] = car_colours[lc == CAR]
    # Shadow to the south-east of raised objects (roofs, trees, cars).
    raised = np.isin(lc, (ROOF, FOREST, CAR)).astype(np.float32)
    shadow = np.roll(raised, (1, 1), axis=(0, 1)) * (1 - raised)
    img *= (1 - 0.35 * shadow)[..., None]
    img *= rng.uniform(0.8, 1.2)  # overall illumination
    img += rng.normal(0, 0.01, img.shape).astype(np.float32)  # sensor noise
    return np.clip(img, 0, 1).astype(np.float32)


def make_scene(label: int, size: int, rng: np.random.Generator) -> Scene:
    """Generate one scene of class `label` (index into `SCENE_CLASSES`) at `size` x `size` px."""
    if not 0 <= label < len(SCENE_CLASSES):
        raise ValueError(f"scene class {label} out of range 0..{len(SCENE_CLASSES) - 1}")
    lc = _LAYOUTS[label](rng, size)
    lc = np.rot90(lc, int(rng.integers(4))).copy()
    if rng.random() < 0.5:
        lc = lc[:, ::-1].copy()
    return Scene(render(rng, lc), lc, label)
