from .attr_head import RoIAttributeHead
from .attr_roi_head import AttrRoIHead

__all__ = ['RoIAttributeHead', 'AttrRoIHead']
