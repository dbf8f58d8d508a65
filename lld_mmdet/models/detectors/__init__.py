from .lld_semi import SEMI_PRESETS, LLDSemiDetector, in_burn_in

__all__ = ['LLDSemiDetector', 'SEMI_PRESETS', 'in_burn_in']
