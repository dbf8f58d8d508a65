"""Channels-last backbones behind an NCHW interface.

oneDNN (CPU) and cuDNN run convolutions faster on channels-last (NHWC)
tensors. Only the backbone is switched: mmcv's compiled RoIAlign reads its
input as contiguous NCHW memory and returns wrong features for a channels-
last map (tested), so the backbone's outputs are made contiguous NCHW again
before the neck and the heads see them. Values are unchanged up to float
rounding (about 1e-5).
"""
from typing import List

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle


def _inputs_to_channels_last(_module: nn.Module, args: tuple) -> tuple:
    if args and torch.is_tensor(args[0]) and args[0].dim() == 4:
        return (args[0].contiguous(memory_format=torch.channels_last),
                *args[1:])
    return args


def _outputs_to_nchw(_module: nn.Module, _args: tuple, output):
    if torch.is_tensor(output):
        return output.contiguous()
    if isinstance(output, (tuple, list)):
        return type(output)(o.contiguous() if torch.is_tensor(o) else o
                            for o in output)
    return output


def channels_last_backbone(backbone: nn.Module) -> List[RemovableHandle]:
    """Store ``backbone``'s 4-D weights channels-last and run it on
    channels-last inputs; its outputs (a tensor or a tuple/list of
    (N, C, H, W) maps) come back as contiguous NCHW tensors.

    In-place updates of the weights (EMA, ``load_state_dict``) keep the
    format. Returns the two hook handles (``handle.remove()`` undoes the
    input/output conversion, not the weights' format).
    """
    backbone.to(memory_format=torch.channels_last)
    return [
        backbone.register_forward_pre_hook(_inputs_to_channels_last),
        backbone.register_forward_hook(_outputs_to_nchw)
    ]


def channels_last_detectors(model: nn.Module) -> int:
    """:func:`channels_last_backbone` for the backbone of every detector in
    ``model``: the detector itself, or a teacher-student wrapper's student
    and teacher. A backbone already switched is left alone.

    Returns:
        int: How many backbones run channels-last now.
    """
    from mmdet.models.detectors import BaseDetector
    count = 0
    for module in model.modules():
        backbone = getattr(module, 'backbone', None) if isinstance(
            module, BaseDetector) else None
        if not isinstance(backbone, nn.Module):
            continue
        if not getattr(backbone, '_lld_channels_last', False):
            channels_last_backbone(backbone)
            backbone._lld_channels_last = True
        count += 1
    return count
