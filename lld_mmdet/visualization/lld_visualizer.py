"""A DetLocalVisualizer that also draws attribute codes and the region."""
from typing import List, Optional

import numpy as np
import torch
from mmdet.registry import VISUALIZERS
from mmdet.structures import DetDataSample
from mmdet.visualization import DetLocalVisualizer
from mmengine.structures import InstanceData

from ..datasets.schema import AttributeSchema


@VISUALIZERS.register_module()
class LLDLocalVisualizer(DetLocalVisualizer):
    """Draws what ``DetLocalVisualizer`` draws, plus:

    - under each box, its attribute code (one character per attribute: the
      value index, ``-`` for not applicable; see
      :meth:`AttributeSchema.short_code`), from ``instances.attributes``
      ((N, A) value indices) or, for predictions, ``instances.attribute_labels``;
    - on the ground-truth panel, the annotated region (meta key
      ``annotated_region``, current-image pixels) as a dashed rectangle.

    Args:
        region_color (str | tuple): Colour of the region. Defaults to
            ``'yellow'``.
        **kwargs: Passed to :class:`DetLocalVisualizer`.
    """

    def __init__(self,
                 name: str = 'visualizer',
                 region_color='yellow',
                 **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.region_color = region_color
        self._region: Optional[np.ndarray] = None

    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample: Optional[DetDataSample] = None,
                       *args,
                       **kwargs) -> None:
        # _draw_instances has no access to the sample's meta: hand the region
        # over for the duration of this call.
        self._region = None
        if data_sample is not None:
            self._region = data_sample.metainfo.get('annotated_region')
        try:
            super().add_datasample(name, image, data_sample, *args, **kwargs)
        finally:
            self._region = None

    def _draw_instances(self, image: np.ndarray, instances: InstanceData,
                        classes: Optional[List[str]],
                        palette: Optional[List[tuple]]) -> np.ndarray:
        drawn = super()._draw_instances(image, instances, classes, palette)
        codes = self._attribute_codes(instances)
        is_gt = 'scores' not in instances
        if not codes and not (is_gt and self._region is not None):
            return drawn
        self.set_image(drawn)
        if codes:
            bboxes = instances.bboxes
            if hasattr(bboxes, 'tensor'):
                bboxes = bboxes.tensor
            positions = torch.as_tensor(bboxes)[:, [0, 3]] + self.line_width
            for code, pos in zip(codes, positions):
                self.draw_texts(
                    code,
                    pos,
                    colors='white',
                    font_sizes=9,
                    font_families='monospace',
                    bboxes=[dict(facecolor='black', alpha=0.6, pad=0.5,
                                 edgecolor='none')])
        if is_gt and self._region is not None:
            region = np.asarray(self._region, dtype=np.float32)
            if region[2] > region[0] and region[3] > region[1]:
                self.draw_bboxes(
                    torch.from_numpy(region[None]),
                    edge_colors=self.region_color,
                    line_styles='--',
                    line_widths=self.line_width + 1)
        return self.get_image()

    def _attribute_codes(self, instances: InstanceData) -> List[str]:
        values = instances.get('attribute_labels',
                               instances.get('attributes'))
        if values is None or not isinstance(values, torch.Tensor) or \
                values.dtype.is_floating_point or values.dim() != 2 or \
                len(values) == 0:
            return []
        return [AttributeSchema.short_code(row.tolist()) for row in values]
