"""Run a benchmark suite and build its leaderboard.

    python tools/leaderboard.py SUITE [--demo] [--work-dir DIR]
                                [--only PATTERN]
                                [--test-only --checkpoints DIR]
    python tools/leaderboard.py [SUITE] --collect DIR

SUITE is a pure-data file under configs/benchmarks/ (methods x (train
domain, test domain) pairs). Each entry is trained with tools/train.py and
tested with tools/test.py in its own subprocesses, in
DIR/<entry>/ (default DIR: work_dirs/leaderboard/<suite>[_demo]); its
result goes to DIR/<entry>/result.json (for a teacher-student method with
the pseudo-label statistics of its last two training epochs). Rerunning
skips finished entries and retries failed ones. --demo swaps every method for its configs/demo/
counterpart and applies the suite's demo_schedule (the demo set has all 12
domains). --only runs the entries whose name (<method>__<train>__<test>)
or method matches a shell pattern (an error if none does).
--test-only evaluates checkpoints from --checkpoints DIR (<entry>.pth or
<entry>/*.pth) instead of training. --collect builds the tables from the
result.json files already in DIR (e.g. runs made on other machines).

Writes DIR/leaderboard.{json,csv,md} and DIR/leaderboard_heatmap.png.
"""
import argparse
import os.path as osp
import sys

from lld_mmdet.utils.leaderboard import (REPO, collect, expand_suite,
                                         run_suite, write_leaderboard)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Run a benchmark suite and build its leaderboard')
    parser.add_argument('suite', nargs='?', help='configs/benchmarks/*.py')
    parser.add_argument('--demo', action='store_true',
                        help='run the suite on the embedded demo set')
    parser.add_argument('--work-dir', help='where entries and tables go')
    parser.add_argument('--only', help='shell pattern of entry names or '
                        'methods to run')
    parser.add_argument('--test-only', action='store_true',
                        help='evaluate given checkpoints, do not train')
    parser.add_argument('--checkpoints', help='checkpoints for --test-only')
    parser.add_argument('--collect', metavar='DIR',
                        help='only build the tables from DIR/*/result.json')
    args = parser.parse_args(argv)
    if args.test_only != bool(args.checkpoints):
        parser.error('--test-only and --checkpoints go together')
    if not args.suite and not args.collect:
        parser.error('give a SUITE, or --collect DIR')
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.collect:
        records = collect(args.collect)
        if args.suite:  # keep the suite's entries, in its order
            names = [e['name'] for e in expand_suite(args.suite, args.demo)]
            by_name = {r['name']: r for r in records}
            records = [by_name[n] for n in names if n in by_name]
        if not records:
            sys.exit(f'no */result.json under {args.collect}')
        paths = write_leaderboard(records, args.collect,
                                  f'Leaderboard: {args.collect}')
    else:
        entries = expand_suite(args.suite, args.demo)
        name = osp.splitext(osp.basename(args.suite))[0] + (
            '_demo' if args.demo else '')
        work_dir = args.work_dir or osp.join(REPO, 'work_dirs', 'leaderboard',
                                             name)
        print(f'{name}: {len(entries)} entries -> {work_dir}', flush=True)
        try:
            run_suite(entries, work_dir, only=args.only,
                      checkpoints=args.checkpoints,
                      echo=lambda msg: print(msg, flush=True))
        except ValueError as err:  # --only matches nothing
            sys.exit(str(err))
        # the tables cover every entry of the suite finished so far
        records = collect(work_dir)
        names = {e['name'] for e in entries}
        records = [r for r in records if r['name'] in names]
        paths = write_leaderboard(records, work_dir, f'Leaderboard: {name}')
        failed = [r for r in records if r.get('status') != 'done']
        if failed:
            print(f'{len(failed)} entries failed (rerun to retry)')
    for kind, path in paths.items():
        print(f'{kind}: {path}')


if __name__ == '__main__':
    main()
