"""Faster R-CNN RoI head with a per-cell attribute branch."""
from typing import List, Optional, Tuple

import torch
from mmdet.models.layers import multiclass_nms
from mmdet.models.roi_heads import StandardRoIHead
from mmdet.models.task_modules.samplers import SamplingResult
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.structures.bbox import bbox2roi, get_box_tensor
from mmdet.models.utils import empty_instances
from mmdet.utils import ConfigType, InstanceList, OptConfigType
from mmengine.structures import InstanceData
from torch import Tensor


@MODELS.register_module()
class AttrRoIHead(StandardRoIHead):
    """``StandardRoIHead`` plus an attribute branch, built like the mask
    branch; the bbox branch (e.g. ``Shared2FCBBoxHead``) is untouched.

    - Training: the branch runs on the positive RoIs of the bbox branch's
      sampling and is supervised with the attributes of the GT box each RoI
      was assigned to (``gt_instances.attributes``, -1 = not applicable).
      Loss key ``loss_attr``.
    - Per-instance weights: GT instances with a ``weights`` field (pseudo
      labels of :class:`LLDSemiDetector`) scale the classification,
      regression and attribute weights of the RoIs assigned to them.
    - Prediction: it adds to each result ``attributes`` ((n, A, Vmax)
      per-attribute probabilities) and ``attribute_labels`` ((n, A) argmax),
      aligned with the final (post-NMS) ``bboxes``. Where its features come
      from is ``attr_predict_feats``:

      - ``'final_boxes'`` (default): RoIAlign on the final, regressed boxes
        (one more RoI extraction over the detections, like the mask
        branch).
      - ``'proposals'``: the bbox branch's own RoI features of the proposal
        each detection was decoded from (the index NMS kept), so no second
        RoI extraction runs; the attribute branch then sees at test time
        exactly the kind of features it is trained on (positive proposals).
        The boxes, scores and labels are identical to mmdet's (same NMS
        call, same config). Needs the shared extractor
        (``attr_roi_extractor=None``) and horizontal boxes.
    - With ``predict_on_gt=True`` and GT boxes in the data samples (val/test
      pipelines load them), it also predicts attributes for the GT boxes
      themselves: ``gt_instances.attribute_scores`` ((m, A, Vmax)), the
      detection-free attribute score that :class:`LLDMetric` reports.
    - With ``with_fg_scores=True`` each result also gets ``fg_scores``
      ((n,)): 1 - the background probability of the proposal the detection
      was decoded from, i.e. how sure the head is that there is a cell,
      whatever its class, and ``class_probs`` ((n, num_classes)): that
      proposal's softmax over the cell classes (background column dropped;
      rows sum to ``fg_scores``). :class:`LLDSemiDetector` sets it on its
      teacher for foreground pseudo labels. Boxes, scores and labels are
      unchanged.
    - Foreground-only targets: positives assigned to a GT instance with
      ``gt_instances.fg_only`` True (foreground pseudo labels of
      :class:`LLDSemiDetector`: a cell whose class the teacher is unsure
      of) get no cross-entropy on their label; instead ``loss_fg`` =
      -log(1 - p_background) ("one of the cell classes", a partial-label
      loss), weighted and averaged like ``loss_cls``. If the GT instances
      also carry ``class_targets`` ((m, num_classes), rows summing to 1:
      the teacher's class distribution, ``semi_train_cfg.fg_soft_classes``)
      ``loss_fg`` is instead the cross-entropy against that distribution,
      -sum_c q_c log p_c = -log(1 - p_background) - sum_c q_c log p(c |
      cell): "a cell, probably of these classes". A one-hot row gives the
      ordinary cross-entropy. Their box regression and attributes are
      trained as for any GT.

    Args:
        attr_head (dict, optional): Config of the attribute head, e.g.
            :class:`RoIAttributeHead`; None = no attribute branch (the head
            is then StandardRoIHead plus ``sample_normalizer``).
        attr_roi_extractor (dict, optional): RoI extractor of the attribute
            branch. None (default) shares the bbox branch's extractor, i.e.
            the branch sees the same RoI features as the box classifier.
        predict_on_gt (bool): See above. Defaults to True.
        attr_predict_feats (str): ``'final_boxes'`` or ``'proposals'``, see
            above. Defaults to ``'final_boxes'``.
        with_fg_scores (bool): See above. Defaults to False.
        sample_normalizer (str): How the RoI losses are averaged.
            ``'sampled'`` (mmdet's): the box losses over the RoIs actually
            sampled, the attribute loss over the positive RoIs' valid
            attributes.
            ``'nominal'``: every RoI loss (``loss_cls``, ``loss_bbox``,
            ``loss_fg`` and ``loss_attr``) is multiplied by ``sampled /
            (num_images * sampler.num)``, the share of the RoIs a batch
            would have without region ignore. With sparse regions most RoIs
            are ignored, and a mean over the few left multiplies each
            remaining RoI's gradient (about 5x for a 1/5 region): it made
            the box classifier of the from-scratch demo collapse, and left
            the attribute loss (a mean over the few labelled cells) weighing
            about 4x more against the box losses than with full labels
            (``benchmarks/sparse_roi_share.py``).
            ``'nominal'`` keeps the per-RoI weight and the balance of the
            losses of fully annotated training; with every RoI kept (full
            labels, naive sparse training) it changes nothing.
        **kwargs: Passed to :class:`StandardRoIHead`.
    """

    def __init__(self,
                 attr_head: OptConfigType,
                 attr_roi_extractor: OptConfigType = None,
                 predict_on_gt: bool = True,
                 attr_predict_feats: str = 'final_boxes',
                 sample_normalizer: str = 'sampled',
                 with_fg_scores: bool = False,
                 **kwargs) -> None:
        if sample_normalizer not in ('sampled', 'nominal'):
            raise ValueError("sample_normalizer must be 'sampled' or "
                             f"'nominal', got {sample_normalizer!r}")
        if attr_predict_feats not in ('final_boxes', 'proposals'):
            raise ValueError("attr_predict_feats must be 'final_boxes' or "
                             f"'proposals', got {attr_predict_feats!r}")
        if attr_predict_feats == 'proposals' and \
                attr_roi_extractor is not None:
            raise ValueError(
                "attr_predict_feats='proposals' reuses the bbox branch's RoI "
                'features, so it needs attr_roi_extractor=None (got an own '
                'attribute extractor); use attr_predict_feats=\'final_boxes\'')
        super().__init__(**kwargs)
        self.attr_predict_feats = attr_predict_feats
        self.sample_normalizer = sample_normalizer
        self.with_fg_scores = with_fg_scores
        self.attr_head = MODELS.build(attr_head) if attr_head else None
        self.attr_roi_extractor = (
            MODELS.build(attr_roi_extractor)
            if attr_roi_extractor is not None else None)
        self.predict_on_gt = predict_on_gt
        self._batch_gt_instances: Optional[InstanceList] = None
        # 'proposals' mode: bbox-branch RoI features of the last
        # _bbox_forward (while _keep_bbox_feats) and, per image, those of
        # the final detections
        self._keep_bbox_feats = False
        self._bbox_feats: Optional[Tensor] = None
        self._final_feats: Optional[List[Tensor]] = None

    # ------------------------------------------------------------- forward
    def _attr_forward(self, x: Tuple[Tensor], rois: Tensor) -> Tensor:
        """Attribute logits ((n, sum V)) of ``rois`` ((n, 5) batch index +
        x1y1x2y2 in network-input pixels)."""
        extractor = self.attr_roi_extractor or self.bbox_roi_extractor
        feats = extractor(x[:extractor.num_inputs], rois)
        if self.with_shared_head:
            feats = self.shared_head(feats)
        return self.attr_head(feats)

    def _bbox_forward(self, x: Tuple[Tensor], rois: Tensor) -> dict:
        results = super()._bbox_forward(x, rois)
        if self._keep_bbox_feats:
            self._bbox_feats = results['bbox_feats']
        return results

    # ---------------------------------------------------------------- loss
    def loss(self, x: Tuple[Tensor], rpn_results_list: InstanceList,
             batch_data_samples: SampleList) -> dict:
        # StandardRoIHead.loss hands bbox_loss the sampling results but not
        # the GT instances (attributes, per-instance weights), so they are
        # kept here for the duration of the call.
        self._batch_gt_instances = [
            sample.gt_instances for sample in batch_data_samples
        ]
        try:
            return super().loss(x, rpn_results_list, batch_data_samples)
        finally:
            self._batch_gt_instances = None

    def bbox_loss(self, x: Tuple[Tensor],
                  sampling_results: List[SamplingResult]) -> dict:
        """StandardRoIHead's box losses, with per-instance weights (a
        positive RoI's classification and regression weights are multiplied
        by ``gt_instances.weights`` of its GT, see :class:`LLDSemiDetector`),
        foreground-only targets (``loss_fg``), the configured
        ``sample_normalizer`` and the attribute loss."""
        gt_instances = self._batch_gt_instances or []
        if not any('weights' in gt or 'fg_only' in gt
                   for gt in gt_instances):
            bbox_results = super().bbox_loss(x, sampling_results)
        else:
            bbox_results = self._weighted_bbox_loss(x, sampling_results,
                                                    gt_instances)
        if self.attr_head is not None and gt_instances:
            bbox_results['loss_bbox'].update(
                self.attr_loss(x, sampling_results, gt_instances))
        if self.sample_normalizer == 'nominal':
            sampled = sum(len(res.priors) for res in sampling_results)
            nominal = len(sampling_results) * self.bbox_sampler.num
            scale = sampled / max(nominal, 1)
            for key in ('loss_cls', 'loss_bbox', 'loss_fg', 'loss_attr'):
                if key in bbox_results['loss_bbox']:
                    bbox_results['loss_bbox'][key] = \
                        bbox_results['loss_bbox'][key] * scale
        return bbox_results

    def _weighted_bbox_loss(self, x: Tuple[Tensor],
                            sampling_results: List[SamplingResult],
                            batch_gt_instances: InstanceList) -> dict:
        """``StandardRoIHead.bbox_loss`` with the targets' weights of each
        positive RoI scaled by its GT's weight (the bbox head's
        ``get_targets`` puts each image's positives first) and, for RoIs of
        foreground-only GTs, ``loss_fg`` in place of the cross-entropy."""
        rois = bbox2roi([res.priors for res in sampling_results])
        bbox_results = self._bbox_forward(x, rois)
        labels, label_weights, bbox_targets, bbox_weights = \
            self.bbox_head.get_targets(sampling_results, self.train_cfg)
        factors, fg_only, class_targets = [], [], []
        num_classes = bbox_results['cls_score'].size(-1) - 1
        for res, gt in zip(sampling_results, batch_gt_instances):
            factor = label_weights.new_ones(len(res.priors))
            flags = factor.new_zeros(len(res.priors), dtype=torch.bool)
            # all-zero rows: no class distribution (plain loss_fg)
            targets = factor.new_zeros(len(res.priors), num_classes)
            pos_gt = res.pos_assigned_gt_inds
            if len(pos_gt) and 'weights' in gt:
                factor[:len(pos_gt)] = gt.weights[pos_gt].to(factor.dtype)
            if len(pos_gt) and 'fg_only' in gt:
                flags[:len(pos_gt)] = gt.fg_only[pos_gt]
            if len(pos_gt) and 'class_targets' in gt:
                targets[:len(pos_gt)] = gt.class_targets[pos_gt].to(
                    targets.dtype)
            factors.append(factor)
            fg_only.append(flags)
            class_targets.append(targets)
        factors, fg_only = torch.cat(factors), torch.cat(fg_only)
        class_targets = torch.cat(class_targets)
        weights = label_weights * factors
        bbox_results['loss_bbox'] = self.bbox_head.loss(
            bbox_results['cls_score'], bbox_results['bbox_pred'], rois,
            labels, weights * ~fg_only, bbox_targets,
            bbox_weights * factors[:, None])
        if fg_only.any():
            bbox_results['loss_bbox']['loss_fg'] = self.fg_loss(
                bbox_results['cls_score'], weights * fg_only,
                avg_factor=max(float((weights > 0).sum()), 1.),
                class_targets=class_targets)
        return bbox_results

    def fg_loss(self,
                cls_score: Tensor,
                weights: Tensor,
                avg_factor: float,
                class_targets: Optional[Tensor] = None) -> Tensor:
        """Partial-label loss "this RoI is one of the cell classes":
        -log(1 - p_background) = logsumexp(all logits) - logsumexp(the
        class logits), per RoI, weighted and summed, divided by
        ``avg_factor`` (``loss_cls``'s normaliser) and scaled by the class
        loss's ``loss_weight``. A RoI with a class distribution q (a non-zero
        row of ``class_targets``) gets the cross-entropy against it instead,
        -sum_c q_c log p_c = logsumexp(all logits) - sum_c q_c z_c.

        Args:
            cls_score (Tensor): (n, num_classes + 1) logits, background last.
            weights (Tensor): (n,) weights; 0 for RoIs it does not apply to.
            avg_factor (float): Normaliser.
            class_targets (Tensor, optional): (n, num_classes) class
                distributions (rows sum to 1), all-zero rows = none.
        """
        if self.bbox_head.custom_cls_channels or getattr(
                self.bbox_head.loss_cls, 'use_sigmoid', False):
            raise NotImplementedError(
                'foreground-only targets need a softmax box classifier '
                '(background logit last); this bbox head uses custom class '
                'channels or a sigmoid class loss')
        total = cls_score.logsumexp(-1)
        per_roi = total - cls_score[:, :-1].logsumexp(-1)
        if class_targets is not None:
            soft = class_targets.sum(-1) > 0
            per_roi = torch.where(
                soft, total - (class_targets * cls_score[:, :-1]).sum(-1),
                per_roi)
        scale = getattr(self.bbox_head.loss_cls, 'loss_weight', 1.0)
        return scale * (per_roi * weights).sum() / avg_factor

    def attr_loss(self, x: Tuple[Tensor],
                  sampling_results: List[SamplingResult],
                  batch_gt_instances: InstanceList) -> dict:
        """Attribute loss on the positive RoIs.

        Args:
            x (tuple[Tensor]): Multi-level features.
            sampling_results (list[SamplingResult]): Of the bbox branch.
            batch_gt_instances (list[InstanceData]): GT of each image:
                ``attributes`` ((m_i, A), -1 = not applicable) and optional
                ``weights`` ((m_i,)).

        Returns:
            dict: ``loss_attr``.
        """
        pos_rois = bbox2roi([res.pos_priors for res in sampling_results])
        targets = torch.cat([
            gt.attributes[res.pos_assigned_gt_inds]
            for gt, res in zip(batch_gt_instances, sampling_results)
        ])
        weight = None
        if any('weights' in gt for gt in batch_gt_instances):
            weight = torch.cat([
                gt.weights[res.pos_assigned_gt_inds] if 'weights' in gt
                else pos_rois.new_ones(len(res.pos_assigned_gt_inds))
                for gt, res in zip(batch_gt_instances, sampling_results)
            ])
        logits = self._attr_forward(x, pos_rois)
        return dict(loss_attr=self.attr_head.loss(logits, targets, weight))

    # ------------------------------------------------------------- predict
    def predict_bbox(self,
                     x: Tuple[Tensor],
                     batch_img_metas: List[dict],
                     rpn_results_list: InstanceList,
                     rcnn_test_cfg: ConfigType,
                     rescale: bool = False) -> InstanceList:
        """StandardRoIHead's box prediction; in ``'proposals'`` mode it also
        keeps, per image, the bbox-branch RoI features ((n_i, C, S, S)) of
        the proposal behind each final detection in ``_final_feats``, and
        with ``with_fg_scores`` it adds ``fg_scores`` and ``class_probs``
        to each result.

        The bbox head decodes every proposal for every class without NMS
        (its ``rcnn_test_cfg=None`` path, scores (n, num_classes + 1) with
        the background last) and the same ``multiclass_nms`` call as
        mmdet's then runs here with ``return_inds``: a kept index ``k`` into
        the flattened (proposal, class) boxes is proposal
        ``k // num_classes``.
        """
        self._final_feats = None
        keep_feats = (self.attr_head is not None
                      and self.attr_predict_feats == 'proposals')
        if (not (keep_feats or self.with_fg_scores) or rcnn_test_cfg is None
                or self.bbox_head.predict_box_type != 'hbox'):
            return super().predict_bbox(x, batch_img_metas, rpn_results_list,
                                        rcnn_test_cfg, rescale)
        self._keep_bbox_feats = keep_feats
        try:
            raw_list = super().predict_bbox(x, batch_img_metas,
                                            rpn_results_list, None, rescale)
            bbox_feats = self._bbox_feats
        finally:
            self._keep_bbox_feats, self._bbox_feats = False, None
        results_list, final_feats, start = [], [], 0
        for raw, meta in zip(raw_list, batch_img_metas):
            num_rois = len(raw.scores)
            if num_rois == 0:
                results = empty_instances(
                    [meta], raw.scores.device, task_type='bbox',
                    box_type=self.bbox_head.predict_box_type)[0]
                proposal = raw.scores.new_zeros(0, dtype=torch.long)
            else:
                dets, labels, keep = multiclass_nms(
                    raw.bboxes, raw.scores, rcnn_test_cfg.score_thr,
                    rcnn_test_cfg.nms, rcnn_test_cfg.max_per_img,
                    return_inds=True, box_dim=4)
                results = InstanceData(bboxes=dets[:, :-1],
                                       scores=dets[:, -1], labels=labels)
                proposal = keep // (raw.scores.size(1) - 1)
            if self.with_fg_scores:
                results.fg_scores = 1 - raw.scores[proposal, -1] \
                    if num_rois else results.scores.new_zeros(0)
                results.class_probs = raw.scores[proposal, :-1] \
                    if num_rois else results.scores.new_zeros(
                        0, raw.scores.size(1) - 1)
            results_list.append(results)
            final_feats.append(bbox_feats[start + proposal]
                               if bbox_feats is not None else None)
            start += num_rois
        if keep_feats:
            self._final_feats = final_feats
        return results_list

    def predict(self,
                x: Tuple[Tensor],
                rpn_results_list: InstanceList,
                batch_data_samples: SampleList,
                rescale: bool = False) -> InstanceList:
        results_list = super().predict(x, rpn_results_list,
                                       batch_data_samples, rescale)
        if self.attr_head is None or self.test_cfg is None:
            # without a test config StandardRoIHead returns every RoI's
            # per-class boxes, not detections (mmdet's SoftTeacher jitters
            # boxes this way): nothing to attach attributes to
            return results_list
        batch_img_metas = [s.metainfo for s in batch_data_samples]
        final_feats, self._final_feats = self._final_feats, None
        if final_feats is not None:  # 'proposals' mode
            self.attr_from_feats(final_feats, results_list)
        else:
            self.predict_attr(x, batch_img_metas,
                              [res.bboxes for res in results_list], rescale,
                              results_list)
        if self.predict_on_gt and all('gt_instances' in s and 'bboxes' in
                                      s.gt_instances
                                      for s in batch_data_samples):
            gt_instances = [s.gt_instances for s in batch_data_samples]
            # test pipelines load GT boxes in original-image pixels
            self.predict_attr(
                x, batch_img_metas,
                [get_box_tensor(gt.bboxes) for gt in gt_instances], True,
                gt_instances, probs_key='attribute_scores', labels_key=None)
        return results_list

    def predict_attr(self,
                     x: Tuple[Tensor],
                     batch_img_metas: List[dict],
                     batch_bboxes: List[Tensor],
                     in_original_pixels: bool,
                     outputs: List[InstanceData],
                     probs_key: str = 'attributes',
                     labels_key: Optional[str] = 'attribute_labels') -> None:
        """Predict attributes for given boxes and store them in ``outputs``.

        Args:
            x (tuple[Tensor]): Multi-level features.
            batch_img_metas (list[dict]): Image metas (``scale_factor``).
            batch_bboxes (list[Tensor]): (n_i, 4) x1y1x2y2 boxes per image,
                in original-image pixels if ``in_original_pixels`` else in
                network-input pixels.
            in_original_pixels (bool): See above.
            outputs (list[InstanceData]): Receive ``probs_key`` ((n_i, A,
                Vmax) probabilities) and ``labels_key`` ((n_i, A) argmax).
        """
        boxes = []
        for bboxes, meta in zip(batch_bboxes, batch_img_metas):
            if in_original_pixels and len(bboxes):
                bboxes = bboxes * bboxes.new_tensor(
                    meta['scale_factor']).repeat(2)
            boxes.append(bboxes)
        rois = bbox2roi(boxes)
        layout = self.attr_head.loss_attr.layout
        if rois.shape[0] == 0:
            probs = rois.new_zeros((0, layout.num_attributes,
                                    layout.max_values))
        else:
            probs = self.attr_head.predict_probs(self._attr_forward(x, rois))
        self._store_probs(probs, [len(b) for b in boxes], outputs, probs_key,
                          labels_key)

    def attr_from_feats(self, batch_feats: List[Optional[Tensor]],
                        outputs: List[InstanceData]) -> None:
        """Attributes from given RoI features ((n_i, C, S, S) per image, as
        the bbox branch's extractor and shared head produce them) into
        ``outputs`` (``attributes`` and ``attribute_labels``)."""
        counts = [len(out) for out in outputs]
        feats = [f for f in batch_feats if f is not None and len(f)]
        if feats:
            probs = self.attr_head.predict_probs(
                self.attr_head(torch.cat(feats)))
        else:
            layout = self.attr_head.loss_attr.layout
            probs = outputs[0].bboxes.new_zeros(
                (0, layout.num_attributes, layout.max_values))
        self._store_probs(probs, counts, outputs, 'attributes',
                          'attribute_labels')

    @staticmethod
    def _store_probs(probs: Tensor, counts: List[int],
                     outputs: List[InstanceData], probs_key: str,
                     labels_key: Optional[str]) -> None:
        for out, part in zip(outputs, probs.split(counts, 0)):
            out[probs_key] = part
            if labels_key is not None:
                out[labels_key] = part.argmax(-1)
