"""Where does the sparse-label gap lie: finding the cells or naming them?

For each row of ``sparse_ignore.py`` (demo Faster R-CNN, the seeded work
dirs ``work_dirs/demo_<config>_seed<s>``), the last checkpoint predicts on
the fully annotated demo test split, and pycocotools scores the predictions
twice: per class (the usual mAP50, the same number LLDMetric reports) and
class-agnostic (every cell and detection relabelled "cell", so only finding
and boxing the cells counts).

    python benchmarks/class_agnostic_ap.py [--seeds 0,1,2] [--rows a,b]
                                           [--students] [--tag _48e]

Teacher-student rows are scored on the teacher (what ``tools/test.py``
evaluates); with ``--students`` their student gets a row too.

Rows whose work dirs have no checkpoint are skipped (train them with
``sparse_ignore.py --seeds``; ``--tag`` as there, for runs trained with
its ``--train-options``). Writes
benchmarks/results/class_agnostic_ap_demo{tag}.md; the predictions are kept as
``<work dir>/test_predictions.pkl`` and reused.
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

from _common import (HERE, REPO, last_checkpoint, parse_names, parse_seeds,
                     run)
from sparse_ignore import ROWS

TEST_ANN = 'data/demo/annotations/test.json'


def coco_ap50(gt: dict, dets: list, agnostic: bool) -> float:
    """COCO AP at IoU 0.5 (pycocotools), per class or class-agnostic."""
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
            return 0.0
        ev = COCOeval(coco, coco.loadRes(dets), 'bbox')
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return float(ev.stats[1])


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
    args = parser.parse_args()
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
        + (f' --tag {args.tag}' if args.tag else '') + '`. Last checkpoint '
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
    for name, config, predict_on in entries:
        per_class, agnostic, one_box = [], [], []
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
            per_class.append(coco_ap50(gt, dets, agnostic=False))
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
    if len(lines) == header:  # nothing was scored
        parser.error(
            f'no checkpoint in any work_dirs/demo_<config>_seed<s>{args.tag} '
            f'of the selected rows and seeds {args.seeds}: train them with '
            'sparse_ignore.py --seeds (same --tag), or check --tag')
    out = osp.join(HERE, 'results', f'class_agnostic_ap_demo{args.tag}.md')
    with open(out, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
