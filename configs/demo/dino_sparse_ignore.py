# configs/lld/dino_sparse_ignore.py on the demo set: the demo DINO with
# attributes, trained on the SPARSE labels, with region ignore.
_base_ = './dino_attr.py'
train_dataloader = dict(
    dataset=dict(ann_file={{_base_.sparse_train_ann}},
                 pipeline={{_base_.sparse_train_pipeline}}))
model = dict(bbox_head=dict(region_ignore=dict(rule='centre')))
