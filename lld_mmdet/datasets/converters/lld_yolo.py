"""The authors' YOLO label files <-> the lld_mmdet COCO schema.

Formats (lld_facts.md), one row per cell, box normalised to [0, 1]:

- ``miccai12``: ``cls xc yc w h a0 .. a6`` (MICCAI 2024 release)
- ``sparse16``: ``cls xc yc w h x1 y1 x2 y2 a0 .. a6`` (MedIA 2025 release):
  columns 6-9 are the image's annotated region in absolute pixels, repeated
  on every row of the image.

An attribute value of ``yolo_na_value`` (2) means "not applicable". The
attribute columns follow ``attribute_names`` (default: the schema's order,
which is the authors' code order).
"""
import json
import os
import os.path as osp
import re
import tempfile
from typing import Dict, List, Optional, Sequence, Tuple

from ..domains import normalize_domain_value, parse_subset_name
from ..schema import (ATTR_IGNORE_INDEX, LLD_CLASSES, AttributeSchema,
                      LLDAnnotationError)

FORMATS = ('miccai12', 'sparse16')
IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff')
#: ``4_15_1000_ALL.png``: patient, image, total magnification, diagnosis.
LLD_FILE_NAME = re.compile(r'^(\d+)_(\d+)_(\d+)_([A-Za-z]+)')
_COORD_TOL = 1e-3  # normalised coordinates may overshoot [0, 1] by rounding


class LLDConversionError(LLDAnnotationError):
    """Raised with every ``file:line: reason`` found; nothing was written."""

    def __init__(self, errors: Sequence[str]) -> None:
        shown = list(errors[:50])
        more = len(errors) - len(shown)
        text = '\n'.join(shown) + (f'\n... and {more} more' if more else '')
        super().__init__(text)
        self.errors = list(errors)


def parse_file_name(file_name: str) -> Dict[str, str]:
    """Patient and diagnosis from an LLD file name, if it follows the
    ``patient_image_magnification_DIAGNOSIS`` pattern; else ``{}``."""
    match = LLD_FILE_NAME.match(osp.basename(file_name))
    if match is None:
        return {}
    return dict(patient=match.group(1), diagnosis=match.group(4).upper())


def _image_size(path: str) -> Tuple[int, int]:
    from PIL import Image
    with Image.open(path) as img:  # reads the header only
        return img.size


def _int_value(text: str) -> int:
    value = float(text)
    if not value.is_integer():
        raise ValueError(f'{text!r} is not an integer')
    return int(value)


class _YoloRow:
    __slots__ = ('label', 'box', 'region', 'attributes')

    def __init__(self, label, box, region, attributes):
        self.label = label
        self.box = box  # xc, yc, w, h normalised
        self.region = region  # x1, y1, x2, y2 pixels or None
        self.attributes = attributes  # value indices, ATTR_IGNORE_INDEX=N/A


def _parse_row(fields: List[str], fmt: str, schema: AttributeSchema,
               columns: List[int], num_classes: int,
               yolo_na_value: int) -> _YoloRow:
    """Parse one row; raises ValueError with the reason."""
    n_box = 9 if fmt == 'sparse16' else 5
    expected = n_box + len(columns)
    if len(fields) != expected:
        raise ValueError(f'expected {expected} columns for {fmt} with '
                         f'{len(columns)} attributes, got {len(fields)}')
    label = _int_value(fields[0])
    if not 0 <= label < num_classes:
        raise ValueError(f'class {label} out of range 0..{num_classes - 1}')
    box = [float(v) for v in fields[1:5]]
    xc, yc, w, h = box
    if w <= 0 or h <= 0:
        raise ValueError(f'box width/height must be > 0, got {w} {h}')
    if (xc - w / 2 < -_COORD_TOL or yc - h / 2 < -_COORD_TOL
            or xc + w / 2 > 1 + _COORD_TOL or yc + h / 2 > 1 + _COORD_TOL):
        raise ValueError(f'box {box} is not inside the normalised image '
                         '[0, 1]')
    region = [float(v) for v in fields[5:9]] if fmt == 'sparse16' else None
    if region is not None and (region[2] <= region[0]
                               or region[3] <= region[1]):
        raise ValueError(f'annotated region x1y1x2y2={region} is empty')
    attributes = [ATTR_IGNORE_INDEX] * schema.num_attributes
    for col, text in zip(columns, fields[n_box:]):
        value = _int_value(text)
        if value == yolo_na_value:
            continue
        if not 0 <= value < schema.num_values[col]:
            raise ValueError(
                f'attribute {schema.names[col]!r} value {value} out of range '
                f'0..{schema.num_values[col] - 1} (N/A = {yolo_na_value})')
        attributes[col] = value
    return _YoloRow(label, box, region, attributes)


def _attribute_columns(schema: AttributeSchema,
                       attribute_names: Optional[Sequence[str]],
                       yolo_na_value: int) -> List[int]:
    names = list(attribute_names) if attribute_names else list(schema.names)
    unknown = [n for n in names if n not in schema.names]
    if unknown:
        raise LLDConversionError([
            f'attribute names {unknown} are not in schema {schema.name!r} '
            f'({schema.names})'
        ])
    if len(set(names)) != len(names):
        raise LLDConversionError([f'attribute names repeat: {names}'])
    columns = [schema.names.index(n) for n in names]
    clash = [schema.names[c] for c in columns
             if 0 <= yolo_na_value < schema.num_values[c]]
    if clash:
        raise LLDConversionError([
            f'YOLO N/A value {yolo_na_value} is a valid value of {clash}; '
            'choose another yolo_na_value'
        ])
    return columns


def list_images(images_dir: str) -> List[str]:
    """Image file names (relative, sorted) directly inside ``images_dir``."""
    if not osp.isdir(images_dir):
        raise LLDConversionError([f'{images_dir}: images folder not found'])
    return sorted(
        f for f in os.listdir(images_dir)
        if f.lower().endswith(IMAGE_EXTENSIONS)
        and osp.isfile(osp.join(images_dir, f)))


def yolo_to_coco(images_dir: str,
                 labels_dir: str,
                 fmt: str,
                 attribute_schema=None,
                 attribute_names: Optional[Sequence[str]] = None,
                 microscope: Optional[str] = None,
                 magnification: Optional[str] = None,
                 camera: Optional[str] = None,
                 yolo_na_value: int = 2,
                 classes: Sequence[str] = LLD_CLASSES) -> dict:
    """Convert one folder of images and its YOLO label files.

    Args:
        images_dir (str): Folder with the images (sizes are read from them).
        labels_dir (str): Folder with ``<image stem>.txt`` label files. A
            missing or empty label file means no cell; in ``sparse16`` it
            also means the region is unknown, written as ``[]`` (nothing
            annotated, so the image can only teach through pseudo labels).
        fmt (str): ``'miccai12'`` or ``'sparse16'``.
        attribute_schema: See :meth:`AttributeSchema.build`.
        attribute_names (list[str], optional): Attribute of each attribute
            column, in file order. Defaults to the schema order.
        microscope, magnification, camera (str, optional): Domain metadata.
            Each one not given is parsed from a subset name like
            ``H_100X_C1`` in the images path, if there is one.
        yolo_na_value (int): The files' "not applicable" value. Default 2.
        classes (list[str]): Class names; YOLO class i is ``classes[i]``.

    Returns:
        dict: A COCO dict in the lld_mmdet schema (data/README.md).

    Raises:
        LLDConversionError: listing every ``file:line: reason`` found.
    """
    if fmt not in FORMATS:
        raise LLDConversionError([f'unknown format {fmt!r}; use {FORMATS}'])
    schema = AttributeSchema.build(attribute_schema)
    columns = _attribute_columns(schema, attribute_names, yolo_na_value)
    domain = parse_subset_name(osp.abspath(images_dir)) or {}
    errors: List[str] = []
    for field, value in (('microscope', microscope),
                         ('magnification', magnification), ('camera',
                                                            camera)):
        if value is not None:
            try:
                domain[field] = normalize_domain_value(field, value)
            except ValueError as err:
                errors.append(f'--{field}: {err}')

    images, annotations = [], []
    file_names = list_images(images_dir)
    stems = {osp.splitext(f)[0] for f in file_names}
    if osp.isdir(labels_dir):
        for name in sorted(os.listdir(labels_dir)):
            if (name.endswith('.txt') and name != 'classes.txt'
                    and name[:-4] not in stems):
                errors.append(f'{osp.join(labels_dir, name)}: no image with '
                              f'this name in {images_dir}')
    else:
        errors.append(f'{labels_dir}: labels folder not found')
    for img_id, file_name in enumerate(file_names, start=1):
        img_path = osp.join(images_dir, file_name)
        try:
            width, height = _image_size(img_path)
        except Exception as err:  # unreadable image
            errors.append(f'{img_path}: cannot read image size: {err}')
            continue
        image = dict(id=img_id, file_name=file_name, width=width,
                     height=height)
        image.update(domain)
        image.update(parse_file_name(file_name))
        label_path = osp.join(labels_dir, osp.splitext(file_name)[0] + '.txt')
        rows: List[Tuple[int, _YoloRow]] = []
        if osp.isfile(label_path):
            with open(label_path) as f:
                for line_no, line in enumerate(f, start=1):
                    fields = line.split()
                    if not fields:
                        continue
                    try:
                        rows.append((line_no,
                                     _parse_row(fields, fmt, schema, columns,
                                                len(classes),
                                                yolo_na_value)))
                    except ValueError as err:
                        errors.append(f'{label_path}:{line_no}: {err}')
        if fmt == 'sparse16':
            image['annotated_region'] = _common_region(
                rows, label_path, width, height, errors)
        images.append(image)
        for _, row in rows:
            xc, yc, w, h = row.box
            x1 = min(max((xc - w / 2) * width, 0.0), width)
            y1 = min(max((yc - h / 2) * height, 0.0), height)
            x2 = min(max((xc + w / 2) * width, 0.0), width)
            y2 = min(max((yc + h / 2) * height, 0.0), height)
            bbox = [round(x1, 3), round(y1, 3), round(x2 - x1, 3),
                    round(y2 - y1, 3)]
            annotations.append(
                dict(id=len(annotations) + 1, image_id=img_id,
                     category_id=row.label, bbox=bbox,
                     area=round(bbox[2] * bbox[3], 3), iscrowd=0,
                     attributes=schema.decode(row.attributes)))
    if errors:
        raise LLDConversionError(errors)
    return dict(
        info=dict(description='LLD converted by lld_mmdet from YOLO '
                  f'{fmt} labels', attribute_schema=schema.to_dict()),
        images=images,
        annotations=annotations,
        categories=[dict(id=i, name=n) for i, n in enumerate(classes)])


def _common_region(rows, label_path, width, height,
                   errors) -> List[float]:
    """The region all rows of one sparse16 file agree on."""
    if not rows:
        return []
    first_line, first = rows[0]
    for line_no, row in rows[1:]:
        if row.region != first.region:
            errors.append(f'{label_path}:{line_no}: annotated region '
                          f'{row.region} differs from line {first_line} '
                          f'({first.region})')
            return []
    x1, y1, x2, y2 = first.region
    if x1 < -1 or y1 < -1 or x2 > width + 1 or y2 > height + 1:
        errors.append(f'{label_path}:{first_line}: annotated region '
                      f'{first.region} lies outside the {width}x{height} '
                      'image')
    return [max(x1, 0.0), max(y1, 0.0), min(x2, width), min(y2, height)]


def coco_to_yolo(coco: dict,
                 labels_dir: str,
                 fmt: str,
                 attribute_schema=None,
                 attribute_names: Optional[Sequence[str]] = None,
                 yolo_na_value: int = 2) -> List[str]:
    """Write the YOLO label files of a COCO dict in the lld_mmdet schema.

    The inverse of :func:`yolo_to_coco` (category id = YOLO class). In
    ``sparse16`` a fully annotated image gets the whole image as region, and
    an image with nothing annotated gets an empty file.

    Returns:
        list[str]: The written file paths.
    """
    if fmt not in FORMATS:
        raise ValueError(f'unknown format {fmt!r}; use {FORMATS}')
    schema = AttributeSchema.build(attribute_schema)
    columns = _attribute_columns(schema, attribute_names, yolo_na_value)
    os.makedirs(labels_dir, exist_ok=True)
    by_image: Dict[int, List[dict]] = {img['id']: [] for img in coco['images']}
    for ann in coco['annotations']:
        by_image[ann['image_id']].append(ann)
    written = []
    for img in coco['images']:
        width, height = img['width'], img['height']
        region = img.get('annotated_region')
        if region is None:
            region = [0, 0, width, height]
        lines = []
        if fmt == 'miccai12' or region:
            for ann in by_image[img['id']]:
                x, y, w, h = ann['bbox']
                fields = [str(ann['category_id'])] + [
                    f'{v:.6f}' for v in ((x + w / 2) / width,
                                         (y + h / 2) / height, w / width,
                                         h / height)
                ]
                if fmt == 'sparse16':
                    fields += [f'{v:g}' for v in region]
                values = schema.encode(ann.get('attributes'))
                fields += [
                    str(yolo_na_value if values[c] == ATTR_IGNORE_INDEX else
                        int(values[c])) for c in columns
                ]
                lines.append(' '.join(fields))
        path = osp.join(labels_dir, osp.splitext(img['file_name'])[0] + '.txt')
        os.makedirs(osp.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(''.join(line + '\n' for line in lines))
        written.append(path)
    return written


def dump_json_atomic(obj: dict, path: str, overwrite: bool = False) -> None:
    """Write JSON through a temporary file, so a failure never leaves a
    partial file and an existing file is replaced only if ``overwrite``."""
    if osp.exists(path) and not overwrite:
        raise FileExistsError(f'{path} exists; pass --overwrite to replace it')
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix='.json.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'w') as f:
            json.dump(obj, f)
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
