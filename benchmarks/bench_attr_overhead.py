"""Inference cost of the attribute branch: each LLD attribute model vs the
same mmdet detector without it (same config otherwise, same weights for the
shared parts, same inputs), timed side by side in one process.

    python benchmarks/bench_attr_overhead.py [--size 640] [--reps 5]

Writes benchmarks/results/attr_overhead.md. Goal: <= 1.03x.
"""
import argparse
import copy
import os
import os.path as osp
import platform
import time

import torch
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmdet.utils import register_all_modules
from mmengine.config import Config

import lld_mmdet  # noqa: F401

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(HERE)


def vanilla(model_cfg):
    cfg = copy.deepcopy(model_cfg)
    if cfg.type == 'DINO':
        cfg.bbox_head.type = 'DINOHead'
        for key in ('attribute_schema', 'loss_attr', 'attr_on_denoising'):
            cfg.bbox_head.pop(key, None)
    else:
        cfg.roi_head.type = 'StandardRoIHead'
        for key in ('attr_head', 'attr_roi_extractor', 'predict_on_gt',
                    'attr_predict_feats'):
            cfg.roi_head.pop(key, None)
    return cfg


def build_pair(config, **roi_head_overrides):
    cfg = Config.fromfile(osp.join(REPO, config))
    cfg.model.backbone.init_cfg = None
    if roi_head_overrides:
        cfg.model.roi_head.update(roi_head_overrides)
    torch.manual_seed(0)
    base_cfg = vanilla(cfg.model)  # DINO's constructor mutates its config
    attr = MODELS.build(copy.deepcopy(cfg.model))
    attr.init_weights()
    base = MODELS.build(base_cfg)
    missing = base.load_state_dict(attr.state_dict(), strict=False)
    assert not missing.missing_keys, missing.missing_keys
    return base.eval(), attr.eval()


def time_predict(model, inputs, samples, reps):
    times = []
    with torch.no_grad():
        for _ in range(reps):
            start = time.perf_counter()
            model.predict(inputs, samples, rescale=True)
            times.append(time.perf_counter() - start)
    return times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--size', type=int, default=640)
    parser.add_argument('--reps', type=int, default=5)
    parser.add_argument('--threads', type=int, default=2)
    args = parser.parse_args()
    register_all_modules()
    torch.set_num_threads(args.threads)
    rows = []
    frcnn = 'configs/lld/faster_rcnn_attr.py'
    for name, config, overrides in (
            ('Faster R-CNN R50-FPN, attributes from the proposals\' RoI '
             'features (shipped config)', frcnn,
             dict(attr_predict_feats='proposals')),
            ('Faster R-CNN R50-FPN, RoIAlign on the final boxes', frcnn,
             dict(attr_predict_feats='final_boxes')),
            ('DINO-4scale R50', 'configs/lld/dino_attr.py', {})):
        base, attr = build_pair(config, **overrides)
        torch.manual_seed(1)
        inputs = torch.randn(1, 3, args.size, args.size)
        meta = dict(img_shape=(args.size, args.size),
                    ori_shape=(args.size, args.size), scale_factor=(1., 1.),
                    batch_input_shape=(args.size, args.size),
                    pad_shape=(args.size, args.size))
        samples = [DetDataSample(metainfo=meta)]
        # a low score threshold keeps the full 100/300 detections, the
        # worst case for the attribute branch
        for m in (base, attr):
            if hasattr(m, 'roi_head'):
                m.roi_head.test_cfg.score_thr = 0.0
        time_predict(base, inputs, samples, 1)  # warm up
        time_predict(attr, inputs, samples, 1)
        t_base, t_attr = [], []
        for _ in range(args.reps):  # interleaved
            t_base += time_predict(base, inputs, samples, 1)
            t_attr += time_predict(attr, inputs, samples, 1)
        mb = sorted(t_base)[len(t_base) // 2]
        ma = sorted(t_attr)[len(t_attr) // 2]
        with torch.no_grad():
            n = len(attr.predict(inputs, samples)[0].pred_instances)
        rows.append((name, mb, ma, ma / mb, n))
        print(rows[-1], flush=True)
    lines = [
        '# Inference overhead of the attribute branch', '',
        f'Command: `python benchmarks/bench_attr_overhead.py --size '
        f'{args.size} --reps {args.reps} --threads {args.threads}`  ',
        f'Machine: {platform.machine()}, {os.cpu_count()} CPU cores, torch '
        f'{torch.__version__}, {args.threads} threads, CPU. One '
        f'{args.size}x{args.size} image, random weights, score threshold 0 '
        '(every detection slot filled: the worst case for the branch), '
        f'median of {args.reps} interleaved runs.', '',
        '| detector | mmdet (s) | with attributes (s) | ratio | detections |',
        '|---|---|---|---|---|'
    ] + [f'| {n} | {b:.3f} | {a:.3f} | **{r:.3f}x** | {d} |'
         for n, b, a, r, d in rows] + [
            '', 'Goal: <= 1.03x. `AttrRoIHead(attr_predict_feats=...)`: '
            "'proposals' feeds the attribute branch the bbox branch's RoI "
            'features of the proposal behind each detection (NMS keep '
            "index, no second RoIAlign); 'final_boxes' pools again on the "
            'regressed boxes (mmcv\'s CPU RoIAlign is most of its cost).']
    os.makedirs(osp.join(HERE, 'results'), exist_ok=True)
    with open(osp.join(HERE, 'results', 'attr_overhead.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
