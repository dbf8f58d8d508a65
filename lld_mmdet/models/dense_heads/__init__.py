from .attr_dino_head import AssignmentLog, AttrDINOHead
from .lld_rpn_head import LLDRPNHead

__all__ = ['AttrDINOHead', 'AssignmentLog', 'LLDRPNHead']
