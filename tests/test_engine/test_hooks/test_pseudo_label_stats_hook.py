"""PseudoLabelStatsHook: counts, scores, and precision/recall against the
hidden full labels outside the annotated region."""
import json

import numpy as np
import pytest
from mmengine.logging import MessageHub

from lld_mmdet.engine.hooks import PseudoLabelStatsHook


class _Model:
    pseudo_log = None


class _Runner:

    def __init__(self, log):
        self.model = _Model()
        self.model.pseudo_log = log
        self.message_hub = MessageHub(f'pseudo-{id(self)}')


def _hidden(tmp_path):
    coco = dict(
        images=[dict(id=1, file_name='f.png', width=100, height=100)],
        categories=[dict(id=0, name='A'), dict(id=1, name='B')],
        annotations=[
            # inside the region [0, 0, 50, 50]: labelled, not counted
            dict(id=1, image_id=1, category_id=0, bbox=[10, 10, 10, 10]),
            # outside: three hidden cells
            dict(id=2, image_id=1, category_id=0, bbox=[60, 60, 10, 10]),
            dict(id=3, image_id=1, category_id=1, bbox=[80, 10, 10, 10]),
            dict(id=4, image_id=1, category_id=1, bbox=[10, 80, 10, 10]),
        ])
    path = tmp_path / 'full.json'
    path.write_text(json.dumps(coco))
    return str(path)


def test_precision_and_recall_against_hidden_cells(tmp_path):
    hook = PseudoLabelStatsHook(full_ann_file=_hidden(tmp_path))
    hook._hidden = hook.load_full_annotations(hook.full_ann_file, ['A', 'B'])
    log = [dict(img_path='/data/images/f.png', region=np.array(
        [0., 0, 50, 50]),
                bboxes=np.array([[61., 61, 71, 71],   # hits cell 2
                                 [80, 10, 90, 20],    # right box, wrong class
                                 [30, 60, 40, 70]]),  # nothing there
                labels=np.array([0, 0, 1]),
                scores=np.array([0.9, 0.8, 0.7]), num_uncertain=4)]
    runner = _Runner(log)
    hook.after_train_iter(runner, 0)
    scalars = runner.message_hub.log_scalars
    assert scalars['train/pseudo_per_img'].current() == 3
    assert scalars['train/uncertain_per_img'].current() == 4
    assert scalars['train/pseudo_score'].current() == pytest.approx(0.8)
    assert scalars['train/pseudo_precision'].current() == pytest.approx(1 / 3)
    assert scalars['train/pseudo_recall'].current() == pytest.approx(1 / 3)


def test_foreground_pseudo_labels_are_scored_without_their_class(tmp_path):
    hook = PseudoLabelStatsHook(full_ann_file=_hidden(tmp_path))
    hook._hidden = hook.load_full_annotations(hook.full_ann_file, ['A', 'B'])
    log = [dict(img_path='f.png', region=np.array([0., 0, 50, 50]),
                bboxes=np.array([[61., 61, 71, 71],   # class: hits cell 2
                                 [80, 10, 90, 20],    # fg: cell 3 (B)
                                 [10, 80, 20, 90],    # fg: cell 4 (B)
                                 [30, 60, 40, 70]]),  # fg: nothing there
                labels=np.array([0, 0, 0, 1]),
                scores=np.array([0.9, 0.3, 0.2, 0.1]),
                fg_only=np.array([False, True, True, True]),
                num_uncertain=0)]
    runner = _Runner(log)
    hook.after_train_iter(runner, 0)
    scalars = runner.message_hub.log_scalars
    assert scalars['train/pseudo_per_img'].current() == 4
    assert scalars['train/fg_pseudo_per_img'].current() == 3
    # class pseudo labels alone: 1 of 1 right, 1 of 3 hidden cells found
    assert scalars['train/pseudo_precision'].current() == 1
    assert scalars['train/pseudo_recall'].current() == pytest.approx(1 / 3)
    # the wrong class of the foreground pseudo label on cell 3 is no error
    assert scalars['train/fg_pseudo_precision'].current() == \
        pytest.approx(2 / 3)
    assert scalars['train/box_recall'].current() == 1


def test_pseudo_background_counts_the_hidden_cells_left_as_negatives(
        tmp_path):
    hook = PseudoLabelStatsHook(full_ann_file=_hidden(tmp_path))
    hook._hidden = hook.load_full_annotations(hook.full_ann_file, ['A', 'B'])
    log = [dict(img_path='f.png', region=np.array([0., 0, 50, 50]),
                bboxes=np.array([[61., 61, 71, 71]]), labels=np.array([0]),
                scores=np.array([0.9]), num_uncertain=0,
                # ignored: the pseudo label, an unsure box on cell 3, and
                # an unsure box where there is nothing; cell 4 is missed
                bg_bboxes=np.array([[61., 61, 71, 71], [81, 10, 91, 20],
                                    [30, 60, 40, 70]]),
                bg_scores=np.array([0.9, 0.2, 0.1]))]
    runner = _Runner(log)
    hook.after_train_iter(runner, 0)
    scalars = runner.message_hub.log_scalars
    assert scalars['train/bg_ignored_per_img'].current() == 3
    assert scalars['train/bg_negative_share'].current() == pytest.approx(
        1 / 3)


def test_pseudo_background_count_is_logged_without_hidden_labels():
    hook = PseudoLabelStatsHook()
    runner = _Runner([dict(img_path='f.png', region=np.array([0., 0, 50, 50]),
                           bboxes=np.zeros((0, 4)), labels=np.zeros(0),
                           scores=np.zeros(0), num_uncertain=0,
                           bg_bboxes=np.array([[60., 60, 70, 70]]),
                           bg_scores=np.array([0.3]))])
    hook.after_train_iter(runner, 0)
    scalars = runner.message_hub.log_scalars
    assert scalars['train/bg_ignored_per_img'].current() == 1
    assert 'train/bg_negative_share' not in scalars


def test_without_pseudo_labels_nothing_undefined_is_logged(tmp_path):
    hook = PseudoLabelStatsHook()
    runner = _Runner([dict(img_path='f.png', region=None,
                           bboxes=np.zeros((0, 4)), labels=np.zeros(0),
                           scores=np.zeros(0), num_uncertain=0)])
    hook.after_train_iter(runner, 0)
    scalars = runner.message_hub.log_scalars
    assert scalars['train/pseudo_per_img'].current() == 0
    assert 'train/pseudo_score' not in scalars
    assert 'train/pseudo_precision' not in scalars
    assert 'train/bg_ignored_per_img' not in scalars
    runner.model.pseudo_log = None  # burn-in: nothing at all
    hook.after_train_iter(runner, 1)


def test_unknown_category_is_reported_with_the_file(tmp_path):
    path = _hidden(tmp_path)
    with pytest.raises(ValueError, match=r'full.json.*category .B.'):
        PseudoLabelStatsHook.load_full_annotations(path, ['A'])
    with pytest.raises(FileNotFoundError, match='nope.json'):
        PseudoLabelStatsHook.load_full_annotations(
            str(tmp_path / 'nope.json'), ['A'])
