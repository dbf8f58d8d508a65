"""Train-step cost of the teacher-student wrapper: the demo Faster R-CNN
trained on sparse labels (region ignore) alone, wrapped by LLDSemiDetector
(teacher pass + pseudo labels + similarity loss + ONE student pass), and
wrapped by mmdet's SoftTeacher (teacher pass + a supervised and an
unsupervised student pass), on the same 4 demo images.

    python benchmarks/bench_semi_overhead.py [--reps 10] [--checkpoint PTH]

Time: forward + backward of one batch, the three models interleaved in one
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


def setup(checkpoint):
    """(models, batches) keyed 'sparse', 'lld_semi', 'soft_teacher'."""
    from mmdet.registry import DATASETS, MODELS
    from mmdet.utils import register_all_modules
    from mmengine.config import Config, ConfigDict
    from mmengine.runner import load_checkpoint

    import lld_mmdet  # noqa: F401
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
    torch.manual_seed(0)
    semi_cfg = copy.deepcopy(cfg.model)
    semi_cfg.semi_train_cfg.burn_in = 0  # time the semi steps themselves
    models = dict(
        sparse=MODELS.build(copy.deepcopy(cfg.model.detector)),
        lld_semi=MODELS.build(semi_cfg),
        soft_teacher=MODELS.build(
            dict(type='SoftTeacher',
                 detector=copy.deepcopy(cfg.model.detector),
                 data_preprocessor=dict(
                     type='MultiBranchDataPreprocessor',
                     data_preprocessor=copy.deepcopy(
                         cfg.model.detector.data_preprocessor)),
                 semi_train_cfg=ConfigDict(SOFT_TEACHER_CFG),
                 semi_test_cfg=dict(predict_on='teacher'))))
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
    models, batches = setup(checkpoint)
    model, data = models[name], batches[name]
    for other in [k for k in models if k != name]:
        del models[other]
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
    for name in ('sparse', 'lld_semi', 'soft_teacher'):
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
    rows = [('supervised sparse (region ignore)', 'sparse'),
            ('LLDSemiDetector (teacher + 1 student pass + similarity)',
             'lld_semi'),
            ("mmdet SoftTeacher (teacher + 2 student passes)",
             'soft_teacher')]
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
        'steps, each model in a fresh process.', '',
        '| model | step (s) | time ratio | train memory (MiB) | memory ratio |',
        '|---|---|---|---|---|'
    ]
    for label, key in rows:
        lines.append(
            f'| {label} | {med[key]:.3f} | **{med[key] / med["sparse"]:.2f}x**'
            f' | {memory[key]:.0f} | **{memory[key] / memory["sparse"]:.2f}x'
            '** |')
    lines += ['', 'Goal: <= 1.4x time and <= 1.6x memory vs the supervised '
              'sparse model. SoftTeacher needs a supervised and an '
              'unsupervised student pass (plus box jittering for its '
              'regression filter); LLDSemiDetector merges GT and pseudo '
              'labels into one pass.']
    with open(osp.join(HERE, 'results', 'semi_overhead.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
