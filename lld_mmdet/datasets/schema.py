"""The LLD label vocabulary: classes and the attribute schema, as data.

An :class:`AttributeSchema` says which morphological attributes a dataset
carries, how many categorical values each has and how "not applicable" is
written. Models, losses, metrics and visualisers read it from
``dataset.metainfo['attribute_schema']`` (a plain dict), so a dataset with a
different vocabulary (e.g. WBCAtt's 11 attributes) needs only a config change.

Encoding used everywhere inside lld_mmdet: an ``(N, A)`` int64 array, one
column per attribute in schema order, value index in ``[0, num_values)`` and
:data:`ATTR_IGNORE_INDEX` (-1) for "not applicable / unknown".
"""
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import numpy as np

#: Value used inside lld_mmdet for a not-applicable / unknown attribute.
ATTR_IGNORE_INDEX = -1

#: The 14 LLD classes, in the papers' order (class id = index).
LLD_CLASSES = ('None', 'Myeloblast', 'Lymphoblast', 'Neutrophil',
               'Atypical lymphocyte', 'Promonocyte', 'Monoblast', 'Lymphocyte',
               'Myelocyte', 'Abnormal promyelocyte', 'Monocyte',
               'Metamyelocyte', 'Eosinophil', 'Basophil')

#: One colour per LLD class (RGB), for drawings.
LLD_PALETTE = [(128, 128, 128), (220, 20, 60), (255, 127, 14), (31, 119, 180),
               (44, 160, 44), (148, 103, 189), (140, 86, 75), (227, 119, 194),
               (188, 189, 34), (23, 190, 207), (0, 0, 142), (255, 187, 120),
               (214, 39, 40), (106, 0, 228)]

#: The 7 LLD attributes (lld_facts.md). ``na_value`` 4 is how the authors'
#: COCO release writes "not applicable"; their YOLO files write 2 instead
#: (handled by the YOLO converter).
LLD_ATTRIBUTE_SCHEMA = dict(
    name='lld',
    na_value=4,
    attributes=[
        dict(name='cell_size', values=['small', 'big']),
        dict(name='nuclear_chromatin', values=['open', 'coarse']),
        dict(name='nuclear_shape', values=['regular', 'irregular']),
        dict(name='nucleolus', values=['inconspicuous', 'prominent']),
        dict(name='cytoplasm', values=['scanty', 'abundant']),
        dict(name='cytoplasmic_basophilia', values=['slight', 'moderate']),
        dict(name='cytoplasmic_vacuoles', values=['absent', 'prominent']),
    ])

#: WBCAtt (Tsutsui et al., NeurIPS 2023): 11 attributes with 2-6 values.
#: Value names are the strings of its CSV files.
WBCATT_ATTRIBUTE_SCHEMA = dict(
    name='wbcatt',
    na_value=None,
    attributes=[
        dict(name='cell_size', values=['small', 'big']),
        dict(name='cell_shape', values=['round', 'irregular']),
        dict(name='nucleus_shape',
             values=['unsegmented-round', 'unsegmented-indented',
                     'unsegmented-band', 'segmented-bilobed',
                     'segmented-multilobed', 'irregular']),
        dict(name='nuclear_cytoplasmic_ratio', values=['low', 'high']),
        dict(name='chromatin_density', values=['densely', 'loosely']),
        dict(name='cytoplasm_vacuole', values=['no', 'yes']),
        dict(name='cytoplasm_texture', values=['clear', 'frosted']),
        dict(name='cytoplasm_colour',
             values=['light blue', 'blue', 'purple blue']),
        dict(name='granule_type', values=['nil', 'small', 'round', 'coarse']),
        dict(name='granule_colour', values=['nil', 'pink', 'purple', 'red']),
        dict(name='granularity', values=['no', 'yes']),
    ])

PRESETS = {'lld': LLD_ATTRIBUTE_SCHEMA, 'wbcatt': WBCATT_ATTRIBUTE_SCHEMA}


class LLDAnnotationError(ValueError):
    """Raised for an invalid annotation record.

    The message always starts with where the problem is (file, image id,
    annotation id, field) so that it can be fixed without a debugger.
    """


class AttributeSchema:
    """Names and categorical values of the per-cell attributes.

    Args:
        attributes (Sequence[dict]): One dict per attribute, in column order,
            with ``name`` (str) and ``values`` (list of value names; the value
            index is the position in this list). At least two values each.
        na_value (int, optional): The integer that annotation files use for
            "not applicable" (besides ``null`` and an omitted key, which
            always mean not applicable). Must not be a valid value index.
            Defaults to None.
        name (str): A label for the schema, used in messages. Defaults to
            ``'custom'``.
    """

    def __init__(self,
                 attributes: Sequence[Mapping[str, Any]],
                 na_value: Optional[int] = None,
                 name: str = 'custom') -> None:
        if not attributes:
            raise ValueError(f'attribute schema {name!r}: no attributes')
        self.name = name
        self.names: List[str] = []
        self.values: List[List[str]] = []
        for i, attr in enumerate(attributes):
            if 'name' not in attr or 'values' not in attr:
                raise ValueError(f'attribute schema {name!r}: attribute #{i} '
                                 "needs 'name' and 'values'")
            values = [str(v) for v in attr['values']]
            if len(values) < 2:
                raise ValueError(f'attribute schema {name!r}: attribute '
                                 f"{attr['name']!r} needs at least 2 values")
            if attr['name'] in self.names:
                raise ValueError(f'attribute schema {name!r}: attribute '
                                 f"{attr['name']!r} is listed twice")
            self.names.append(str(attr['name']))
            self.values.append(values)
        if na_value is not None and 0 <= na_value < max(self.num_values):
            raise ValueError(f'attribute schema {name!r}: na_value '
                             f'{na_value} collides with a value index')
        self.na_value = na_value

    @property
    def num_attributes(self) -> int:
        """int: Number of attributes A."""
        return len(self.names)

    @property
    def num_values(self) -> List[int]:
        """list[int]: Number of values of each attribute."""
        return [len(v) for v in self.values]

    @classmethod
    def build(cls, cfg: Union[None, str, Mapping, 'AttributeSchema']
              ) -> 'AttributeSchema':
        """Build a schema from a preset name, a dict, or return it as is.

        Args:
            cfg: None (the LLD schema), a preset name (``'lld'``,
                ``'wbcatt'``), a dict with the constructor's arguments
                (what configs use) or an :class:`AttributeSchema`.
        """
        if cfg is None:
            cfg = 'lld'
        if isinstance(cfg, AttributeSchema):
            return cfg
        if isinstance(cfg, str):
            if cfg not in PRESETS:
                raise KeyError(f'unknown attribute schema preset {cfg!r}; '
                               f'known: {sorted(PRESETS)}')
            cfg = PRESETS[cfg]
        return cls(**dict(cfg))

    def to_dict(self) -> Dict[str, Any]:
        """Plain-data form (what ``dataset.metainfo`` carries)."""
        return dict(
            name=self.name,
            na_value=self.na_value,
            attributes=[
                dict(name=n, values=list(v))
                for n, v in zip(self.names, self.values)
            ])

    def encode(self, mapping: Optional[Mapping[str, Any]],
               where: str = '') -> np.ndarray:
        """Turn an annotation's ``attributes`` mapping into a value vector.

        Args:
            mapping (dict | None): attribute name -> value index (int), value
                name (str), ``null`` or ``na_value`` (not applicable). Missing
                attributes are not applicable; None means all are.
            where (str): Location of the record, prefixed to error messages.

        Returns:
            np.ndarray: (A,) int64, :data:`ATTR_IGNORE_INDEX` where N/A.
        """
        out = np.full(self.num_attributes, ATTR_IGNORE_INDEX, dtype=np.int64)
        if mapping is None:
            return out
        if not isinstance(mapping, Mapping):
            raise LLDAnnotationError(
                f'{where}: field "attributes" must be a mapping '
                f'attribute name -> value, got {type(mapping).__name__}')
        for key, value in mapping.items():
            if key not in self.names:
                raise LLDAnnotationError(
                    f'{where}: field "attributes.{key}": unknown attribute; '
                    f'schema {self.name!r} has {self.names}')
            col = self.names.index(key)
            out[col] = self.encode_value(col, value, where)
        return out

    def encode_value(self, col: int, value: Any, where: str = '') -> int:
        """Value index of one attribute value (see :meth:`encode`)."""
        if value is None or (self.na_value is not None and not isinstance(
                value, (bool, str)) and value == self.na_value):
            return ATTR_IGNORE_INDEX
        values = self.values[col]
        if isinstance(value, str):
            if value in values:
                return values.index(value)
        elif isinstance(value, (int, np.integer)) and not isinstance(
                value, bool) and 0 <= value < len(values):
            return int(value)
        na = '' if self.na_value is None else f' or {self.na_value} (N/A)'
        raise LLDAnnotationError(
            f'{where}: field "attributes.{self.names[col]}": value {value!r} '
            f'out of range; expected 0..{len(values) - 1}{na}, null or one '
            f'of {values}')

    def decode(self, vector: Sequence[int]) -> Dict[str, Optional[int]]:
        """Inverse of :meth:`encode`: (A,) value indices -> mapping, N/A as
        None."""
        return {
            name: (None if int(v) == ATTR_IGNORE_INDEX else int(v))
            for name, v in zip(self.names, vector)
        }

    @staticmethod
    def short_code(vector: Sequence[int]) -> str:
        """Compact code for drawings: one character per attribute, the value
        index (0-9, then a-z) or ``-`` for N/A, e.g. ``'01-1000'``."""
        digits = '0123456789abcdefghijklmnopqrstuvwxyz'
        return ''.join('-' if int(v) < 0 else digits[int(v)] for v in vector)

    def __repr__(self) -> str:
        attrs = ', '.join(f'{n}({len(v)})'
                          for n, v in zip(self.names, self.values))
        return f'AttributeSchema({self.name!r}: {attrs})'
