# A CPU-sized DINO with the attribute branch on the demo set (full labels):
# ResNet-18 from scratch, a shallow transformer (2 encoder / 3 decoder layers),
# 100 queries. DETR-style detectors need long schedules; this one shows the
# method end to end, it is not tuned for accuracy.
_base_ = [
    '../_base_/models/dino-4scale_r50_attr.py',
    '../_base_/datasets/demo.py',
    '../_base_/default_runtime.py',
]
# mmdet's DINO decoder hard-codes a 128-feature sine encoding of the reference
# points (coordinate_to_encoding), so embed_dims must stay 256.
embed_dims = 256
model = dict(
    num_queries=100,
    # ResNet-18 from scratch (as _base_/backbones/r18_scratch.py), stages 1-3
    backbone=dict(depth=18, frozen_stages=-1,
                  norm_cfg=dict(type='BN', requires_grad=True),
                  norm_eval=False, init_cfg=None),
    neck=dict(in_channels=[128, 256, 512], out_channels=embed_dims,
              norm_cfg=dict(type='GN', num_groups=32)),
    encoder=dict(
        num_layers=2,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=embed_dims, num_heads=8),
            ffn_cfg=dict(embed_dims=embed_dims, feedforward_channels=512))),
    decoder=dict(
        num_layers=3,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=embed_dims, num_heads=8),
            cross_attn_cfg=dict(embed_dims=embed_dims, num_heads=8),
            ffn_cfg=dict(embed_dims=embed_dims, feedforward_channels=512))),
    positional_encoding=dict(num_feats=embed_dims // 2),
    bbox_head=dict(embed_dims=embed_dims,
                   attribute_schema={{_base_.attribute_schema}}),
    dn_cfg=dict(group_cfg=dict(num_dn_queries=30)),
    test_cfg=dict(max_per_img=100))

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=24, val_interval=6)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=4e-4, weight_decay=1e-4),
    clip_grad=dict(max_norm=0.1, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=200),
    dict(type='MultiStepLR', begin=0, end=24, by_epoch=True, milestones=[20],
         gamma=0.1)
]
default_hooks = dict(logger=dict(interval=12),
                     checkpoint=dict(interval=6, max_keep_ckpts=2,
                                     save_best='lld/bbox_mAP_50'))
