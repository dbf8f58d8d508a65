"""DINO head with a per-query attribute branch and sparse-region ignore."""
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmdet.models.dense_heads import DINOHead
from mmdet.registry import MODELS
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy
from mmdet.utils import InstanceList, OptInstanceList
from mmengine.structures import InstanceData
from torch import Tensor

from ...datasets.schema import AttributeSchema
from ..task_modules.assigners import region_covered_fraction
from ..utils import gt_instance_weights, positive_weight_factors


class AssignmentLog:
    """Wraps the head's Hungarian assigner and keeps the ``AssignResult`` of
    every ``assign`` call made while recording, so the attribute loss reuses
    the matching of the box losses instead of running it again; ``last`` is
    always the latest one (used for per-instance weights).

    ``DETRHead._get_targets_single`` calls the assigner but returns only the
    matched query indices, not which GT each query matched; this is the
    smallest seam that exposes it.
    """

    def __init__(self, assigner) -> None:
        self.assigner = assigner
        self.results: Optional[list] = None
        self.last = None

    def assign(self, *args, **kwargs):
        result = self.assigner.assign(*args, **kwargs)
        self.last = result
        if self.results is not None:
            self.results.append(result)
        return result

    def __getattr__(self, name):  # everything else is the assigner's
        return getattr(self.__dict__['assigner'], name)


@MODELS.register_module()
class AttrDINOHead(DINOHead):
    """``DINOHead`` plus a per-query attribute branch and, for sparsely
    annotated images, region-aware classification targets. Both are switched
    by config (``loss_attr=None`` drops the attribute branch;
    ``region_ignore=None`` drops the region rule).

    Attributes. Every decoder layer's queries get attribute logits from their own small
    MLP (``attr_branches``, shared when ``share_pred_layer``), so the
    auxiliary losses of DINO extend to attributes.

    - Training: a matching query is supervised with the attributes of the GT
      cell the Hungarian matching of the box losses assigned it to (the
      assignment is reused, see :class:`AssignmentLog`); with
      ``attr_on_denoising`` the positive denoising queries are supervised
      with their GT cell's attributes too. Loss keys ``loss_attr`` (last
      layer) and ``d{i}.loss_attr``; not-applicable values give no loss.
    - Prediction: the last layer's attribute probabilities are gathered with
      the same query index as the boxes after top-k: ``attributes``
      ((n, A, Vmax)) and ``attribute_labels`` ((n, A)).

    Region ignore. DETR-style heads train every unmatched query as
    background. On an image whose meta has ``valid_region`` (set by
    :class:`SparseRegionIgnore`), an unmatched query whose predicted box lies
    outside the region gets classification weight 0 instead, in every
    decoder layer's loss and in the encoder proposal loss (both go through
    ``_get_targets_single``). "Outside" is, by ``region_ignore['rule']``:
    ``'centre'`` - the box centre is not in the region; ``'iof'`` - less
    than ``region_ignore['thr']`` of the box area is in the region.
    Matched queries, denoising queries and the loss normalisation are
    unchanged.

    Per-instance weights. GT instances with a ``weights`` field (pseudo
    labels of :class:`LLDSemiDetector`) scale the classification and box
    weights of the queries matched to them (decoder layers and encoder
    proposals), of their denoising queries (positive and negative) and of
    their attribute loss.

    Args:
        attribute_schema (str | dict | AttributeSchema, optional): Must match
            the dataset's. Defaults to LLD's 7 attributes.
        loss_attr (dict, optional): :class:`AttributeLoss` config (schema
            filled in); None drops the attribute branch (plain DINO).
        attr_on_denoising (bool): Also supervise denoising queries. Defaults
            to False.
        region_ignore (dict, optional): ``dict(rule='centre')`` or
            ``dict(rule='iof', thr=0.5)``; None (default) = off.
        **kwargs: Passed to :class:`DINOHead`.
    """

    def __init__(self,
                 *args,
                 attribute_schema: Union[None, str, dict,
                                         AttributeSchema] = None,
                 loss_attr: Optional[dict] = dict(type='AttributeLoss'),
                 attr_on_denoising: bool = False,
                 region_ignore: Optional[dict] = None,
                 **kwargs) -> None:
        schema = AttributeSchema.build(attribute_schema)
        if loss_attr is not None:
            loss_attr = dict(loss_attr)
            loss_attr.setdefault('num_values', schema.num_values)
            self._num_attr_logits = sum(loss_attr['num_values'])
        self.with_attr = loss_attr is not None
        if region_ignore is not None and region_ignore.get(
                'rule', 'centre') not in ('centre', 'iof'):
            raise ValueError("region_ignore['rule'] must be 'centre' or "
                             f"'iof', got {region_ignore['rule']!r}")
        super().__init__(*args, **kwargs)
        self.region_ignore = region_ignore
        self.attribute_schema = schema
        if self.with_attr:
            self.loss_attr = MODELS.build(loss_attr)
        self.attr_on_denoising = attr_on_denoising
        if hasattr(self, 'assigner'):
            self.assigner = AssignmentLog(self.assigner)

    def _init_layers(self) -> None:
        super()._init_layers()
        if not self.with_attr:
            return
        num_layers = self.num_pred_layer - (1 if self.as_two_stage else 0)

        def branch():
            return nn.Sequential(
                nn.Linear(self.embed_dims, self.embed_dims),
                nn.ReLU(inplace=True),
                nn.Linear(self.embed_dims, self._num_attr_logits))

        if self.share_pred_layer:
            shared = branch()
            self.attr_branches = nn.ModuleList([shared] * num_layers)
        else:
            self.attr_branches = nn.ModuleList(
                [branch() for _ in range(num_layers)])

    def forward(self, hidden_states: Tensor, references: List[Tensor]):
        """As ``DINOHead.forward``, plus ``all_layers_attr_preds``:
        (num_decoder_layers, bs, num_queries, sum V) attribute logits."""
        cls_scores, bbox_preds = super().forward(hidden_states, references)
        if not self.with_attr:
            return cls_scores, bbox_preds
        attr_preds = torch.stack([
            self.attr_branches[i](hidden_states[i])
            for i in range(hidden_states.shape[0])
        ])
        return cls_scores, bbox_preds, attr_preds

    def loss_by_feat(self, all_layers_cls_scores: Tensor,
                     all_layers_bbox_preds: Tensor, *args,
                     **kwargs) -> Dict[str, Tensor]:
        """DINO's losses, plus (with attributes) the attribute loss of every
        decoder layer. With attributes the positional arguments are
        ``(cls, bbox, attr, enc_cls, enc_bbox, batch_gt_instances,
        batch_img_metas, dn_meta[, batch_gt_instances_ignore])``, else
        DINOHead's."""
        if not self.with_attr:
            return super().loss_by_feat(all_layers_cls_scores,
                                        all_layers_bbox_preds, *args,
                                        **kwargs)
        return self._loss_with_attributes(all_layers_cls_scores,
                                          all_layers_bbox_preds, *args,
                                          **kwargs)

    def _loss_with_attributes(
            self,
            all_layers_cls_scores: Tensor,
            all_layers_bbox_preds: Tensor,
            all_layers_attr_preds: Tensor,
            enc_cls_scores: Tensor,
            enc_bbox_preds: Tensor,
            batch_gt_instances: InstanceList,
            batch_img_metas: List[dict],
            dn_meta: Dict[str, int],
            batch_gt_instances_ignore: OptInstanceList = None
    ) -> Dict[str, Tensor]:
        log = self.assigner
        log.results = []
        try:
            loss_dict = super().loss_by_feat(
                all_layers_cls_scores, all_layers_bbox_preds, enc_cls_scores,
                enc_bbox_preds, batch_gt_instances, batch_img_metas, dn_meta,
                batch_gt_instances_ignore)
            assignments = log.results
        finally:
            log.results = None
        num_layers, num_imgs = all_layers_attr_preds.shape[:2]
        # DETRHead.loss_by_feat assigns layer by layer, image by image; the
        # encoder's assignments (two-stage) come after them.
        if len(assignments) < num_layers * num_imgs:
            raise RuntimeError(
                f'expected {num_layers * num_imgs} Hungarian assignments, '
                f'recorded {len(assignments)}')
        num_dn = dn_meta['num_denoising_queries'] if dn_meta else 0
        gt_attrs = [gt.attributes for gt in batch_gt_instances]
        gt_weights = [
            gt.weights if 'weights' in gt else all_layers_attr_preds.new_ones(
                len(gt)) for gt in batch_gt_instances
        ]
        for layer in range(num_layers):
            preds, targets, weights = [], [], []
            for img in range(num_imgs):
                assign = assignments[layer * num_imgs + img]
                pos = torch.nonzero(assign.gt_inds > 0).squeeze(-1)
                preds.append(all_layers_attr_preds[layer, img, num_dn + pos])
                targets.append(gt_attrs[img][assign.gt_inds[pos] - 1])
                weights.append(gt_weights[img][assign.gt_inds[pos] - 1])
                if self.attr_on_denoising and num_dn:
                    dn_pos, dn_gt = self._dn_positives(
                        len(gt_attrs[img]), dn_meta,
                        all_layers_attr_preds.device)
                    preds.append(all_layers_attr_preds[layer, img, dn_pos])
                    targets.append(gt_attrs[img][dn_gt])
                    weights.append(gt_weights[img][dn_gt])
            key = 'loss_attr' if layer == num_layers - 1 else \
                f'd{layer}.loss_attr'
            loss_dict[key] = self.loss_attr(torch.cat(preds),
                                            torch.cat(targets),
                                            weight=torch.cat(weights))
        return loss_dict

    @staticmethod
    def _dn_positives(num_gts: int, dn_meta: Dict[str, int], device):
        """Positive denoising queries and their GT index, in the layout of
        ``DINOHead._get_dn_targets_single`` (group g, GT i -> query
        ``g * group_size + i``)."""
        groups = dn_meta['num_denoising_groups']
        group_size = dn_meta['num_denoising_queries'] // groups
        gt = torch.arange(num_gts, device=device).repeat(groups)
        pos = (torch.arange(groups, device=device) *
               group_size).repeat_interleave(num_gts) + gt
        return pos, gt

    def predict_by_feat(self,
                        all_layers_cls_scores: Tensor,
                        all_layers_bbox_preds: Tensor,
                        all_layers_attr_preds: Optional[Tensor] = None,
                        batch_img_metas: Optional[List[dict]] = None,
                        rescale: bool = False) -> InstanceList:
        """DINO's detections with the attributes of the same queries."""
        if not self.with_attr:
            return super().predict_by_feat(all_layers_cls_scores,
                                           all_layers_bbox_preds,
                                           batch_img_metas, rescale)
        results_list = super().predict_by_feat(all_layers_cls_scores,
                                               all_layers_bbox_preds,
                                               batch_img_metas, rescale)
        for img, results in enumerate(results_list):
            query = self.query_index(all_layers_cls_scores[-1][img])
            probs = self.loss_attr.predict_probs(
                all_layers_attr_preds[-1][img][query])
            results.attributes = probs
            results.attribute_labels = probs.argmax(-1)
        return results_list

    def _get_targets_single(self, cls_score: Tensor, bbox_pred: Tensor,
                            gt_instances: InstanceData,
                            img_meta: dict) -> Tuple[Tensor, ...]:
        """DETR targets of one image; with ``region_ignore`` and a
        ``valid_region`` in ``img_meta``, unmatched queries predicted outside
        the region get classification weight 0 (see the class docstring).

        Args:
            cls_score (Tensor): (num_queries, num_classes) logits.
            bbox_pred (Tensor): (num_queries, 4) normalised cxcywh boxes.
            gt_instances (InstanceData): GT of the image.
            img_meta (dict): Its meta (``img_shape``, ``valid_region`` in
                current pixels).
        """
        targets = super()._get_targets_single(cls_score, bbox_pred,
                                              gt_instances, img_meta)
        labels, label_weights, bbox_targets, bbox_weights = targets[:4]
        weights = gt_instance_weights(gt_instances)
        if weights is not None:
            # the assignment DETRHead._get_targets_single just made
            gt_inds = self.assigner.last.gt_inds
            pos = torch.nonzero(gt_inds > 0).squeeze(-1)
            factors = positive_weight_factors(len(labels), pos,
                                              gt_inds[pos] - 1, weights,
                                              label_weights)
            label_weights = label_weights * factors
            bbox_weights = bbox_weights * factors[:, None]
        region = img_meta.get('valid_region')
        if self.region_ignore is not None and region is not None:
            outside = self.outside_region(bbox_pred, region, img_meta)
            unmatched = labels == self.num_classes
            label_weights = label_weights.masked_fill(unmatched & outside,
                                                      0.0)
        return (labels, label_weights, bbox_targets,
                bbox_weights) + tuple(targets[4:])

    def _get_dn_targets_single(self, gt_instances: InstanceData,
                               img_meta: dict,
                               dn_meta: Dict[str, int]) -> tuple:
        """DINO's denoising targets of one image; with per-instance weights,
        both denoising queries made from a GT box (its positive and its
        negative of every group) are weighted by that box's weight."""
        targets = super()._get_dn_targets_single(gt_instances, img_meta,
                                                 dn_meta)
        weights = gt_instance_weights(gt_instances)
        if weights is None or len(weights) == 0:
            return targets
        labels, label_weights, bbox_targets, bbox_weights = targets[:4]
        pos, gt = self._dn_positives(len(weights), dn_meta, labels.device)
        group_size = dn_meta['num_denoising_queries'] // dn_meta[
            'num_denoising_groups']
        factors = positive_weight_factors(
            len(labels), torch.cat([pos, pos + group_size // 2]),
            torch.cat([gt, gt]), weights, label_weights)
        return (labels, label_weights * factors, bbox_targets,
                bbox_weights * factors[:, None]) + tuple(targets[4:])

    def outside_region(self, bbox_pred: Tensor, region,
                       img_meta: dict) -> Tensor:
        """(num_queries,) bool: which predicted boxes (normalised cxcywh)
        lie outside ``region`` ((4,) x1y1x2y2 current pixels) by the
        configured rule."""
        img_h, img_w = img_meta['img_shape']
        scale = bbox_pred.new_tensor([img_w, img_h, img_w, img_h])
        boxes = bbox_cxcywh_to_xyxy(bbox_pred.detach()) * scale
        region = torch.as_tensor(region, dtype=boxes.dtype,
                                 device=boxes.device)
        if self.region_ignore.get('rule', 'centre') == 'centre':
            cx = (boxes[:, 0] + boxes[:, 2]) / 2
            cy = (boxes[:, 1] + boxes[:, 3]) / 2
            inside = (cx >= region[0]) & (cx < region[2]) & (
                cy >= region[1]) & (cy < region[3])
            return ~inside
        thr = self.region_ignore.get('thr', 0.5)
        return region_covered_fraction(boxes, region) < thr

    def query_index(self, cls_score: Tensor) -> Tensor:
        """Query of each detection that ``_predict_by_feat_single`` keeps,
        in its order: the same top-k on the same scores (the parent does not
        return the index).

        Args:
            cls_score (Tensor): (num_queries, cls_out_channels) logits of the
                last decoder layer for one image.

        Returns:
            Tensor: (max_per_img,) query indices.
        """
        max_per_img = self.test_cfg.get('max_per_img', len(cls_score))
        if self.loss_cls.use_sigmoid:
            _, indexes = cls_score.sigmoid().view(-1).topk(max_per_img)
            return indexes // self.num_classes
        scores = cls_score.softmax(-1)[..., :-1].max(-1)[0]
        return scores.topk(max_per_img)[1]
