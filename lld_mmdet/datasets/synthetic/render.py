"""Rendering of synthetic peripheral-blood-film fields (numpy + OpenCV).

A field is drawn in four layers: a stained background, red cells (pale discs
with central pallor, overlapping), platelets, then white cells whose look is
driven by their class and 7 LLD attributes (see :mod:`.morphology`). Finally
the acquisition domain is applied: magnification sets the cell scale, the
microscope and camera set colour cast, blur, vignetting, noise and JPEG
compression.

All randomness comes from the ``numpy.random.Generator`` passed in, so a
field is a pure function of its seed. Images are BGR uint8 (OpenCV order).
"""
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from .morphology import ATTRIBUTE_PRIORS, CLASS_CUES

#: Cell scale of each magnification, relative to 100x.
MAGNIFICATION_SCALE = {'100x': 1.0, '40x': 0.45, '10x': 0.18}
#: White cells per field at each magnification, for a 256 px field.
WBC_COUNT = {'100x': (1, 3), '40x': (3, 7), '10x': (8, 18)}
#: Look of each microscope and camera.
MICROSCOPE_LOOK = {
    'HCM': dict(gain=(1.02, 1.0, 0.98), contrast=1.0, blur=0.35,
                vignette=0.10),
    'LCM': dict(gain=(0.88, 0.97, 1.07), contrast=0.82, blur=1.1,
                vignette=0.35),
}
CAMERA_LOOK = {
    'C1': dict(noise=2.0, jpeg=None, saturation=1.0, gain=(1.0, 1.0, 1.0)),
    'C2': dict(noise=6.0, jpeg=45, saturation=1.25, gain=(0.97, 1.04, 1.0)),
}

WBC_BASE_RADIUS = 0.075  # of the field size, at 100x
RBC_RADIUS = 0.036


def _texture(rng: np.random.Generator, shape: Tuple[int, int],
             cells: float) -> np.ndarray:
    """Smooth random field in [-1, 1] with about ``cells`` blobs per side."""
    h, w = shape
    n = max(2, int(round(cells)))
    small = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC).clip(
        -1, 1)


def _paint(canvas: np.ndarray, mask: np.ndarray, colour) -> None:
    """Alpha-blend ``colour`` (BGR, or an HxWx3 array) into ``canvas`` with
    ``mask`` (float 0..1), in place."""
    alpha = mask[..., None]
    canvas *= 1 - alpha
    canvas += alpha * np.asarray(colour, dtype=np.float32)


def _disc(shape, centre, axes, angle=0.0, soft=0.8) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.ellipse(mask, (int(round(centre[0] * 4)), int(round(centre[1] * 4))),
                (max(1, int(round(axes[0] * 4))),
                 max(1, int(round(axes[1] * 4)))), angle, 0, 360, 255, -1,
                cv2.LINE_AA, 2)
    out = mask.astype(np.float32) / 255
    if soft > 0:
        out = cv2.GaussianBlur(out, (0, 0), soft)
    return out


def draw_background(rng, size: int) -> np.ndarray:
    base = np.array([212, 208, 232], np.float32) + rng.normal(0, 4, 3)
    img = np.empty((size, size, 3), np.float32)
    img[:] = base
    img += _texture(rng, (size, size), 4)[..., None] * 6
    return img


def draw_red_cells(rng, img: np.ndarray, scale: float) -> None:
    size = img.shape[0]
    radius = RBC_RADIUS * size * scale
    count = int(0.55 * size * size / (np.pi * radius**2))
    canvas = np.ascontiguousarray(img)
    for _ in range(count):
        r = radius * rng.uniform(0.85, 1.12)
        cx, cy = rng.uniform(-r, size + r, 2)
        body = np.array([150, 140, 215], np.float32) + rng.normal(0, 6, 3)
        cv2.circle(canvas, (int(cx * 4), int(cy * 4)), max(1, int(r * 4)),
                   tuple(float(v) for v in body * 0.93), -1, cv2.LINE_AA, 2)
        if r > 2.5:
            cv2.circle(canvas, (int(cx * 4), int(cy * 4)),
                       max(1, int(r * 0.85 * 4)),
                       tuple(float(v) for v in body), -1, cv2.LINE_AA, 2)
            pallor = body + np.array([35, 40, 18], np.float32)
            cv2.circle(canvas, (int(cx * 4), int(cy * 4)),
                       max(1, int(r * 0.42 * 4)),
                       tuple(float(v) for v in pallor), -1, cv2.LINE_AA, 2)
    img[:] = canvas


def draw_platelets(rng, img: np.ndarray, scale: float) -> None:
    size = img.shape[0]
    count = int(rng.integers(2, 8) / max(scale, 0.3))
    for _ in range(count):
        r = max(0.8, 0.011 * size * scale * rng.uniform(0.7, 1.3))
        cx, cy = rng.uniform(0, size, 2)
        colour = (170 + rng.normal(0, 8), 110, 150)
        cv2.circle(img, (int(cx * 4), int(cy * 4)), int(r * 4),
                   tuple(float(v) for v in colour), -1, cv2.LINE_AA, 2)


def sample_attributes(rng, label: int) -> Optional[List[int]]:
    """Attribute values (0/1) of a cell of class ``label``; None for the
    class-0 artifacts, whose attributes are not applicable."""
    if label == 0:
        return None
    return [int(rng.random() < p) for p in ATTRIBUTE_PRIORS[label]]


def _nucleus_mask(rng, shape, centre, rn, irregular, lobes):
    """Nucleus as a soft mask: round/oval, indented (kidney) or lobed."""
    angle = rng.uniform(0, 180)
    if not irregular:
        return _disc(shape, centre, (rn, rn * rng.uniform(0.85, 1.0)), angle)
    n = int(rng.integers(lobes[0], lobes[1] + 1))
    if n <= 1:  # indented / kidney-shaped
        mask = _disc(shape, centre, (rn, rn * 0.9), angle)
        theta = np.deg2rad(rng.uniform(0, 360))
        bite = (centre[0] + np.cos(theta) * rn * 1.05,
                centre[1] + np.sin(theta) * rn * 1.05)
        return np.clip(mask - _disc(shape, bite, (rn * 0.6, rn * 0.6)) * 1.2,
                       0, 1)
    mask = np.zeros(shape, np.float32)
    theta0 = rng.uniform(0, 2 * np.pi)
    span = rng.uniform(1.6, 2.6)
    lobe_r = rn * (0.62 if n == 2 else 0.48)
    points = []
    for i in range(n):
        t = theta0 + span * (i / max(n - 1, 1) - 0.5)
        p = (centre[0] + np.cos(t) * rn * 0.6, centre[1] + np.sin(t) * rn * 0.6)
        points.append(p)
        mask = np.maximum(mask, _disc(shape, p, (lobe_r, lobe_r * 0.85),
                                      np.rad2deg(t)))
    bridge = np.zeros(shape, np.uint8)
    for a, b in zip(points[:-1], points[1:]):
        cv2.line(bridge, (int(a[0] * 4), int(a[1] * 4)),
                 (int(b[0] * 4), int(b[1] * 4)), 255,
                 max(1, int(lobe_r * 0.5 * 4)), cv2.LINE_AA, 2)
    return np.maximum(mask, bridge.astype(np.float32) / 255)


def _random_points_in(rng, mask, count, threshold=0.5):
    ys, xs = np.nonzero(mask > threshold)
    if len(xs) == 0 or count <= 0:
        return np.zeros((0, 2))
    idx = rng.integers(0, len(xs), count)
    return np.stack([xs[idx], ys[idx]], 1) + rng.uniform(-0.5, 0.5,
                                                         (count, 2))


def draw_white_cell(rng, img: np.ndarray, centre, radius: float, label: int,
                    attributes: Optional[List[int]]) -> List[float]:
    """Draw one white cell (or a class-0 artifact) and return its tight box
    ``[x1, y1, x2, y2]`` in image pixels."""
    size = img.shape[0]
    pad = int(np.ceil(radius * 1.4)) + 3
    x0, y0 = int(centre[0]) - pad, int(centre[1]) - pad
    x1, y1 = int(centre[0]) + pad + 1, int(centre[1]) + pad + 1
    cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, size), min(y1, size)
    patch = img[cy0:cy1, cx0:cx1]
    shape = patch.shape[:2]
    c = (centre[0] - cx0, centre[1] - cy0)
    soft = max(0.5, radius * 0.04)

    if label == 0:
        cell = np.zeros(shape, np.float32)
        for _ in range(int(rng.integers(2, 5))):
            off = rng.normal(0, radius * 0.35, 2)
            cell = np.maximum(cell, _disc(
                shape, (c[0] + off[0], c[1] + off[1]),
                (radius * rng.uniform(0.4, 0.8), radius * rng.uniform(0.25,
                                                                     0.6)),
                rng.uniform(0, 180), soft * 2))
        smear = _texture(rng, shape, 3) * 0.5 + 0.5
        _paint(patch, cell * 0.85,
               np.array([185, 120, 160], np.float32)[None, None] -
               smear[..., None] * 40)
        return _box_of(cell, cx0, cy0)

    cues = CLASS_CUES[label]
    big, coarse, irregular, nucleolus, abundant, basophilic, vacuoles = \
        attributes
    aspect = rng.uniform(0.88, 1.0)
    cell = _disc(shape, c, (radius, radius * aspect), rng.uniform(0, 180),
                 soft)
    cyto = np.array(cues['cytoplasm'], np.float32)
    if basophilic:
        cyto = cyto * 0.45 + np.array([205, 115, 85], np.float32) * 0.55
    cyto_tex = _texture(rng, shape, 5)[..., None] * 6
    _paint(patch, cell, cyto[None, None] + cyto_tex)

    rn = radius * (0.55 if abundant else 0.8)
    offset = rng.normal(0, radius * (0.15 if abundant else 0.05), 2)
    nc = (c[0] + offset[0], c[1] + offset[1])
    nucleus = _nucleus_mask(rng, shape, nc, rn, irregular, cues['lobes'])
    nucleus *= cell
    nuc = np.array(cues['nucleus'], np.float32)
    if coarse:
        clumps = _texture(rng, shape, max(3, radius / 2.2))
        nuc_col = nuc[None, None] - np.clip(clumps, 0, 1)[..., None] * 55 + \
            np.clip(-clumps, 0, 1)[..., None] * 20
    else:
        fine = _texture(rng, shape, max(3, radius / 1.2))
        nuc_col = nuc[None, None] + 22 + fine[..., None] * 6
    _paint(patch, nucleus, nuc_col)

    if nucleolus:
        for p in _random_points_in(rng, _disc(shape, nc, (rn * 0.5, rn * 0.5),
                                              soft=0) * nucleus,
                                   int(rng.integers(1, 4))):
            _paint(patch, _disc(shape, p, (rn * 0.16, rn * 0.14),
                                rng.uniform(0, 180), 0.6) * nucleus,
                   (205, 165, 170))
    rim = np.clip(cell - nucleus * 1.5, 0, 1)
    if vacuoles:
        for p in _random_points_in(rng, rim, int(rng.integers(3, 8))):
            r = radius * rng.uniform(0.06, 0.1)
            _paint(patch, _disc(shape, p, (r, r), 0, 0.5) * cell,
                   (238, 236, 240))
    if cues['granules'] is not None:
        colour, density, gsize = cues['granules']
        area = cell if label in (9, 13) else rim
        count = int(density * radius * radius * 0.6)
        gr = max(0.6, gsize * radius)
        for p in _random_points_in(rng, area, count):
            cv2.circle(patch, (int(p[0] * 4), int(p[1] * 4)), int(gr * 4),
                       tuple(float(v) + rng.normal(0, 8) for v in colour), -1,
                       cv2.LINE_AA, 2)
    if cues['rods'] and rng.random() < cues['rods']:
        inner = np.clip(rim - (1 - _disc(shape, c, (radius * 0.75,) * 2, 0,
                                          0)), 0, 1)
        for p in _random_points_in(rng, inner, int(rng.integers(1, 3))):
            t = rng.uniform(0, np.pi)
            d = np.array([np.cos(t), np.sin(t)]) * radius * 0.16
            cv2.line(patch, (int((p[0] - d[0]) * 4), int((p[1] - d[1]) * 4)),
                     (int((p[0] + d[0]) * 4), int((p[1] + d[1]) * 4)),
                     (90, 40, 200), max(1, int(radius * 0.035 * 4)),
                     cv2.LINE_AA, 2)
    return _box_of(cell, cx0, cy0)


def _box_of(mask: np.ndarray, ox: int, oy: int) -> List[float]:
    ys, xs = np.nonzero(mask > 0.35)
    return [float(xs.min() + ox), float(ys.min() + oy),
            float(xs.max() + ox + 1), float(ys.max() + oy + 1)]


def apply_domain(rng, img: np.ndarray, microscope: str, camera: str,
                 scale: float) -> np.ndarray:
    """Microscope and camera look; returns the final uint8 image."""
    scope, cam = MICROSCOPE_LOOK[microscope], CAMERA_LOOK[camera]
    size = img.shape[0]
    img = cv2.GaussianBlur(img, (0, 0), scope['blur'] * (0.6 + 0.4 * scale))
    mean = img.mean(axis=(0, 1), keepdims=True)
    img = mean + (img - mean) * scope['contrast']
    img *= np.array(scope['gain'], np.float32) * np.array(cam['gain'],
                                                          np.float32)
    if cam['saturation'] != 1.0:
        grey = img.mean(axis=2, keepdims=True)
        img = grey + (img - grey) * cam['saturation']
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size - 0.5
    vignette = 1 - scope['vignette'] * (xx**2 + yy**2) * 2
    img *= vignette[..., None]
    img += rng.normal(0, cam['noise'], img.shape).astype(np.float32)
    out = np.clip(img, 0, 255).astype(np.uint8)
    if cam['jpeg'] is not None:
        ok, buf = cv2.imencode('.jpg', out,
                               [cv2.IMWRITE_JPEG_QUALITY, cam['jpeg']])
        out = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return out


def render_field(rng: np.random.Generator, size: int, magnification: str,
                 microscope: str, camera: str,
                 class_weights: Dict[int, float]) -> Tuple[np.ndarray, list]:
    """Render one field of view.

    Args:
        rng: The field's random generator.
        size (int): Side of the square image in pixels.
        magnification, microscope, camera (str): The domain.
        class_weights (dict[int, float]): Relative frequency of each of the
            14 classes among the white cells of this field.

    Returns:
        tuple: ``(image, cells)``: the BGR uint8 (size, size, 3) image and a
        list of ``dict(bbox=[x1, y1, x2, y2], label=int, attributes=list |
        None)``, one per white cell (None = not applicable, class 0).
    """
    scale = MAGNIFICATION_SCALE[magnification]
    img = draw_background(rng, size)
    draw_red_cells(rng, img, scale)
    draw_platelets(rng, img, scale)
    lo, hi = WBC_COUNT[magnification]
    area_scale = (size / 256)**2
    count = int(rng.integers(int(lo * area_scale), int(hi * area_scale) + 1))
    labels = np.array(sorted(class_weights))
    probs = np.array([class_weights[k] for k in labels], np.float64)
    probs /= probs.sum()
    base = WBC_BASE_RADIUS * size * scale
    cells, placed = [], []
    for _ in range(count):
        label = int(rng.choice(labels, p=probs))
        attributes = sample_attributes(rng, label)
        big = attributes[0] if attributes is not None else rng.random() < .5
        radius = base * (1.22 if big else 0.86) * rng.uniform(0.94, 1.06)
        for _try in range(20):
            centre = rng.uniform(radius * 1.05, size - radius * 1.05, 2)
            if all(np.hypot(*(centre - p)) > (radius + r) * 1.02
                   for p, r in placed):
                break
        else:
            continue
        placed.append((centre, radius))
        bbox = draw_white_cell(rng, img, centre, radius, label, attributes)
        cells.append(dict(bbox=bbox, label=label, attributes=attributes))
    return apply_domain(rng, img, microscope, camera, scale), cells
