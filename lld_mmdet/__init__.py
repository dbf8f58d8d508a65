"""lld_mmdet: MMDetection 3.x modules for the Large Leukemia Dataset.

Importing the package registers every module into mmdet's registries
(configs do it with ``custom_imports=dict(imports=['lld_mmdet'])``) and
makes mmengine checkpoints loadable under torch>=2.6 ``weights_only``.
"""
from .utils import register_checkpoint_safe_globals
from .version import __version__

register_checkpoint_safe_globals()

from . import (datasets, engine, evaluation, models,  # noqa: E402,F401
               visualization)

__all__ = ['__version__']
