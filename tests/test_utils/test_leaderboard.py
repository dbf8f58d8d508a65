"""Benchmark suites and the leaderboard: expansion, domain filters,
resume/skip, failures, aggregation, the heat map, and one real run."""
import csv
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
from conftest import tiny_coco, write_dataset, write_tiny_config
from mmengine.config import Config

from lld_mmdet.utils.leaderboard import (REPO, collect, domain_filter,
                                         expand_suite,
                                         read_pseudo_label_stats, run_suite,
                                         summarise_metrics,
                                         write_entry_config,
                                         write_leaderboard)

SUITES = sorted(glob.glob(osp.join(REPO, 'configs', 'benchmarks', '*.py')))


def test_domain_files_and_patterns():
    assert len(glob.glob(osp.join(REPO, 'configs', '_base_', 'datasets',
                                  'domains', '*.py'))) == 12
    assert domain_filter('L_40X_C2') == dict(
        microscopes=['LCM'], magnifications=['40x'], cameras=['C2'])
    assert domain_filter('h_*_c1') == dict(
        microscopes=['HCM'], magnifications=None, cameras=['C1'])
    assert domain_filter('*_*_*') == dict(microscopes=None,
                                          magnifications=None, cameras=None)
    for bad in ('H_20X_C1', 'H_100X', 'anything'):
        with pytest.raises(ValueError, match='matches no LLD subset'):
            domain_filter(bad)


@pytest.mark.parametrize('suite, demo, count', [
    ('cross_microscope', False, 24), ('cross_microscope', True, 12),
    ('cross_camera', False, 24), ('in_domain', True, 12),
    ('cross_magnification', False, 18), ('ablations', False, 10),
    ('ablations', True, 10)
])
def test_suite_expansion(suite, demo, count):
    entries = expand_suite(
        osp.join(REPO, 'configs', 'benchmarks', f'{suite}.py'), demo)
    assert len(entries) == count
    assert len({e['name'] for e in entries}) == count
    if demo:
        assert all(e['config'].startswith('demo/') for e in entries)
    if suite == 'cross_microscope':
        for e in entries:  # the other microscope, same magnification/camera
            assert e['train_filter']['microscopes'] != \
                e['test_filter']['microscopes']
            assert e['train_filter']['cameras'] == e['test_filter']['cameras']


@pytest.mark.parametrize('suite', SUITES)
def test_every_entry_config_resolves(tmp_path, suite):
    for demo in (False, True):
        entries = expand_suite(suite, demo)
        # one entry per method is enough to resolve every config
        for entry in {e['method']: e for e in entries}.values():
            path = write_entry_config(entry, str(tmp_path / entry['name']))
            cfg = Config.fromfile(path)
            train = cfg.train_dataloader.dataset
            test = cfg.test_dataloader.dataset
            for key, value in entry['train_filter'].items():
                assert train[key] == value
            for key, value in entry['test_filter'].items():
                assert test[key] == value
                assert cfg.val_dataloader.dataset[key] == value
            for key, value in entry['overrides'].get('train_cfg',
                                                     {}).items():
                assert cfg.train_cfg[key] == value
            if 'param_scheduler' in entry['overrides']:
                assert cfg.param_scheduler == entry['overrides'][
                    'param_scheduler']


def test_suite_errors_name_the_file(tmp_path):
    suite = tmp_path / 'bad.py'
    suite.write_text("methods = ['lld/nope.py']\npairs = [('H_100X_C1', "
                     "'H_100X_C1')]\n")
    with pytest.raises(FileNotFoundError, match='bad.py.*nope.py'):
        expand_suite(str(suite))
    suite.write_text("methods = ['ablations/dino_sparse_naive.py']\n"
                     "pairs = [('H_100X_C1', 'H_100X_C1')]\n")
    with pytest.raises(ValueError, match='bad.py.*no demo counterpart'):
        expand_suite(str(suite), demo=True)
    suite.write_text("methods = []\npairs = []\n")
    with pytest.raises(ValueError, match="bad.py.*'methods'"):
        expand_suite(str(suite))


def _entries():
    return expand_suite(
        osp.join(REPO, 'configs', 'benchmarks', 'cross_microscope.py'),
        demo=True)[:3]


def test_failures_are_recorded_and_do_not_stop_the_suite(tmp_path):
    calls = []

    def runner(entry, entry_dir, ckpt):
        calls.append(entry['name'])
        if len(calls) == 2:
            raise RuntimeError('train.py failed (exit 1)\nTraceback ...')
        record = dict(name=entry['name'], method=entry['method'],
                      train=entry['train'], test=entry['test'],
                      status='done', mAP50=0.5)
        import json as _json
        import os
        os.makedirs(entry_dir, exist_ok=True)
        with open(osp.join(entry_dir, 'result.json'), 'w') as f:
            _json.dump(record, f)
        return record

    records = run_suite(_entries(), str(tmp_path), runner=runner,
                        echo=lambda m: None)
    assert [r['status'] for r in records] == ['done', 'failed', 'done']
    assert 'exit 1' in records[1]['error']
    # rerun: the finished entries are skipped, the failed one retried
    calls.clear()
    records = run_suite(_entries(), str(tmp_path), runner=runner,
                        echo=lambda m: None)
    assert calls == [_entries()[1]['name']]
    assert [r['status'] for r in records] == ['done', 'done', 'done']
    assert len(collect(str(tmp_path))) == 3
    # --only
    calls.clear()
    run_suite(_entries(), str(tmp_path / 'only'), runner=runner,
              only='*L_100X_C1__H_100X_C1', echo=lambda m: None)
    assert calls == [_entries()[1]['name']]
    # a method name matches all of its entries; no match is an error
    calls.clear()
    method = _entries()[0]['method']
    run_suite(_entries(), str(tmp_path / 'method'), runner=runner,
              only=method, echo=lambda m: None)
    assert calls == [e['name'] for e in _entries() if e['method'] == method]
    with pytest.raises(ValueError, match="--only 'nope' matches no entry"):
        run_suite(_entries(), str(tmp_path / 'none'), runner=runner,
                  only='nope', echo=lambda m: None)


def test_metrics_summary_and_tables(tmp_path):
    raw = {'lld/bbox_mAP': 0.3, 'lld/bbox_mAP_50': 0.6,
           'lld/bbox_mAP_75': 0.2, 'lld/Lymphocyte_precision': 0.7,
           'lld/attr_cell_size_f1': 0.8, 'lld/attr_cell_size_precision': 0.9,
           'lld/gtbox_attr_cell_size_f1': 0.5, 'lld/attr_mean_f1': 0.8,
           'time': 0.4}
    summary = summarise_metrics(raw, batch_size=4)
    assert summary['per_class_AP'] == {'Lymphocyte': 0.7}
    assert summary['attr_f1'] == {'cell_size': 0.8}
    assert summary['latency_ms'] == pytest.approx(100.0)
    records = []
    for i, (train, test, m) in enumerate([('H_100X_C1', 'L_100X_C1', 0.4),
                                          ('L_100X_C1', 'H_100X_C1', 0.6)]):
        records.append(dict(name=f'e{i}', method='frcnn', config='x.py',
                            train=train, test=test, status='done',
                            train_minutes=1.5, **dict(summary, mAP50=m)))
    records.append(dict(name='bad', method='dino', train='H_100X_C1',
                        test='L_100X_C1', status='failed',
                        error='tools/train.py failed (exit 1)'))
    paths = write_leaderboard(records, str(tmp_path))
    md = open(paths['md']).read()
    # ranked by mAP50; the failure listed
    assert md.index('| 1 | frcnn | L_100X_C1 | H_100X_C1 | 0.600') < md.index(
        '| 2 | frcnn | H_100X_C1 | L_100X_C1 | 0.400')
    assert '| 1 | frcnn | 2 | 0.500 |' in md
    assert 'bad: tools/train.py failed' in md
    header = open(paths['csv']).readline().strip().split(',')
    assert 'AP_Lymphocyte' in header and 'F1_cell_size' in header
    assert json.load(open(paths['json']))[2]['status'] == 'failed'
    assert osp.getsize(paths['png']) > 1000
    assert paths['png'].endswith('leaderboard_heatmap.png')  # two pairs
    assert '![train x test mAP50](leaderboard_heatmap.png)' in md


def _write_scalars(run_dir, rows):
    vis = run_dir / 'vis_data'
    vis.mkdir(parents=True)
    (vis / 'scalars.json').write_text(
        ''.join(json.dumps(r) + '\n' for r in rows))


def test_pseudo_label_stats_from_the_training_logs(tmp_path):
    """An entry's result gets the mean pseudo-label statistics of its last
    two training epochs, read from the scalars the training run logged;
    a supervised entry gets None, and the tables show them."""
    semi = tmp_path / 'semi__all__all'
    rows = [dict(loss=1.0, epoch=1, iter=1),  # burn-in: nothing logged
            dict(pseudo_per_img=9.0, pseudo_precision=0.1, epoch=2),
            dict(pseudo_per_img=1.0, pseudo_precision=0.6,
                 pseudo_recall=0.2, epoch=3),
            dict(pseudo_per_img=3.0, epoch=3),  # no pseudo label scored
            dict(pseudo_per_img=2.0, pseudo_precision=0.8,
                 pseudo_recall=0.4, epoch=4),
            {'teacher/lld/bbox_mAP_50': 0.3, 'step': 4}]  # validation
    _write_scalars(semi / '20260101_000000', rows)
    # an older, interrupted run and the test run are not read
    _write_scalars(semi / '20250101_000000',
                   [dict(pseudo_per_img=50.0, epoch=9)])
    os.utime(semi / '20250101_000000' / 'vis_data' / 'scalars.json',
             (0, 0))
    _write_scalars(semi / 'test' / '20260102_000000',
                   [dict(pseudo_per_img=70.0, epoch=99)])
    stats = read_pseudo_label_stats(str(semi))
    assert stats['epochs'] == [3, 4]
    assert stats['pseudo_per_img'] == pytest.approx(2.0)  # (1 + 3 + 2) / 3
    assert stats['pseudo_precision'] == pytest.approx(0.7)
    assert stats['pseudo_recall'] == pytest.approx(0.3)
    assert 'fg_pseudo_per_img' not in stats
    assert read_pseudo_label_stats(str(semi), last_epochs=3)[
        'pseudo_precision'] == pytest.approx(0.5)
    with pytest.raises(ValueError, match='last_epochs must be an int'):
        read_pseudo_label_stats(str(semi), last_epochs=0)
    supervised = tmp_path / 'full__all__all'
    _write_scalars(supervised / '20260101_000000',
                   [dict(loss=1.0, epoch=1), dict(loss=0.5, epoch=2)])
    assert read_pseudo_label_stats(str(supervised)) is None
    assert read_pseudo_label_stats(str(tmp_path / 'nothing')) is None
    # results written before the field existed get it when loaded
    for entry, m in ((semi, 0.4), (supervised, 0.5)):
        (entry / 'result.json').write_text(json.dumps(dict(
            name=entry.name, method=entry.name.split('__')[0],
            train='*_*_*', test='*_*_*', status='done', mAP50=m)))
    records = {r['method']: r for r in collect(str(tmp_path))}
    assert records['semi']['pseudo_labels']['pseudo_recall'] == \
        pytest.approx(0.3)
    assert records['full']['pseudo_labels'] is None
    paths = write_leaderboard(list(records.values()), str(tmp_path / 'out'))
    md = open(paths['md']).read()
    assert 'pseudo labels / img, precision, recall |' in md
    assert '| 0.400 |' in md and '| 2.00, 0.70, 0.30 |' in md
    assert '| -, -, - |' in md  # the supervised entry
    with open(paths['csv']) as f:
        rows = list(csv.DictReader(f))
    semi_row = next(r for r in rows if r['method'] == 'semi')
    assert float(semi_row['last_epochs_pseudo_precision']) == \
        pytest.approx(0.7)
    # a broken log line names the file and the line
    bad = tmp_path / 'bad__all__all' / '20260101_000000' / 'vis_data'
    bad.mkdir(parents=True)
    (bad / 'scalars.json').write_text('{"epoch": 1}\n{"epoch": 2,\n')
    with pytest.raises(ValueError, match='scalars.json, line 2'):
        read_pseudo_label_stats(str(tmp_path / 'bad__all__all'))


def test_single_pair_suites_get_a_bar_chart(tmp_path):
    """An ablation suite (every entry on the same train/test pair) gets one
    bar per method instead of one-cell heat maps."""
    records = [dict(name=f'{m}__all__all', method=m, train='*_*_*',
                    test='*_*_*', status='done', mAP50=v)
               for m, v in (('flagship', 0.3), ('naive', 0.1))]
    paths = write_leaderboard(records, str(tmp_path))
    assert paths['png'].endswith('leaderboard_bars.png')
    assert osp.getsize(paths['png']) > 1000
    assert not (tmp_path / 'leaderboard_heatmap.png').exists()
    assert '![test mAP50 per method](leaderboard_bars.png)' in open(
        paths['md']).read()


def test_leaderboard_tool_runs_a_suite_end_to_end(tmp_path):
    write_dataset(tmp_path, tiny_coco())
    config = write_tiny_config(tmp_path, train_cfg=dict(max_epochs=1))
    suite = tmp_path / 'tiny_suite.py'
    # a.png is H_100X_C1, c.png L_100X_C1 (tests/conftest.py)
    suite.write_text(f"methods = [dict(name='tiny', config={config!r})]\n"
                     "pairs = [('H_100X_C1', 'L_100X_C1')]\n"
                     "schedule = dict(train_cfg=dict(max_epochs=1, "
                     "val_interval=1))\n")
    work = tmp_path / 'board'
    cmd = [sys.executable, osp.join(REPO, 'tools', 'leaderboard.py'),
           str(suite), '--work-dir', str(work)]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert '[1/1] tiny__H_100X_C1__L_100X_C1' in proc.stdout
    result = json.load(open(work / 'tiny__H_100X_C1__L_100X_C1' /
                            'result.json'))
    assert result['status'] == 'done' and result['mAP50'] is not None
    assert result['train_minutes'] > 0 and result['latency_ms'] > 0
    assert (work / 'leaderboard.md').is_file()
    assert (work / 'leaderboard_bars.png').is_file()  # one pair
    # a rerun skips it; --collect rebuilds the tables from the results
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert 'done before' in proc.stdout
    (work / 'leaderboard.md').unlink()
    proc = subprocess.run([sys.executable, osp.join(REPO, 'tools',
                                                    'leaderboard.py'),
                           '--collect', str(work)], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'tiny' in (work / 'leaderboard.md').read_text()
    # --test-only evaluates the checkpoints of a finished run
    proc = subprocess.run(cmd[:3] + ['--work-dir', str(tmp_path / 'again'),
                                     '--test-only', '--checkpoints',
                                     str(work)],
                          cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    again = json.load(open(tmp_path / 'again' /
                           'tiny__H_100X_C1__L_100X_C1' / 'result.json'))
    assert again['mAP50'] == result['mAP50']
    assert again['train_minutes'] is None
