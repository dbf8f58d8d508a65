"""channels_last_backbone: channels-last weights and inputs inside the
backbone, NCHW outside, same values."""
import copy

import torch
from mmcv.ops import roi_align
from mmdet.models.backbones import ResNet

from lld_mmdet.models.utils import channels_last_backbone


def tiny_resnet():
    torch.manual_seed(0)
    model = ResNet(depth=18, base_channels=8, out_indices=(0, 1, 2, 3),
                   init_cfg=None)
    model.init_weights()
    model.eval()  # mmdet's ResNet.train() returns None
    return model


def test_same_outputs_in_nchw_and_channels_last_weights():
    plain = tiny_resnet()
    fast = copy.deepcopy(plain)
    handles = channels_last_backbone(fast)
    convs = [m.weight for m in fast.modules()  # 1x1 kernels: same layout
             if isinstance(m, torch.nn.Conv2d) and m.weight.shape[-1] > 1]
    assert convs and all(
        w.is_contiguous(memory_format=torch.channels_last)
        and not w.is_contiguous() for w in convs)
    x = torch.rand(2, 3, 64, 48)
    with torch.no_grad():
        ref, out = plain(x), fast(x)
    assert isinstance(out, tuple) and len(out) == len(ref)
    for r, o in zip(ref, out):
        assert o.is_contiguous()  # what mmcv's compiled ops expect
        torch.testing.assert_close(o, r, atol=1e-5, rtol=1e-4)
    # the heads' RoIAlign sees the same features as without the switch
    rois = torch.tensor([[0, 2., 3., 30., 40.], [1, 10., 5., 40., 30.]])
    torch.testing.assert_close(
        roi_align(out[0], rois, 7, 0.25, 0, 'avg', True),
        roi_align(ref[0], rois, 7, 0.25, 0, 'avg', True),
        atol=1e-5, rtol=1e-4)
    for handle in handles:
        handle.remove()
    with torch.no_grad():
        assert not fast(x)[0].is_contiguous()  # the hooks did the work


def test_in_place_updates_keep_the_format():
    fast = tiny_resnet()
    channels_last_backbone(fast)
    state = {k: v + 1 for k, v in tiny_resnet().state_dict().items()
             if v.dtype.is_floating_point}
    fast.load_state_dict(state, strict=False)
    conv = fast.conv1.weight
    torch.testing.assert_close(conv, tiny_resnet().conv1.weight + 1)
    conv.data.mul_(0.5).add_(torch.ones_like(conv), alpha=0.5)  # EMA step
    assert conv.is_contiguous(memory_format=torch.channels_last)
