"""Train-step cost of the teacher-student wrapper: the demo Faster R-CNN
trained on sparse labels (region ignore) alone, wrapped by LLDSemiDetector
(teacher pass + pseudo labels + similarity loss + ONE student pass), and
wrapped by mmdet's SoftTeacher (teacher pass + a supervised and an
unsupervised student pass), on the same 4 demo images. Each supervised and
LLDSemiDetector model is timed twice: with NCHW backbones and with the
channels-last backbones the demo schedule runs (``ChannelsLastHook``), and
the wrapper is compared with the supervised model of the same layout.

    python benchmarks/bench_semi_overhead.py [--reps 10] [--checkpoint PTH]

Time: forward + backward of one batch, the models interleaved in one
process (median of --reps steps). Memory: peak resident-memory growth over
three training steps, each model measured in its own fresh process (CPU has
no per-allocation peak counter). With --checkpoint (default: the demo
region-ignore run of `benchmarks/sparse_ignore.py --seeds 0`, when
present) all models start from trained weights, so the teacher makes
realistic pseudo labels.

Writes benchmarks/results/semi_overhead.md. Goal: <= 1.4x time, <= 1.6x
memory vs the supervised sparse model.
"""
import argparse
import copy
import multiprocessing as mp
import os
import os.path as osp
import resource
import time

import torch

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(HERE)
CONFIG = 'configs/demo/faster_rcnn_sparse_semi.py'
DEFAULT_CKPT = 'work_dirs/demo_faster_rcnn_sparse_seed0/epoch_24.pth'
SOFT_TEACHER_CFG = dict(  # mmdet's soft-teacher_faster-rcnn config values
    freeze_teacher=True, sup_weight=1.0, unsup_weight=4.0,
    pseudo_label_initial_score_thr=0.5, rpn_pseudo_thr=0.9,
    cls_pseudo_thr=0.9, reg_pseudo_thr=0.02, jitter_times=10,
    jitter_scale=0.06, min_pseudo_bbox_wh=(1e-2, 1e-2))


# key: (row label, model, channels-last backbones, supervised reference)
ROWS = dict(
    sparse=('supervised sparse (region ignore)', 'sparse', False, 'sparse'),
    lld_semi=('LLDSemiDetector (teacher + 1 student pass + similarity)',
              'lld_semi', False, 'sparse'),
    soft_teacher=('mmdet SoftTeacher (teacher + 2 student passes)',
                  'soft_teacher', False, 'sparse'),
    sparse_cl=('supervised sparse, channels-last backbone', 'sparse', True,
               'sparse_cl'),
    lld_semi_cl=('LLDSemiDetector, channels-last backbones', 'lld_semi',
                 True, 'sparse_cl'))


def setup(checkpoint, names=tuple(ROWS)):
    """(models, batches) for the :data:`ROWS` keys ``names``."""
    from mmdet.registry import DATASETS, MODELS
    from mmdet.utils import register_all_modules
    from mmengine.config import Config, ConfigDict
    from mmengine.runner import load_checkpoint

    import lld_mmdet  # noqa: F401
    from lld_mmdet.models.utils import channels_last_detectors
    register_all_modules()
    torch.set_num_threads(2)
    cfg = Config.fromfile(osp.join(REPO, CONFIG))
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    ds_cfg.data_root = osp.join(REPO, ds_cfg.data_root)
    ds = DATASETS.build(ds_cfg)
    items = [ds[i] for i in range(4)]

    def branch(name):
        return ([it['inputs'][name] for it in items],
                [it['data_samples'][name] for it in items])

    (t_in, t_ds), (s_in, s_ds) = branch('teacher'), branch('student')
    batches = dict(
        sparse=dict(inputs=s_in, data_samples=s_ds),
        lld_semi=dict(inputs=dict(teacher=t_in, student=s_in),
                      data_samples=dict(teacher=t_ds, student=s_ds)),
        soft_teacher=dict(
            inputs=dict(sup=s_in, unsup_teacher=t_in, unsup_student=s_in),
            data_samples=dict(sup=s_ds, unsup_teacher=t_ds,
                              unsup_student=s_ds)))
    semi_cfg = copy.deepcopy(cfg.model)
    semi_cfg.semi_train_cfg.burn_in = 0  # time the semi steps themselves
    model_cfgs = dict(
        sparse=cfg.model.detector,
        lld_semi=semi_cfg,
        soft_teacher=dict(
            type='SoftTeacher', detector=copy.deepcopy(cfg.model.detector),
            data_preprocessor=dict(
                type='MultiBranchDataPreprocessor',
                data_preprocessor=copy.deepcopy(
                    cfg.model.detector.data_preprocessor)),
            semi_train_cfg=ConfigDict(SOFT_TEACHER_CFG),
            semi_test_cfg=dict(predict_on='teacher')))
    models = {}
    for name in names:
        _, kind, channels_last, _ = ROWS[name]
        torch.manual_seed(0)
        models[name] = MODELS.build(copy.deepcopy(model_cfgs[kind]))
        if channels_last:
            channels_last_detectors(models[name])
        batches.setdefault(name, batches[kind])
    for model in models.values():
        if checkpoint:
            load_checkpoint(model, checkpoint, map_location='cpu',
                            logger='silent')
        model.train()
    return models, batches


def step(model, data):
    """One training step on ``data`` (consumed: pass a copy)."""
    processed = model.data_preprocessor(data, True)
    losses = model.loss(processed['inputs'], processed['data_samples'])
    loss, _ = model.parse_losses(losses)
    loss.backward()
    model.zero_grad()


def rss_mib():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


def memory_child(name, checkpoint, queue):
    models, batches = setup(checkpoint, names=(name, ))
    model, data = models[name], batches[name]
    base = rss_mib()
    for _ in range(3):
        step(model, copy.deepcopy(data))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(peak - base)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--reps', type=int, default=10)
    parser.add_argument('--checkpoint', default=None)
    args = parser.parse_args()
    checkpoint = args.checkpoint
    if checkpoint is None and osp.isfile(osp.join(REPO, DEFAULT_CKPT)):
        checkpoint = osp.join(REPO, DEFAULT_CKPT)

    memory = {}
    ctx = mp.get_context('spawn')
    for name in ROWS:
        queue = ctx.Queue()
        proc = ctx.Process(target=memory_child,
                           args=(name, checkpoint, queue))
        proc.start()
        proc.join()
        if proc.exitcode != 0:
            raise SystemExit(f'memory measurement of {name} failed')
        memory[name] = queue.get(timeout=10)
        print(name, f'{memory[name]:.0f} MiB', flush=True)

    models, batches = setup(checkpoint)
    for name, model in models.items():
        step(model, copy.deepcopy(batches[name]))  # warm-up
    times = {name: [] for name in models}
    pseudo = []
    for _ in range(args.reps):
        for name, model in models.items():
            torch.manual_seed(1)
            data = copy.deepcopy(batches[name])  # not timed: the loader's
            start = time.perf_counter()
            step(model, data)
            times[name].append(time.perf_counter() - start)
        pseudo.append(sum(len(e['labels'])
                          for e in models['lld_semi'].pseudo_log))
    med = {k: sorted(v)[len(v) // 2] for k, v in times.items()}
    print(med, flush=True)
    lines = [
        '# Train-step cost of the teacher-student wrapper', '',
        f'Command: `python benchmarks/bench_semi_overhead.py --reps '
        f'{args.reps}`; {os.cpu_count()} CPU cores, 2 threads; demo Faster '
        f'R-CNN of `{CONFIG}` on one batch of 4 sparse demo images; weights: '
        f'{osp.relpath(checkpoint, REPO) if checkpoint else "random init"} '
        '(pseudo labels per batch: median '
        f'{sorted(pseudo)[len(pseudo) // 2]}). '
        'Time: data preprocessing + forward + backward, median of '
        'interleaved steps in one process. Memory: peak RSS growth over 3 '
        'steps, each model in a fresh process (only that model built). '
        'Ratios: against the supervised model with the same backbone '
        'memory format.', '',
        '| model | step (s) | time ratio | train memory (MiB) '
        '| memory ratio |', '|---|---|---|---|---|'
    ]
    for key, (label, _, _, ref) in ROWS.items():
        lines.append(
            f'| {label} | {med[key]:.3f} | **{med[key] / med[ref]:.2f}x**'
            f' | {memory[key]:.0f} | **{memory[key] / memory[ref]:.2f}x'
            '** |')
    lines += ['', 'Goal: <= 1.4x time and <= 1.6x memory vs the supervised '
              'sparse model. SoftTeacher needs a supervised and an '
              'unsupervised student pass (plus box jittering for its '
              'regression filter); LLDSemiDetector merges GT and pseudo '
              'labels into one pass.',
              '', 'Channels-last backbones (`ChannelsLastHook`, on in the '
              'demo Faster R-CNN configs; same values up to float '
              'rounding): the supervised step '
              f'{med["sparse_cl"] / med["sparse"]:.2f}x, '
              'the LLDSemiDetector step '
              f'{med["lld_semi_cl"] / med["lld_semi"]:.2f}x of the NCHW '
              'one.']
    with open(osp.join(HERE, 'results', 'semi_overhead.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
