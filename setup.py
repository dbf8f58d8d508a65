import os.path as osp

from setuptools import find_packages, setup


def read_version():
    scope = {}
    with open(osp.join(osp.dirname(__file__), 'lld_mmdet', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='lld_mmdet',
    version=read_version(),
    description='MMDetection 3.x modules for leukemia diagnosis on the Large '
    'Leukemia Dataset: WBC detection, morphological attributes and learning '
    'from sparse annotations.',
    long_description=open(osp.join(osp.dirname(osp.abspath(__file__)), 'README.md'), encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.8',
    packages=find_packages(include=['lld_mmdet', 'lld_mmdet.*']),
    install_requires=[
        'torch',
        'mmengine==0.10.7',
        'mmcv==2.1.0',
        'mmdet==3.3.0',
        'pycocotools>=2.0.8',
        'numpy',
        'opencv-python-headless',
        'Pillow',
        'matplotlib',
        'setuptools<81',
    ],
    extras_require={'tests': ['pytest>=7', 'pytest-xdist>=3.2']},
    zip_safe=False,
)
