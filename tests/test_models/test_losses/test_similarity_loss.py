"""CellSimilarityLoss: the intended triplet hinge (not the paper code's
inverted one), hand-computed values, masks, empty cases."""
import torch

from lld_mmdet.models.losses import CellSimilarityLoss


def _loss(query, same, other, margin=0.05, mask=None):
    loss = CellSimilarityLoss(margin=margin, loss_weight=0.1)
    keys = torch.tensor([same, other], dtype=torch.float32)
    mask = torch.ones(1, 2, dtype=torch.bool) if mask is None else mask
    return loss(torch.tensor([query], dtype=torch.float32,
                             requires_grad=True), torch.tensor([3]), keys,
                torch.tensor([3, 5]), mask)


def test_correct_ordering_by_the_margin_costs_nothing():
    # cos(q, same) = 1, cos(q, other) = 0: 0 - 1 + 0.05 < 0
    assert _loss([1., 0], [2., 0], [0., 1]) == 0


def test_wrong_ordering_costs_the_hinge():
    # cos(q, same) = 0, cos(q, other) = 1: 0.1 * (1 - 0 + 0.05)
    torch.testing.assert_close(_loss([1., 0], [0., 1], [3., 0]),
                               torch.tensor(0.105))
    # within the margin: cos(q, same) = 0.8, cos(q, other) = 0.78
    same = [0.8, 0.6]
    other = [0.78, (1 - 0.78**2)**0.5]
    torch.testing.assert_close(_loss([1., 0], same, other),
                               torch.tensor(0.1 * (0.78 - 0.8 + 0.05)))


def test_gradient_pulls_the_query_towards_its_own_class():
    loss = CellSimilarityLoss(margin=0.05, loss_weight=1.0)
    query = torch.tensor([[1., 1.]], requires_grad=True)
    keys = torch.tensor([[0., 1.], [1., 0.]])  # same class: y; other: x
    value = loss(query, torch.tensor([0]), keys, torch.tensor([0, 1]),
                 torch.ones(1, 2, dtype=torch.bool))
    value.backward()
    step = query.detach() - 0.1 * query.grad
    # after a descent step the query is more like its class than before
    cos = torch.nn.functional.cosine_similarity
    assert cos(step, keys[:1]) > cos(query.detach(), keys[:1])


def test_masked_pairs_and_missing_classes_give_a_graph_zero():
    mask = torch.tensor([[True, False]])
    value = _loss([1., 0], [0., 1], [3., 0], mask=mask)
    assert value == 0 and value.requires_grad
    loss = CellSimilarityLoss()
    empty = loss(torch.zeros(0, 4, requires_grad=True),
                 torch.zeros(0, dtype=torch.long), torch.ones(2, 4),
                 torch.tensor([0, 1]), torch.zeros(0, 2, dtype=torch.bool))
    assert empty == 0 and empty.requires_grad
