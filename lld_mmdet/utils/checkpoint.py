"""Loading mmengine checkpoints under torch>=2.6 ``weights_only=True``.

Since torch 2.6 ``torch.load`` defaults to ``weights_only=True``, which only
unpickles an allowlist of types. mmengine 0.10.7 calls ``torch.load`` without
the argument, and its training checkpoints hold more than tensors: the
message hub's ``HistoryBuffer`` objects (numpy arrays, plus references to the
buffer's statistics methods, pickled as ``getattr(HistoryBuffer, 'mean')``)
and numpy scalars. ``--resume`` and ``load_from`` of such a file fail.

Rather than switching the safety check off (``weights_only=False``), this
module extends the allowlist with exactly what mmengine writes:

- numpy arrays, dtypes and scalars (data only, no code);
- ``HistoryBuffer`` (its ``__setstate__`` only stores arrays);
- a *restricted* stand-in for ``builtins.getattr`` that resolves attributes
  of ``HistoryBuffer`` only (its statistics methods) and refuses anything
  else, so a crafted checkpoint still cannot reach arbitrary callables.

:func:`register_checkpoint_safe_globals` runs when ``lld_mmdet`` is imported
(configs import it through ``custom_imports``), so tools and library entry
points are covered alike.
"""
from typing import Any, List

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

_REGISTERED = False


def _history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` restricted to the methods of ``HistoryBuffer``.

    Raises:
        pickle.UnpicklingError: for any other object or a private name.
    """
    import pickle
    if obj is HistoryBuffer and not name.startswith('_') and callable(
            getattr(HistoryBuffer, name, None)):
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'lld_mmdet: refusing getattr({obj!r}, {name!r}) while loading a '
        'checkpoint with weights_only=True (only HistoryBuffer statistics '
        'methods are allowed)')


def _numpy_globals() -> List[Any]:
    """numpy types that mmengine checkpoints contain (data only)."""
    try:  # numpy >= 2
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import _reconstruct, scalar
    dtype_classes = [
        getattr(np.dtypes, name) for name in dir(np.dtypes)
        if name.endswith('DType')
    ]
    return [np.ndarray, np.dtype, _reconstruct, scalar, *dtype_classes]


def checkpoint_safe_globals() -> List[Any]:
    """Everything :func:`register_checkpoint_safe_globals` allowlists."""
    return [
        HistoryBuffer, (_history_buffer_getattr, 'builtins.getattr'),
        *_numpy_globals()
    ]


def register_checkpoint_safe_globals() -> None:
    """Allowlist mmengine's checkpoint contents for ``weights_only`` loads.

    Idempotent. A no-op on torch versions without
    ``torch.serialization.add_safe_globals`` (< 2.4), which load everything.
    """
    global _REGISTERED
    if _REGISTERED or not hasattr(torch.serialization, 'add_safe_globals'):
        return
    torch.serialization.add_safe_globals(checkpoint_safe_globals())
    _REGISTERED = True
