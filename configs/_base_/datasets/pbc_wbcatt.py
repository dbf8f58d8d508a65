# Real cells with real attributes: PBC crops (360x363, one centred WBC) with
# WBCAtt's 11 attributes, imported by tools/convert_pbc_wbcatt.py into
# work_dirs/pbc_wbcatt/{train,test}.json. The attribute vocabulary is plain
# data here; nothing in the package changes for it.
_base_ = './lld_full.py'
# image folder; the converted annotations live in the repository's work_dirs
image_root = '../shared/data/pbc_wbcatt/'
ann_root = 'work_dirs/pbc_wbcatt/'
attribute_schema = dict(
    name='wbcatt',
    na_value=None,
    attributes=[
        dict(name='cell_size', values=['small', 'big']),
        dict(name='cell_shape', values=['round', 'irregular']),
        dict(name='nucleus_shape',
             values=['unsegmented-round', 'unsegmented-indented',
                     'unsegmented-band', 'segmented-bilobed',
                     'segmented-multilobed', 'irregular']),
        dict(name='nuclear_cytoplasmic_ratio', values=['low', 'high']),
        dict(name='chromatin_density', values=['densely', 'loosely']),
        dict(name='cytoplasm_vacuole', values=['no', 'yes']),
        dict(name='cytoplasm_texture', values=['clear', 'frosted']),
        dict(name='cytoplasm_colour',
             values=['light blue', 'blue', 'purple blue']),
        dict(name='granule_type', values=['nil', 'small', 'round', 'coarse']),
        dict(name='granule_colour', values=['nil', 'pink', 'purple', 'red']),
        dict(name='granularity', values=['no', 'yes']),
    ])
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadLLDAnnotations'),
    dict(type='Resize', scale=(256, 256), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='PackLLDInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(256, 256), keep_ratio=True),
    dict(type='LoadLLDAnnotations'),
    dict(type='PackLLDInputs'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    batch_sampler=None,
    dataset=dict(
        data_root='',
        ann_file=ann_root + 'train.json',
        data_prefix=dict(img=image_root + 'images/'),
        attribute_schema=attribute_schema,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=2,
    dataset=dict(
        data_root='',
        ann_file=ann_root + 'test.json',
        data_prefix=dict(img=image_root + 'images/'),
        attribute_schema=attribute_schema,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=ann_root + 'test.json')
test_evaluator = val_evaluator
