"""benchmarks/gap_share.py: the pooled share, its propagated standard error,
paired differences, and the command-line errors."""
import math
import os.path as osp
import sys

import pytest

BENCHMARKS = osp.join(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))), 'benchmarks')
sys.path.insert(0, BENCHMARKS)
import gap_share  # noqa: E402


def test_share_and_standard_error_by_hand():
    # references without spread: only the row's error counts
    (row, ) = gap_share.pooled_rows([0.9, 0.9], [0.7, 0.7],
                                    [('r', [0.84, 0.86])])
    sd = math.sqrt(2 * 0.01**2)
    assert row['mean'] == pytest.approx(0.85)
    assert row['share'] == pytest.approx(0.75)
    assert row['sd'] == pytest.approx(sd)
    assert row['se'] == pytest.approx(sd / math.sqrt(2) / 0.2)
    assert row['single_se'] == pytest.approx(sd / 0.2)
    assert (row['single_min'], row['single_max']) == pytest.approx((0.7, 0.8))

    # a row without spread and a naive reference without spread: the full
    # reference's error (sd / sqrt(2) = 0.02), weighted by the share
    (row, ) = gap_share.pooled_rows([0.88, 0.92], [0.7, 0.7],
                                    [('r', [0.85])])
    expect = 0.75 * 0.02 / 0.2
    assert row['share'] == pytest.approx(0.75)
    assert row['se'] == pytest.approx(expect)
    assert row['single_se'] == pytest.approx(expect)


def test_standard_error_matches_simulation():
    # first-order propagation agrees with a Monte Carlo of the same spreads
    import random
    rng = random.Random(0)
    full_sd, naive_sd, row_sd = 0.016, 0.016, 0.009
    (row, ) = gap_share.pooled_rows(
        [0.885 - full_sd, 0.885, 0.885 + full_sd],
        [0.755 - naive_sd, 0.755, 0.755 + naive_sd],
        [('r', [0.851 - row_sd, 0.851, 0.851 + row_sd])])
    shares = []
    for _ in range(20000):
        f = rng.gauss(0.885, full_sd / math.sqrt(3))
        n = rng.gauss(0.755, naive_sd / math.sqrt(3))
        v = rng.gauss(0.851, row_sd / math.sqrt(3))
        shares.append((v - n) / (f - n))
    mean = sum(shares) / len(shares)
    sim = math.sqrt(sum((s - mean)**2 for s in shares) / len(shares))
    assert row['se'] == pytest.approx(sim, rel=0.1)


def test_paired():
    p = gap_share.paired([(0.858, 0.860), (0.859, 0.839), (0.867, 0.848)])
    assert p['diffs'] == pytest.approx([-0.002, 0.020, 0.019])
    assert p['mean'] == pytest.approx(0.037 / 3)
    assert p['se'] == pytest.approx(p['sd'] / math.sqrt(3))
    assert p['t'] == pytest.approx(p['mean'] / p['se'])


def test_cli_writes_the_table_with_its_command(tmp_path, monkeypatch,
                                               capsys):
    written = {}
    monkeypatch.setattr(gap_share, 'write_results',
                        lambda name, lines: written.update({name: lines}))
    argv = ['--full', '0.9,0.9', '--naive', '0.7,0.7', '--row',
            'self training=0.84,0.86', '--pair', 'a - b=0.86:0.84,0.85:0.85',
            '--out', 'x.md']
    gap_share.main(argv)
    text = '\n'.join(written['x.md'])
    assert ("python benchmarks/gap_share.py --full 0.9,0.9 --naive 0.7,0.7 "
            "--row 'self training=0.84,0.86' --pair 'a - b=0.86:0.84,0.85:0.85'") in text
    assert '| self training | 2 | 0.850 (0.014) | **0.75** (0.05) |' in text
    assert '| a - b | 2 | +0.020, +0.000 | +0.010 (0.014) |' in text
    assert 'One run only' not in text
    # without --out: printed only; one run of a reference or a row is said
    gap_share.main(['--full', '0.9', '--naive', '0.7,0.7', '--row',
                    'r=0.85', '--pair', 'p=0.86:0.84'])
    out = capsys.readouterr().out
    assert '**0.75**' in out
    assert 'One run only of full, r, p: a spread' in out


@pytest.mark.parametrize('argv, message', [
    (['--full', '0.9,x', '--naive', '0.7', '--row', 'r=0.8'],
     "--full: 'x' of '0.9,x' is not a number"),
    (['--full', '0.9', '--naive', '0.7', '--row', 'r=85'],
     "--row: '85' of '85' is not an mAP in [0, 1]"),
    (['--full', '0.7', '--naive', '0.9', '--row', 'r=0.8'],
     'is not above --naive mean'),
    (['--full', '0.9', '--naive', '0.7', '--row', '0.8'],
     "--row: '0.8' is not NAME=VALUES"),
    (['--full', '0.9', '--naive', '0.7', '--pair', 'p=0.8,0.9'],
     "--pair: '0.8' of 'p=0.8,0.9' is not A:B"),
    (['--full', '0.9', '--naive', '0.7'], 'give at least one --row'),
])
def test_cli_errors_name_the_option_and_entry(argv, message, capsys):
    with pytest.raises(SystemExit):
        gap_share.main(argv)
    assert message in capsys.readouterr().err
