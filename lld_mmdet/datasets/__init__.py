from .domains import (CAMERAS, MAGNIFICATIONS, MICROSCOPES, all_subsets,
                      parse_subset_name)
from .lld import LLDDataset
from .schema import (ATTR_IGNORE_INDEX, LLD_ATTRIBUTE_SCHEMA, LLD_CLASSES,
                     WBCATT_ATTRIBUTE_SCHEMA, AttributeSchema,
                     LLDAnnotationError)
from .transforms import *  # noqa: F401,F403

__all__ = [
    'LLDDataset', 'AttributeSchema', 'LLDAnnotationError', 'LLD_CLASSES',
    'LLD_ATTRIBUTE_SCHEMA', 'WBCATT_ATTRIBUTE_SCHEMA', 'ATTR_IGNORE_INDEX',
    'MICROSCOPES', 'MAGNIFICATIONS', 'CAMERAS', 'all_subsets',
    'parse_subset_name'
]
