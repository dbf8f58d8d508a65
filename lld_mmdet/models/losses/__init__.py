from .attribute_loss import AttributeLayout, AttributeLoss

__all__ = ['AttributeLoss', 'AttributeLayout']
