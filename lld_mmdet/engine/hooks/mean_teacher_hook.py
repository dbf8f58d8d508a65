"""EMA teacher update with a supervised burn-in, or a teacher (or an
ensemble of teachers) loaded from other models' checkpoints."""
import os.path as osp
from typing import List, Optional, Sequence, Union

from mmdet.engine.hooks import MeanTeacherHook
from mmdet.registry import HOOKS
from mmengine.model import is_model_wrapper
from mmengine.runner.checkpoint import _load_checkpoint

from ...models.utils.semi_train_cfg import in_burn_in


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

    An ensemble teacher (``semi_train_cfg.num_teachers`` = K > 1) takes a
    list of K checkpoints: the first is loaded into ``teacher``, the others
    into ``extra_teachers`` in order; ``teacher_checkpoint_branch`` is one
    branch for all or a list of K. It needs ``freeze_after_burn_in=True``
    (an EMA would move only the first teacher) and refuses a list whose
    length is not K.

    Args:
        momentum (float): EMA momentum. Defaults to 0.001 (mmdet's).
        interval (int): Update every ``interval`` iterations. Defaults to 1.
        skip_buffer (bool): See above. Defaults to False.
        freeze_after_burn_in (bool): See above. Defaults to False.
        teacher_checkpoint (str | list[str], optional): See above.
            Defaults to None (mmdet's start: the teacher is a copy of the
            student).
        teacher_checkpoint_branch (str | list[str]): ``'teacher'`` or
            ``'student'`` (per checkpoint), see above. Defaults to
            ``'teacher'``.
    """

    def __init__(self,
                 momentum: float = 0.001,
                 interval: int = 1,
                 skip_buffer: bool = False,
                 freeze_after_burn_in: bool = False,
                 teacher_checkpoint: Union[str, Sequence[str],
                                           None] = None,
                 teacher_checkpoint_branch: Union[str,
                                                  Sequence[str]] = 'teacher'
                 ) -> None:
        super().__init__(momentum, interval, skip_buffer)
        self.checkpoints = _as_list(teacher_checkpoint, 'teacher_checkpoint')
        branches = _as_list(teacher_checkpoint_branch,
                            'teacher_checkpoint_branch')
        if not branches or any(b not in ('teacher', 'student')
                               for b in branches):
            raise ValueError(
                'LLDMeanTeacherHook: teacher_checkpoint_branch must be '
                "'teacher' or 'student' (or a list of them, one per "
                f'checkpoint), not {teacher_checkpoint_branch!r}')
        if len(branches) == 1:
            branches = branches * max(len(self.checkpoints), 1)
        elif len(branches) != len(self.checkpoints):
            raise ValueError(
                f'LLDMeanTeacherHook: {len(branches)} '
                f'teacher_checkpoint_branch values for '
                f'{len(self.checkpoints)} teacher_checkpoint files; give '
                'one branch, or one per checkpoint')
        self.branches = branches
        self.freeze_after_burn_in = freeze_after_burn_in
        # the files are checked when training starts: tools/test.py builds
        # the hook too
        self.teacher_checkpoint = teacher_checkpoint

    def before_train(self, runner) -> None:
        """mmdet's start (the teacher := the student) at iteration 0, or the
        teacher(s) loaded from ``teacher_checkpoint``."""
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        teachers = getattr(model, 'teachers', [model.teacher])
        if len(self.checkpoints) != len(teachers) and (
                self.checkpoints or len(teachers) > 1):
            raise ValueError(
                f'LLDMeanTeacherHook: {len(self.checkpoints)} '
                f'teacher_checkpoint files for a teacher of '
                f'{len(teachers)} model(s) (semi_train_cfg.num_teachers='
                f'{len(teachers)}): an ensemble teacher is loaded from one '
                'checkpoint per model; give as many files as num_teachers')
        if not self.checkpoints:
            return super().before_train(runner)
        if len(teachers) > 1 and not self.freeze_after_burn_in:
            raise ValueError(
                f'LLDMeanTeacherHook: an ensemble teacher of {len(teachers)} '
                'models needs freeze_after_burn_in=True (the EMA would move '
                'its first model only)')
        if model.semi_train_cfg.get('burn_in', 0) > 0:
            raise ValueError(
                'LLDMeanTeacherHook: teacher_checkpoint '
                f'{self.teacher_checkpoint!r} with semi_train_cfg.burn_in='
                f"{model.semi_train_cfg['burn_in']}: the burn-in copies the "
                'student over the loaded teacher; set burn_in=0')
        if runner.iter > 0:  # resumed: the checkpoint held the teachers
            return
        for filename in self.checkpoints:  # all present before any load
            if not osp.isfile(filename):
                raise FileNotFoundError(
                    f'LLDMeanTeacherHook: teacher_checkpoint {filename!r} is '
                    'not a file')
        for teacher, filename, branch in zip(teachers, self.checkpoints,
                                             self.branches):
            load_teacher_weights(teacher, filename, branch)

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


def _as_list(value, name: str) -> List[str]:
    """``None`` -> [], a str -> [it], a list or tuple of str -> a list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and value and all(
            isinstance(v, str) for v in value):
        return list(value)
    raise TypeError(f'LLDMeanTeacherHook: {name} must be a str or a '
                    f'non-empty list of str, got {value!r}')


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
