"""Attribute head on RoI features (the Faster R-CNN attribute branch)."""
from typing import Optional, Union

import torch.nn as nn
from mmcv.cnn import ConvModule
from mmdet.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor

from ...datasets.schema import AttributeSchema


@MODELS.register_module()
class RoIAttributeHead(BaseModule):
    """Predicts every attribute of a cell from its RoI features.

    ``num_convs`` 3x3 conv blocks, then ``num_fcs`` fully connected layers and
    a linear layer with ``sum(num_values)`` logits (attribute 0's values
    first, see :class:`AttributeLayout`). The paper's AttriHead is
    ``num_convs=3, num_fcs=3`` on RoIAlign features of the stride-4 and
    stride-8 maps (an ``attr_roi_extractor`` of :class:`AttrRoIHead`).

    Args:
        in_channels (int): Channels of the RoI features.
        roi_feat_size (int): Side of the RoI features. Defaults to 7.
        num_convs (int): Conv blocks. Defaults to 2.
        conv_out_channels (int): Defaults to 256.
        num_fcs (int): Hidden fully connected layers. Defaults to 2.
        fc_out_channels (int): Defaults to 1024.
        attribute_schema (str | dict | AttributeSchema, optional): The
            attributes to predict; must match the dataset's. Defaults to
            LLD's 7.
        loss_attr (dict): An :class:`AttributeLoss` config; its schema is
            filled in from ``attribute_schema``.
        conv_cfg, norm_cfg (dict, optional): For the conv blocks.
        init_cfg (dict | list[dict], optional): Initialisation.
    """

    def __init__(self,
                 in_channels: int = 256,
                 roi_feat_size: int = 7,
                 num_convs: int = 2,
                 conv_out_channels: int = 256,
                 num_fcs: int = 2,
                 fc_out_channels: int = 1024,
                 attribute_schema: Union[None, str, dict,
                                         AttributeSchema] = None,
                 loss_attr: dict = dict(type='AttributeLoss'),
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: Optional[dict] = None,
                 init_cfg=dict(
                     type='Xavier',
                     distribution='uniform',
                     override=[dict(name='fcs'),
                               dict(name='fc_attr')])) -> None:
        super().__init__(init_cfg=init_cfg)
        self.attribute_schema = AttributeSchema.build(attribute_schema)
        loss_attr = dict(loss_attr)
        loss_attr.setdefault('num_values', self.attribute_schema.num_values)
        self.loss_attr = MODELS.build(loss_attr)
        channels = in_channels
        self.convs = nn.ModuleList()
        for _ in range(num_convs):
            self.convs.append(
                ConvModule(channels, conv_out_channels, 3, padding=1,
                           conv_cfg=conv_cfg, norm_cfg=norm_cfg))
            channels = conv_out_channels
        flat = channels * roi_feat_size * roi_feat_size
        self.fcs = nn.ModuleList()
        for _ in range(num_fcs):
            self.fcs.append(nn.Linear(flat, fc_out_channels))
            flat = fc_out_channels
        self.relu = nn.ReLU(inplace=True)
        self.fc_attr = nn.Linear(flat, self.loss_attr.num_logits)

    def forward(self, roi_feats: Tensor) -> Tensor:
        """
        Args:
            roi_feats (Tensor): (n, C, S, S) features of n RoIs.

        Returns:
            Tensor: (n, sum V) attribute logits.
        """
        x = roi_feats
        for conv in self.convs:
            x = conv(x)
        x = x.flatten(1)
        for fc in self.fcs:
            x = self.relu(fc(x))
        return self.fc_attr(x)

    def loss(self, logits: Tensor, targets: Tensor,
             weight: Optional[Tensor] = None) -> Tensor:
        """Attribute loss of (n, sum V) logits against (n, A) targets
        (-1 = not applicable), optionally weighted per RoI."""
        return self.loss_attr(logits, targets, weight=weight)

    def predict_probs(self, logits: Tensor) -> Tensor:
        """(n, sum V) logits -> (n, A, Vmax) per-attribute probabilities."""
        return self.loss_attr.predict_probs(logits)
