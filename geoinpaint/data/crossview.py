"""Ground-level panoramas of procedural aerial tiles, for cross-view geolocation (CVUSA-style).

CVUSA pairs a north-aligned street-view panorama with the aerial image centred on the same
spot. Here the panorama is rendered from the aerial tile by a polar transform around a point near
its centre (azimuth -> panorama column, distance -> rows below the horizon), then a sky band is
added above the horizon, the viewpoint is jittered (position and heading) and the lighting
changed, so that matching needs more than copying pixels.
"""

from __future__ import annotations

import cv2
import numpy as np

from geoinpaint.noise import smooth_noise


def polar_ground_view(
    aerial: np.ndarray,
    out_h: int,
    out_w: int,
    centre: tuple[float, float],
    heading: float,
    horizon: float = 0.45,
) -> np.ndarray:
    """Panorama `(out_h, out_w, 3)` of `aerial` seen from `centre` (x, y in pixels).

    Column `u` looks at azimuth `heading + 2 pi u / out_w` (0 = north = up in the tile, clockwise);
    rows below `horizon * out_h` map to ground distance, nearest at the bottom. Rows above the
    horizon are left black for the sky.
    """
    size = aerial.shape[0]
    h0 = int(round(horizon * out_h))
    v = np.arange(out_h - h0, dtype=np.float32)
    # Perspective-like: distance grows quickly towards the horizon.
    dist = (size / 2) * (1 - (v / max(out_h - h0, 1))) ** 1.5
    theta = heading + 2 * np.pi * np.arange(out_w, dtype=np.float32) / out_w
    map_x = (centre[0] + dist[:, None] * np.sin(theta)[None, :]).astype(np.float32)
    map_y = (centre[1] - dist[:, None] * np.cos(theta)[None, :]).astype(np.float32)
    ground = cv2.remap(aerial, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    out = np.zeros((out_h, out_w, 3), np.float32)
    out[h0:] = ground
    return out


def sky(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A sky band `(h, w, 3)`: blue to pale gradient with soft cloud texture."""
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    top = np.array([0.35, 0.55, 0.85], np.float32) * rng.uniform(0.85, 1.1)
    bottom = np.array([0.80, 0.86, 0.92], np.float32)
    grad = top * (1 - t) + bottom * t
    clouds = smooth_noise(rng, max(h, w), max(h, w) / 12)[:h, :w, None]
    cover = np.clip((clouds - rng.uniform(0.45, 0.7)) * 3, 0, 1)
    return np.clip(grad * (1 - cover) + 0.95 * cover, 0, 1).astype(np.float32)


def ground_panorama(aerial: np.ndarray, rng: np.random.Generator, out_h: int, out_w: int) -> np.ndarray:
    """A jittered, relit street-level panorama `(out_h, out_w, 3) float32 in [0, 1]` of `aerial`."""
    size = aerial.shape[0]
    jitter = rng.uniform(-0.05, 0.05, 2) * size
    centre = (size / 2 + jitter[0], size / 2 + jitter[1])
    heading = rng.uniform(-np.pi / 18, np.pi / 18)  # +-10 degrees of north
    horizon = rng.uniform(0.4, 0.5)
    pano = polar_ground_view(aerial, out_h, out_w, centre, heading, horizon)
    h0 = int(round(horizon * out_h))
    pano[:h0] = sky(rng, h0, out_w)
    gamma = rng.uniform(0.8, 1.25)
    gain = rng.uniform(0.8, 1.15)
    pano = gain * np.clip(pano, 0, 1) ** gamma + rng.normal(0, 0.01, pano.shape)
    return np.clip(pano, 0, 1).astype(np.float32)
