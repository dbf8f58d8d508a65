"""How good would pseudo labels be at each score threshold? A trained
detector predicts on the sparse training images of the demo set; its
detections outside the annotated region (the pseudo-label candidates of
LLDSemiDetector: same NMS, region and GT-overlap rules) are matched to the
hidden full labels there (same class, IoU >= 0.5, one-to-one by score),
and, to tell box errors from class errors, with any class.

    python benchmarks/pseudo_label_thresholds.py CONFIG CHECKPOINT
        [CHECKPOINT ...] [--name N]
        [--score {class,fg}] [--branch {teacher,student}] [--per-class THR]
        [--cfg-options model.semi_train_cfg.teacher_rpn_cfg.max_per_img=50]

``--score fg`` thresholds the teacher's foreground score (1 - background
probability, the rule of ``semi_train_cfg.fg_score_thr``) instead of its
class score; needs a teacher with AttrRoIHead.

CONFIG is a semi config (its semi_train_cfg gives the candidate rules);
CHECKPOINT any detector or semi checkpoint of the same detector, loaded
into the teacher as ``LLDMeanTeacherHook(teacher_checkpoint=...)`` does: a
plain detector checkpoint, or a semi one's ``--branch`` (default teacher;
``student`` scores the student of a run whose teacher was frozen). Several
CHECKPOINTs make an ensemble teacher (``semi_train_cfg.num_teachers`` set
to their number, detections fused as in training). Writes
benchmarks/results/pseudo_labels_<name>.md and .png: precision, recall and
pseudo labels per image against the score threshold.
"""
import argparse
import copy
import os.path as osp

import numpy as np
import torch
from mmengine.config import DictAction

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(HERE)
THRESHOLDS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='+',
                        help='one checkpoint, or several: an ensemble')
    parser.add_argument('--name', default='demo')
    parser.add_argument('--score', choices=('class', 'fg'), default='class',
                        help='threshold the class score (default) or the '
                        'foreground score')
    parser.add_argument('--branch', choices=('teacher', 'student'),
                        default='teacher',
                        help='branch of a teacher-student CHECKPOINT to '
                        'score (ignored for a plain detector checkpoint)')
    parser.add_argument('--per-class', type=float, metavar='THR',
                        help='also tabulate each class at this score '
                        'threshold (one of the table\'s): pseudo labels '
                        'per image, precision and recall of that class')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of CONFIG, as tools/train.py')
    args = parser.parse_args()
    if args.per_class is not None and args.per_class not in THRESHOLDS:
        parser.error(f'--per-class {args.per_class}: give one of the '
                     f'thresholds {THRESHOLDS}')
    from mmdet.registry import DATASETS, MODELS
    from mmdet.structures.bbox import get_box_tensor
    from mmdet.utils import register_all_modules
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate

    from lld_mmdet.engine.hooks import PseudoLabelStatsHook
    from lld_mmdet.engine.hooks.mean_teacher_hook import load_teacher_weights
    from lld_mmdet.evaluation.metrics import match_detections
    register_all_modules()
    torch.set_num_threads(2)
    cfg = Config.fromfile(osp.join(REPO, args.config))
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if cfg.model.get('type') != 'LLDSemiDetector':
        parser.error(f'{args.config}: model.type is '
                     f'{cfg.model.get("type")!r}; give an LLDSemiDetector '
                     'config (its semi_train_cfg sets the candidate rules)')
    hook_cfg = [h for h in cfg.get('custom_hooks', [])
                if h['type'] == 'PseudoLabelStatsHook'
                and h.get('full_ann_file')]
    if not hook_cfg:
        parser.error(f'{args.config}: custom_hooks has no '
                     'PseudoLabelStatsHook with a full_ann_file (the hidden '
                     'full labels to score pseudo labels against)')
    hook_cfg = hook_cfg[0]
    semi_cfg = copy.deepcopy(cfg.model)
    semi_cfg.semi_train_cfg.update(score_thr=min(THRESHOLDS),
                                   with_similarity=False, burn_in=0,
                                   num_teachers=len(args.checkpoint))
    if args.score == 'fg':
        semi_cfg.semi_train_cfg.update(score_thr=1.0,
                                       fg_score_thr=min(THRESHOLDS))
    model = MODELS.build(semi_cfg)
    for teacher, path in zip(model.teachers, args.checkpoint):
        load_teacher_weights(teacher, osp.join(REPO, path), args.branch)
    model.eval()
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    ds_cfg.data_root = osp.join(REPO, ds_cfg.data_root)
    for t in ds_cfg.pipeline[-1]['student']:
        if t['type'] == 'RandomFlip':
            t['prob'] = 0.0
    ds = DATASETS.build(ds_cfg)
    hook = PseudoLabelStatsHook(full_ann_file=osp.join(
        REPO, hook_cfg['full_ann_file']))
    hidden = hook.load_full_annotations(hook.full_ann_file,
                                        ds.metainfo['classes'])
    tp = {t: 0 for t in THRESHOLDS}
    tp_any = {t: 0 for t in THRESHOLDS}  # right box, any class
    num = {t: 0 for t in THRESHOLDS}
    hidden_outside = 0
    images = 0
    num_classes = len(ds.metainfo['classes'])
    # per class at --per-class: pseudo labels, right ones, hidden cells
    class_num = np.zeros(num_classes, dtype=np.int64)
    class_tp = np.zeros(num_classes, dtype=np.int64)
    class_hidden = np.zeros(num_classes, dtype=np.int64)
    for start in range(0, len(ds), 4):
        batch = pseudo_collate([ds[i] for i in range(start,
                                                     min(start + 4, len(ds)))])
        data = model.data_preprocessor(batch, True)
        with torch.no_grad():
            cands = model.teacher_candidates(
                data['inputs']['teacher'], data['data_samples']['teacher'],
                data['data_samples']['student'])
        # the teacher's candidates minus those on a GT box, as in training
        kept = [
            c[model._off_gt(c.bboxes, get_box_tensor(s.gt_instances.bboxes))]
            for c, s in zip(cands, data['data_samples']['student'])
        ]
        log = model._log_pseudo(data['data_samples']['student'], kept, cands)
        for entry, cand in zip(log, kept):
            if entry['region'] is None:
                continue
            if args.score == 'fg':
                entry['scores'] = cand.fg_scores.numpy()
            images += 1
            boxes, labels = hook.outside(
                hidden[osp.basename(entry['img_path'])], entry['region'])
            hidden_outside += len(boxes)
            class_hidden += np.bincount(labels, minlength=num_classes)
            for t in THRESHOLDS:
                keep = entry['scores'] >= t
                det, _ = match_detections(entry['bboxes'][keep],
                                          entry['scores'][keep],
                                          entry['labels'][keep], boxes,
                                          labels)
                tp[t] += len(det)
                if t == args.per_class:
                    kept_labels = entry['labels'][keep]
                    class_num += np.bincount(kept_labels,
                                             minlength=num_classes)
                    class_tp += np.bincount(kept_labels[det],
                                            minlength=num_classes)
                det, _ = match_detections(
                    entry['bboxes'][keep], entry['scores'][keep],
                    np.zeros(int(keep.sum()), dtype=np.int64), boxes,
                    np.zeros(len(boxes), dtype=np.int64))
                tp_any[t] += len(det)
                num[t] += int(keep.sum())
    rows = []
    for t in THRESHOLDS:
        precision = tp[t] / num[t] if num[t] else float('nan')
        recall = tp[t] / hidden_outside if hidden_outside else float('nan')
        rows.append((t, num[t] / max(images, 1), precision, recall,
                     tp_any[t] / num[t] if num[t] else float('nan'),
                     tp_any[t] / hidden_outside if hidden_outside
                     else float('nan')))
    lines = [
        f'# Pseudo-label quality against the {args.score} score threshold '
        f'({args.name})', '',
        f'Command: `python benchmarks/pseudo_label_thresholds.py '
        f'{args.config} {" ".join(args.checkpoint)} --name {args.name}'
        + (' --score fg' if args.score == 'fg' else '')
        + (' --branch student' if args.branch == 'student' else '')
        + (f' --per-class {args.per_class}'
           if args.per_class is not None else '')
        + ''.join(f' --cfg-options {k}={v}'
                  for k, v in (args.cfg_options or {}).items()) + '`. '
        f'{images} sparse training images, {hidden_outside} hidden cells '
        'outside their regions. Candidates: the teacher rules of the config '
        '(NMS, size, outside the region, off the GT).', '',
        f'| {args.score} score >= | pseudo labels / image | precision | '
        'recall | '
        'box precision (any class) | box recall (any class) |',
        '|---|---|---|---|---|---|'
    ] + [f'| {t} | {n:.2f} | {p:.3f} | {r:.3f} | {pa:.3f} | {ra:.3f} |'
         for t, n, p, r, pa, ra in rows]
    if args.per_class is not None:
        lines += ['', f'Per class at {args.score} score >= {args.per_class}:',
                  '', '| class | hidden cells outside the regions | pseudo '
                  'labels / image | precision | recall |', '|---|---|---|---|'
                  '---|']
        for c, name in enumerate(ds.metainfo['classes']):
            precision = (f'{class_tp[c] / class_num[c]:.3f}'
                         if class_num[c] else '-')
            recall = (f'{class_tp[c] / class_hidden[c]:.3f}'
                      if class_hidden[c] else '-')
            lines.append(f'| {name} | {class_hidden[c]} | '
                         f'{class_num[c] / max(images, 1):.2f} | '
                         f'{precision} | {recall} |')
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(THRESHOLDS, [r[2] for r in rows], 'o-', label='precision')
    ax.plot(THRESHOLDS, [r[3] for r in rows], 's-', label='recall')
    ax.plot(THRESHOLDS, [r[4] for r in rows], 'o:', color='C0',
            label='box precision (any class)')
    ax.plot(THRESHOLDS, [r[5] for r in rows], 's:', color='C1',
            label='box recall (any class)')
    ax.set_xlabel(f'teacher {args.score} score threshold')
    ax.set_ylim(0, 1)
    ax.legend()
    ax.set_title(f'pseudo labels outside the region ({args.name})')
    fig.tight_layout()
    png = f'pseudo_labels_{args.name}.png'
    fig.savefig(osp.join(HERE, 'results', png), dpi=100)
    lines += ['', f'![]({png})']
    with open(osp.join(HERE, 'results', f'pseudo_labels_{args.name}.md'),
              'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
