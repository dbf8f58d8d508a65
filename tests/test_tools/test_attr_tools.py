"""An attribute model through tools/train.py and tools/test.py: --out keeps
attributes aligned with the boxes, the metric reports attribute scores."""
import os
import os.path as osp
import pickle
import subprocess
import sys

from conftest import TINY_CONFIG, tiny_coco, write_dataset, write_tiny_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def run_tool(*args):
    proc = subprocess.run([sys.executable, *args], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def test_attr_model_train_test_out_and_show_dir(tmp_path):
    write_dataset(tmp_path, tiny_coco())
    config = write_tiny_config(tmp_path)
    with open(config) as f:
        text = f.read().replace(
            osp.basename(TINY_CONFIG), 'tiny_faster_rcnn_attr.py')
    with open(config, 'w') as f:
        f.write(text)
    work = str(tmp_path / 'work')
    run_tool('tools/train.py', config, '--work-dir', work, '--cfg-options',
             'train_cfg.max_epochs=1')
    out = str(tmp_path / 'preds.pkl')
    log = run_tool('tools/test.py', config, osp.join(work, 'epoch_1.pth'),
                   '--work-dir', work, '--out', out, '--show-dir', 'vis',
                   '--cfg-options', 'model.test_cfg.rcnn.score_thr=0.0')
    assert 'lld/gtbox_attr_mean_f1' in log and 'lld/attr_mean_f1' in log
    with open(out, 'rb') as f:
        preds = pickle.load(f)
    for sample in preds:
        pred = sample['pred_instances']
        n = len(pred['bboxes'])
        assert pred['attributes'].shape == (n, 7, 2)
        assert pred['attribute_labels'].shape == (n, 7)
    drawn = [f for _, _, files in os.walk(work) for f in files
             if f.endswith('.png')]
    assert len(drawn) == 3
