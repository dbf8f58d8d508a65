"""Teacher-student training on sparsely annotated fields of view."""
import contextlib
import copy
import logging
from typing import Dict, List, Optional, Tuple, Union

import numpy as np
import torch
from mmcv.ops import batched_nms, roi_align
from mmdet.models.detectors import BaseDetector, SemiBaseDetector
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample, SampleList
from mmdet.structures.bbox import (BaseBoxes, bbox_overlaps, bbox_project,
                                   get_box_tensor)
from mmdet.utils import ConfigType, OptConfigType, OptMultiConfig
from mmengine.config import ConfigDict
from mmengine.logging import MessageHub, print_log
from mmengine.structures import InstanceData
from torch import Tensor, nn

from ...datasets.transforms.region import project_region
from ...datasets.transforms.sparse_region import is_region_strip
from ..task_modules.assigners import region_covered_fraction
from ..utils.flip_fusion import (flip_images, fuse_detections,
                                   normalize_flip_directions, unflipped_views)
from ..utils.semi_train_cfg import (SEMI_PRESETS, _is_unit_number,
                                    in_burn_in, resolve_semi_train_cfg)

__all__ = ['LLDSemiDetector', 'SEMI_PRESETS', 'in_burn_in',
           'resolve_semi_train_cfg']

#: Optional per-detection fields of the teacher that candidates carry.
_CANDIDATE_EXTRAS = ('attributes', 'fg_scores', 'class_probs')


@MODELS.register_module()
class LLDSemiDetector(SemiBaseDetector):
    """Mean-teacher wrapper for sparsely annotated images (Faster R-CNN or
    DINO with the project's heads).

    One training step, per image of the batch (two views of the same field:
    ``teacher`` = weak augmentation, ``student`` = strong, with GT and region):

    1. The teacher (EMA of the student, :class:`LLDMeanTeacherHook`; never
       trained by gradients) predicts on the teacher view; a two-stage
       teacher's RPN uses its test config's ``rpn`` keys updated by
       ``teacher_rpn_cfg`` (e.g. fewer proposals) for this only, not when
       the teacher is evaluated.
       With ``teacher_flip`` it also predicts on flips of each view
       (``True``: the mirror image; or a list of ``'horizontal'``,
       ``'vertical'``, ``'diagonal'``: a blood film has no orientation) and
       the views are fused (:func:`fuse_detections`: same-class detections
       with IoU >= 0.5 become one, with the mean score over all views, 0
       where a view misses the cell), so a pseudo label needs confidence in
       (nearly) every view. Each flip costs one more teacher pass.
       With ``num_teachers`` > 1 the teacher is an ensemble: ``teacher``
       plus ``num_teachers - 1`` frozen ``extra_teachers`` of the same
       architecture, each loaded from its own checkpoint
       (``LLDMeanTeacherHook(teacher_checkpoint=[...])``, e.g. the first
       rounds of several seeds); every teacher predicts (and its flips) and
       all views are fused by the same rule, so a per-class score becomes
       the ensemble's mean class probability (a teacher that does not
       report the class counts 0) and the soft class targets the mean of
       the teachers' distributions. Each teacher costs one more pass.
    2. Its detections are filtered: class-agnostic NMS (``nms_iou_thr``),
       ``max_per_img``, mapped into the student view with the two views'
       homography matrices (original -> view), at least ``min_size`` wide
       and high and ``min_area`` in student pixels, less than
       ``region_iof_thr`` of the box inside the annotated region, and not
       overlapping a GT box (``gt_overlap_mode`` ``'iou'``: IoU >
       ``gt_overlap_thr`` drops it; ``'area'``: intersection > that many
       px^2). Images without a region (fully annotated) get none.
    3. Those scoring >= ``score_thr`` (None: none; then only foreground
       pseudo labels, below; a list: one threshold per class, that of the
       candidate's class) become pseudo labels: appended to the
       student's ``gt_instances`` with ``weights`` = ``pseudo_weight`` (GT:
       1), and attributes -1 (not applicable) unless ``pseudo_attributes``
       (then each attribute's teacher argmax if its probability >=
       ``attr_score_thr``). The heads scale each positive's loss weights by
       its GT's weight (:class:`LLDRPNHead`, :class:`AttrRoIHead`,
       :class:`AttrDINOHead`); the region-ignore modules still apply, so
       anything outside the region that is not a pseudo label stays ignored.
       With ``fg_score_thr`` (None = off), the candidates below
       ``score_thr`` whose teacher foreground score (1 - background
       probability, :class:`AttrRoIHead` ``with_fg_scores``) is >=
       ``fg_score_thr`` become *foreground* pseudo labels: weight
       ``fg_pseudo_weight`` (None = ``pseudo_weight``), the teacher's
       class, ``gt_instances.fg_only`` True, so the RPN and the box
       regression learn them as cells while the box classifier only learns
       "a cell, class unknown" (``loss_fg``, no cross-entropy on the
       teacher's unsure class). With ``fg_soft_classes`` they carry the
       teacher's class distribution given a cell instead
       (``gt_instances.class_targets``, sharpened by
       ``fg_soft_temperature``; :meth:`soft_class_targets`), and
       ``loss_fg`` becomes the cross-entropy against it: the student
       learns the teacher's uncertainty, not its argmax. With
       ``fg_soft_align`` that distribution is first aligned to the
       labelled cells' class frequencies (distribution alignment,
       :meth:`align_class_probs`), undoing the teacher's lean towards the
       classes it already knows. With ``fg_soft_group_key`` (a metainfo
       key, e.g. ``'diagnosis'``, whose values are listed in
       ``fg_soft_groups``) it is then multiplied by the class prior of the
       image's group over the overall one (prior shift; the labelled cells'
       frequencies, the group's shrunk towards the overall by
       ``fg_soft_group_shrink``; :meth:`group_prior_ratio`): an APML field's
       unsure cell leans towards the classes APML fields' labelled cells
       have. Needs a two-stage
       teacher with :class:`AttrRoIHead`. A foreground pseudo label scoring
       in the similarity band is also a similarity query.
    4. With ``bg_score_thr`` (None = off; pseudo background, two-stage
       detectors), what is outside the region is no longer ignored as a
       whole: the student's ignore boxes (``ignored_instances``) become the
       candidates scoring >= ``bg_score_thr`` (pseudo labels included), so
       the RPN's and RoI head's :class:`RegionAwareMaxIoUAssigner` ignore
       priors only where the teacher sees something, and priors where it
       sees nothing at that score become negatives, as with full labels.
       The teacher's test ``score_thr`` (mmdet: 0.05) is its floor. Crowd
       boxes stay ignored.
    5. The student runs ONE forward/loss pass on the merged targets.
    6. With ``with_similarity`` (until ``similarity['end']``), the detections
       scoring in ``similarity['score_range']`` (lo, hi] outside the region
       are pooled (``roi_size`` RoIAlign, averaged) from the student's neck
       map of stride ``feat_stride`` - captured during the same forward pass
       - and pulled towards same-class GT cells of the batch, pushed from
       other-class ones (:class:`CellSimilarityLoss`, key ``loss_sim``);
       pairs within an image need IoU < ``pair_iou_thr``.

    During the first ``burn_in`` epochs/iterations the student trains on the
    GT alone (the teacher is not run; the EMA hook copies the student).

    ``semi_train_cfg`` keys: ``preset`` (``'faster_rcnn'`` default,
    ``'faster_rcnn_scratch'``, ``'dino'`` or ``'sla_det'``, see
    :data:`SEMI_PRESETS`) fills in the thresholds above and
    ``teacher_rpn_cfg`` (``None``: the test config unchanged; must be
    ``None`` for a detector without an RPN, such as DINO); ``burn_in``,
    ``by_epoch``, ``with_pseudo``, ``with_similarity``,
    ``pseudo_attributes`` are switches, ``fg_score_thr``,
    ``fg_pseudo_weight``, ``fg_soft_classes``, ``fg_soft_temperature``,
    ``fg_soft_align``, ``fg_soft_align_momentum``, ``fg_soft_group_key``,
    ``fg_soft_groups``, ``fg_soft_group_shrink``, ``bg_score_thr``,
    ``teacher_flip`` and ``num_teachers`` as above.
    ``semi_test_cfg``: ``predict_on`` (``'teacher'`` default, or
    ``'student'``). With an ensemble, ``'teacher'`` evaluates the fused
    ensemble (no flips), at most as many detections per image as its
    teachers give one by one.

    After each step ``pseudo_log`` holds, per image, the pseudo labels in
    original-image pixels (for :class:`PseudoLabelStatsHook`).

    Args:
        detector (dict): Config of the detector; student and teacher are
            built from separate deep copies (DINO's constructor mutates its
            config).
        semi_train_cfg (dict, optional): See above.
        semi_test_cfg (dict, optional): See above.
        data_preprocessor (dict, optional): Defaults to a
            ``MultiBranchDataPreprocessor`` around the detector's.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 detector: ConfigType,
                 semi_train_cfg: OptConfigType = None,
                 semi_test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        if data_preprocessor is None:  # the detector's, for each branch
            data_preprocessor = dict(
                type='MultiBranchDataPreprocessor',
                data_preprocessor=copy.deepcopy(
                    detector['data_preprocessor']))
        # SemiBaseDetector.__init__ would build both models from the same
        # dict, which DINO's constructor mutates.
        BaseDetector.__init__(
            self, data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.student = MODELS.build(copy.deepcopy(detector))
        self.teacher = MODELS.build(copy.deepcopy(detector))
        self.semi_train_cfg = resolve_semi_train_cfg(semi_train_cfg)
        # the other members of an ensemble teacher (num_teachers > 1)
        self.extra_teachers = nn.ModuleList(
            MODELS.build(copy.deepcopy(detector))
            for _ in range(self.semi_train_cfg['num_teachers'] - 1))
        self.semi_test_cfg = {'predict_on': 'teacher',
                              **dict(semi_test_cfg or {})}
        sim = self.semi_train_cfg['similarity']
        self.similarity_loss = MODELS.build(
            dict(type='CellSimilarityLoss', margin=sim['margin'],
                 loss_weight=sim['loss_weight']))
        for teacher in self.teachers:
            self.freeze(teacher)
        self._check_teacher_rpn_cfg()
        self._check_fg_score_thr()
        self._check_score_thr()
        self._check_bg_score_thr()
        if self.semi_train_cfg['fg_soft_align']:
            # distribution alignment's running statistics (checkpointed,
            # so a resumed run aligns as the interrupted one did)
            num_classes = self._num_classes()
            self.register_buffer('labelled_class_counts',
                                 torch.zeros(num_classes))
            self.register_buffer('teacher_class_mean',
                                 torch.zeros(num_classes))
            self.register_buffer('teacher_class_updates',
                                 torch.zeros((), dtype=torch.long))
        if self.semi_train_cfg['fg_soft_group_key'] is not None:
            # labelled cells per (group, class), as drawn; checkpointed
            self.register_buffer(
                'group_class_counts',
                torch.zeros(len(self.semi_train_cfg['fg_soft_groups']),
                            self._num_classes()))
        self.pseudo_log: Optional[List[dict]] = None
        self._warned_no_group = False

    @property
    def teachers(self) -> List[nn.Module]:
        """``teacher``, then the ``extra_teachers`` of an ensemble."""
        return [self.teacher, *self.extra_teachers]

    def _check_teacher_rpn_cfg(self) -> None:
        override = self.semi_train_cfg['teacher_rpn_cfg']
        if override is None:
            return
        if not isinstance(override, dict):
            raise TypeError(f'semi_train_cfg.teacher_rpn_cfg must be a dict '
                            f'of RPN test-config keys or None, got '
                            f'{override!r}')
        if getattr(self.teacher, 'rpn_head', None) is None:
            raise ValueError(
                f'semi_train_cfg.teacher_rpn_cfg={dict(override)} needs a '
                f'detector with an RPN; {type(self.teacher).__name__} has '
                "none: set teacher_rpn_cfg=None (the 'dino' preset does)")
        valid = set(self.teacher.rpn_head.test_cfg or {})
        unknown = set(override) - valid
        if unknown:
            raise KeyError(f'unknown semi_train_cfg.teacher_rpn_cfg keys '
                           f'{sorted(unknown)}; the RPN test config has '
                           f'{sorted(valid)}')

    def _check_fg_score_thr(self) -> None:
        thr = self.semi_train_cfg['fg_score_thr']
        roi_head = getattr(self.teacher, 'roi_head', None)
        if thr is not None and not hasattr(roi_head, 'with_fg_scores'):
            raise ValueError(
                f'semi_train_cfg.fg_score_thr={thr} needs a teacher whose '
                'RoI head reports foreground scores (AttrRoIHead); '
                f'{type(self.teacher).__name__} has '
                f'{type(roi_head).__name__ if roi_head else "no RoI head"}: '
                'set fg_score_thr=None')

    def _check_score_thr(self) -> None:
        thr = self.semi_train_cfg['score_thr']
        if thr is None:
            if (self.semi_train_cfg['with_pseudo']
                    and self.semi_train_cfg['fg_score_thr'] is None):
                raise ValueError(
                    'semi_train_cfg.score_thr=None turns the class pseudo '
                    'labels off, and fg_score_thr is None too: there would '
                    'be no pseudo labels at all; set with_pseudo=False for '
                    'that, or fg_score_thr for foreground pseudo labels '
                    'only')
            return
        if isinstance(thr, (list, tuple)):
            num_classes = self._num_classes()
            if len(thr) != num_classes or not all(
                    _is_unit_number(t) for t in thr):
                raise ValueError(
                    f'semi_train_cfg.score_thr={list(thr)!r}: a per-class '
                    f'threshold list needs one number in [0, 1] for each '
                    f'of the detector\'s {num_classes} classes, in the '
                    f'order of the dataset\'s metainfo classes')
            return
        if not _is_unit_number(thr):
            raise ValueError(f'semi_train_cfg.score_thr must be a number '
                             f'in [0, 1], a list of one per class, or None '
                             f'(no class pseudo labels), got {thr!r}')

    def _num_classes(self) -> int:
        """The detector's number of classes (its box head's)."""
        if hasattr(self.student, 'roi_head'):
            return self.student.roi_head.bbox_head.num_classes
        return self.student.bbox_head.num_classes

    def class_score_thr(self, labels: Tensor) -> Union[Tensor, float]:
        """The class pseudo-label threshold of each candidate: ``score_thr``,
        or with a per-class list, (n,) the threshold of each candidate's
        class ``labels`` ((n,))."""
        thr = self.semi_train_cfg['score_thr']
        if isinstance(thr, (list, tuple)):
            return labels.new_tensor(thr, dtype=torch.float)[labels]
        return thr

    def _check_bg_score_thr(self) -> None:
        thr = self.semi_train_cfg['bg_score_thr']
        if thr is not None and getattr(self.student, 'roi_head',
                                       None) is None:
            raise ValueError(
                f'semi_train_cfg.bg_score_thr={thr} (pseudo background) '
                'rewrites the ignore boxes that the assigners of a '
                f'two-stage detector read; {type(self.student).__name__} '
                'has no RoI head (DINO ignores by its valid_region): set '
                'bg_score_thr=None')

    @contextlib.contextmanager
    def _teacher_predict_cfg(self):
        """Inside the block each teacher's RPN test config is updated by
        ``teacher_rpn_cfg`` and, with ``fg_score_thr``, its RoI head reports
        ``fg_scores``; both are restored after it."""
        override = self.semi_train_cfg['teacher_rpn_cfg']
        with_fg = self.semi_train_cfg['fg_score_thr'] is not None
        saved = []
        for teacher in self.teachers:
            rpn_head = teacher.rpn_head if override is not None else None
            roi_head = teacher.roi_head if with_fg else None
            saved.append((rpn_head, None if rpn_head is None else
                          rpn_head.test_cfg, roi_head, None if roi_head is
                          None else roi_head.with_fg_scores))
            if rpn_head is not None:
                rpn_head.test_cfg = ConfigDict({**rpn_head.test_cfg,
                                                **override})
            if roi_head is not None:
                roi_head.with_fg_scores = True
        try:
            yield
        finally:
            for rpn_head, rpn_cfg, roi_head, fg in saved:
                if rpn_head is not None:
                    rpn_head.test_cfg = rpn_cfg
                if roi_head is not None:
                    roi_head.with_fg_scores = fg

    # ------------------------------------------------------------ schedule
    @staticmethod
    def _progress() -> Tuple[int, int]:
        hub = MessageHub.get_current_instance()
        return hub.get_info('epoch', 0) or 0, hub.get_info('iter', 0) or 0

    def similarity_active(self) -> bool:
        """Whether the similarity loss is on at the current step."""
        cfg = self.semi_train_cfg
        if not cfg['with_similarity']:
            return False
        end = cfg['similarity']['end']
        if end is None:
            return True
        epoch, iteration = self._progress()
        return (epoch if cfg['by_epoch'] else iteration) < end

    # ---------------------------------------------------------------- loss
    def loss(self, multi_batch_inputs: Dict[str, Tensor],
             multi_batch_data_samples: Dict[str, SampleList]) -> dict:
        """Losses of one step.

        Args:
            multi_batch_inputs (dict[str, Tensor]): ``'teacher'`` and
                ``'student'`` image batches (N, 3, H, W) of the same fields.
            multi_batch_data_samples (dict[str, list[DetDataSample]]): Their
                samples; the student's carry GT (view pixels), meta
                ``annotated_region`` (view pixels; None = fully annotated)
                and both carry ``homography_matrix`` (original -> view).
        """
        inputs = multi_batch_inputs['student']
        samples = multi_batch_data_samples['student']
        cfg = self.semi_train_cfg
        use_sim = self.similarity_active()
        background = cfg['bg_score_thr'] is not None
        if in_burn_in(cfg, *self._progress()) or not (
                cfg['with_pseudo'] or use_sim or background):
            self.pseudo_log = None
            return self.student.loss(inputs, samples)

        candidates = self.teacher_candidates(
            multi_batch_inputs['teacher'],
            multi_batch_data_samples['teacher'], samples)
        gt_boxes = [get_box_tensor(s.gt_instances.bboxes) for s in samples]
        gt_labels = [s.gt_instances.labels for s in samples]
        if cfg['fg_soft_align'] and cfg['with_pseudo']:
            self.update_alignment(gt_labels, candidates)
        groups = [None] * len(samples)
        if cfg['fg_soft_group_key'] is not None and cfg['with_pseudo']:
            groups = [self.sample_group(s) for s in samples]
            self.update_group_counts(gt_labels, groups)
        pseudo, uncertain = [], []
        for cand, boxes, group in zip(candidates, gt_boxes, groups):
            pseudo.append(self.select_pseudo(cand, boxes, group)
                          if cfg['with_pseudo'] else cand[:0])
            lo, hi = cfg['similarity']['score_range']
            unc = cand[(cand.scores > lo) & (cand.scores <= hi)]
            uncertain.append(unc[:cfg['similarity']['max_per_img']])
        if cfg['with_pseudo']:
            for sample, pl in zip(samples, pseudo):
                sample.gt_instances = self.merge_pseudo_instances(
                    sample.gt_instances, pl)
        seen = [
            self.pseudo_background(sample, cand)
            for sample, cand in zip(samples, candidates)
        ] if background else None
        self.pseudo_log = self._log_pseudo(samples, pseudo, uncertain, seen)

        if not use_sim:
            return self.student.loss(inputs, samples)
        feats = {}
        module = (self.student.neck
                  if self.student.with_neck else self.student.backbone)
        handle = module.register_forward_hook(
            lambda _m, _i, out: feats.setdefault('maps', out))
        try:
            losses = self.student.loss(inputs, samples)
        finally:
            handle.remove()
        losses['loss_sim'] = self.similarity(feats['maps'], inputs.shape,
                                             uncertain, gt_boxes, gt_labels)
        return losses

    @torch.no_grad()
    def teacher_candidates(self, teacher_inputs: Tensor,
                           teacher_samples: SampleList,
                           student_samples: SampleList) -> List[InstanceData]:
        """Teacher detections that may become pseudo labels or similarity
        queries, in student-view pixels, best first.

        Returns:
            list[InstanceData]: Per image ``bboxes`` ((n, 4) x1y1x2y2 student
            view), ``scores``, ``labels`` and, if the teacher predicts them,
            ``attributes`` ((n, A, Vmax) probabilities) and, with
            ``fg_score_thr``, ``fg_scores`` ((n,)). Filtered by NMS,
            ``max_per_img``, size and region, not yet by score or GT overlap.
        """
        cfg = self.semi_train_cfg
        flips = normalize_flip_directions(cfg['teacher_flip'],
                                          'semi_train_cfg.teacher_flip')
        with self._teacher_predict_cfg():
            results = self.teacher_predict(teacher_inputs, teacher_samples,
                                           flips=flips)
        lowest = cfg['similarity']['score_range'][0]
        if cfg['score_thr'] is not None:
            thr = cfg['score_thr']
            lowest = min(min(thr) if isinstance(thr, (list, tuple)) else thr,
                         lowest)
        if cfg['bg_score_thr'] is not None:
            lowest = min(cfg['bg_score_thr'], lowest)
        out = []
        for res, t_sample, s_sample in zip(results, teacher_samples,
                                           student_samples):
            res = res.pred_instances
            if lowest > 0:
                keep = res.scores >= lowest
                if cfg['fg_score_thr'] is not None:
                    keep |= res.fg_scores >= cfg['fg_score_thr']
                res = res[keep]
            region = s_sample.metainfo.get('annotated_region')
            if region is None or len(res) == 0:
                out.append(self._empty_candidates(res))
                continue
            boxes = get_box_tensor(res.bboxes)
            if cfg['nms_iou_thr'] is not None and len(res):
                _, keep = batched_nms(
                    boxes, res.scores, res.labels,
                    dict(type='nms', iou_threshold=cfg['nms_iou_thr']),
                    class_agnostic=True)
                res = res[keep]
            else:
                res = res[res.scores.argsort(descending=True)]
            res = res[:cfg['max_per_img']]
            to_student = torch.as_tensor(
                np.asarray(s_sample.homography_matrix, dtype=np.float64)
                @ np.linalg.inv(t_sample.homography_matrix),
                dtype=torch.float32, device=teacher_inputs.device)
            boxes = bbox_project(
                get_box_tensor(res.bboxes), to_student,
                s_sample.metainfo['img_shape'])
            wh = boxes[:, 2:] - boxes[:, :2]
            keep = (wh >= cfg['min_size']).all(1) & (
                wh.prod(1) > cfg['min_area'])
            region = torch.as_tensor(region, dtype=boxes.dtype,
                                     device=boxes.device)
            keep &= region_covered_fraction(boxes,
                                            region) < cfg['region_iof_thr']
            cand = InstanceData(bboxes=boxes[keep], scores=res.scores[keep],
                                labels=res.labels[keep])
            for key in _CANDIDATE_EXTRAS:
                if key in res:
                    cand[key] = res[key][keep]
            out.append(cand)
        return out

    @torch.no_grad()
    def teacher_predict(self, inputs: Tensor, samples: SampleList,
                        rescale: bool = False,
                        flips: Tuple[str, ...] = (),
                        keep_best: bool = False) -> SampleList:
        """Detections of the teacher, or of the fused ensemble.

        Every teacher (:attr:`teachers`, in eval mode) predicts on
        ``inputs`` and on each of their ``flips``; with more than one view
        the views are fused (:func:`fuse_detections`; flips mapped back
        first). Nothing else changes what a teacher reports (see
        :meth:`_teacher_predict_cfg`).

        Args:
            inputs (Tensor): (N, 3, H, W) preprocessed batch.
            samples (list[DetDataSample]): Their samples; only the metainfo
                is passed on, so no teacher sees GT.
            rescale (bool): Boxes in original-image pixels (True) or in
                pixels of ``inputs`` (False). Flips need False.
            flips (tuple[str]): Flip directions (``teacher_flip``).
            keep_best (bool): Keep only the best-scoring fused detections
                of an image, as many as its largest view has (a detector's
                ``max_per_img`` stays a bound, e.g. for evaluation).

        Returns:
            list[DetDataSample]: ``pred_instances`` per image: the single
            teacher's, or the fused views' (in no score order unless
            ``keep_best``).
        """
        if flips and rescale:
            raise ValueError('LLDSemiDetector.teacher_predict: flipped '
                             'views need rescale=False')
        shapes = [s.metainfo['img_shape'] for s in samples]
        out, views = None, None
        for teacher in self.teachers:
            teacher.eval()
            results = teacher.predict(
                inputs, [DetDataSample(metainfo=s.metainfo) for s in samples],
                rescale=rescale)
            flipped = {
                d: teacher.predict(
                    flip_images(inputs, shapes, d),
                    [DetDataSample(metainfo=s.metainfo) for s in samples],
                    rescale=False)
                for d in flips}
            per_image = unflipped_views(results, flipped, shapes)
            if out is None:
                out, views = results, per_image
            else:
                views = [a + b for a, b in zip(views, per_image)]
        if len(views[0]) > 1:
            for res, image_views in zip(out, views):
                fused = fuse_detections(image_views)
                if keep_best:
                    order = fused.scores.argsort(descending=True)
                    fused = fused[order[:max(map(len, image_views))]]
                res.pred_instances = fused
        return out

    def predict(self, batch_inputs: Tensor, batch_data_samples: SampleList,
                rescale: bool = True) -> SampleList:
        """mmdet's (``semi_test_cfg.predict_on``), except that an ensemble
        teacher predicts fused: the best-scoring fused detections per image,
        as many as the most any one teacher gave for it, set as the
        ``pred_instances`` of ``batch_data_samples`` (returned)."""
        if (self.semi_test_cfg.get('predict_on', 'teacher') != 'teacher'
                or not len(self.extra_teachers)):
            return super().predict(batch_inputs, batch_data_samples)
        results = self.teacher_predict(batch_inputs, batch_data_samples,
                                       rescale=rescale, keep_best=True)
        for sample, res in zip(batch_data_samples, results):
            sample.pred_instances = res.pred_instances
        return batch_data_samples

    @staticmethod
    def _empty_candidates(res: InstanceData) -> InstanceData:
        cand = InstanceData(
            bboxes=get_box_tensor(res.bboxes)[:0].reshape(0, 4),
            scores=res.scores[:0], labels=res.labels[:0])
        for key in _CANDIDATE_EXTRAS:
            if key in res:
                cand[key] = res[key][:0]
        return cand

    def select_pseudo(self, cand: InstanceData, gt_boxes: Tensor,
                      group: Optional[int] = None) -> InstanceData:
        """The pseudo labels among one image's candidates: off the GT, and
        scoring >= ``score_thr`` (None: none) or, with ``fg_score_thr``,
        foreground score >= ``fg_score_thr`` (then ``fg_only`` True).
        ``group``: the image's index in ``fg_soft_groups`` (None: no group
        prior), for :meth:`soft_class_targets`."""
        cfg = self.semi_train_cfg
        if cfg['score_thr'] is None:  # foreground pseudo labels only
            confident = torch.zeros_like(cand.scores, dtype=torch.bool)
        else:
            confident = cand.scores >= self.class_score_thr(cand.labels)
        keep = confident
        if cfg['fg_score_thr'] is not None:
            keep = confident | (cand.fg_scores >= cfg['fg_score_thr'])
        keep = keep & self._off_gt(cand.bboxes, gt_boxes)
        pseudo = cand[keep]
        if cfg['fg_score_thr'] is not None:
            pseudo.fg_only = ~confident[keep]
            if cfg['fg_soft_classes']:
                pseudo.class_targets = self.soft_class_targets(pseudo, group)
        return pseudo

    def soft_class_targets(self, pseudo: InstanceData,
                           group: Optional[int] = None) -> Tensor:
        """(n, num_classes) class targets of pseudo labels: the teacher's
        class distribution of the foreground-only ones, given a cell
        (``class_probs`` renormalised, aligned with ``fg_soft_align``,
        times :meth:`group_prior_ratio` of ``group`` unless None, sharpened
        by ``fg_soft_temperature`` T: q_c proportional to p_c^(1/T)),
        one-hot labels for the others."""
        probs = pseudo.class_probs.clamp(min=1e-12)
        if self.semi_train_cfg['fg_soft_align']:
            probs = self.align_class_probs(probs).clamp(min=1e-12)
        if group is not None:
            probs = (probs * self.group_prior_ratio(group).to(probs)).clamp(
                min=1e-12)
        temperature = self.semi_train_cfg['fg_soft_temperature']
        soft = (probs.log() / temperature).softmax(-1)
        hard = torch.nn.functional.one_hot(
            pseudo.labels.long(), probs.size(-1)).to(soft.dtype)
        return torch.where(pseudo.fg_only[:, None], soft, hard)

    @torch.no_grad()
    def update_alignment(self, gt_labels: List[Tensor],
                         candidates: List[InstanceData]) -> None:
        """Update the running statistics of :meth:`align_class_probs` with
        one batch: the labelled cells' classes (``gt_labels``, per image
        (m,), GT only, no pseudo labels yet) are counted, and the mean
        class distribution given a cell of the candidates that pass
        ``fg_score_thr`` is averaged into ``teacher_class_mean`` (an exact
        mean over the first 1 / ``fg_soft_align_momentum`` updates, then an
        exponential moving average with that momentum)."""
        counts = self.labelled_class_counts
        for labels in gt_labels:
            counts += torch.bincount(labels.long(), minlength=len(counts))[
                :len(counts)].to(counts)
        probs = [c.class_probs[c.fg_scores >= self.semi_train_cfg[
            'fg_score_thr']] for c in candidates]
        probs = torch.cat(probs) if probs else counts.new_zeros(0, 1)
        if len(probs) == 0:
            return
        probs = probs / probs.sum(-1, keepdim=True).clamp(min=1e-12)
        self.teacher_class_updates += 1
        momentum = max(self.semi_train_cfg['fg_soft_align_momentum'],
                       1.0 / float(self.teacher_class_updates))
        self.teacher_class_mean.mul_(1 - momentum).add_(
            probs.mean(0).to(counts), alpha=momentum)

    def align_class_probs(self, probs: Tensor) -> Tensor:
        """Distribution alignment of teacher class probabilities.

        q_c proportional to p_c * prior_c / mean_c, renormalised, where
        prior is the class frequency of the labelled cells seen so far
        (add-one smoothed; as drawn, so under a class-aware sampler it is
        the balanced frequency) and mean the running mean of the teacher's
        distributions over foreground candidates (:meth:`update_alignment`).
        A teacher that calls a class less often than the labels have it
        gets that class scaled up. Unchanged before the first update.

        Args:
            probs (Tensor): (n, num_classes) non-negative class scores
                given a cell (each row is renormalised, so any scale).

        Returns:
            Tensor: (n, num_classes), rows sum to 1.
        """
        if int(self.teacher_class_updates) == 0:
            return probs / probs.sum(-1, keepdim=True).clamp(min=1e-12)
        counts = self.labelled_class_counts
        prior = (counts + 1) / (counts.sum() + len(counts))
        ratio = prior / self.teacher_class_mean.clamp(min=1e-6)
        aligned = probs * ratio.to(probs)
        return aligned / aligned.sum(-1, keepdim=True).clamp(min=1e-12)

    def sample_group(self, sample: DetDataSample) -> Optional[int]:
        """Index in ``fg_soft_groups`` of the sample's metainfo value at
        ``fg_soft_group_key``; None when the sample has no value (then its
        cells are not counted and its targets not reweighted). A value not
        in ``fg_soft_groups`` raises, naming the image."""
        key = self.semi_train_cfg['fg_soft_group_key']
        groups = list(self.semi_train_cfg['fg_soft_groups'])
        value = sample.metainfo.get(key)
        if value is None:
            if not self._warned_no_group:
                self._warned_no_group = True
                print_log(
                    f'{sample.metainfo.get("img_path", "an image")} has no '
                    f'metainfo {key!r}: the soft class targets of such '
                    'fields are not reweighted by semi_train_cfg.'
                    'fg_soft_group_key (warned once)',
                    logger='current', level=logging.WARNING)
            return None
        if value not in groups:
            raise ValueError(
                f'{sample.metainfo.get("img_path", "an image")}: metainfo '
                f'{key!r} is {value!r}, which is not in '
                f'semi_train_cfg.fg_soft_groups {groups}; add it there')
        return groups.index(value)

    @torch.no_grad()
    def update_group_counts(self, gt_labels: List[Tensor],
                            groups: List[Optional[int]]) -> None:
        """Count one batch's labelled cells (``gt_labels``, per image (m,),
        GT only) into ``group_class_counts`` (G, num_classes) by their
        image's group (None: not counted)."""
        counts = self.group_class_counts
        for labels, group in zip(gt_labels, groups):
            if group is not None:
                counts[group] += torch.bincount(
                    labels.long(), minlength=counts.size(1))[
                        :counts.size(1)].to(counts)

    def group_prior_ratio(self, group: int) -> Tensor:
        """(num_classes,) factor by which a cell's class distribution in
        an image of ``group`` is reweighted: r_c = (1 - s) * f_gc / f_c + s,
        f_g the class frequency of the group's labelled cells, f the
        overall one (both as counted by :meth:`update_group_counts`), s =
        ``fg_soft_group_shrink`` (the group frequency shrunk towards the
        overall one, so no class falls below s). Ones while the group has
        no labelled cell; 1 for a class without any labelled cell."""
        counts = self.group_class_counts
        shrink = float(self.semi_train_cfg['fg_soft_group_shrink'])
        ratio = torch.ones_like(counts[group])
        if counts[group].sum() == 0:
            return ratio
        f_group = counts[group] / counts[group].sum()
        f_all = counts.sum(0) / counts.sum()
        seen = f_all > 0
        ratio[seen] = (1 - shrink) * f_group[seen] / f_all[seen] + shrink
        return ratio

    def pseudo_background(self, sample: DetDataSample,
                          cand: InstanceData) -> Optional[InstanceData]:
        """Pseudo background for one student sample (in place): replace the
        strips of the region's complement in ``sample.ignored_instances``
        by the candidates scoring >= ``bg_score_thr`` (student-view boxes,
        label 0, attributes -1), keeping any other ignore box (crowd).
        Outside the region a prior is then ignored only where those boxes
        cover more than the assigner's ``region_iof_thr`` of it; elsewhere
        it may become a negative. A fully annotated sample (no region) is
        left alone.

        Returns:
            InstanceData | None: The candidates that became ignore boxes
            (None for a sample left alone).
        """
        if sample.metainfo.get('annotated_region') is None or \
                'ignored_instances' not in sample:
            return None
        ignored = sample.ignored_instances
        unknown = set(ignored.keys()) - {'bboxes', 'labels', 'attributes'}
        if unknown:
            raise KeyError(f'ignored_instances fields {sorted(unknown)} '
                           'cannot be filled for pseudo background boxes')
        boxes = get_box_tensor(ignored.bboxes)
        others = ignored[~is_region_strip(boxes, sample.img_shape)]
        seen = cand[cand.scores >= self.semi_train_cfg['bg_score_thr']]
        n = len(seen)
        boxes = seen.bboxes
        if isinstance(ignored.bboxes, BaseBoxes):
            boxes = type(ignored.bboxes)(boxes)
        new = InstanceData(bboxes=boxes, labels=ignored.labels.new_zeros(n))
        if 'attributes' in ignored:
            new.attributes = ignored.attributes.new_full(
                (n, ignored.attributes.shape[1]), -1)
        sample.ignored_instances = InstanceData.cat([others, new])
        return seen

    def _off_gt(self, boxes: Tensor, gt_boxes: Tensor) -> Tensor:
        """(n,) bool: the boxes that do not overlap any GT box by the
        configured rule."""
        if len(gt_boxes) == 0 or len(boxes) == 0:
            return boxes.new_ones(len(boxes), dtype=torch.bool)
        thr = self.semi_train_cfg['gt_overlap_thr']
        if self.semi_train_cfg['gt_overlap_mode'] == 'iou':
            overlap = bbox_overlaps(boxes, gt_boxes)
        else:
            lt = torch.maximum(boxes[:, None, :2], gt_boxes[None, :, :2])
            rb = torch.minimum(boxes[:, None, 2:], gt_boxes[None, :, 2:])
            overlap = (rb - lt).clamp(min=0).prod(-1)
        return (overlap <= thr).all(1)

    def merge_pseudo_instances(self, gt: InstanceData,
                               pseudo: InstanceData) -> InstanceData:
        """GT followed by pseudo labels, with ``weights`` (GT's own or 1;
        ``pseudo_weight`` for pseudo labels), ``fg_only`` when the pseudo
        labels have it (GT: its own or False), ``class_targets`` when
        either has them ((m + n, num_classes); one-hot labels where
        missing) and, when the GT has attributes, pseudo attributes (-1
        unless ``pseudo_attributes``).

        Args:
            gt (InstanceData): Student-view GT (``bboxes``, ``labels``,
                optional ``attributes`` (m, A), ``weights``, ``fg_only``,
                ``class_targets``).
            pseudo (InstanceData): From :meth:`select_pseudo`.
        """
        known = {'bboxes', 'labels', 'attributes', 'weights', 'fg_only',
                 'class_targets'}
        extra = set(gt.keys()) - known
        if extra:
            raise KeyError(f'gt_instances fields {sorted(extra)} cannot be '
                           'filled for pseudo labels')
        cfg = self.semi_train_cfg
        n = len(pseudo)
        bboxes = gt.bboxes
        if isinstance(bboxes, BaseBoxes):
            merged_boxes = bboxes.cat([bboxes, type(bboxes)(pseudo.bboxes)])
        else:
            merged_boxes = torch.cat([bboxes, pseudo.bboxes])
        gt_weights = gt.weights if 'weights' in gt else \
            pseudo.scores.new_ones(len(gt))
        merged = InstanceData(
            bboxes=merged_boxes,
            labels=torch.cat([gt.labels, pseudo.labels.to(gt.labels.dtype)]),
            weights=torch.cat([
                gt_weights.to(pseudo.scores.dtype),
                self._pseudo_weights(pseudo)
            ]))
        if 'fg_only' in pseudo or 'fg_only' in gt:
            gt_flags = gt.fg_only if 'fg_only' in gt else \
                gt.labels.new_zeros(len(gt), dtype=torch.bool)
            flags = pseudo.fg_only if 'fg_only' in pseudo else \
                gt.labels.new_zeros(n, dtype=torch.bool)
            merged.fg_only = torch.cat([gt_flags, flags.to(torch.bool)])
        if 'class_targets' in pseudo or 'class_targets' in gt:
            merged.class_targets = torch.cat([
                self._one_hot_unless(gt, pseudo),
                self._one_hot_unless(pseudo, gt)
            ])
        if 'attributes' in gt:
            attrs = gt.attributes.new_full((n, gt.attributes.shape[1]), -1)
            if cfg['pseudo_attributes'] and 'attributes' in pseudo and n:
                conf, value = pseudo.attributes.max(-1)
                attrs = torch.where(conf >= cfg['attr_score_thr'], value,
                                    attrs)
            merged.attributes = torch.cat([gt.attributes, attrs])
        return merged

    @staticmethod
    def _one_hot_unless(inst: InstanceData, other: InstanceData) -> Tensor:
        """``inst.class_targets``, or its labels one-hot with as many
        classes as ``other.class_targets`` has."""
        if 'class_targets' in inst:
            return inst.class_targets.float()
        return torch.nn.functional.one_hot(
            inst.labels.long(), other.class_targets.size(-1)).float()

    def _pseudo_weights(self, pseudo: InstanceData) -> Tensor:
        """(n,) loss weights of pseudo labels: ``pseudo_weight``, or
        ``fg_pseudo_weight`` (when set) for the foreground-only ones."""
        cfg = self.semi_train_cfg
        weights = pseudo.scores.new_full((len(pseudo), ),
                                         cfg['pseudo_weight'])
        if 'fg_only' in pseudo and cfg['fg_pseudo_weight'] is not None:
            weights[pseudo.fg_only] = cfg['fg_pseudo_weight']
        return weights

    def similarity(self, maps: Tuple[Tensor], input_shape: torch.Size,
                   uncertain: List[InstanceData], gt_boxes: List[Tensor],
                   gt_labels: List[Tensor]) -> Tensor:
        """Similarity loss of the uncertain detections against the batch's
        GT cells, on the student's neck map of stride ``feat_stride``.

        Args:
            maps (tuple[Tensor]): Student neck outputs, (N, C, H_l, W_l).
            input_shape (torch.Size): (N, 3, H, W) of the student input.
            uncertain (list[InstanceData]): Per image, student-view boxes
                and teacher labels.
            gt_boxes (list[Tensor]): Per image (m, 4) student-view GT boxes.
            gt_labels (list[Tensor]): Per image (m,) their classes.
        """
        sim_cfg = self.semi_train_cfg['similarity']
        maps = maps if isinstance(maps, (tuple, list)) else (maps, )
        strides = [input_shape[-1] / m.shape[-1] for m in maps]
        level = min(range(len(maps)),
                    key=lambda i: abs(strides[i] - sim_cfg['feat_stride']))
        if abs(strides[level] - sim_cfg['feat_stride']) > 0.5:
            raise ValueError(
                f"no neck output of stride {sim_cfg['feat_stride']} for the "
                'similarity loss; strides are '
                f'{[round(s, 2) for s in strides]}')
        fmap = maps[level]

        def pooled(boxes_list):
            rois = torch.cat([
                torch.cat([b.new_full((len(b), 1), i), b], 1)
                for i, b in enumerate(boxes_list)
            ])
            if len(rois) == 0:
                return fmap.new_zeros((0, fmap.shape[1]))
            feats = roi_align(fmap, rois, sim_cfg['roi_size'],
                              1.0 / strides[level], 0, 'avg', True)
            return feats.mean((2, 3))

        q_boxes = [u.bboxes for u in uncertain]
        q_feats, k_feats = pooled(q_boxes), pooled(gt_boxes)
        q_img = torch.cat([
            torch.full((len(b), ), i, device=fmap.device)
            for i, b in enumerate(q_boxes)
        ])
        k_img = torch.cat([
            torch.full((len(b), ), i, device=fmap.device)
            for i, b in enumerate(gt_boxes)
        ])
        pair = q_img[:, None] != k_img[None, :]
        if len(q_feats) and len(k_feats):
            iou = bbox_overlaps(torch.cat(q_boxes), torch.cat(gt_boxes))
            pair |= iou < sim_cfg['pair_iou_thr']
        return self.similarity_loss(
            q_feats, torch.cat([u.labels for u in uncertain]), k_feats,
            torch.cat(gt_labels), pair)

    def _log_pseudo(
            self,
            samples: SampleList,
            pseudo: List[InstanceData],
            uncertain: List[InstanceData],
            background: Optional[List[Optional[InstanceData]]] = None
    ) -> List[dict]:
        """Pseudo labels of the step in original-image pixels (numpy);
        with ``background`` (from :meth:`pseudo_background`) also the
        pseudo background's ignore boxes (``bg_bboxes``, ``bg_scores``)."""
        log = []
        background = background or [None] * len(samples)
        for sample, pl, unc, bg in zip(samples, pseudo, uncertain,
                                       background):
            to_orig = np.linalg.inv(
                np.asarray(sample.homography_matrix, dtype=np.float64))

            def original(view_boxes):
                return bbox_project(view_boxes.detach().cpu().double(),
                                    torch.from_numpy(to_orig),
                                    sample.ori_shape).numpy()

            boxes = original(pl.bboxes)
            region = sample.metainfo.get('annotated_region')
            if region is not None:
                region = project_region(region, to_orig, sample.ori_shape)
            log.append(
                dict(
                    img_id=sample.metainfo.get('img_id'),
                    img_path=sample.metainfo.get('img_path'),
                    bboxes=boxes,
                    labels=pl.labels.cpu().numpy(),
                    scores=pl.scores.detach().cpu().numpy(),
                    num_uncertain=len(unc),
                    region=region))
            if 'fg_only' in pl:
                log[-1]['fg_only'] = pl.fg_only.cpu().numpy()
            if bg is not None:
                log[-1]['bg_bboxes'] = original(bg.bboxes)
                log[-1]['bg_scores'] = bg.scores.detach().cpu().numpy()
        return log
