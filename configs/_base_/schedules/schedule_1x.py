# 12 epochs, SGD 0.02 (batch 16), steps at 8 and 11: mmdet's 1x schedule.
_base_ = 'mmdet::_base_/schedules/schedule_1x.py'
