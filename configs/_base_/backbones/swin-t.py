# Swin-T (ImageNet-1k), as in mmdet's Swin configs. See r50.py for the wiring;
# DINO's 4-scale neck takes out_indices (1, 2, 3): set it in the method config.
backbone = dict(
    _delete_=True,
    type='SwinTransformer',
    embed_dims=96,
    depths=[2, 2, 6, 2],
    num_heads=[3, 6, 12, 24],
    window_size=7,
    mlp_ratio=4,
    qkv_bias=True,
    qk_scale=None,
    drop_rate=0.,
    attn_drop_rate=0.,
    drop_path_rate=0.2,
    patch_norm=True,
    out_indices=(0, 1, 2, 3),
    with_cp=False,
    convert_weights=True,
    init_cfg=dict(
        type='Pretrained',
        checkpoint='https://github.com/SwinTransformer/storage/releases/'
        'download/v1.0.0/swin_tiny_patch4_window7_224.pth'))
backbone_channels = [96, 192, 384, 768]
