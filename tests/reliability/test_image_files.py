"""One reader for every verb: each PNG/JPEG/TIFF pixel mode decoded by its documented rule
(docs/conventions.md, "Image files"), every other file refused with its name."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from geoinpaint.io import ImageReadError, read_image, read_mask

RNG = np.random.default_rng(0)
GRAY8 = RNG.integers(0, 256, (6, 5), dtype=np.uint8)
GRAY16 = RNG.integers(0, 65536, (6, 5), dtype=np.uint16)
RGB8 = RNG.integers(0, 256, (6, 5, 3), dtype=np.uint8)
RGB16 = RNG.integers(0, 65536, (6, 5, 3), dtype=np.uint16)


def gray(values: np.ndarray) -> np.ndarray:
    return np.repeat(values.astype(np.float32)[..., None], 3, axis=2)


def _pil(path: Path, arr: np.ndarray, mode: str | None = None, **save) -> Path:
    img = Image.fromarray(arr) if mode is None else Image.fromarray(arr).convert(mode)
    img.save(path, **save)
    return path


def _palette(path: Path, transparent: bool = False) -> tuple[Path, np.ndarray]:
    colours = RNG.integers(0, 256, (4, 3), dtype=np.uint8)
    index = RNG.integers(0, 4, (6, 5), dtype=np.uint8)
    img = Image.fromarray(index, mode="P")
    img.putpalette(colours.flatten().tolist())
    img.save(path, **({"transparency": 0} if transparent else {}))
    return path, colours[index].astype(np.float32) / 255


def _cv(path: Path, rgb: np.ndarray) -> Path:
    order = [2, 1, 0, 3][: rgb.shape[2]]
    assert cv2.imwrite(str(path), rgb[..., order])
    return path


def _decoded(path: Path) -> np.ndarray:
    """What Pillow decodes a lossy (JPEG) file to: the reference for its conversion."""
    return np.asarray(Image.open(path)).astype(np.float32) / 255


CASES = {
    "bilevel PNG": lambda p: (_pil(p / "a.png", GRAY8 > 127, "1"), gray(GRAY8 > 127)),
    "gray 8-bit PNG": lambda p: (_pil(p / "a.png", GRAY8), gray(GRAY8 / 255)),
    "gray 8-bit TIFF": lambda p: (_pil(p / "a.tif", GRAY8), gray(GRAY8 / 255)),
    "gray 8-bit JPEG": lambda p: (f := _pil(p / "a.jpg", GRAY8), gray(_decoded(f))),
    "gray 16-bit PNG": lambda p: (_pil(p / "a.png", GRAY16), gray(GRAY16 / 65535)),
    "gray 16-bit TIFF": lambda p: (_pil(p / "a.tif", GRAY16), gray(GRAY16 / 65535)),
    "gray 32-bit integer TIFF": lambda p: (
        _pil(p / "a.tif", GRAY16.astype(np.int32)),
        gray(GRAY16 / 65535),
    ),
    "gray float TIFF": lambda p: (
        _pil(p / "a.tif", (GRAY8 / 255).astype(np.float32)),
        gray(GRAY8 / 255),
    ),
    "palette PNG": lambda p: _palette(p / "a.png"),
    "RGB 8-bit PNG": lambda p: (_pil(p / "a.png", RGB8), RGB8 / 255),
    "RGB 8-bit TIFF": lambda p: (_pil(p / "a.tif", RGB8), RGB8 / 255),
    "RGB 8-bit JPEG": lambda p: (f := _pil(p / "a.jpg", RGB8), _decoded(f)),
    "RGB 16-bit PNG": lambda p: (_cv(p / "a.png", RGB16), RGB16 / 65535),
    "RGB 16-bit TIFF": lambda p: (_cv(p / "a.tif", RGB16), RGB16 / 65535),
    "RGBA opaque 8-bit PNG": lambda p: (
        _pil(p / "a.png", np.dstack([RGB8, np.full((6, 5), 255, np.uint8)])),
        RGB8 / 255,
    ),
    "RGBA opaque 16-bit PNG": lambda p: (
        _cv(p / "a.png", np.dstack([RGB16, np.full((6, 5), 65535, np.uint16)])),
        RGB16 / 65535,
    ),
    "gray+alpha opaque PNG": lambda p: (
        _pil(p / "a.png", np.dstack([GRAY8, np.full((6, 5), 255, np.uint8)])),
        gray(GRAY8 / 255),
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_every_supported_mode_is_decoded_by_its_documented_rule(case, tmp_path):
    path, expected = CASES[case](tmp_path)
    got = read_image(path)
    assert got.shape == (6, 5, 3) and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, atol=1e-6)


def _transparent(p: Path) -> Path:
    alpha = np.full((6, 5), 255, np.uint8)
    alpha[2, 3] = 0
    return _pil(p / "a.png", np.dstack([RGB8, alpha]))


def _frames(p: Path) -> Path:
    frames = [Image.fromarray(RGB8), Image.fromarray(RGB8[::-1])]
    frames[0].save(p / "a.tif", save_all=True, append_images=frames[1:])
    return p / "a.tif"


REFUSED = {
    "transparent pixel": (_transparent, "transparent pixel"),
    "transparent palette": (lambda p: _palette(p / "a.png", transparent=True)[0], "transparent"),
    "CMYK JPEG": (lambda p: _pil(p / "a.jpg", RGB8, "CMYK"), "CMYK"),
    "integer TIFF beyond 16 bits": (
        lambda p: _pil(p / "a.tif", np.full((6, 5), 70000, np.int32)),
        "pixel mode I",
    ),
    "float TIFF beyond [0, 1]": (
        lambda p: _pil(p / "a.tif", np.full((6, 5), 3.0, np.float32)),
        "pixel mode F",
    ),
    "several frames": (_frames, "2 frames"),
    "zero-byte file": (lambda p: (p / "a.png").write_bytes(b"") or p / "a.png", "not a readable"),
    "truncated PNG": (
        lambda p: (
            (f := _pil(p / "a.png", RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8))),
            f.write_bytes(f.read_bytes()[:-200]),
            f,
        )[-1],
        "truncated",
    ),
    "truncated JPEG": (
        lambda p: (
            (f := _pil(p / "a.jpg", RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8))),
            f.write_bytes(f.read_bytes()[: len(f.read_bytes()) // 2]),
            f,
        )[-1],
        "truncated",
    ),
    "text file named .png": (lambda p: (p / "a.png").write_text("hello") and p / "a.png", "a.png"),
    "missing file": (lambda p: p / "a.png", "file not found"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_an_unsupported_or_broken_image_is_refused_naming_the_file(case, tmp_path):
    make, why = REFUSED[case]
    path = make(tmp_path)
    with pytest.raises(ImageReadError) as err:
        read_image(path)
    assert str(path) in str(err.value) and why in str(err.value)


MASK = np.zeros((6, 5), np.uint8)
MASK[1:4, 2:4] = 255


@pytest.mark.parametrize(
    "write",
    [
        lambda p: _pil(p / "m.png", MASK),
        lambda p: _pil(p / "m.png", MASK > 0, "1"),
        lambda p: _pil(p / "m.png", MASK.astype(np.uint16) * 257),
        lambda p: _pil(p / "m.png", np.dstack([MASK] * 3)),
        lambda p: _pil(p / "m.tif", MASK),
    ],
    ids=["gray 8-bit", "bilevel", "gray 16-bit", "gray stored as RGB", "TIFF"],
)
def test_single_channel_binary_masks_of_every_depth_read_the_same_holes(write, tmp_path):
    assert np.array_equal(read_mask(write(tmp_path)), (MASK > 0).astype(np.float32))


def test_a_colour_mask_is_refused_never_read_as_no_hole(tmp_path):
    red = np.zeros((6, 5, 3), np.uint8)
    red[1:4, 2:4, 0] = 255  # a red hole: 76 as gray, which used to read as "no hole"
    path = _pil(tmp_path / "m.png", red)
    with pytest.raises(ImageReadError, match="colour mask") as err:
        read_mask(path)
    assert str(path) in str(err.value)


def test_a_mask_with_transparent_holes_is_refused(tmp_path):
    rgba = np.dstack([np.zeros((6, 5, 3), np.uint8), 255 - MASK])
    path = _pil(tmp_path / "m.png", rgba)
    with pytest.raises(ImageReadError, match="transparent") as err:
        read_mask(path)
    assert str(path) in str(err.value)


def test_a_non_binary_mask_is_refused_where_binary_is_required_and_thresholded_at_128(tmp_path):
    ramp = np.arange(30, dtype=np.uint8).reshape(6, 5) + 110  # 110..139
    path = _pil(tmp_path / "m.png", ramp)
    with pytest.raises(ImageReadError, match="not a binary mask") as err:
        read_mask(path)
    assert str(path) in str(err.value)
    assert np.array_equal(read_mask(path, binary=False), (ramp >= 128).astype(np.float32))


def test_a_mask_of_another_size_than_its_image_is_refused_with_both_sizes(tmp_path):
    path = _pil(tmp_path / "m.png", MASK)
    with pytest.raises(ImageReadError, match=r"is 5x6, expected 8x8") as err:
        read_mask(path, (8, 8))
    assert str(path) in str(err.value)
