"""ChannelsLastHook: switches the backbones of plain and teacher-student
models before the run, refuses wrapped or backbone-less models, and turns
off from the command line."""
import argparse
import logging
import os.path as osp

import pytest
import torch
from conftest import build_tiny_model
from mmengine.config import Config, DictAction
from mmengine.model import MMDistributedDataParallel
from mmengine.runner import Runner

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
    with pytest.raises(RuntimeError, match='channels_last.enabled=False'):
        ChannelsLastHook().before_run(_Runner(wrapped))
    with pytest.raises(ValueError, match='no detector with a backbone'):
        ChannelsLastHook().before_run(_Runner(model.rpn_head))


def test_command_line_off_switch():
    """README's off switch, parsed as tools/train.py parses --cfg-options
    and registered by mmengine's own default-hook code, leaves the model
    NCHW (``default_hooks.channels_last=None`` fails in mmengine)."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    options = parser.parse_args(
        ['--cfg-options', 'default_hooks.channels_last.enabled=False'])
    repo = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
        osp.abspath(__file__)))))
    cfg = Config.fromfile(osp.join(repo, 'configs/demo/faster_rcnn_attr.py'))
    cfg.merge_from_dict(options.cfg_options)
    runner = Runner.__new__(Runner)  # only its hook list is used
    runner._hooks = []
    Runner.register_default_hooks(
        runner, dict(channels_last=cfg.default_hooks.channels_last))
    hook, = [h for h in runner._hooks if isinstance(h, ChannelsLastHook)]
    model = build_tiny_model('tiny_faster_rcnn')
    hook.before_run(_Runner(model))
    assert not channels_last(model)
    ChannelsLastHook(enabled=True).before_run(_Runner(model))
    assert channels_last(model)
    with pytest.raises(TypeError, match='enabled must be True or False'):
        ChannelsLastHook(enabled='False')
