from .formatting import PackLLDInputs
from .loading import LLDFilterAnnotations, LoadLLDAnnotations
from .region import current_region, project_region
from .sparse_region import SparseRegionIgnore, region_complement

__all__ = [
    'LoadLLDAnnotations', 'LLDFilterAnnotations', 'PackLLDInputs',
    'project_region', 'current_region', 'SparseRegionIgnore',
    'region_complement'
]
