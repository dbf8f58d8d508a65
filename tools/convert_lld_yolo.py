"""Convert the LLD authors' YOLO label files to the lld_mmdet COCO schema.

    python tools/convert_lld_yolo.py --images LLD/H_100X_C1/images/train \
        --labels LLD/H_100X_C1/labels/train --format miccai12 \
        --out data/LLD/Annotations/H_100X_C1_train.json

Domain metadata comes from --microscope/--magnification/--camera or from a
subset name such as H_100X_C1 in the images path. A malformed row is
reported as file:line: reason, and then nothing is written.
"""
import argparse
import sys
import time

from lld_mmdet.datasets.converters import (FORMATS, LLDConversionError,
                                           dump_json_atomic, yolo_to_coco)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--images', required=True, help='images folder')
    parser.add_argument('--labels', required=True, help='YOLO labels folder')
    parser.add_argument('--format', required=True, choices=FORMATS)
    parser.add_argument('--out', required=True, help='output .json file')
    parser.add_argument('--microscope', help='HCM or LCM')
    parser.add_argument('--magnification', help='100x, 40x or 10x')
    parser.add_argument('--camera', help='C1 or C2')
    parser.add_argument(
        '--attribute-names',
        help='comma-separated attribute of each attribute column, in file '
        'order (default: the schema order = the authors\' code order)')
    parser.add_argument(
        '--schema',
        default='lld',
        help='attribute schema preset (lld, wbcatt) [default: lld]')
    parser.add_argument(
        '--na-value',
        type=int,
        default=2,
        help='value the files use for "not applicable" [default: 2]')
    parser.add_argument(
        '--overwrite', action='store_true', help='replace an existing --out')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    names = args.attribute_names.split(',') if args.attribute_names else None
    start = time.perf_counter()
    try:
        coco = yolo_to_coco(
            args.images,
            args.labels,
            args.format,
            attribute_schema=args.schema,
            attribute_names=names,
            microscope=args.microscope,
            magnification=args.magnification,
            camera=args.camera,
            yolo_na_value=args.na_value)
        dump_json_atomic(coco, args.out, overwrite=args.overwrite)
    except (LLDConversionError, FileExistsError) as err:
        print(f'error: nothing written.\n{err}', file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start
    rows = len(coco['annotations'])
    print(f'wrote {args.out}: {len(coco["images"])} images, {rows} cells '
          f'({rows / max(seconds, 1e-9):.0f} rows/s)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
