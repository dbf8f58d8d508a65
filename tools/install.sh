#!/usr/bin/env bash
# Installs lld_mmdet and its pinned OpenMMLab stack (CPU) into a virtual environment.
#
#   bash tools/install.sh            # creates/uses ./.venv
#   LLD_VENV=/path/to/env bash tools/install.sh
#   LLD_VENV=none bash tools/install.sh   # install into the current Python instead
#
# mmcv 2.1.0 has no wheel on PyPI. When a folder holding a prebuilt wheel exists
# (LLD_WHEELS, default ../shared/wheels), pip takes it from there; otherwise pip
# compiles mmcv from source (about 30 minutes on 2 cores), which needs torch and
# setuptools<81 installed first and --no-build-isolation.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${LLD_VENV:-$repo/.venv}"
wheels="${LLD_WHEELS:-$repo/../shared/wheels}"

if [ "$venv" != "none" ]; then
  if [ ! -x "$venv/bin/python" ]; then
    echo "[install] creating virtual environment $venv"
    "${PYTHON:-python3}" -m venv "$venv"
  fi
  py="$venv/bin/python"
else
  py="${PYTHON:-python3}"
fi

pip_args=(--disable-pip-version-check)
if [ -d "$wheels" ] && ls "$wheels"/mmcv-2.1.0-*.whl >/dev/null 2>&1; then
  echo "[install] using prebuilt mmcv from $wheels"
  pip_args+=(--find-links "$wheels")
else
  echo "[install] no prebuilt mmcv wheel in $wheels: mmcv 2.1.0 will be compiled (~30 min)"
fi

"$py" -m pip install "${pip_args[@]}" --upgrade pip 'setuptools<81' wheel
"$py" -m pip install "${pip_args[@]}" 'torch==2.13.0' 'numpy>=1.24' 'opencv-python-headless'
MMCV_WITH_OPS=1 "$py" -m pip install "${pip_args[@]}" --no-build-isolation 'mmcv==2.1.0'
"$py" -m pip install "${pip_args[@]}" -e "$repo[tests]"
"$py" - <<'PY'
import mmcv, mmdet, mmengine, torch
from mmcv.ops import nms  # noqa: F401  (proves mmcv._ext was built)
import lld_mmdet
print(f'[install] ok: torch {torch.__version__}, mmcv {mmcv.__version__}, '
      f'mmengine {mmengine.__version__}, mmdet {mmdet.__version__}, '
      f'lld_mmdet {lld_mmdet.__version__}')
PY
