import numpy as np
import pytest

from lld_mmdet.datasets.schema import (ATTR_IGNORE_INDEX,
                                       LLD_ATTRIBUTE_SCHEMA, AttributeSchema,
                                       LLDAnnotationError)


def test_lld_preset_has_seven_binary_attributes_in_code_order():
    schema = AttributeSchema.build(None)
    assert schema.names == [
        'cell_size', 'nuclear_chromatin', 'nuclear_shape', 'nucleolus',
        'cytoplasm', 'cytoplasmic_basophilia', 'cytoplasmic_vacuoles'
    ]
    assert schema.num_values == [2] * 7
    assert schema.na_value == 4


def test_wbcatt_preset_expresses_eleven_attributes_with_2_to_6_values():
    schema = AttributeSchema.build('wbcatt')
    assert schema.num_attributes == 11
    assert min(schema.num_values) == 2 and max(schema.num_values) == 6
    vec = schema.encode({'nucleus_shape': 'segmented-multilobed',
                         'cytoplasm_colour': 'purple blue'})
    assert vec[schema.names.index('nucleus_shape')] == 4
    assert vec[schema.names.index('cytoplasm_colour')] == 2


def test_encode_marks_null_na_value_and_missing_as_ignore():
    schema = AttributeSchema.build('lld')
    vec = schema.encode({'cell_size': 1, 'nucleolus': None, 'cytoplasm': 4,
                         'nuclear_shape': 'irregular'})
    expected = np.full(7, ATTR_IGNORE_INDEX)
    expected[0] = 1
    expected[2] = 1
    np.testing.assert_array_equal(vec, expected)
    assert schema.encode(None).tolist() == [ATTR_IGNORE_INDEX] * 7
    assert schema.decode(vec)['cell_size'] == 1
    assert schema.decode(vec)['nucleolus'] is None


@pytest.mark.parametrize('mapping, match', [
    ({'cell_size': 2}, r'attributes\.cell_size.*value 2 out of range'),
    ({'cell_size': 'medium'}, r'attributes\.cell_size.*medium'),
    ({'cell_size': True}, r'attributes\.cell_size'),
    ({'cel_size': 1}, r'attributes\.cel_size.*unknown attribute'),
    ([1, 0, 1], r'must be a mapping'),
])
def test_encode_rejects_bad_values_naming_the_field(mapping, match):
    with pytest.raises(LLDAnnotationError, match='ann.json: image id 3.*' +
                       match):
        AttributeSchema.build('lld').encode(mapping, 'ann.json: image id 3')


def test_schema_from_config_dict_and_round_trip_to_dict():
    cfg = dict(name='toy', na_value=9, attributes=[
        dict(name='a', values=['x', 'y', 'z']),
        dict(name='b', values=['p', 'q'])
    ])
    schema = AttributeSchema.build(cfg)
    assert schema.num_values == [3, 2]
    assert AttributeSchema.build(schema.to_dict()).to_dict() == \
        schema.to_dict()
    assert schema.encode({'a': 9, 'b': 1}).tolist() == [-1, 1]


@pytest.mark.parametrize('cfg, match', [
    (dict(attributes=[]), 'no attributes'),
    (dict(attributes=[dict(name='a', values=['x'])]), 'at least 2'),
    (dict(attributes=[dict(name='a', values=['x', 'y'])] * 2), 'twice'),
    (dict(attributes=[dict(name='a', values=['x', 'y'])], na_value=1),
     'collides'),
])
def test_invalid_schema_is_rejected(cfg, match):
    with pytest.raises(ValueError, match=match):
        AttributeSchema.build(cfg)


def test_short_code():
    assert AttributeSchema.short_code([0, 1, -1, 11]) == '01-b'


def test_preset_dict_is_not_mutated_by_build():
    before = repr(LLD_ATTRIBUTE_SCHEMA)
    AttributeSchema.build('lld').names.append('x')
    assert repr(LLD_ATTRIBUTE_SCHEMA) == before
