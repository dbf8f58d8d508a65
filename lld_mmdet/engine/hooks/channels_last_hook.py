"""Channels-last backbones for a run."""
from mmdet.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from ...models.utils import channels_last_detectors


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Runs every detector backbone of the model channels-last (weights and
    activations in NHWC memory; see
    :func:`~lld_mmdet.models.utils.channels_last_backbone`): oneDNN's CPU
    convolutions are faster on that layout. The backbones' outputs are
    converted back to NCHW, so necks, heads and mmcv's compiled ops see
    the usual tensors and the values are unchanged up to float rounding.

    Covers plain detectors and :class:`LLDSemiDetector` (student and
    teacher). Applied in ``before_run``, before the weights are
    initialised or loaded (in-place loads keep the layout), so it works
    for train, test and resume alike. The demo Faster R-CNN configs enable
    it (``default_hooks.channels_last``); measured in
    benchmarks/results/semi_overhead.md.

    Not for distributed runs: the model wrapper (DDP) has registered its
    gradient buckets before ``before_run``, so the hook raises rather than
    change the parameters' layout under it.

    Args:
        enabled (bool): ``False`` leaves the model as it is (NCHW). This is
            the way to turn the hook off from the command line,
            ``--cfg-options default_hooks.channels_last.enabled=False``:
            mmengine's runner removes only its own default hooks when set
            to ``None``, and fails with an ``AssertionError`` on
            ``default_hooks.channels_last=None``. Defaults to True.
    """

    priority = 'VERY_HIGH'

    def __init__(self, enabled: bool = True) -> None:
        if not isinstance(enabled, bool):
            raise TypeError(f'ChannelsLastHook: enabled must be True or '
                            f'False, got {enabled!r}')
        self.enabled = enabled

    def before_run(self, runner) -> None:
        if not self.enabled:
            runner.logger.info('ChannelsLastHook: off (enabled=False), the '
                               'backbones stay NCHW')
            return
        if is_model_wrapper(runner.model):
            raise RuntimeError(
                f'ChannelsLastHook cannot switch a wrapped model '
                f'({type(runner.model).__name__}, e.g. a distributed run): '
                'turn it off with --cfg-options '
                'default_hooks.channels_last.enabled=False')
        count = channels_last_detectors(runner.model)
        if count == 0:
            raise ValueError(
                f'ChannelsLastHook found no detector with a backbone in '
                f'{type(runner.model).__name__}; turn it off with '
                '--cfg-options default_hooks.channels_last.enabled=False')
        runner.logger.info(f'ChannelsLastHook: {count} backbone(s) run '
                           'channels-last')
