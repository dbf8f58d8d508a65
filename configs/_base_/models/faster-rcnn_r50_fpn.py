# mmdet's Faster R-CNN R50-FPN with the 14 LLD classes.
_base_ = 'mmdet::_base_/models/faster-rcnn_r50_fpn.py'
model = dict(roi_head=dict(bbox_head=dict(num_classes=14)))
