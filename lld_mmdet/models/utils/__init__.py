from .instance_weights import gt_instance_weights, positive_weight_factors

__all__ = ['gt_instance_weights', 'positive_weight_factors']
