from .region_aware_assigner import (RegionAwareMaxIoUAssigner,
                                    region_covered_fraction)

__all__ = ['RegionAwareMaxIoUAssigner', 'region_covered_fraction']
