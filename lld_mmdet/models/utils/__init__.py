from .flip_fusion import (flip_images, fuse_detections, fuse_flip_results,
                          normalize_flip_directions, unflip_boxes,
                          unflipped_views)
from .instance_weights import gt_instance_weights, positive_weight_factors
from .memory_format import channels_last_backbone, channels_last_detectors
from .semi_train_cfg import SEMI_PRESETS, in_burn_in, resolve_semi_train_cfg

__all__ = [
    'gt_instance_weights', 'positive_weight_factors', 'channels_last_backbone',
    'channels_last_detectors', 'flip_images', 'fuse_detections',
    'fuse_flip_results', 'normalize_flip_directions', 'unflip_boxes',
    'unflipped_views', 'SEMI_PRESETS', 'in_burn_in', 'resolve_semi_train_cfg'
]
