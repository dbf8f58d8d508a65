"""Share of the naive-to-full gap that rows close, pooled over recorded runs,
with standard errors.

No training: the test mAP50 values of runs already recorded in
benchmarks/results/ are given on the command line, so the pooled numbers in
README and the readings come from a command, not from hand arithmetic::

    python benchmarks/gap_share.py \\
        --full 0.878,0.903,0.873,0.877 --naive 0.772,0.741,0.752,0.735 \\
        --row 'self-training=0.856,0.859,0.844' \\
        --pair 'per-class - plain=0.858:0.860,0.859:0.839' \\
        [--title T] [--out X.md]

The share of a value ``v`` is ``s = (v - naive) / (full - naive)`` with the
means of the full and naive runs. Its standard error propagates the three
spreads to first order (each mean's error is ``sd / sqrt(n)``)::

    se(s)^2 = (se_v^2 + (1 - s)^2 se_naive^2 + s^2 se_full^2) / gap^2

so it is largest where the references are few or spread. ``se_v`` is the
row mean's error for the share of the mean, the row's sd for one run's
share. A ``--pair`` lists runs paired by their teacher, ``a:b`` per pair;
the table gives the mean difference ``a - b``, its sd, its standard error
and how many standard errors it is from zero.
"""
import argparse
import math
import shlex
import statistics
import sys

from _common import check_out_name, gap_closed, write_results


def parse_values(parser, option, text):
    """``'0.85,0.86'`` -> ``[0.85, 0.86]``; a parser error naming the
    option and the entry at fault, or a value outside [0, 1]."""
    values = []
    for entry in text.split(','):
        try:
            value = float(entry)
        except ValueError:
            parser.error(f'{option}: {entry!r} of {text!r} is not a number')
        if not 0 <= value <= 1:
            parser.error(f'{option}: {entry!r} of {text!r} is not an mAP in '
                         '[0, 1]')
        values.append(value)
    return values


def parse_named(parser, option, text, pairs=False):
    """``'name=v1,v2'`` (``pairs``: ``'name=a1:b1,a2:b2'``) -> ``(name,
    values)``; a parser error naming the option and what is wrong."""
    name, sep, rest = text.partition('=')
    if not sep or not name.strip() or not rest:
        parser.error(f'{option}: {text!r} is not NAME=VALUES')
    if not pairs:
        return name.strip(), parse_values(parser, option, rest)
    values = []
    for entry in rest.split(','):
        a, sep, b = entry.partition(':')
        if not sep:
            parser.error(f'{option}: {entry!r} of {text!r} is not A:B')
        values.append(tuple(parse_values(parser, option, f'{a},{b}')))
    return name.strip(), values


def mean_sd(values):
    """Mean and sample sd (0 for a single value)."""
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return statistics.fmean(values), sd


def share_se(share, gap, se_value, se_naive, se_full):
    """First-order standard error of ``share`` (see the module docstring)."""
    return math.sqrt(se_value**2 + (1 - share)**2 * se_naive**2 +
                     share**2 * se_full**2) / gap


def pooled_rows(full, naive, rows):
    """One dict per row: runs, mean, sd, the share of the mean and its
    standard error, and the range and standard error of one run's share.

    Args:
        full, naive (list[float]): the reference runs' mAP50.
        rows (list[tuple[str, list[float]]]): name and runs of each row.
    """
    (f, sd_f), (n, sd_n) = mean_sd(full), mean_sd(naive)
    se_f, se_n = sd_f / math.sqrt(len(full)), sd_n / math.sqrt(len(naive))
    out = []
    for name, values in rows:
        mean, sd = mean_sd(values)
        share = gap_closed(mean, n, f)
        singles = [gap_closed(v, n, f) for v in values]
        out.append(dict(
            name=name, runs=len(values), mean=mean, sd=sd, share=share,
            se=share_se(share, f - n, sd / math.sqrt(len(values)), se_n,
                        se_f),
            single_min=min(singles), single_max=max(singles),
            single_se=share_se(share, f - n, sd, se_n, se_f)))
    return out


def paired(values):
    """Mean, sd, standard error and t of the differences ``a - b``."""
    diffs = [a - b for a, b in values]
    mean, sd = mean_sd(diffs)
    se = sd / math.sqrt(len(diffs))
    return dict(mean=mean, sd=sd, se=se,
                t=mean / se if se > 0 else float('nan'), diffs=diffs)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--full', required=True,
                        help='test mAP50 of the full-label runs, comma-'
                        'separated')
    parser.add_argument('--naive', required=True,
                        help='test mAP50 of the naive runs, comma-separated')
    parser.add_argument('--row', action='append', default=[],
                        help="'NAME=v1,v2,...' (repeatable)")
    parser.add_argument('--pair', action='append', default=[],
                        help="'NAME=a1:b1,a2:b2,...', runs paired by "
                        'teacher (repeatable)')
    parser.add_argument('--title', default='Pooled share of the '
                        'naive-to-full gap')
    parser.add_argument('--out', default=None,
                        help='write to benchmarks/results/OUT (default: '
                        'print only)')
    args = parser.parse_args(argv)
    if args.out is not None:
        check_out_name(parser, args.out)
    full = parse_values(parser, '--full', args.full)
    naive = parse_values(parser, '--naive', args.naive)
    (f, sd_f), (n, sd_n) = mean_sd(full), mean_sd(naive)
    if f <= n:
        parser.error(f'--full mean {f:.3f} is not above --naive mean '
                     f'{n:.3f}: no gap to share')
    if not args.row and not args.pair:
        parser.error('give at least one --row or --pair')
    rows = [parse_named(parser, '--row', r) for r in args.row]
    pairs = [parse_named(parser, '--pair', p, pairs=True) for p in args.pair]

    command = shlex.join(['python', 'benchmarks/gap_share.py'] +
                         (sys.argv[1:] if argv is None else argv))
    lines = [f'# {args.title}', '', f'Command: `{command}`.', '',
             f'References: full {f:.3f} (sd {sd_f:.3f}, {len(full)} '
             f'runs), naive {n:.3f} (sd {sd_n:.3f}, {len(naive)} runs); gap '
             f'{f - n:.3f}. Share = (mAP50 - naive) / (full - naive); '
             'standard errors propagated to first order (see the script).',
             '']
    single = [name for name, values in [('full', full), ('naive', naive)] +
              rows + pairs if len(values) == 1]
    if single:
        lines += [f'One run only of {", ".join(single)}: a spread it does '
                  'not have is counted as 0, so the standard errors '
                  'understate the uncertainty.', '']
    if rows:
        lines += ['| row | runs | mean mAP50 (sd) | share of the mean (se) | '
                  'one run\'s share: range (se) |', '|---|---|---|---|---|']
        for r in pooled_rows(full, naive, rows):
            lines.append(
                f"| {r['name']} | {r['runs']} | {r['mean']:.3f} "
                f"({r['sd']:.3f}) | **{r['share']:.2f}** ({r['se']:.2f}) | "
                f"{r['single_min']:.2f}-{r['single_max']:.2f} "
                f"({r['single_se']:.2f}) |")
        lines.append('')
    if pairs:
        lines += ['| pair (a - b, same teacher) | pairs | differences | '
                  'mean (sd) | se | mean / se | share of the gap |',
                  '|---|---|---|---|---|---|---|']
        for name, values in pairs:
            p = paired(values)
            lines.append(
                f"| {name} | {len(values)} | "
                f"{', '.join(f'{d:+.3f}' for d in p['diffs'])} | "
                f"{p['mean']:+.3f} ({p['sd']:.3f}) | {p['se']:.3f} | "
                f"{p['t']:.1f} | {p['mean'] / (f - n):+.2f} |")
        lines.append('')
    if args.out is None:
        print('\n'.join(lines))
    else:
        write_results(args.out, lines)


if __name__ == '__main__':
    main()
