"""EMA teacher update with a supervised burn-in, or a teacher loaded from
another model's checkpoint."""
import os.path as osp
from typing import Optional

from mmdet.engine.hooks import MeanTeacherHook
from mmdet.registry import HOOKS
from mmengine.model import is_model_wrapper
from mmengine.runner.checkpoint import _load_checkpoint

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

    With ``teacher_checkpoint`` the teacher starts as another model: at the
    first iteration (not on resume, whose checkpoint holds the teacher) its
    weights are loaded from that file instead of copied from the student,
    which keeps its own initialisation (or ``load_from``). The file is a
    plain detector checkpoint of the same architecture (e.g. a model
    trained on full labels or on another microscope's fields) or an
    :class:`LLDSemiDetector` one, whose ``teacher_checkpoint_branch``
    weights are used: ``'teacher'`` for a run with an EMA teacher (the model
    it evaluates), ``'student'`` for a run that itself had a loaded, frozen
    teacher (a third round of self-training from a second); every key must
    match. Use it with ``freeze_after_burn_in=True`` (the teacher
    stays that model; otherwise the EMA moves it towards the student) and
    ``burn_in=0`` (a burn-in would copy the student over it: refused).

    Args:
        momentum (float): EMA momentum. Defaults to 0.001 (mmdet's).
        interval (int): Update every ``interval`` iterations. Defaults to 1.
        skip_buffer (bool): See above. Defaults to False.
        freeze_after_burn_in (bool): See above. Defaults to False.
        teacher_checkpoint (str, optional): See above. Defaults to None
            (mmdet's start: the teacher is a copy of the student).
        teacher_checkpoint_branch (str): ``'teacher'`` or ``'student'``,
            see above. Defaults to ``'teacher'``.
    """

    def __init__(self,
                 momentum: float = 0.001,
                 interval: int = 1,
                 skip_buffer: bool = False,
                 freeze_after_burn_in: bool = False,
                 teacher_checkpoint: Optional[str] = None,
                 teacher_checkpoint_branch: str = 'teacher') -> None:
        super().__init__(momentum, interval, skip_buffer)
        if teacher_checkpoint_branch not in ('teacher', 'student'):
            raise ValueError(
                'LLDMeanTeacherHook: teacher_checkpoint_branch must be '
                f"'teacher' or 'student', not {teacher_checkpoint_branch!r}")
        self.teacher_checkpoint_branch = teacher_checkpoint_branch
        self.freeze_after_burn_in = freeze_after_burn_in
        # checked when training starts: tools/test.py builds the hook too
        self.teacher_checkpoint = teacher_checkpoint

    def before_train(self, runner) -> None:
        """mmdet's start (the teacher := the student) at iteration 0, or the
        teacher loaded from ``teacher_checkpoint``."""
        if self.teacher_checkpoint is None:
            return super().before_train(runner)
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if model.semi_train_cfg.get('burn_in', 0) > 0:
            raise ValueError(
                'LLDMeanTeacherHook: teacher_checkpoint '
                f'{self.teacher_checkpoint!r} with semi_train_cfg.burn_in='
                f"{model.semi_train_cfg['burn_in']}: the burn-in copies the "
                'student over the loaded teacher; set burn_in=0')
        if runner.iter > 0:  # resumed: the checkpoint held the teacher
            return
        if not osp.isfile(self.teacher_checkpoint):
            raise FileNotFoundError(
                f'LLDMeanTeacherHook: teacher_checkpoint '
                f'{self.teacher_checkpoint!r} is not a file')
        load_teacher_weights(model.teacher, self.teacher_checkpoint,
                             self.teacher_checkpoint_branch)

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


def load_teacher_weights(teacher, filename: str,
                         branch: str = 'teacher') -> None:
    """Load ``filename`` (a plain detector checkpoint, or a teacher-student
    one: its ``<branch>.`` keys) into ``teacher``; every key must match.

    Raises:
        ValueError: naming the file and the missing / unexpected keys.
    """
    checkpoint = _load_checkpoint(filename, map_location='cpu')
    state = checkpoint.get('state_dict', checkpoint)
    state = {k[len('module.'):] if k.startswith('module.') else k: v
             for k, v in state.items()}
    prefix = branch + '.'
    if any(k.startswith(('teacher.', 'student.')) for k in state):
        state = {k[len(prefix):]: v for k, v in state.items()
                 if k.startswith(prefix)}
    own = teacher.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    shapes = sorted(k for k in set(own) & set(state)
                    if own[k].shape != state[k].shape)
    if missing or unexpected or shapes:
        def few(keys):
            return ', '.join(keys[:3]) + (' ...' if len(keys) > 3 else '')
        raise ValueError(
            f'LLDMeanTeacherHook: teacher_checkpoint {filename!r} does not '
            f'fit the teacher: {len(missing)} missing keys ({few(missing)}), '
            f'{len(unexpected)} unexpected ({few(unexpected)}), '
            f'{len(shapes)} of another shape ({few(shapes)})')
    teacher.load_state_dict(state)
