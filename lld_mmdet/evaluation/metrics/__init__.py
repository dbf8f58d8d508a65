from .lld_metric import LLDMetric, attribute_scores, match_detections

__all__ = ['LLDMetric', 'match_detections', 'attribute_scores']
