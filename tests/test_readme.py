"""README's promises about the repository: its quick start is the three
commands that `.ci/run` runs, and every file it links or names exists."""
import glob
import os.path as osp
import re

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


@pytest.fixture(scope='module')
def readme():
    with open(osp.join(REPO, 'README.md'), encoding='utf-8') as f:
        return f.read()


def quick_start_commands(text):
    """The command lines of the first ```bash block under '## Quick start'."""
    assert '## Quick start' in text, "README.md: no '## Quick start' section"
    section = text.split('## Quick start', 1)[1]
    block = re.search(r'```bash\n(.*?)```', section, re.S)
    assert block, "README.md: no ```bash block under '## Quick start'"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_quick_start_is_three_commands_run_by_ci(readme):
    commands = quick_start_commands(readme)
    assert len(commands) == 3, commands
    install, main_job, tests = commands
    assert main_job.split()[1] == 'tools/train.py'
    assert osp.isfile(osp.join(REPO, main_job.split()[2])), main_job
    with open(osp.join(REPO, '.ci', 'run')) as f:
        ci = [line.strip() for line in f
              if line.strip() and not line.startswith('#')]
    # .ci/run: shell options and a cd to the repo, then exactly install and
    # tests, nothing else
    commands_run = [line for line in ci
                    if not line.startswith(('#!', 'set ', 'cd '))]
    assert commands_run == [install, tests], ci


def test_quick_start_parser_rejects_a_fourth_command():
    text = ('## Quick start\n\n```bash\nbash tools/install.sh\n'
            'a\nb\nc\n```\n')
    assert len(quick_start_commands(text)) == 4


def relative_links(text):
    """Targets of the Markdown links that point into the repository."""
    return [target.split('#')[0] for target in re.findall(r'\]\(([^)]+)\)',
                                                          text)
            if not target.startswith(('http://', 'https://', '#'))]


def named_paths(text):
    """Repository paths written in backticks (``configs/...py`` etc.); a
    ``*`` is a glob, a ``<...>`` a placeholder (not checked)."""
    paths = re.findall(
        r'`((?:configs|benchmarks|tools|lld_mmdet|data|tests)/[^` ]+'
        r'\.(?:py|md|json|sh|png|csv))`', text)
    return sorted({p for p in paths if '<' not in p})


def test_every_linked_file_exists(readme):
    links = relative_links(readme)
    assert len(links) > 50  # the results tables link their files
    missing = [link for link in links
               if not osp.exists(osp.join(REPO, link))]
    assert not missing, f'README.md links missing files: {missing}'


def test_every_named_path_exists(readme):
    paths = named_paths(readme)
    assert 'configs/demo/faster_rcnn_sparse_semi.py' in paths
    missing = [p for p in paths
               if not glob.glob(osp.join(REPO, p))]
    assert not missing, f'README.md names missing files: {missing}'


def test_link_and_path_parsers():
    text = ('see [a](benchmarks/results/x.md#top), [b](https://x.org), '
            '[c](#status), `configs/demo/*_photo.py`, '
            '`configs/_base_/datasets/domains/<name>.py`, `tools/train.py`')
    assert relative_links(text) == ['benchmarks/results/x.md']
    assert named_paths(text) == ['configs/demo/*_photo.py', 'tools/train.py']
