"""Convert a Pascal VOC folder (e.g. ../shared/data/bccd/BCCD) to the
lld_mmdet schema, optionally simulating sparse annotation.

    python tools/convert_voc.py --root ../shared/data/bccd/BCCD \
        --split trainval --classes WBC,RBC,Platelets \
        --out work_dirs/bccd/trainval_sparse.json --sparse-fraction 0.2
"""
import argparse
import sys

from lld_mmdet.datasets.converters import LLDConversionError, dump_json_atomic
from lld_mmdet.datasets.converters.voc import voc_to_coco


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--root', required=True)
    parser.add_argument('--split', required=True)
    parser.add_argument('--classes', required=True,
                        help='comma-separated class names, in label order')
    parser.add_argument('--out', required=True)
    parser.add_argument('--sparse-fraction', type=float, default=None,
                        help='simulate one labelled region of this area '
                        'fraction per image')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--overwrite', action='store_true')
    args = parser.parse_args(argv)
    try:
        coco = voc_to_coco(args.root, args.split, args.classes.split(','),
                           args.sparse_fraction, args.seed)
        dump_json_atomic(coco, args.out, overwrite=args.overwrite)
    except (LLDConversionError, FileExistsError) as err:
        print(f'error: nothing written.\n{err}', file=sys.stderr)
        return 1
    for line in coco['info']['dropped']:
        print(f'warning: left out {line}', file=sys.stderr)
    print(f'wrote {args.out}: {len(coco["images"])} images, '
          f'{len(coco["annotations"])} boxes')
    return 0


if __name__ == '__main__':
    sys.exit(main())
