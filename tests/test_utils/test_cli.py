"""lld_mmdet.utils.cli: the default work dir of tools/train.py belongs to
one config, so configs of the same file name in other folders cannot
overwrite each other's checkpoints."""
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest
from conftest import tiny_coco, write_dataset, write_tiny_config

from lld_mmdet.utils.cli import OWNER_FILE, claim_work_dir, default_work_dir

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def two_configs(root):
    """configs/demo/x.py and configs/lld/x.py, same file name."""
    paths = []
    for folder in ('demo', 'lld'):
        path = root / 'configs' / folder / 'x.py'
        path.parent.mkdir(parents=True)
        path.write_text('a = 1\n')
        paths.append(str(path))
    return paths


def test_the_default_work_dir_belongs_to_the_first_config(tmp_path):
    demo, lld = two_configs(tmp_path)
    work_dir = str(tmp_path / 'work_dirs' / 'x')
    claim_work_dir(work_dir, demo)
    assert open(osp.join(work_dir, OWNER_FILE)).read() == osp.join(
        '..', '..', 'configs', 'demo', 'x.py') + '\n'
    claim_work_dir(work_dir, demo)  # the same config again: fine
    with pytest.raises(SystemExit) as err:
        claim_work_dir(work_dir, lld)
    msg = str(err.value)
    assert osp.join(tmp_path, 'configs', 'demo', 'x.py') in msg
    assert lld in msg and OWNER_FILE in msg
    assert '--work-dir work_dirs/lld_x' in msg


def test_the_claim_survives_moving_the_repository(tmp_path):
    demo, _ = two_configs(tmp_path / 'old')
    claim_work_dir(str(tmp_path / 'old' / 'work_dirs' / 'x'), demo)
    shutil.move(str(tmp_path / 'old'), str(tmp_path / 'new'))
    moved = str(tmp_path / 'new' / 'configs' / 'demo' / 'x.py')
    claim_work_dir(str(tmp_path / 'new' / 'work_dirs' / 'x'), moved)


def test_train_tool_refuses_another_configs_default_work_dir(tmp_path):
    write_dataset(tmp_path, tiny_coco())
    config = write_tiny_config(tmp_path, train_cfg=dict(max_epochs=1))
    configs = []
    for folder in ('demo', 'lld'):
        os.makedirs(tmp_path / folder)
        configs.append(shutil.copy(config, tmp_path / folder / 'tiny.py'))

    def train(config):
        return subprocess.run(
            [sys.executable, osp.join(REPO, 'tools', 'train.py'), config],
            cwd=tmp_path, capture_output=True, text=True)

    first = train(configs[0])
    assert first.returncode == 0, first.stderr[-3000:]
    work_dir = tmp_path / default_work_dir(configs[0])
    ckpt = work_dir / 'epoch_1.pth'
    before = ckpt.read_bytes()
    second = train(configs[1])
    assert second.returncode != 0
    assert 'holds the run of another config' in second.stderr
    assert ckpt.read_bytes() == before  # the first run's checkpoint is kept
    assert sorted(p for p in os.listdir(work_dir) if p.endswith('.pth')) \
        == ['epoch_1.pth']
