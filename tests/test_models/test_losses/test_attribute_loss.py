import pytest
import torch
import torch.nn.functional as F

from lld_mmdet.models.losses import AttributeLoss


def make(num_values=(2, 3, 2), **kw):
    return AttributeLoss(num_values=list(num_values), **kw)


def test_na_attribute_gets_exactly_zero_loss_and_gradient():
    loss = make()
    logits = torch.randn(4, 7, requires_grad=True)
    targets = torch.tensor([[1, -1, 0], [0, -1, 1], [1, -1, 1], [0, -1, 0]])
    loss(logits, targets).backward()
    grad = logits.grad
    assert torch.all(grad[:, 2:5] == 0)  # attribute 1 (3 values) all N/A
    assert grad[:, :2].abs().sum() > 0 and grad[:, 5:].abs().sum() > 0


@pytest.mark.parametrize('loss_type', ['ce', 'asl'])
def test_all_na_batch_gives_finite_zero_with_a_graph(loss_type):
    logits = torch.randn(3, 7, requires_grad=True)
    value = make(loss_type=loss_type)(logits, torch.full((3, 3), -1))
    assert value.item() == 0.0 and torch.isfinite(value)
    value.backward()
    assert torch.all(logits.grad == 0)
    empty = make()(torch.zeros(0, 7, requires_grad=True),
                   torch.zeros(0, 3, dtype=torch.long))
    assert empty.item() == 0.0


def test_ce_is_softmax_cross_entropy_per_attribute_averaged_over_pairs():
    torch.manual_seed(0)
    logits = torch.randn(5, 7)
    targets = torch.tensor([[1, 2, 0], [0, -1, 1], [-1, 0, 1], [1, 1, -1],
                            [0, 2, 0]])
    expected, count = 0.0, 0
    for a, (lo, hi) in enumerate([(0, 2), (2, 5), (5, 7)]):
        valid = targets[:, a] >= 0
        expected += F.cross_entropy(logits[valid, lo:hi], targets[valid, a],
                                    reduction='sum')
        count += int(valid.sum())
    got = make(loss_weight=2.0)(logits, targets)
    torch.testing.assert_close(got, 2.0 * expected / count)


def test_asl_matches_the_formula_and_reduces_to_bce_without_focusing():
    logits = torch.tensor([[2.0, -1.0, 0.5, 0.3, -0.2, 1.0, 0.0]])
    targets = torch.tensor([[0, 2, 1]])
    p = torch.sigmoid(logits[0])
    onehot = torch.tensor([1., 0, 0, 0, 1, 0, 1])
    bce = -(onehot * torch.log(p) + (1 - onehot) * torch.log(1 - p)).sum()
    plain = make(loss_type='asl', gamma_neg=0, gamma_pos=0, clip=0)
    torch.testing.assert_close(plain(logits, targets), bce / 3)
    pm = (p - 0.08).clamp(min=0)
    asl = -(onehot * (1 - p)**1 * torch.log(p) +
            (1 - onehot) * pm**4 * torch.log(1 - pm)).sum()
    torch.testing.assert_close(make(loss_type='asl')(logits, targets),
                               asl / 3)


def test_per_cell_weight_scales_that_cells_loss():
    logits = torch.randn(2, 7)
    targets = torch.tensor([[1, 0, 1], [0, 2, 0]])
    loss = make()
    w = torch.tensor([1.0, 0.0])
    torch.testing.assert_close(
        loss(logits, targets, weight=w) * 6,
        loss(logits[:1], targets[:1]) * 3)


@pytest.mark.parametrize('loss_type', ['ce', 'asl'])
def test_predict_probs_are_per_attribute_distributions(loss_type):
    probs = make(loss_type=loss_type).predict_probs(torch.randn(4, 7))
    assert probs.shape == (4, 3, 3)
    torch.testing.assert_close(probs.sum(-1), torch.ones(4, 3))
    assert torch.all(probs[:, [0, 2], 2] == 0)  # padded value slots


def test_schema_mismatch_is_reported():
    with pytest.raises(ValueError, match='attribute_schema must match'):
        AttributeLoss()(torch.randn(2, 14), torch.zeros(2, 11,
                                                        dtype=torch.long))
    assert AttributeLoss(attribute_schema='wbcatt').num_logits == 31  # 2+2+6+2+2+2+2+3+4+4+2
