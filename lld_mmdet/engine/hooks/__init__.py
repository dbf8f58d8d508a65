from .channels_last_hook import ChannelsLastHook
from .mean_teacher_hook import LLDMeanTeacherHook
from .pseudo_label_stats_hook import PseudoLabelStatsHook

__all__ = ['ChannelsLastHook', 'LLDMeanTeacherHook', 'PseudoLabelStatsHook']
