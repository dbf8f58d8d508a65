from .lld_visualizer import LLDLocalVisualizer

__all__ = ['LLDLocalVisualizer']
