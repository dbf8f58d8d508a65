"""Per-iteration statistics of the semi-supervised pseudo labels."""
import json
import os.path as osp
from typing import Dict, Optional, Tuple

import numpy as np
import torch
from mmdet.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from ...evaluation.metrics.lld_metric import match_detections
from ...models.task_modules.assigners import region_covered_fraction


@HOOKS.register_module()
class PseudoLabelStatsHook(Hook):
    """Logs the pseudo labels :class:`LLDSemiDetector` made in each step.

    Scalars (``train/`` prefix, so the logger prints them and the
    visualisation backends store them per iteration):

    - ``pseudo_per_img``: pseudo labels per training image;
    - ``pseudo_score``: their mean teacher score (steps that made any);
    - ``uncertain_per_img``: similarity-loss queries per image;
    - with ``full_ann_file`` (the hidden full annotation of the sparse
      training set; the demo set ships ``train_full.json``):
      ``pseudo_precision``, the fraction of pseudo labels that match a
      hidden cell outside the annotated region (same class, IoU >=
      ``iou_thr``, one-to-one by score), and ``pseudo_recall``, the fraction
      of hidden cells outside the region that a pseudo label matched. A
      hidden cell is "outside" when less than ``region_iof_thr`` of it lies
      in the region (the rule pseudo labels use). Images are looked up by
      file name; ratios are logged for steps where they are defined.
    - with foreground pseudo labels (``semi_train_cfg.fg_score_thr``):
      ``fg_pseudo_per_img``; the precision and recall above then count the
      class pseudo labels only, and with ``full_ann_file``
      ``fg_pseudo_precision`` (foreground pseudo labels matching a hidden
      cell of any class) and ``box_recall`` (hidden cells outside the
      region matched by any pseudo label, class ignored).
    - with pseudo background (``semi_train_cfg.bg_score_thr``):
      ``bg_ignored_per_img``, the teacher boxes that stay ignored outside
      the region, and with ``full_ann_file`` ``bg_negative_share``, the
      fraction of hidden cells outside the region that none of them
      matches (any class): cells the student may learn as background.

    Args:
        full_ann_file (str, optional): COCO file with the full labels.
        iou_thr (float): Match IoU. Defaults to 0.5.
        region_iof_thr (float): See above. Defaults to 0.5.
    """

    priority = 'NORMAL'  # before LoggerHook (BELOW_NORMAL) logs the step

    def __init__(self,
                 full_ann_file: Optional[str] = None,
                 iou_thr: float = 0.5,
                 region_iof_thr: float = 0.5) -> None:
        self.full_ann_file = full_ann_file
        self.iou_thr = iou_thr
        self.region_iof_thr = region_iof_thr
        self._hidden: Optional[Dict[str, Tuple[np.ndarray, np.ndarray]]] = \
            None

    def before_train(self, runner) -> None:
        if self.full_ann_file is None:
            return
        classes = runner.train_dataloader.dataset.metainfo['classes']
        self._hidden = self.load_full_annotations(self.full_ann_file,
                                                  classes)

    @staticmethod
    def load_full_annotations(path: str, classes) -> Dict[str, tuple]:
        """{file name: ((m, 4) x1y1x2y2 boxes, (m,) class indices)}."""
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'PseudoLabelStatsHook.full_ann_file: {path} does not exist')
        with open(path) as f:
            coco = json.load(f)
        index = {name: i for i, name in enumerate(classes)}
        cat2label = {}
        for cat in coco.get('categories', []):
            if cat['name'] not in index:
                raise ValueError(
                    f'{path}: category {cat["name"]!r} (id {cat["id"]}) is '
                    f'not a class of the training set ({list(classes)})')
            cat2label[cat['id']] = index[cat['name']]
        boxes = {img['id']: [] for img in coco['images']}
        labels = {img['id']: [] for img in coco['images']}
        for ann in coco.get('annotations', []):
            x, y, w, h = ann['bbox']
            boxes[ann['image_id']].append([x, y, x + w, y + h])
            labels[ann['image_id']].append(cat2label[ann['category_id']])
        return {
            osp.basename(img['file_name']):
            (np.asarray(boxes[img['id']], dtype=np.float32).reshape(-1, 4),
             np.asarray(labels[img['id']], dtype=np.int64))
            for img in coco['images']
        }

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        log = getattr(model, 'pseudo_log', None)
        if not log:
            return
        hub = runner.message_hub
        with_fg = any('fg_only' in entry for entry in log)
        fg_only = [
            entry.get('fg_only', np.zeros(len(entry['labels']), dtype=bool))
            for entry in log
        ]
        num = sum(len(entry['labels']) for entry in log)
        num_fg = int(sum(flags.sum() for flags in fg_only))
        hub.update_scalar('train/pseudo_per_img', num / len(log))
        if with_fg:
            hub.update_scalar('train/fg_pseudo_per_img', num_fg / len(log))
        hub.update_scalar('train/uncertain_per_img',
                          sum(e['num_uncertain'] for e in log) / len(log))
        if num:
            hub.update_scalar(
                'train/pseudo_score',
                float(np.concatenate([e['scores'] for e in log]).mean()))
        with_bg = any('bg_bboxes' in entry for entry in log)
        if with_bg:
            hub.update_scalar(
                'train/bg_ignored_per_img',
                sum(len(e.get('bg_bboxes', ())) for e in log) / len(log))
        if self._hidden is None:
            return
        tp = tp_fg = tp_box = tp_bg = hidden_outside = 0
        for entry, flags in zip(log, fg_only):
            hidden = self._hidden.get(osp.basename(entry['img_path'] or ''))
            if hidden is None or entry['region'] is None:
                continue
            boxes, labels = self.outside(hidden, entry['region'])
            hidden_outside += len(boxes)
            cls = ~flags
            det, _ = match_detections(entry['bboxes'][cls],
                                      entry['scores'][cls],
                                      entry['labels'][cls], boxes, labels,
                                      self.iou_thr)
            tp += len(det)
            if with_fg:
                tp_fg += len(self.match_any_class(
                    entry['bboxes'][flags], entry['scores'][flags], boxes))
                tp_box += len(self.match_any_class(
                    entry['bboxes'], entry['scores'], boxes))
            if 'bg_bboxes' in entry:
                tp_bg += len(self.match_any_class(
                    entry['bg_bboxes'], entry['bg_scores'], boxes))
        if num - num_fg:
            hub.update_scalar('train/pseudo_precision', tp / (num - num_fg))
        if num_fg:
            hub.update_scalar('train/fg_pseudo_precision', tp_fg / num_fg)
        if hidden_outside:
            hub.update_scalar('train/pseudo_recall', tp / hidden_outside)
            if with_fg:
                hub.update_scalar('train/box_recall',
                                  tp_box / hidden_outside)
            if with_bg:
                hub.update_scalar('train/bg_negative_share',
                                  1 - tp_bg / hidden_outside)

    def match_any_class(self, bboxes: np.ndarray, scores: np.ndarray,
                        hidden_boxes: np.ndarray) -> np.ndarray:
        """Indices of the pseudo labels matching a hidden cell of any class
        (IoU >= ``iou_thr``, one-to-one by score)."""
        labels = np.zeros(len(bboxes), dtype=np.int64)
        det, _ = match_detections(bboxes, scores, labels, hidden_boxes,
                                  np.zeros(len(hidden_boxes), np.int64),
                                  self.iou_thr, class_agnostic=True)
        return det

    def outside(self, hidden: tuple, region: np.ndarray) -> tuple:
        """The hidden cells lying outside the annotated region."""
        boxes, labels = hidden
        covered = region_covered_fraction(
            torch.from_numpy(boxes),
            torch.as_tensor(region, dtype=torch.float32)).numpy()
        keep = covered < self.region_iof_thr
        return boxes[keep], labels[keep]
