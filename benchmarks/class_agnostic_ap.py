"""Where does the sparse-label gap lie: finding the cells or naming them?

For each row of ``sparse_ignore.py`` (demo Faster R-CNN, the seeded work
dirs ``work_dirs/demo_<config>_seed<s>``), the last checkpoint predicts on
the fully annotated demo test split, and pycocotools scores the predictions
twice: per class (the usual mAP50, the same number LLDMetric reports) and
class-agnostic (every cell and detection relabelled "cell", so only finding
and boxing the cells counts).

    python benchmarks/class_agnostic_ap.py [--seeds 0,1,2] [--rows a,b]
                                           [--students] [--tag _48e]
                                           [--per-class] [--out NAME.md]

Teacher-student rows are scored on the teacher (what ``tools/test.py``
evaluates); with ``--students`` their student gets a row too.

With ``--per-class``, a second table gives each class's AP50 per row
(mean over the seeds), next to its labelled cells in the sparse training
split and in the test split: which classes the sparse labels lose.

Rows whose work dirs have no checkpoint are skipped (train them with
``sparse_ignore.py --seeds``; ``--tag`` as there, for runs trained with
its ``--train-options``). Writes
benchmarks/results/class_agnostic_ap_demo{tag}.md (or ``--out``); the
predictions are kept as ``<work dir>/test_predictions.pkl`` and reused.
"""
import argparse
import contextlib
import copy
import io
import json
import os.path as osp
import pickle
import statistics
import sys

from _common import (HERE, REPO, check_out_name, last_checkpoint,
                     parse_names, parse_seeds, run)
from sparse_ignore import ROWS

TEST_ANN = 'data/demo/annotations/test.json'
TRAIN_ANN = 'data/demo/annotations/train.json'  # the sparse labels


def coco_ap50(gt: dict, dets: list, agnostic: bool, classwise=False):
    """COCO AP at IoU 0.5 (pycocotools), per class or class-agnostic;
    with ``classwise``, also each category's AP50 (``{category id: AP}``,
    pycocotools' precision at IoU 0.5, all areas, 100 detections; nan for a
    category without test cells)."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    gt, dets = copy.deepcopy(gt), copy.deepcopy(dets)
    if agnostic:
        gt['categories'] = [dict(id=1, name='cell')]
        for item in gt['annotations'] + dets:
            item['category_id'] = 1
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = gt
        coco.createIndex()
        if not dets:
            zeros = {c['id']: 0.0 for c in gt['categories']}
            return (0.0, zeros) if classwise else 0.0
        ev = COCOeval(coco, coco.loadRes(dets), 'bbox')
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    if not classwise:
        return float(ev.stats[1])
    # precision: (T iou thrs, R recall points, K categories, A areas, M dets)
    precision = ev.eval['precision'][0, :, :, 0, -1]
    per_cat = {}
    for k, cat_id in enumerate(ev.params.catIds):
        valid = precision[:, k][precision[:, k] > -1]
        per_cat[cat_id] = float(valid.mean()) if valid.size else float('nan')
    return float(ev.stats[1]), per_cat


def detections(pkl: str, gt: dict, nms_iou=None) -> list:
    """tools/test.py --out predictions as COCO result dicts; with
    ``nms_iou``, after a class-agnostic NMS at that IoU (one box per cell:
    the same cell's detections under other classes, which a class-agnostic
    score would otherwise count as false positives, are dropped)."""
    from mmcv.ops import nms
    with open(pkl, 'rb') as f:
        preds = pickle.load(f)
    cat_ids = [c['id'] for c in gt['categories']]
    out = []
    for pred in preds:
        inst = pred['pred_instances']
        if nms_iou is not None and len(inst['scores']):
            _, keep = nms(inst['bboxes'], inst['scores'], nms_iou)
            inst = {k: inst[k][keep] for k in ('bboxes', 'scores', 'labels')}
        for box, score, label in zip(inst['bboxes'].tolist(),
                                     inst['scores'].tolist(),
                                     inst['labels'].tolist()):
            out.append(dict(image_id=pred['img_id'],
                            category_id=cat_ids[label], score=score,
                            bbox=[box[0], box[1], box[2] - box[0],
                                  box[3] - box[1]]))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--seeds', default='0,1,2')
    parser.add_argument('--students', action='store_true',
                        help='also score the student of teacher-student '
                        'rows')
    parser.add_argument('--rows', default='',
                        help='comma-separated configs of sparse_ignore.py '
                        "ROWS['faster_rcnn'] (default: all)")
    parser.add_argument('--tag', default='',
                        help="the work dirs' suffix of sparse_ignore.py "
                        '--tag (e.g. _48e)')
    parser.add_argument('--per-class', action='store_true',
                        help="also a table of each class's AP50 per row")
    parser.add_argument('--out', default='',
                        help='results file name in benchmarks/results '
                        '(default: class_agnostic_ap_demo{tag}.md), e.g. to '
                        'keep a recorded table when scoring other rows')
    args = parser.parse_args()
    check_out_name(parser, args.out)
    seeds = parse_seeds(parser, args.seeds)
    rows = ROWS['faster_rcnn']
    if args.rows:
        wanted = parse_names(parser, '--rows', args.rows,
                             [config for _, config in rows])
        rows = [r for r in rows if r[1] in wanted]
    entries = []  # (row name, config, predict_on or None)
    for name, config in rows:
        entries.append((name, config, None))
        if args.students and 'semi' in config:
            entries.append((f'{name}, student', config, 'student'))
    with open(osp.join(REPO, TEST_ANN)) as f:
        gt = json.load(f)
    lines = [
        '# Finding cells vs naming them (demo Faster R-CNN)', '',
        f'Command: `python benchmarks/class_agnostic_ap.py --seeds '
        f'{args.seeds}' + (f' --rows {args.rows}' if args.rows else '')
        + (' --students' if args.students else '')
        + (f' --tag {args.tag}' if args.tag else '')
        + (' --per-class' if args.per_class else '')
        + (f' --out {args.out}' if args.out else '') + '`. Last checkpoint '
        'of each seeded run of `sparse_ignore.py --seeds` on the fully '
        'annotated demo test split '
        f'({len(gt["images"])} images, {len(gt["annotations"])} cells); '
        'pycocotools AP at IoU 0.5, per class (mAP50) and class-agnostic '
        '(every cell one class: found and boxed, whatever the class). '
        'Mean over the seeds that ran.', '',
        'The last column scores the detections after a class-agnostic NMS '
        'at IoU 0.5 first: the same cell detected under several classes '
        'counts once, so it measures finding alone.', '',
        '| training labels | seeds | mAP50 (per class) | AP50 class-agnostic '
        '| per class / agnostic | AP50 class-agnostic after class-agnostic '
        'NMS |', '|---|---|---|---|---|---|'
    ]
    header = len(lines)
    classwise = []  # (entry name, config, [{category id: AP50} per seed])
    for name, config, predict_on in entries:
        per_class, agnostic, one_box, by_cat = [], [], [], []
        for seed in seeds:
            work_dir = osp.join(
                REPO, f'work_dirs/demo_{config}_seed{seed}{args.tag}')
            try:
                ckpt = last_checkpoint(work_dir)
            except ValueError:  # no checkpoint: not trained
                continue
            suffix = f'_{predict_on}' if predict_on else ''
            pkl = osp.join(work_dir, f'test_predictions{suffix}.pkl')
            options = (['--cfg-options',
                        f'model.semi_test_cfg.predict_on={predict_on}']
                       if predict_on else [])
            if not osp.isfile(pkl) or osp.getmtime(pkl) < osp.getmtime(ckpt):
                run([sys.executable, 'tools/test.py',
                     f'configs/demo/{config}.py', ckpt, '--work-dir',
                     work_dir, '--out', pkl, *options])
            dets = detections(pkl, gt)
            mean_ap, cats = coco_ap50(gt, dets, agnostic=False,
                                      classwise=True)
            per_class.append(mean_ap)
            by_cat.append(cats)
            agnostic.append(coco_ap50(gt, dets, agnostic=True))
            one_box.append(coco_ap50(gt, detections(pkl, gt, nms_iou=0.5),
                                     agnostic=True))
            print(name, seed, per_class[-1], agnostic[-1], one_box[-1],
                  flush=True)
        if not per_class:
            continue
        pc, ag = statistics.mean(per_class), statistics.mean(agnostic)
        lines.append(f'| {name} | {len(per_class)} | {pc:.3f} | {ag:.3f} | '
                     f'{pc / ag if ag else float("nan"):.2f} | '
                     f'{statistics.mean(one_box):.3f} |')
        classwise.append((name, config, by_cat))
    if len(lines) == header:  # nothing was scored
        parser.error(
            f'no checkpoint in any work_dirs/demo_<config>_seed<s>{args.tag} '
            f'of the selected rows and seeds {args.seeds}: train them with '
            'sparse_ignore.py --seeds (same --tag), or check --tag')
    if args.per_class:
        lines += classwise_lines(gt, classwise)
    out = osp.join(HERE, 'results',
                   args.out or f'class_agnostic_ap_demo{args.tag}.md')
    with open(out, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))


def classwise_lines(gt: dict, classwise: list) -> list:
    """The per-class table: one line per category with its labelled cells
    (sparse training split, test split) and its AP50 per scored row (mean
    over that row's seeds)."""
    with open(osp.join(REPO, TRAIN_ANN)) as f:
        train = json.load(f)

    def counts(coco):
        out = {c['id']: 0 for c in gt['categories']}
        for ann in coco['annotations']:
            if not ann.get('ignore') and ann['category_id'] in out:
                out[ann['category_id']] += 1
        return out

    n_train, n_test = counts(train), counts(gt)
    lines = ['', '## AP50 per class', '',
             'Mean over the seeds scored; cells = labelled cells in the '
             f'sparse training split (`{TRAIN_ANN}`) / the test split. '
             'Rows: ' + '; '.join(f'{i + 1} = {name}' for i, (name, _, _)
                                  in enumerate(classwise)) + '.', '',
             '| class | cells (train sparse / test) | ' + ' | '.join(
                 str(i + 1) for i in range(len(classwise))) + ' |',
             '|---|---|' + '---|' * len(classwise)]
    for cat in gt['categories']:
        cid = cat['id']
        values = [statistics.mean(c[cid] for c in by_cat)
                  for _, _, by_cat in classwise]
        lines.append(f'| {cat["name"]} | {n_train[cid]} / {n_test[cid]} | '
                     + ' | '.join(f'{v:.3f}' for v in values) + ' |')
    return lines


if __name__ == '__main__':
    main()
