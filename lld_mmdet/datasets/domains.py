"""LLD acquisition domains: microscope x magnification x camera.

The 12 released subsets are named ``{H,L}_{100X,40X,10X}_{C1,C2}``, e.g.
``H_100X_C1`` (high-cost microscope, 100x objective, camera 1). Inside
lld_mmdet the canonical values are ``HCM``/``LCM``, ``100x``/``40x``/``10x``
and ``C1``/``C2``.
"""
import re
from typing import Dict, Iterable, List, Optional

MICROSCOPES = ('HCM', 'LCM')
MAGNIFICATIONS = ('100x', '40x', '10x')
CAMERAS = ('C1', 'C2')
DOMAIN_FIELDS = ('microscope', 'magnification', 'camera')
CHOICES = dict(
    microscope=MICROSCOPES, magnification=MAGNIFICATIONS, camera=CAMERAS)

_SUBSET_RE = re.compile(r'(?<![A-Za-z0-9])([HL])_(100|40|10)X_(C[12])(?![0-9])',
                        re.IGNORECASE)


def normalize_domain_value(field: str, value: Optional[str]) -> Optional[str]:
    """Canonical spelling of a domain value, or raise ``ValueError``.

    Accepts e.g. ``'h'``/``'HCM'`` for microscopes, ``'100X'``/``'100x'``/
    ``100`` for magnifications and ``'c1'`` for cameras. None stays None.
    """
    if value is None:
        return None
    text = str(value).strip()
    if field == 'microscope':
        text = {'H': 'HCM', 'L': 'LCM'}.get(text.upper(), text.upper())
    elif field == 'magnification':
        text = text.lower().rstrip('x') + 'x'
    elif field == 'camera':
        text = text.upper()
    else:
        raise KeyError(f'unknown domain field {field!r}')
    if text not in CHOICES[field]:
        raise ValueError(f'{field} {value!r} is not one of {CHOICES[field]}')
    return text


def parse_subset_name(text: str) -> Optional[Dict[str, str]]:
    """Domain metadata from a subset name found anywhere in ``text``.

    ``'/data/LLD/L_40X_C2/images'`` -> ``{'microscope': 'LCM',
    'magnification': '40x', 'camera': 'C2'}``; None if no subset name.
    """
    match = _SUBSET_RE.search(text)
    if match is None:
        return None
    micro, mag, cam = match.groups()
    return dict(
        microscope=normalize_domain_value('microscope', micro),
        magnification=normalize_domain_value('magnification', mag),
        camera=normalize_domain_value('camera', cam))


def subset_name(microscope: str, magnification: str, camera: str) -> str:
    """Inverse of :func:`parse_subset_name`: ``('HCM', '100x', 'C1')`` ->
    ``'H_100X_C1'``."""
    return f'{microscope[0]}_{magnification.upper()}_{camera}'


def all_subsets() -> List[str]:
    """The 12 subset names, microscope-major order."""
    return [
        subset_name(m, g, c) for m in MICROSCOPES for g in MAGNIFICATIONS
        for c in CAMERAS
    ]


def normalize_filter(field: str,
                     values: Optional[Iterable[str]]) -> Optional[List[str]]:
    """Canonicalise a config filter such as ``microscopes=['h', 'LCM']``."""
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    return [normalize_domain_value(field, v) for v in values]
