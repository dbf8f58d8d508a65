# ResNet-101, ImageNet-pretrained (torchvision). See r50.py for the wiring.
_base_ = './r50.py'
backbone = dict(
    depth=101,
    init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101'))
