"""LLDMetric: box mAP equals pycocotools; attribute scores by hand."""
import json

import numpy as np
import pytest
import torch
from mmdet.structures.bbox import HorizontalBoxes
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from lld_mmdet.datasets.schema import LLD_ATTRIBUTE_SCHEMA, LLD_CLASSES
from lld_mmdet.evaluation import LLDMetric, attribute_scores, match_detections

SCHEMA = dict(name='toy', na_value=None, attributes=[
    dict(name='size', values=['small', 'big']),
    dict(name='shape', values=['round', 'lobed', 'odd'])
])

# two images; GT cells with attributes (-1 = N/A)
GT = {
    1: dict(bboxes=[[10, 10, 30, 30], [50, 50, 80, 90], [0, 0, 8, 8]],
            labels=[1, 2, 1], attrs=[[1, 0], [0, 2], [-1, 1]]),
    2: dict(bboxes=[[5, 5, 25, 40]], labels=[3], attrs=[[1, 1]]),
}
# detections: (box, score, label, attribute argmax)
DET = {
    1: [([11, 10, 30, 31], 0.9, 1, [1, 0]),    # matches GT0, all correct
        ([52, 50, 80, 88], 0.8, 2, [1, 2]),    # matches GT1, size wrong
        ([12, 12, 30, 30], 0.7, 1, [0, 1]),    # duplicate of GT0: no match
        ([60, 0, 70, 10], 0.6, 4, [0, 0])],    # false positive
    2: [([5, 6, 25, 40], 0.95, 3, [1, 2])],    # matches, shape wrong
}


def one_hot_probs(labels, num_values=3):
    probs = torch.zeros(len(labels), 2, num_values)
    for i, row in enumerate(labels):
        for a, v in enumerate(row):
            probs[i, a, v] = 1.0
    return probs


def samples(dets=DET, gts=GT):
    out = []
    for img_id, gt in gts.items():
        det = dets.get(img_id, [])
        out.append(dict(
            img_id=img_id, ori_shape=(100, 100),
            pred_instances=dict(
                bboxes=torch.tensor([d[0] for d in det],
                                    dtype=torch.float32).reshape(-1, 4),
                scores=torch.tensor([d[1] for d in det]),
                labels=torch.tensor([d[2] for d in det], dtype=torch.long),
                attributes=one_hot_probs([d[3] for d in det])),
            gt_instances=dict(
                bboxes=HorizontalBoxes(torch.tensor(gt['bboxes'],
                                                    dtype=torch.float32)),
                labels=torch.tensor(gt['labels']),
                attributes=torch.tensor(gt['attrs']))))
    return out


def write_gt_json(path, gts=GT):
    images = [dict(id=i, width=100, height=100, file_name=f'{i}.png')
              for i in gts]
    anns = []
    for img_id, gt in gts.items():
        for box, label in zip(gt['bboxes'], gt['labels']):
            x1, y1, x2, y2 = box
            anns.append(dict(id=len(anns) + 1, image_id=img_id,
                             category_id=label, bbox=[x1, y1, x2 - x1,
                                                      y2 - y1],
                             area=(x2 - x1) * (y2 - y1), iscrowd=0))
    cats = [dict(id=i, name=n) for i, n in enumerate(LLD_CLASSES)]
    with open(path, 'w') as f:
        json.dump(dict(images=images, annotations=anns, categories=cats), f)


def run_metric(tmp_path, dets=DET, gts=GT, **kwargs):
    ann = str(tmp_path / 'gt.json')
    write_gt_json(ann, gts)
    metric = LLDMetric(ann_file=ann, **kwargs)
    metric.dataset_meta = dict(classes=LLD_CLASSES, attribute_schema=SCHEMA)
    metric.process({}, samples(dets, gts))
    return metric.evaluate(size=len(gts)), ann


def test_box_metrics_equal_pycocotools_on_the_same_data(tmp_path):
    results, ann = run_metric(tmp_path)
    coco = COCO(ann)
    dets = [dict(image_id=i, bbox=[b[0], b[1], b[2] - b[0], b[3] - b[1]],
                 score=s, category_id=c)
            for i, det in DET.items() for b, s, c, _ in det]
    evaluator = COCOeval(coco, coco.loadRes(dets), 'bbox')
    evaluator.evaluate()
    evaluator.accumulate()
    evaluator.summarize()
    stats = evaluator.stats
    assert results['lld/bbox_mAP'] == pytest.approx(round(stats[0], 3))
    assert results['lld/bbox_mAP_50'] == pytest.approx(round(stats[1], 3))
    assert results['lld/bbox_mAP_75'] == pytest.approx(round(stats[2], 3))
    assert results['lld/bbox_mAP_50'] > 0


def test_attribute_scores_match_hand_computation(tmp_path):
    results, _ = run_metric(tmp_path)
    # matched pairs (gt, pred): img1 GT0 ([1,0],[1,0]), GT1 ([0,2],[1,2]);
    # img2 GT0 ([1,1],[1,2]). size: true [1,0,1] pred [1,1,1]
    assert results['lld/attr_size_acc'] == pytest.approx(2 / 3, abs=1e-4)
    # size: value 0 P=0/0->0 R=0/1=0 F1=0; value 1 P=2/3 R=1 F1=0.8
    assert results['lld/attr_size_precision'] == pytest.approx(1 / 3,
                                                               abs=1e-4)
    assert results['lld/attr_size_recall'] == pytest.approx(0.5)
    assert results['lld/attr_size_f1'] == pytest.approx(0.4)
    # shape: true [0,2,1] pred [0,2,2]: v0 F1 1, v1 P0 R0 F1 0,
    # v2 P 1/2 R 1 F1 2/3 -> macro F1 5/9
    assert results['lld/attr_shape_acc'] == pytest.approx(2 / 3, abs=1e-4)
    assert results['lld/attr_shape_f1'] == pytest.approx(5 / 9, abs=1e-4)
    assert results['lld/attr_mean_f1'] == pytest.approx((0.4 + 5 / 9) / 2,
                                                        abs=1e-4)
    assert results['lld/attr_shape_support'] == 3
    assert results['lld/attr_matched'] == pytest.approx(3 / 4)


def test_na_gt_attribute_is_left_out_of_that_attribute_only(tmp_path):
    dets = {1: DET[1] + [([0, 0, 8, 8], 0.5, 1, [1, 1])], 2: DET[2]}
    results, _ = run_metric(tmp_path, dets=dets)
    assert results['lld/attr_size_support'] == 3  # its size is N/A
    assert results['lld/attr_shape_support'] == 4  # its shape counts


def test_class_agnostic_matching_option(tmp_path):
    dets = {1: [([11, 10, 30, 31], 0.9, 7, [1, 0])], 2: []}
    results, _ = run_metric(tmp_path, dets=dets)
    assert results['lld/attr_size_support'] == 0
    assert results['lld/attr_mean_f1'] == -1.0
    results, _ = run_metric(tmp_path, dets=dets, attr_class_agnostic=True)
    assert results['lld/attr_size_support'] == 1


def test_empty_predictions_and_empty_gt_do_not_crash(tmp_path):
    no_dets = {1: [], 2: []}
    results, _ = run_metric(tmp_path, dets=no_dets)
    assert results['lld/bbox_mAP'] == 0.0
    assert results['lld/attr_matched'] == 0.0
    gts = {1: dict(bboxes=np.zeros((0, 4)).tolist(), labels=[], attrs=[]),
           2: GT[2]}
    results, _ = run_metric(tmp_path, gts=gts, dets={1: DET[1], 2: []})
    assert 'lld/bbox_mAP' in results


def test_greedy_matching_takes_detections_in_score_order():
    gt = np.array([[0, 0, 10, 10], [20, 0, 30, 10]], np.float32)
    det = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [20, 0, 30, 10]],
                   np.float32)
    d, g = match_detections(det, np.array([0.5, 0.9, 0.1]),
                            np.zeros(3, int), gt, np.zeros(2, int))
    # the 0.9 detection takes GT0 first; the exact-overlap 0.5 one is left
    assert d.tolist() == [1, 2] and g.tolist() == [0, 1]


def test_attribute_scores_function_on_a_tiny_example():
    true = np.array([[0], [1], [1], [-1]])
    pred = np.array([[0], [1], [0], [1]])
    (s, ) = attribute_scores(true, pred, [2])
    assert s['support'] == 3 and s['acc'] == pytest.approx(2 / 3)
    # v0: P 1/2 R 1 F1 2/3; v1: P 1 R 1/2 F1 2/3
    assert s['f1'] == pytest.approx(2 / 3)
    assert LLD_ATTRIBUTE_SCHEMA['attributes'][0]['name'] == 'cell_size'


def test_region_aware_option_scores_only_inside_the_region(tmp_path):
    """A correct detection of an unlabelled cell outside the region is a
    false positive for plain COCO scoring, and not scored region-aware."""
    gts = {1: dict(bboxes=[[10, 10, 30, 30]], labels=[1], attrs=[[1, 0]])}
    dets = {1: [([10, 10, 30, 30], 0.5, 1, [1, 0]),
                ([70, 70, 90, 90], 0.9, 1, [0, 1])]}  # outside, unlabelled
    ann = str(tmp_path / 'gt.json')
    write_gt_json(ann, gts)
    with open(ann) as f:
        coco = json.load(f)
    coco['images'][0]['annotated_region'] = [0, 0, 50, 50]
    with open(ann, 'w') as f:
        json.dump(coco, f)
    scores = {}
    for region_aware in (False, True):
        metric = LLDMetric(ann_file=ann, region_aware=region_aware)
        metric.dataset_meta = dict(classes=LLD_CLASSES,
                                   attribute_schema=SCHEMA)
        metric.process({}, samples(dets, gts))
        scores[region_aware] = metric.evaluate(size=1)
    assert scores[False]['lld/bbox_mAP_50'] < 1.0
    assert scores[True]['lld/bbox_mAP_50'] == 1.0
    assert scores[True]['lld/attr_size_acc'] == 1.0
    with pytest.raises(ValueError, match='needs ann_file'):
        LLDMetric(region_aware=True)


def test_only_evaluated_images_are_scored(tmp_path):
    """A domain-filtered dataset predicts on some images of ann_file only;
    the others must not count as missed cells."""
    ann = str(tmp_path / 'gt.json')
    write_gt_json(ann)
    metric = LLDMetric(ann_file=ann)
    metric.dataset_meta = dict(classes=LLD_CLASSES, attribute_schema=SCHEMA)
    metric.process({}, [samples()[1]])  # image 2 only, detected correctly
    assert metric.evaluate(size=1)['lld/bbox_mAP_50'] == 1.0
