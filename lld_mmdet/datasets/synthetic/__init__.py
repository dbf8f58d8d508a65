"""Synthetic LLD-like blood films for demos and tests (not medical data)."""
from .generator import centre_inside, make_demo_data, split_sizes
from .render import render_field

__all__ = ['make_demo_data', 'render_field', 'split_sizes', 'centre_inside']
