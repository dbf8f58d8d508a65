# Ablation of the flagship: neither pseudo labels nor the similarity loss.
# What is left of the wrapper is its EMA teacher (the model evaluated) over
# a student trained with region ignore: how much of the flagship's gain
# over region ignore alone is the weight averaging.
_base_ = './dino_sparse_no_pseudo.py'
model = dict(semi_train_cfg=dict(with_similarity=False))
