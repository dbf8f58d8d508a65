from .attr_dino_head import AssignmentLog, AttrDINOHead

__all__ = ['AttrDINOHead', 'AssignmentLog']
