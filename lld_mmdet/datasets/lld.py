"""LLDDataset: COCO-style LLD annotations with attributes, regions, domains."""
import json
import os.path as osp
from typing import Any, List, Optional, Sequence, Union

from mmdet.datasets import CocoDataset
from mmdet.registry import DATASETS

from .converters.lld_yolo import parse_file_name
from .domains import DOMAIN_FIELDS, normalize_domain_value, normalize_filter
from .schema import (LLD_ATTRIBUTE_SCHEMA, LLD_CLASSES, LLD_PALETTE,
                     AttributeSchema, LLDAnnotationError)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@DATASETS.register_module()
class LLDDataset(CocoDataset):
    """Large Leukemia Dataset in the lld_mmdet COCO schema (data/README.md).

    On top of :class:`mmdet.datasets.CocoDataset` every instance carries
    ``attributes`` ((A,) int64 value indices, -1 = not applicable) and every
    image carries ``annotated_region`` (``[x1, y1, x2, y2]`` pixels of the
    original image, None = fully annotated, ``[]`` = nothing annotated) and
    its domain metadata (``microscope``, ``magnification``, ``camera``,
    ``patient``, ``diagnosis``; when an image record has no ``patient`` or
    ``diagnosis``, they are read from an LLD file name such as
    ``4_15_1000_ALL.png``).

    Every record is validated while loading; an invalid one raises
    :class:`LLDAnnotationError` naming the file, image id, annotation id and
    field.

    Args:
        attribute_schema (str | dict | AttributeSchema, optional): The
            attribute vocabulary (see :class:`AttributeSchema`). Defaults to
            ``metainfo['attribute_schema']`` if given there, else LLD's 7.
        microscopes, magnifications, cameras (list[str], optional): Keep only
            images of these domains (e.g. ``microscopes=['LCM']``); None keeps
            all. Images without that metadata are dropped by an active filter.
        check_image_files (bool): Raise if an image file is missing.
            Defaults to False.
        box_tolerance (float): How far (pixels) a box or region may stick
            out of the image before it is an error; within it, it is clipped.
            Defaults to 1.0.
        skip_unlisted_categories (bool): Drop annotations whose category name
            is not in ``metainfo['classes']`` (training on a subset of
            classes). By default that is an error, since a misspelt category
            would otherwise silently vanish. Defaults to False.
        **kwargs: Passed to :class:`CocoDataset`.
    """

    METAINFO = {
        'classes': LLD_CLASSES,
        'palette': LLD_PALETTE,
        'attribute_schema': LLD_ATTRIBUTE_SCHEMA,
    }

    def __init__(self,
                 *args,
                 attribute_schema: Union[None, str, dict,
                                         AttributeSchema] = None,
                 microscopes: Optional[Sequence[str]] = None,
                 magnifications: Optional[Sequence[str]] = None,
                 cameras: Optional[Sequence[str]] = None,
                 check_image_files: bool = False,
                 box_tolerance: float = 1.0,
                 skip_unlisted_categories: bool = False,
                 **kwargs) -> None:
        metainfo = dict(kwargs.pop('metainfo', None) or {})
        if attribute_schema is None:
            attribute_schema = metainfo.get('attribute_schema')
        self.attribute_schema = AttributeSchema.build(attribute_schema)
        metainfo['attribute_schema'] = self.attribute_schema.to_dict()
        self.domain_filters = dict(
            microscope=normalize_filter('microscope', microscopes),
            magnification=normalize_filter('magnification', magnifications),
            camera=normalize_filter('camera', cameras))
        self.check_image_files = check_image_files
        self.box_tolerance = box_tolerance
        self.skip_unlisted_categories = skip_unlisted_categories
        super().__init__(*args, metainfo=metainfo, **kwargs)

    # ------------------------------------------------------------------ load
    def load_data_list(self) -> List[dict]:
        """Load, validate and domain-filter the annotation file."""
        try:
            data_list = super().load_data_list()
        except json.JSONDecodeError as err:
            raise LLDAnnotationError(
                f'{self.ann_file}: not valid JSON: {err}') from None
        except (KeyError, TypeError) as err:
            # pycocotools indexes images/annotations/categories and their
            # ids without checking them
            raise LLDAnnotationError(
                f'{self.ann_file}: not a COCO file in the lld_mmdet schema '
                f'(data/README.md): missing or malformed {err}') from None
        active = {k: v for k, v in self.domain_filters.items() if v}
        if not active:
            return data_list
        kept = [
            info for info in data_list
            if all(info.get(k) in v for k, v in active.items())
        ]
        if data_list and not kept:
            present = sorted({
                tuple(info.get(k) for k in DOMAIN_FIELDS)
                for info in data_list
            }, key=str)
            raise ValueError(
                f'{self.ann_file}: the domain filter {active} keeps none of '
                f'{len(data_list)} images; (microscope, magnification, '
                f'camera) present: {present}')
        return kept

    def parse_data_info(self, raw_data_info: dict) -> dict:
        """Validate one image and its annotations, then parse them.

        The annotations are validated and pre-filtered here with exactly the
        rules of ``CocoDataset.parse_data_info`` (which then parses them), so
        that ``instances[i]`` and the attributes added here stay paired.
        """
        img = raw_data_info['raw_img_info']
        where = f'{self.ann_file}: image id {img.get("id")}'
        self._check_image(img, where)
        where = f'{where} ({img["file_name"]})'
        kept = []
        for ann in raw_data_info['raw_ann_info']:
            ann_where = f'{where}, annotation id {ann.get("id")}'
            ann = self._check_annotation(ann, img, ann_where)
            if ann is not None:
                kept.append((ann, ann_where))
        data_info = super().parse_data_info(
            dict(raw_img_info=img, raw_ann_info=[a for a, _ in kept]))
        assert len(data_info['instances']) == len(kept), 'lost pairing'
        for instance, (ann, ann_where) in zip(data_info['instances'], kept):
            instance['attributes'] = self.attribute_schema.encode(
                ann.get('attributes'), ann_where)
        data_info['num_attributes'] = self.attribute_schema.num_attributes
        data_info['annotated_region'] = self._parse_region(img, where)
        for field in DOMAIN_FIELDS:
            try:
                data_info[field] = normalize_domain_value(
                    field, img.get(field))
            except ValueError as err:
                raise LLDAnnotationError(
                    f'{where}: field "{field}": {err}') from None
        # the LLD's own COCO files name them only in the file name
        # (4_15_1000_ALL.png): fall back to it
        from_name = parse_file_name(img.get('file_name') or '')
        for field in ('patient', 'diagnosis'):
            data_info[field] = img.get(field, from_name.get(field))
        if self.check_image_files and not osp.isfile(data_info['img_path']):
            raise LLDAnnotationError(
                f'{where}: field "file_name": image file '
                f'{data_info["img_path"]} does not exist')
        return data_info

    # ------------------------------------------------------------ validation
    def _check_image(self, img: dict, where: str) -> None:
        if not isinstance(img.get('file_name'), str) or not img['file_name']:
            raise LLDAnnotationError(
                f'{where}: field "file_name" is missing or not a string')
        for key in ('width', 'height'):
            value = img.get(key)
            if not _is_number(value) or value <= 0:
                raise LLDAnnotationError(
                    f'{where} ({img["file_name"]}): field "{key}" must be a '
                    f'positive number, got {value!r}')

    def _parse_region(self, img: dict, where: str) -> Optional[List[float]]:
        """``annotated_region`` as ``[x1, y1, x2, y2]`` (clipped), ``[]`` or
        None; see the class docstring."""
        region = img.get('annotated_region')
        if region is None or (isinstance(region, list) and not region):
            return region
        field = 'field "annotated_region"'
        if not isinstance(region, (list, tuple)) or len(region) != 4 or \
                not all(_is_number(v) for v in region):
            raise LLDAnnotationError(
                f'{where}: {field} must be [x1, y1, x2, y2] in pixels or [], '
                f'got {region!r}')
        x1, y1, x2, y2 = self._clip_xyxy(region, img, where, field)
        if x2 <= x1 or y2 <= y1:
            raise LLDAnnotationError(
                f'{where}: {field} {list(region)} is empty (x2 <= x1 or '
                'y2 <= y1); write [] for an image with nothing annotated')
        return [x1, y1, x2, y2]

    def _clip_xyxy(self, box: Sequence[float], img: dict, where: str,
                   field: str) -> List[float]:
        x1, y1, x2, y2 = (float(v) for v in box)
        tol = self.box_tolerance
        w, h = img['width'], img['height']
        if x1 < -tol or y1 < -tol or x2 > w + tol or y2 > h + tol:
            raise LLDAnnotationError(
                f'{where}: {field} x1y1x2y2={[x1, y1, x2, y2]} lies outside '
                f'the {w}x{h} image (tolerance {tol} px)')
        return [max(x1, 0.), max(y1, 0.), min(x2, float(w)), min(y2, float(h))]

    def _check_annotation(self, ann: dict, img: dict,
                          where: str) -> Optional[dict]:
        """Validate one annotation; return the (clipped) copy that
        ``CocoDataset.parse_data_info`` should parse, or None if mmdet's rules
        drop it (``ignore: true``, sub-pixel size, category not trained)."""
        if ann.get('ignore', False):
            return None
        cat_id = ann.get('category_id')
        if cat_id not in self.coco.cats:
            raise LLDAnnotationError(
                f'{where}: field "category_id": unknown category {cat_id!r}; '
                f'the file declares {sorted(self.coco.cats)}')
        if cat_id not in self.cat_ids:
            if self.skip_unlisted_categories:
                return None
            raise LLDAnnotationError(
                f'{where}: field "category_id": category {cat_id} '
                f'({self.coco.cats[cat_id].get("name")!r}) is not one of the '
                f'dataset classes {list(self.metainfo["classes"])}; fix the '
                'name or set skip_unlisted_categories=True')
        bbox = ann.get('bbox')
        if not isinstance(bbox, (list, tuple)) or len(bbox) != 4 or \
                not all(_is_number(v) for v in bbox):
            raise LLDAnnotationError(
                f'{where}: field "bbox" must be [x, y, w, h], got {bbox!r}')
        x, y, w, h = bbox
        if w <= 0 or h <= 0:
            raise LLDAnnotationError(
                f'{where}: field "bbox" {list(bbox)} has zero or negative '
                'area')
        x1, y1, x2, y2 = self._clip_xyxy([x, y, x + w, y + h], img, where,
                                         'field "bbox"')
        if x2 - x1 < 1 or y2 - y1 < 1:
            return None  # mmdet drops boxes under 1 px too
        ann = dict(ann, bbox=[x1, y1, x2 - x1, y2 - y1])
        ann['area'] = ann.get('area') or (x2 - x1) * (y2 - y1)
        return ann
