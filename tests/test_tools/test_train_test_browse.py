"""tools/train.py, tools/test.py and tools/browse_dataset.py end to end on
a tiny dataset, run as a user runs them (from the repo root)."""
import os
import os.path as osp
import pickle
import subprocess
import sys

from conftest import tiny_coco, write_dataset, write_tiny_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def run_tool(name, *args):
    cmd = [sys.executable, osp.join('tools', name), *args]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def test_train_then_test_with_out_and_show_dir(tmp_path):
    write_dataset(tmp_path, tiny_coco())
    config = write_tiny_config(tmp_path)
    work = str(tmp_path / 'work')
    run_tool('train.py', config, '--work-dir', work, '--cfg-options',
             'train_cfg.max_epochs=1')
    ckpt = osp.join(work, 'epoch_1.pth')
    assert osp.isfile(ckpt)
    out = str(tmp_path / 'preds.pkl')
    log = run_tool('test.py', config, ckpt, '--work-dir', work, '--out', out,
                   '--show-dir', 'vis')
    assert 'lld/bbox_mAP' in log
    with open(out, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == 3 and 'pred_instances' in preds[0]
    drawn = [f for _, _, files in os.walk(work) for f in files
             if f.endswith('.png')]
    assert len(drawn) == 3


def test_browse_dataset_saves_one_drawing_per_sample(tmp_path):
    write_dataset(tmp_path, tiny_coco())
    config = write_tiny_config(tmp_path)
    out_dir = str(tmp_path / 'browse')
    run_tool('browse_dataset.py', config, '--output-dir', out_dir, '--num',
             '2')
    assert sorted(os.listdir(out_dir)) == ['00000_a.png', '00001_b.png']


def test_missing_config_and_checkpoint_give_clear_errors(tmp_path):
    cmd = [sys.executable, osp.join('tools', 'test.py'), 'nope.py', 'x.pth']
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert proc.returncode != 0
    assert 'config file not found: nope.py' in proc.stderr
