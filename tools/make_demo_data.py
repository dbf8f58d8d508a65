"""Generate the synthetic LLD-like demo set.

    python tools/make_demo_data.py --out data/demo --seed 0 \
        --images-per-domain 10 --size 256

Writes images, the LLD COCO schema (train sparse + train_full hidden labels,
val, test) and the authors' 16-column YOLO labels. Deterministic for a seed.
Nothing in it is medical truth.
"""
import argparse
import shlex
import sys
import time

from lld_mmdet.datasets.synthetic import make_demo_data


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--images-per-domain',
        type=int,
        default=10,
        help='training images per domain (val gets a quarter, test a half)')
    parser.add_argument('--size', type=int, default=256, help='image side')
    parser.add_argument(
        '--region-fraction',
        type=float,
        default=0.2,
        help='annotated area of a training image [default: 0.2]')
    parser.add_argument(
        '--image-format',
        choices=['png', 'jpg'],
        default='png',
        help='png (lossless, as the LLD) or jpg (quality 92, ~6x smaller)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.images_per_domain < 1 or args.size < 64:
        raise SystemExit('--images-per-domain must be >= 1 and --size >= 64')
    command = 'python tools/make_demo_data.py ' + ' '.join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    start = time.perf_counter()
    outputs = make_demo_data(
        args.out,
        seed=args.seed,
        images_per_domain=args.images_per_domain,
        size=args.size,
        region_fraction=args.region_fraction,
        image_format=args.image_format,
        command=command)
    seconds = time.perf_counter() - start
    total = sum(len(outputs[s]['images']) for s in ('train', 'val', 'test'))
    for name, coco in outputs.items():
        print(f'{name:>10}: {len(coco["images"])} images, '
              f'{len(coco["annotations"])} cells')
    print(f'{total} images in {seconds:.1f} s ({total / seconds:.1f} '
          f'images/s) -> {args.out}')


if __name__ == '__main__':
    main()
