"""LLDMetric: COCO box mAP plus per-attribute accuracy / P / R / F1."""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmdet.evaluation.functional import bbox_overlaps
from mmdet.evaluation.metrics import CocoMetric
from mmdet.registry import METRICS
from mmdet.structures.bbox import get_box_tensor
from mmengine.logging import MMLogger
from terminaltables import AsciiTable

from ...datasets.schema import AttributeSchema


def match_detections(det_bboxes: np.ndarray,
                     det_scores: np.ndarray,
                     det_labels: np.ndarray,
                     gt_bboxes: np.ndarray,
                     gt_labels: np.ndarray,
                     iou_thr: float = 0.5,
                     class_agnostic: bool = False
                     ) -> Tuple[np.ndarray, np.ndarray]:
    """Greedy one-to-one matching of detections to GT cells.

    Detections are taken in descending score order; each takes the unmatched
    GT box (of its class, unless ``class_agnostic``) with the highest IoU, if
    that IoU is at least ``iou_thr``. This is the COCO matching rule at one
    IoU threshold (the authors' code instead matched every GT to its best
    prediction with no threshold, so one detection could serve several
    cells).

    Args:
        det_bboxes (np.ndarray): (n, 4) x1y1x2y2.
        det_scores, det_labels (np.ndarray): (n,).
        gt_bboxes (np.ndarray): (m, 4) x1y1x2y2, same frame.
        gt_labels (np.ndarray): (m,).

    Returns:
        tuple[np.ndarray, np.ndarray]: indices of matched detections and of
        their GT cells, (k,) each.
    """
    if len(det_bboxes) == 0 or len(gt_bboxes) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    iou = bbox_overlaps(det_bboxes.astype(np.float32),
                        gt_bboxes.astype(np.float32))
    if not class_agnostic:
        iou = np.where(det_labels[:, None] == gt_labels[None, :], iou, -1.0)
    # only detections that can match anything take part in the greedy pass
    candidates = np.nonzero((iou >= iou_thr).any(1))[0]
    candidates = candidates[np.argsort(-det_scores[candidates],
                                       kind='stable')]
    taken = np.zeros(len(gt_bboxes), dtype=bool)
    det_idx, gt_idx = [], []
    for d in candidates:  # sequential by definition of greedy matching
        row = np.where(taken, -1.0, iou[d])
        g = int(row.argmax())
        if row[g] >= iou_thr:
            taken[g] = True
            det_idx.append(d)
            gt_idx.append(g)
    return np.asarray(det_idx, np.int64), np.asarray(gt_idx, np.int64)


def attribute_scores(y_true: np.ndarray, y_pred: np.ndarray,
                     num_values: Sequence[int]) -> List[Dict[str, float]]:
    """Per-attribute accuracy, macro precision / recall / F1 and support.

    Args:
        y_true (np.ndarray): (k, A) GT value indices, -1 = not applicable
            (left out for that attribute).
        y_pred (np.ndarray): (k, A) predicted value indices.
        num_values (list[int]): Values of each attribute.

    Returns:
        list[dict]: per attribute ``acc``, ``precision``, ``recall``,
        ``f1`` (macro over the values that occur in GT or prediction; a
        value never predicted has precision 0) and ``support``; -1 when the
        attribute has no valid pair.
    """
    out = []
    for a, nv in enumerate(num_values):
        valid = y_true[:, a] >= 0
        t, p = y_true[valid, a], y_pred[valid, a]
        if len(t) == 0:
            out.append(dict(acc=-1.0, precision=-1.0, recall=-1.0, f1=-1.0,
                            support=0))
            continue
        conf = np.bincount(t * nv + p, minlength=nv * nv).reshape(nv, nv)
        tp = np.diag(conf).astype(np.float64)
        pred_n, true_n = conf.sum(0), conf.sum(1)
        present = (pred_n + true_n) > 0
        precision = np.divide(tp, pred_n, out=np.zeros(nv), where=pred_n > 0)
        recall = np.divide(tp, true_n, out=np.zeros(nv), where=true_n > 0)
        f1 = np.divide(2 * precision * recall, precision + recall,
                       out=np.zeros(nv), where=(precision + recall) > 0)
        out.append(dict(acc=float(tp.sum() / len(t)),
                        precision=float(precision[present].mean()),
                        recall=float(recall[present].mean()),
                        f1=float(f1[present].mean()), support=int(len(t))))
    return out


def _centre_in(boxes: np.ndarray, region, xywh: bool = False) -> np.ndarray:
    """(n,) bool: box centres inside ``region`` (x1y1x2y2; None = the whole
    image, [] = nothing). Boxes are x1y1x2y2, or COCO xywh if ``xywh``."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if region is None:
        return np.ones(len(boxes), dtype=bool)
    if len(region) == 0:
        return np.zeros(len(boxes), dtype=bool)
    if xywh:
        cx, cy = boxes[:, 0] + boxes[:, 2] / 2, boxes[:, 1] + boxes[:, 3] / 2
    else:
        cx, cy = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] +
                                                   boxes[:, 3]) / 2
    x1, y1, x2, y2 = region
    return (cx >= x1) & (cx < x2) & (cy >= y1) & (cy < y2)


def _np(value) -> Optional[np.ndarray]:
    if value is None:
        return None
    if hasattr(value, 'tensor') or hasattr(value, 'cpu'):
        value = get_box_tensor(value) if hasattr(value, 'tensor') else value
        return value.detach().cpu().numpy()
    return np.asarray(value)


@METRICS.register_module()
class LLDMetric(CocoMetric):
    """COCO box metrics (pycocotools, exactly as mmdet's ``CocoMetric``)
    plus attribute metrics.

    Attribute metrics, for models that predict ``pred_instances.attributes``:

    - **on detections**: detections are matched one-to-one to GT cells
      (:func:`match_detections`: IoU >= ``attr_iou_thr``, greedy by score,
      same class unless ``attr_class_agnostic``); for every matched pair and
      every attribute whose GT is not "not applicable", the predicted value
      (argmax) is compared with the GT value. Keys per attribute
      ``attr_{name}_{acc,precision,recall,f1,support}``, and
      ``attr_mean_f1``, ``attr_mean_acc`` (over attributes with support),
      ``attr_matched`` (matched cells / GT cells).
    - **on GT boxes** (detection-free; when the model filled
      ``gt_instances.attribute_scores``, as :class:`AttrRoIHead` does):
      the same numbers with the prefix ``gtbox_attr_``.

    Box metrics are computed over the images that were evaluated (mmdet's
    CocoMetric uses every image of ``ann_file``, so a domain-filtered
    dataset would be scored as if the other images had no detection).

    GT cells and their attributes come from the data samples'
    ``gt_instances`` (the test pipeline must load annotations after
    ``Resize``, mmdet's convention, so boxes are in original pixels). All
    keys are flat floats (usable by ``save_best``) under the prefix
    ``lld/``.

    With ``region_aware=True`` (for sparsely annotated evaluation splits) an
    image's GT cells and predictions count only if their box centre lies in
    the image's ``annotated_region`` (original pixels, read from
    ``ann_file``; the generator's labelling rule), so unlabelled cells
    outside the region are not scored as false positives. Images without a
    region count whole; images with ``[]`` count nothing.

    Args:
        attr_iou_thr (float): IoU for a detection to count as a GT cell.
            Defaults to 0.5.
        attr_class_agnostic (bool): Match regardless of class. Defaults to
            False.
        region_aware (bool): See above; needs ``ann_file``. Defaults to
            False.
        **kwargs: Passed to :class:`CocoMetric` (``ann_file``,
            ``classwise`` ...; ``metric`` defaults to ``'bbox'``).
    """
    default_prefix: Optional[str] = 'lld'

    def __init__(self,
                 attr_iou_thr: float = 0.5,
                 attr_class_agnostic: bool = False,
                 region_aware: bool = False,
                 **kwargs) -> None:
        kwargs.setdefault('metric', 'bbox')
        super().__init__(**kwargs)
        if region_aware and self._coco_api is None:
            raise ValueError('LLDMetric(region_aware=True) needs ann_file '
                             '(the regions are read from it)')
        self.attr_iou_thr = attr_iou_thr
        self.attr_class_agnostic = attr_class_agnostic
        self.region_aware = region_aware

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        super().process(data_batch, data_samples)
        new = self.results[len(self.results) - len(data_samples):]
        for (_, result), sample in zip(new, data_samples):
            result['attr_record'] = self._attribute_record(sample)

    @staticmethod
    def _attribute_record(sample: dict) -> dict:
        pred = sample['pred_instances']
        gt = sample.get('gt_instances', {}) or {}
        record = dict(
            det_bboxes=_np(pred['bboxes']).reshape(-1, 4),
            det_scores=_np(pred['scores']),
            det_labels=_np(pred['labels']),
            det_attrs=None, gt_bboxes=np.zeros((0, 4)),
            gt_labels=np.zeros(0, np.int64), gt_attrs=None,
            gtbox_attrs=None)
        if 'attributes' in pred:
            record['det_attrs'] = _np(pred['attributes']).argmax(-1)
        if 'bboxes' in gt:
            record['gt_bboxes'] = _np(gt['bboxes']).reshape(-1, 4)
            record['gt_labels'] = _np(gt['labels'])
        if 'attributes' in gt:
            record['gt_attrs'] = _np(gt['attributes'])
        if 'attribute_scores' in gt:
            record['gtbox_attrs'] = _np(gt['attribute_scores']).argmax(-1)
        return record

    def compute_metrics(self, results: list) -> Dict[str, float]:
        if self.region_aware:
            return self._region_aware_metrics(results)
        return self._compute(results)

    def _region_aware_metrics(self, results: list) -> Dict[str, float]:
        """Score only what lies in each image's annotated region."""
        full_api = self._coco_api
        regions = {
            img_id: img.get('annotated_region')
            for img_id, img in full_api.imgs.items()
        }
        kept = dict(full_api.dataset)
        kept['annotations'] = [
            ann for ann in full_api.dataset['annotations']
            if _centre_in(np.array([ann['bbox']]), regions[ann['image_id']],
                          xywh=True)[0]
        ]
        api = type(full_api)()
        api.dataset = kept
        api.createIndex()
        filtered = []
        for gt, result in results:
            region = regions.get(result['img_id'])
            keep = _centre_in(result['bboxes'], region)
            result = dict(result, bboxes=result['bboxes'][keep],
                          scores=result['scores'][keep],
                          labels=result['labels'][keep])
            record = dict(result['attr_record'])
            det_keep = _centre_in(record['det_bboxes'], region)
            for key in ('det_bboxes', 'det_scores', 'det_labels',
                        'det_attrs'):
                if record[key] is not None:
                    record[key] = record[key][det_keep]
            gt_keep = _centre_in(record['gt_bboxes'], region)
            for key in ('gt_bboxes', 'gt_labels', 'gt_attrs', 'gtbox_attrs'):
                if record[key] is not None:
                    record[key] = record[key][gt_keep]
            result['attr_record'] = record
            filtered.append((gt, result))
        self._coco_api = api
        try:
            return self._compute(filtered)
        finally:
            self._coco_api = full_api

    def _compute(self, results: list) -> Dict[str, float]:
        # Score the images that were evaluated, not every image of ann_file:
        # with a domain filter (or any subset) CocoMetric would count the
        # cells of the images never predicted on as missed.
        self.img_ids = sorted({res['img_id'] for _, res in results})
        eval_results = super().compute_metrics(results)
        if self.format_only:
            return eval_results
        for metric in self.metrics:
            # CocoMetric returns nothing when there is no detection at all;
            # that is an mAP of 0, and save_best needs the key.
            if f'{metric}_mAP' not in eval_results:
                for suffix in ('', '_50', '_75', '_s', '_m', '_l'):
                    eval_results[f'{metric}_mAP{suffix}'] = 0.0
        records = [res['attr_record'] for _, res in results]
        eval_results.update(self._attribute_metrics(records))
        return eval_results

    def _attribute_metrics(self, records: List[dict]) -> Dict[str, float]:
        with_gt = [r for r in records if r['gt_attrs'] is not None]
        if not with_gt:
            return {}
        schema_cfg = (self.dataset_meta or {}).get('attribute_schema')
        if schema_cfg is not None:
            schema = AttributeSchema.build(schema_cfg)
            names, num_values = schema.names, schema.num_values
        else:  # no schema: name attributes by column, values from the data
            gt_all = np.concatenate([r['gt_attrs'] for r in with_gt
                                     if r['gt_attrs'].ndim == 2])
            names = [f'a{i}' for i in range(gt_all.shape[1])]
            num_values = [int(max(gt_all[:, i].max(initial=0), 1)) + 1
                          for i in range(gt_all.shape[1])]
        for r in with_gt:  # an image without cells may come as shape (0,)
            r['gt_attrs'] = r['gt_attrs'].reshape(-1, len(names))
            for key in ('det_attrs', 'gtbox_attrs'):
                if r[key] is not None:
                    r[key] = r[key].reshape(-1, len(names))
        eval_results: Dict[str, float] = {}
        rows = []
        num_gt = sum(len(r['gt_attrs']) for r in with_gt)
        if all(r['det_attrs'] is not None for r in with_gt):
            true, pred = [], []
            for r in with_gt:
                d, g = match_detections(r['det_bboxes'], r['det_scores'],
                                        r['det_labels'], r['gt_bboxes'],
                                        r['gt_labels'], self.attr_iou_thr,
                                        self.attr_class_agnostic)
                true.append(r['gt_attrs'][g])
                pred.append(r['det_attrs'][d])
            true, pred = np.concatenate(true), np.concatenate(pred)
            rows += self._add(eval_results, 'attr', names, num_values, true,
                              pred)
            eval_results['attr_matched'] = round(
                len(true) / max(num_gt, 1), 4)
        if all(r['gtbox_attrs'] is not None for r in with_gt):
            true = np.concatenate([r['gt_attrs'] for r in with_gt])
            pred = np.concatenate([r['gtbox_attrs'] for r in with_gt])
            rows += self._add(eval_results, 'gtbox_attr', names, num_values,
                              true, pred)
        if rows:
            table = AsciiTable([['on', 'attribute', 'acc', 'precision',
                                 'recall', 'F1', 'support']] + rows)
            MMLogger.get_current_instance().info('\n' + table.table)
        return eval_results

    @staticmethod
    def _add(eval_results: dict, prefix: str, names: List[str],
             num_values: List[int], true: np.ndarray,
             pred: np.ndarray) -> list:
        scores = attribute_scores(true, pred, num_values)
        rows = []
        for name, s in zip(names, scores):
            for key in ('acc', 'precision', 'recall', 'f1'):
                eval_results[f'{prefix}_{name}_{key}'] = round(s[key], 4)
            eval_results[f'{prefix}_{name}_support'] = s['support']
            rows.append([prefix, name] + [f'{s[k]:.3f}' for k in (
                'acc', 'precision', 'recall', 'f1')] + [s['support']])
        defined = [s for s in scores if s['support'] > 0]
        for key in ('f1', 'acc'):
            eval_results[f'{prefix}_mean_{key}'] = round(
                float(np.mean([s[key] for s in defined])), 4) \
                if defined else -1.0
        rows.append([prefix, 'mean', f'{eval_results[prefix + "_mean_acc"]:.3f}',
                     '', '', f'{eval_results[prefix + "_mean_f1"]:.3f}', ''])
        return rows
