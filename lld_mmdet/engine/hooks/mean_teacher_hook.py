"""EMA teacher update with a supervised burn-in."""
from typing import Optional

from mmdet.engine.hooks import MeanTeacherHook
from mmdet.registry import HOOKS
from mmengine.model import is_model_wrapper

from ...models.detectors.lld_semi import in_burn_in


@HOOKS.register_module()
class LLDMeanTeacherHook(MeanTeacherHook):
    """mmdet's ``MeanTeacherHook`` (``teacher = (1 - momentum) * teacher +
    momentum * student`` after every ``interval`` iterations) for
    :class:`LLDSemiDetector`, with two changes:

    - During the model's burn-in (``semi_train_cfg.burn_in`` epochs or
      iterations) the teacher is a copy of the student (momentum 1), so the
      EMA starts from the burnt-in student, not from the random init.
    - ``skip_buffer`` defaults to False: floating-point buffers (BatchNorm
      running statistics) are averaged too. With trainable BN (the
      from-scratch demo backbones) a teacher that kept its initial running
      statistics would normalise with the wrong statistics in eval mode.

    With ``freeze_after_burn_in`` the teacher is not updated after the
    burn-in at all: it stays the burnt-in student, or, with ``burn_in=0``,
    the model the run started from (``load_from``; mmdet's
    ``before_train`` copies the student into it). A teacher that follows the
    student by EMA also follows it into its own pseudo-label mistakes: on
    the demo set, pseudo labels at weight 1.0 fell from 0.363 to 0.305
    test mAP50 with the EMA teacher and rose to 0.378 with a frozen one
    (seed 0; 0.356 vs 0.350 supervised over 3 seeds,
    benchmarks/results/semi_diagnostics.md).
    Without a burn-in or a checkpoint to start from, a frozen teacher is the
    random initialisation: don't.

    Args:
        momentum (float): EMA momentum. Defaults to 0.001 (mmdet's).
        interval (int): Update every ``interval`` iterations. Defaults to 1.
        skip_buffer (bool): See above. Defaults to False.
        freeze_after_burn_in (bool): See above. Defaults to False.
    """

    def __init__(self,
                 momentum: float = 0.001,
                 interval: int = 1,
                 skip_buffer: bool = False,
                 freeze_after_burn_in: bool = False) -> None:
        super().__init__(momentum, interval, skip_buffer)
        self.freeze_after_burn_in = freeze_after_burn_in

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if in_burn_in(model.semi_train_cfg, runner.epoch, runner.iter):
            self.momentum_update(model, 1.0)
            return
        if self.freeze_after_burn_in:
            return
        super().after_train_iter(runner, batch_idx, data_batch, outputs)
