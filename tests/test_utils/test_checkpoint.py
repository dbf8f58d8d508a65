"""Checkpoints load under torch>=2.6 weights_only, and --resume works."""
import io
import os
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from conftest import run_train_tool as train
from conftest import tiny_coco, write_dataset, write_tiny_config
from mmengine.logging import HistoryBuffer

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def train_straight_and_resumed(tmp_path, resume_epoch, **overrides):
    """Train the tiny config (``overrides`` merged in) without interruption
    and again resumed from the first run's ``epoch_{resume_epoch}.pth``;
    return both runs' last checkpoints (loaded) and the resumed run's log.
    No random transform and no random box sampling: the only state that
    carries across the resume is what the checkpoint holds."""
    write_dataset(tmp_path, tiny_coco())
    deterministic = dict(sampler=dict(_delete_=True, type='PseudoSampler'))
    config = write_tiny_config(
        tmp_path, model=dict(train_cfg=dict(rpn=deterministic,
                                            rcnn=deterministic)),
        train_dataloader=dict(dataset=dict(pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadLLDAnnotations'),
            dict(type='Resize', scale=(64, 64), keep_ratio=True),
            dict(type='PackLLDInputs')
        ])), **overrides)
    straight = str(tmp_path / 'straight')
    train(config, straight)
    resumed = str(tmp_path / 'resumed')
    log = train(config, resumed, '--resume',
                osp.join(straight, f'epoch_{resume_epoch}.pth'))
    last = max(int(name[6:-4]) for name in os.listdir(straight)
               if name.startswith('epoch_'))
    a, b = (torch.load(osp.join(run, f'epoch_{last}.pth'), weights_only=True)
            for run in (straight, resumed))
    return a, b, log


def test_resume_reproduces_the_uninterrupted_run_and_its_weight_average(
        tmp_path):
    """A resumed run (from a torch>=2.6 ``weights_only`` load) ends where
    the uninterrupted run ends. With mmengine's EMAHook
    (configs/_base_/ema_demo.py) a checkpoint's ``state_dict`` holds the
    averaged weights and ``ema_state_dict`` the raw ones: both must be
    restored. The learning rate drops after epoch 3, the first epoch
    after the resume point (a drop right at the resume point is already
    in the optimizer's saved state), so the resumed run must also restore
    the scheduler's state to train epoch 4 at the lower rate."""
    a, b, log = train_straight_and_resumed(
        tmp_path, 2, train_cfg=dict(max_epochs=4),
        param_scheduler=[dict(type='MultiStepLR', by_epoch=True,
                              milestones=[3])],
        custom_hooks=[dict(type='EMAHook', momentum=0.5,
                           update_buffers=True)])
    assert 'resumed epoch: 2, iter: 4' in log
    assert a['meta']['epoch'] == b['meta']['epoch'] == 4
    for ckpt in (a, b):
        assert ckpt['optimizer']['param_groups'][0]['lr'] == \
            pytest.approx(1e-3)
    # the saved model is the average, not the last raw weights
    key = 'roi_head.bbox_head.fc_cls.weight'
    assert not torch.allclose(a['state_dict'][key],
                              a['ema_state_dict']['module.' + key])
    for part, prefix in (('state_dict', ''), ('ema_state_dict', 'module.')):
        assert prefix + key in a[part]
        for name, value in a[part].items():
            torch.testing.assert_close(b[part][name], value, rtol=1e-5,
                                       atol=1e-6, msg=f'{part} {name}')
    # and a training checkpoint holds a HistoryBuffer, numpy data, etc.
    assert isinstance(b['message_hub']['log_scalars']['train/loss'],
                      HistoryBuffer)


class _GetattrOnOtherObject:
    """Pickles as ``getattr(numpy.ndarray, 'tofile')``: a getattr the
    allowlist must refuse (only HistoryBuffer methods are allowed)."""

    def __reduce__(self):
        return (getattr, (np.ndarray, 'tofile'))


class _GetattrPrivate:
    """Pickles as ``getattr(HistoryBuffer, '__init__')``."""

    def __reduce__(self):
        return (getattr, (HistoryBuffer, '__init__'))


@pytest.mark.parametrize('payload',
                         [_GetattrOnOtherObject(), _GetattrPrivate()])
def test_weights_only_allowlist_does_not_admit_arbitrary_getattr(payload):
    import lld_mmdet  # noqa: F401  (registers the allowlist)
    buf = io.BytesIO()
    torch.save({'x': payload}, buf)
    buf.seek(0)
    with pytest.raises(pickle.UnpicklingError, match='refusing getattr'):
        torch.load(buf, weights_only=True)


def test_history_buffer_and_numpy_round_trip_weights_only():
    import lld_mmdet  # noqa: F401
    hb = HistoryBuffer()
    hb.update(1.5)
    hb.update(2.5)
    buf = io.BytesIO()
    torch.save({'hb': hb, 'arr': np.arange(3), 'f': np.float64(0.5)}, buf)
    buf.seek(0)
    out = torch.load(buf, weights_only=True)
    assert out['hb'].mean() == 2.0
    assert out['arr'].tolist() == [0, 1, 2] and out['f'] == 0.5
