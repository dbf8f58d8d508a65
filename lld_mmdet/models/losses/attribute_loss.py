"""Loss over per-cell categorical attributes with per-attribute ignore."""
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.registry import MODELS
from torch import Tensor

from ...datasets.schema import AttributeSchema


class AttributeLayout(nn.Module):
    """Maps between the flat logit vector of an attribute branch and a
    padded per-attribute view.

    A branch predicts ``sum(num_values)`` logits per cell: attribute 0's
    values first, then attribute 1's, ... This module turns ``(N, sum V)``
    into ``(N, A, Vmax)`` with ``-inf`` where an attribute has fewer values,
    so every operation is one vectorised tensor op.

    Args:
        num_values (list[int]): Number of values of each attribute.
    """

    def __init__(self, num_values: Sequence[int]) -> None:
        super().__init__()
        self.num_values = [int(v) for v in num_values]
        self.num_attributes = len(self.num_values)
        self.max_values = max(self.num_values)
        attr_idx = torch.cat([
            torch.full((v, ), a, dtype=torch.long)
            for a, v in enumerate(self.num_values)
        ])
        value_idx = torch.cat(
            [torch.arange(v, dtype=torch.long) for v in self.num_values])
        self.register_buffer('flat_index',
                             attr_idx * self.max_values + value_idx, False)

    @property
    def num_logits(self) -> int:
        return sum(self.num_values)

    def pad(self, logits: Tensor, fill: float = float('-inf')) -> Tensor:
        """(N, sum V) -> (N, A, Vmax), ``fill`` in the unused slots."""
        n = logits.shape[0]
        out = logits.new_full((n, self.num_attributes * self.max_values),
                              fill)
        out[:, self.flat_index] = logits
        return out.view(n, self.num_attributes, self.max_values)

    def value_mask(self, device=None) -> Tensor:
        """(A, Vmax) bool: which slots are real values."""
        mask = torch.zeros(self.num_attributes * self.max_values,
                           dtype=torch.bool, device=device)
        mask[self.flat_index.to(device)] = True
        return mask.view(self.num_attributes, self.max_values)


@MODELS.register_module()
class AttributeLoss(nn.Module):
    """Loss for categorical attributes; "not applicable" is ignored per
    attribute, never per cell.

    Each attribute ``a`` has ``V_a`` values and its own slice of the logits.
    Targets are value indices, ``-1`` = not applicable (no loss for that
    attribute of that cell). The loss is averaged over the valid
    (cell, attribute) pairs; with none it is an exact, finite zero that still
    has a graph.

    Two losses, chosen by ``loss_type``:

    - ``'ce'`` (default): softmax cross-entropy over each attribute's values.
    - ``'asl'``: the paper's Asymmetric Loss (Ridnik et al. 2021) on
      one-vs-rest targets: with ``p = sigmoid(x)``,
      ``L+ = (1 - p)^gamma_pos * log(p)`` for the true value and
      ``L- = p_m^gamma_neg * log(1 - p_m)``, ``p_m = max(p - clip, 0)``, for
      the others, summed over the attribute's values.

    Args:
        attribute_schema (str | dict | AttributeSchema, optional): Gives the
            number of values per attribute. Defaults to LLD's.
        num_values (list[int], optional): Instead of a schema.
        loss_type (str): ``'ce'`` or ``'asl'``. Defaults to ``'ce'``.
        gamma_neg (float): ASL focusing for negatives. Defaults to 4.
        gamma_pos (float): ASL focusing for positives. Defaults to 1.
        clip (float): ASL probability margin for negatives. Defaults to 0.08.
        eps (float): Log clamp for ASL. Defaults to 1e-8.
        loss_weight (float): Defaults to 1.0.
    """

    def __init__(self,
                 attribute_schema: Union[None, str, dict,
                                         AttributeSchema] = None,
                 num_values: Optional[Sequence[int]] = None,
                 loss_type: str = 'ce',
                 gamma_neg: float = 4.0,
                 gamma_pos: float = 1.0,
                 clip: float = 0.08,
                 eps: float = 1e-8,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if loss_type not in ('ce', 'asl'):
            raise ValueError(f"loss_type must be 'ce' or 'asl', got "
                             f'{loss_type!r}')
        if num_values is None:
            num_values = AttributeSchema.build(attribute_schema).num_values
        self.layout = AttributeLayout(num_values)
        self.loss_type = loss_type
        self.gamma_neg = gamma_neg
        self.gamma_pos = gamma_pos
        self.clip = clip
        self.eps = eps
        self.loss_weight = loss_weight

    @property
    def num_logits(self) -> int:
        """Logits an attribute branch must output per cell."""
        return self.layout.num_logits

    def forward(self,
                logits: Tensor,
                targets: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None) -> Tensor:
        """
        Args:
            logits (Tensor): (N, sum V) raw attribute logits of N cells.
            targets (Tensor): (N, A) long value indices, -1 = ignore.
            weight (Tensor, optional): (N,) per-cell weight (e.g. the weight
                of pseudo labels).
            avg_factor (float, optional): Normaliser; defaults to the number
                of valid (cell, attribute) pairs.

        Returns:
            Tensor: scalar loss.
        """
        if targets.shape[1] != self.layout.num_attributes:
            raise ValueError(
                f'attribute targets have {targets.shape[1]} attributes but '
                f'the loss was built for {self.layout.num_attributes}: the '
                "model's attribute_schema must match the dataset's")
        valid = targets >= 0  # (N, A)
        safe_t = targets.clamp(min=0)
        padded = self.layout.pad(logits)  # (N, A, Vmax), -inf padding
        if self.loss_type == 'ce':
            log_p = F.log_softmax(padded, dim=-1)
            per_pair = -log_p.gather(-1, safe_t[..., None]).squeeze(-1)
        else:
            per_pair = self._asl(padded, safe_t)
        per_pair = torch.where(valid, per_pair, per_pair.new_zeros(()))
        if weight is not None:
            per_pair = per_pair * weight[:, None]
        if avg_factor is None:
            avg_factor = valid.sum().item()
        if avg_factor == 0:
            return logits.sum() * 0.0
        return self.loss_weight * per_pair.sum() / avg_factor

    def _asl(self, padded: Tensor, targets: Tensor) -> Tensor:
        """(N, A, Vmax) logits -> (N, A) ASL summed over real values."""
        real = self.layout.value_mask(padded.device)[None]  # (1, A, Vmax)
        logits = torch.where(real, padded, padded.new_zeros(()))
        p = torch.sigmoid(logits)
        one_hot = F.one_hot(targets, self.layout.max_values).bool()
        p_m = (p - self.clip).clamp(min=0) if self.clip > 0 else p
        pos = (1 - p).pow(self.gamma_pos) * torch.log(p.clamp(min=self.eps))
        neg = p_m.pow(self.gamma_neg) * torch.log(
            (1 - p_m).clamp(min=self.eps))
        per_value = -torch.where(one_hot, pos, neg)
        return (per_value * real).sum(-1)

    def predict_probs(self, logits: Tensor) -> Tensor:
        """(N, sum V) logits -> (N, A, Vmax) probabilities per attribute
        (0 in padded slots; each attribute's row sums to 1)."""
        padded = self.layout.pad(logits)
        if self.loss_type == 'ce':
            return F.softmax(padded, dim=-1)
        real = self.layout.value_mask(padded.device)[None]
        p = torch.sigmoid(torch.where(real, padded, padded.new_zeros(())))
        p = p * real
        return p / p.sum(-1, keepdim=True).clamp(min=self.eps)
