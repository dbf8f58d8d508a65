from .attribute_loss import AttributeLayout, AttributeLoss
from .similarity_loss import CellSimilarityLoss

__all__ = ['AttributeLoss', 'AttributeLayout', 'CellSimilarityLoss']
