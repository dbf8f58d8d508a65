"""ChannelsLastHook: switches the backbones of plain and teacher-student
models before the run, refuses wrapped or backbone-less models."""
import logging

import pytest
import torch
from conftest import build_tiny_model
from mmengine.model import MMDistributedDataParallel

from lld_mmdet.engine.hooks import ChannelsLastHook


class _Runner:

    def __init__(self, model):
        self.model = model
        self.logger = logging.getLogger('test_channels_last_hook')


def channels_last(module):
    w = module.backbone.conv1.weight
    return w.is_contiguous(memory_format=torch.channels_last) and \
        not w.is_contiguous()


@pytest.mark.parametrize('name', ['tiny_faster_rcnn', 'tiny_dino_semi'])
def test_switches_every_detector_backbone(name):
    model = build_tiny_model(name)
    detectors = [model.student, model.teacher] if hasattr(
        model, 'teacher') else [model]
    assert not any(channels_last(d) for d in detectors)
    ChannelsLastHook().before_run(_Runner(model))
    assert all(channels_last(d) for d in detectors)
    # necks and heads keep NCHW tensors
    x = torch.rand(1, 3, 64, 64)
    feats = detectors[0].extract_feat(x)
    assert all(f.is_contiguous() for f in feats)


def test_refuses_wrapped_and_backbone_less_models():
    model = build_tiny_model('tiny_faster_rcnn')
    wrapped = MMDistributedDataParallel.__new__(MMDistributedDataParallel)
    with pytest.raises(RuntimeError, match='channels_last=None'):
        ChannelsLastHook().before_run(_Runner(wrapped))
    with pytest.raises(ValueError, match='no detector with a backbone'):
        ChannelsLastHook().before_run(_Runner(model.rpn_head))
