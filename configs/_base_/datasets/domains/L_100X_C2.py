# LLD subset L_100X_C2: low-cost microscope, 100x objective,
# camera C2. LLDDataset's metadata filters for it; the leaderboard
# tool (tools/leaderboard.py) applies them to the train or test split of an
# entry, and a config can use them directly:
#   train_dataloader = dict(dataset=_base_.domain_filter)
domain_filter = dict(
    microscopes=['LCM'],
    magnifications=['100x'],
    cameras=['C2'])
