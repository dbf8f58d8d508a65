"""Shared setup of ``tools/train.py`` and ``tools/test.py``."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Flags both tools share, spelled as in mmdet's tools."""
    parser.add_argument(
        '--work-dir',
        help='folder for logs, checkpoints and results '
        '(default: ./work_dirs/<config name>)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config keys, e.g. train_dataloader.batch_size=4 '
        "model.backbone.depth=18 'key=[a,b]'")
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher for distributed runs')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_config(args: argparse.Namespace) -> Config:
    """Read ``args.config``, apply ``--cfg-options``, ``--launcher`` and the
    work dir rule (flag > config > ``./work_dirs/<config name>``)."""
    if not osp.isfile(args.config):
        raise SystemExit(f'config file not found: {args.config}')
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = default_work_dir(args.config)
    return cfg


#: File in a default work dir that names the config training into it.
OWNER_FILE = '.lld_config'


def default_work_dir(config: str) -> str:
    """``./work_dirs/<config file name without .py>``, mmdet's rule."""
    return osp.join('./work_dirs', osp.splitext(osp.basename(config))[0])


def claim_work_dir(work_dir: str, config: str) -> None:
    """Record in ``work_dir`` that ``config`` trains into it, or stop if
    another config's run is there.

    Configs with the same file name in different folders
    (``configs/demo/dino_sparse.py``, ``configs/lld/dino_sparse.py``) share
    the default work dir: training the second would overwrite the first
    one's checkpoints, and ``--resume`` would load them into the wrong
    model. ``tools/train.py`` claims the default work dir for its config
    (:data:`OWNER_FILE`, the config's path relative to the work dir, so
    moving the repository keeps it valid); a work dir given by
    ``--work-dir`` or the config is the user's choice and is not checked.
    """
    marker = osp.join(work_dir, OWNER_FILE)
    mine = osp.relpath(osp.realpath(config), osp.realpath(work_dir))
    if osp.isfile(marker):
        with open(marker) as f:
            owner = f.read().strip()
        if owner != mine:
            parent = osp.basename(osp.dirname(osp.realpath(config)))
            stem = osp.basename(osp.normpath(work_dir))
            raise SystemExit(
                f'{work_dir} holds the run of another config with the same '
                f'file name, {osp.normpath(osp.join(work_dir, owner))} '
                f'(named in {marker}); training {config} there would '
                'overwrite its checkpoints or resume them into the wrong '
                f'model. Give this run its own folder, e.g. --work-dir '
                f'work_dirs/{parent}_{stem}, or delete {marker} if that run '
                'may be overwritten.')
        return
    os.makedirs(work_dir, exist_ok=True)
    with open(marker, 'w') as f:
        f.write(mine + '\n')
