# ResNet-50, ImageNet-pretrained (torchvision), as in mmdet's standard configs.
# A method config lists one backbone file in its _base_ and wires it with
#   model = dict(backbone={{_base_.backbone}},
#                neck=dict(in_channels={{_base_.backbone_channels}}))
backbone = dict(
    type='ResNet',
    depth=50,
    num_stages=4,
    out_indices=(0, 1, 2, 3),
    frozen_stages=1,
    norm_cfg=dict(type='BN', requires_grad=True),
    norm_eval=True,
    style='pytorch',
    init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50'))
backbone_channels = [256, 512, 1024, 2048]
