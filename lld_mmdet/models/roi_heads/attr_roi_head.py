"""Faster R-CNN RoI head with a per-cell attribute branch."""
from typing import List, Optional, Tuple

import torch
from mmdet.models.roi_heads import StandardRoIHead
from mmdet.models.task_modules.samplers import SamplingResult
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.structures.bbox import bbox2roi, get_box_tensor
from mmdet.utils import InstanceList, OptConfigType
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
    - Prediction: it runs on the final (post-NMS) boxes and adds to each
      result ``attributes`` ((n, A, Vmax) per-attribute probabilities) and
      ``attribute_labels`` ((n, A) argmax), aligned with ``bboxes``.
    - With ``predict_on_gt=True`` and GT boxes in the data samples (val/test
      pipelines load them), it also predicts attributes for the GT boxes
      themselves: ``gt_instances.attribute_scores`` ((m, A, Vmax)), the
      detection-free attribute score that :class:`LLDMetric` reports.

    Args:
        attr_head (dict, optional): Config of the attribute head, e.g.
            :class:`RoIAttributeHead`; None = no attribute branch (the head
            is then StandardRoIHead plus ``sample_normalizer``).
        attr_roi_extractor (dict, optional): RoI extractor of the attribute
            branch. None (default) shares the bbox branch's extractor, i.e.
            the branch sees the same RoI features as the box classifier.
        predict_on_gt (bool): See above. Defaults to True.
        sample_normalizer (str): How the box losses are averaged.
            ``'sampled'`` (mmdet's): over the RoIs actually sampled.
            ``'nominal'``: over ``num_images * sampler.num``, the RoIs a
            batch would have without region ignore. With sparse regions most
            RoIs are ignored, and mmdet's mean then multiplies each remaining
            RoI's gradient (about 5x for a 1/5 region), which made the box
            classifier of the from-scratch demo collapse; ``'nominal'`` keeps
            the per-RoI weight of fully annotated training.
        **kwargs: Passed to :class:`StandardRoIHead`.
    """

    def __init__(self,
                 attr_head: OptConfigType,
                 attr_roi_extractor: OptConfigType = None,
                 predict_on_gt: bool = True,
                 sample_normalizer: str = 'sampled',
                 **kwargs) -> None:
        if sample_normalizer not in ('sampled', 'nominal'):
            raise ValueError("sample_normalizer must be 'sampled' or "
                             f"'nominal', got {sample_normalizer!r}")
        super().__init__(**kwargs)
        self.sample_normalizer = sample_normalizer
        self.attr_head = MODELS.build(attr_head) if attr_head else None
        self.attr_roi_extractor = (
            MODELS.build(attr_roi_extractor)
            if attr_roi_extractor is not None else None)
        self.predict_on_gt = predict_on_gt
        self._batch_gt_attributes: Optional[List[Tensor]] = None

    # ------------------------------------------------------------- forward
    def _attr_forward(self, x: Tuple[Tensor], rois: Tensor) -> Tensor:
        """Attribute logits ((n, sum V)) of ``rois`` ((n, 5) batch index +
        x1y1x2y2 in network-input pixels)."""
        extractor = self.attr_roi_extractor or self.bbox_roi_extractor
        feats = extractor(x[:extractor.num_inputs], rois)
        if self.with_shared_head:
            feats = self.shared_head(feats)
        return self.attr_head(feats)

    # ---------------------------------------------------------------- loss
    def loss(self, x: Tuple[Tensor], rpn_results_list: InstanceList,
             batch_data_samples: SampleList) -> dict:
        # StandardRoIHead.loss hands bbox_loss the sampling results but not
        # the GT instances, so the batch's GT attributes are kept here for
        # the duration of the call.
        if self.attr_head is None:
            return super().loss(x, rpn_results_list, batch_data_samples)
        self._batch_gt_attributes = [
            sample.gt_instances.attributes for sample in batch_data_samples
        ]
        try:
            return super().loss(x, rpn_results_list, batch_data_samples)
        finally:
            self._batch_gt_attributes = None

    def bbox_loss(self, x: Tuple[Tensor],
                  sampling_results: List[SamplingResult]) -> dict:
        bbox_results = super().bbox_loss(x, sampling_results)
        if self.sample_normalizer == 'nominal':
            sampled = sum(len(res.priors) for res in sampling_results)
            nominal = len(sampling_results) * self.bbox_sampler.num
            scale = sampled / max(nominal, 1)
            for key in ('loss_cls', 'loss_bbox'):
                if key in bbox_results['loss_bbox']:
                    bbox_results['loss_bbox'][key] = \
                        bbox_results['loss_bbox'][key] * scale
        if self._batch_gt_attributes is not None:
            bbox_results['loss_bbox'].update(
                self.attr_loss(x, sampling_results,
                               self._batch_gt_attributes))
        return bbox_results

    def attr_loss(self, x: Tuple[Tensor],
                  sampling_results: List[SamplingResult],
                  batch_gt_attributes: List[Tensor]) -> dict:
        """Attribute loss on the positive RoIs.

        Args:
            x (tuple[Tensor]): Multi-level features.
            sampling_results (list[SamplingResult]): Of the bbox branch.
            batch_gt_attributes (list[Tensor]): (m_i, A) GT attributes of
                each image.

        Returns:
            dict: ``loss_attr``.
        """
        pos_rois = bbox2roi([res.pos_priors for res in sampling_results])
        targets = torch.cat([
            gt_attrs[res.pos_assigned_gt_inds]
            for gt_attrs, res in zip(batch_gt_attributes, sampling_results)
        ])
        logits = self._attr_forward(x, pos_rois)
        return dict(loss_attr=self.attr_head.loss(logits, targets))

    # ------------------------------------------------------------- predict
    def predict(self,
                x: Tuple[Tensor],
                rpn_results_list: InstanceList,
                batch_data_samples: SampleList,
                rescale: bool = False) -> InstanceList:
        results_list = super().predict(x, rpn_results_list,
                                       batch_data_samples, rescale)
        if self.attr_head is None:
            return results_list
        batch_img_metas = [s.metainfo for s in batch_data_samples]
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
        for out, part in zip(outputs,
                             probs.split([len(b) for b in boxes], 0)):
            out[probs_key] = part
            if labels_key is not None:
                out[labels_key] = part.argmax(-1)
