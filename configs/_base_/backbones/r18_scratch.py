# ResNet-18 from scratch with trainable BN: no download and CPU-friendly (demo
# and tests; pretrained weights cannot be fetched on the project machines).
# See r50.py for the wiring.
_base_ = './r50.py'
backbone = dict(depth=18, frozen_stages=-1, norm_eval=False, init_cfg=None)
backbone_channels = [64, 128, 256, 512]
