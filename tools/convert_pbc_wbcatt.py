"""Import the PBC single-cell images + WBCAtt attributes (../shared/data/
pbc_wbcatt) into the lld_mmdet schema with WBCAtt's 11 attributes.

    python tools/convert_pbc_wbcatt.py --root ../shared/data/pbc_wbcatt \
        --out-dir work_dirs/pbc_wbcatt [--test-fraction 0.2 --seed 0]

Writes OUT_DIR/train.json and OUT_DIR/test.json (file names relative to
ROOT/images).
"""
import argparse
import os.path as osp
import sys

from lld_mmdet.datasets.converters import (LLDConversionError,
                                           dump_json_atomic)
from lld_mmdet.datasets.converters.pbc_wbcatt import import_pbc_wbcatt


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--root', default='../shared/data/pbc_wbcatt')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--test-fraction', type=float, default=0.2)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--overwrite', action='store_true')
    args = parser.parse_args(argv)
    try:
        train, test = import_pbc_wbcatt(args.root, args.test_fraction,
                                        args.seed)
        for name, coco in (('train', train), ('test', test)):
            dump_json_atomic(coco, osp.join(args.out_dir, f'{name}.json'),
                             overwrite=args.overwrite)
    except (LLDConversionError, FileExistsError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    print(f'wrote {args.out_dir}/train.json ({len(train["images"])} cells) '
          f'and test.json ({len(test["images"])} cells)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
