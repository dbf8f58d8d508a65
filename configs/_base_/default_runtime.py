# Runtime shared by every lld_mmdet config: mmdet's, plus the package import
# (registers LLDDataset, the LLD transforms, heads and metrics, and makes
# checkpoints loadable under torch>=2.6 weights_only).
_base_ = 'mmdet::_base_/default_runtime.py'

default_scope = 'mmdet'
custom_imports = dict(imports=['lld_mmdet'], allow_failed_imports=False)

# fork + no OpenCV threads: CPU data loading without oversubscription
env_cfg = dict(mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0))

# draws attribute codes under boxes and the annotated region (test --show-dir,
# tools/browse_dataset.py)
visualizer = dict(type='LLDLocalVisualizer')
