import numpy as np
import torch
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData

from lld_mmdet.visualization import LLDLocalVisualizer


def make_sample(region=(10, 10, 60, 50)):
    sample = DetDataSample(metainfo=dict(annotated_region=np.array(
        region, np.float32) if region is not None else None))
    sample.gt_instances = InstanceData(
        bboxes=torch.tensor([[5., 5., 30., 30.]]), labels=torch.tensor([1]),
        attributes=torch.tensor([[1, 0, -1, 1, 0, 0, 1]]))
    sample.pred_instances = InstanceData(
        bboxes=torch.tensor([[6., 5., 30., 31.]]), labels=torch.tensor([1]),
        scores=torch.tensor([0.9]),
        attribute_labels=torch.tensor([[0, 0, 1, 1, 0, 0, 1]]))
    return sample


def test_attribute_codes_of_gt_and_predictions():
    vis = LLDLocalVisualizer(name='codes')
    sample = make_sample()
    assert vis._attribute_codes(sample.gt_instances) == ['10-1001']
    assert vis._attribute_codes(sample.pred_instances) == ['0011001']
    # probability tensors are not codes
    probs = InstanceData(attributes=torch.rand(1, 7, 2))
    assert vis._attribute_codes(probs) == []


def test_drawing_changes_with_codes_and_region(tmp_path):
    vis = LLDLocalVisualizer(name='draw')
    vis.dataset_meta = dict(classes=[str(i) for i in range(14)],
                            palette=[(255, 0, 0)] * 14)
    image = np.full((64, 80, 3), 200, np.uint8)
    drawn = {}
    for key, region in (('with', (10, 10, 60, 50)), ('without', None)):
        out = str(tmp_path / f'{key}.png')
        vis.add_datasample('x', image, make_sample(region), out_file=out,
                           draw_pred=True)
        drawn[key] = vis.get_image()
    assert drawn['with'].shape == (64, 160, 3)  # GT | prediction panels
    assert (drawn['with'] != drawn['without']).any()
    assert (tmp_path / 'with.png').exists()
