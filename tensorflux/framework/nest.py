"""Nested structures (lists, tuples, namedtuples, dicts) flattened and rebuilt, like tf.nest.

Dicts flatten in sorted key order, as TensorFlow does.
"""

__all__ = ["flatten", "pack_sequence_as", "map_structure", "is_nested"]


def is_nested(structure):
    return isinstance(structure, (list, tuple, dict))


def _children(structure):
    if isinstance(structure, dict):
        return [structure[k] for k in sorted(structure, key=_sort_key)]
    return list(structure)


def _sort_key(key):
    return (str(type(key)), key) if not isinstance(key, str) else ("", key)


def flatten(structure, expand_composites=False):
    if not is_nested(structure):
        return [structure]
    result = []
    _flatten_into(structure, result)
    return result


def _flatten_into(structure, result):
    if is_nested(structure):
        for child in _children(structure):
            _flatten_into(child, result)
    else:
        result.append(structure)


def _rebuild(structure, values):
    if isinstance(structure, dict):
        keys = sorted(structure, key=_sort_key)
        rebuilt = {k: v for k, v in zip(keys, values)}
        return type(structure)((k, rebuilt[k]) for k in structure) \
            if type(structure) is not dict else {k: rebuilt[k] for k in structure}
    if isinstance(structure, tuple) and hasattr(structure, "_fields"):
        return type(structure)(*values)
    return type(structure)(values)


def pack_sequence_as(structure, flat_sequence, expand_composites=False):
    flat_sequence = list(flat_sequence)
    if not is_nested(structure):
        if len(flat_sequence) != 1:
            raise ValueError(f"Structure is a scalar but {len(flat_sequence)} values were given.")
        return flat_sequence[0]
    position = [0]

    def build(node):
        if not is_nested(node):
            value = flat_sequence[position[0]]
            position[0] += 1
            return value
        return _rebuild(node, [build(child) for child in _children(node)])

    result = build(structure)
    if position[0] != len(flat_sequence):
        raise ValueError(f"The structure has {position[0]} leaves but {len(flat_sequence)} "
                         "values were given.")
    return result


def map_structure(func, *structures, **kwargs):
    flats = [flatten(s) for s in structures]
    if any(len(f) != len(flats[0]) for f in flats):
        raise ValueError("The structures passed to map_structure do not have the same "
                         "number of elements.")
    return pack_sequence_as(structures[0], [func(*items) for items in zip(*flats)])


def assert_same_structure(first, second, check_types=True):
    if len(flatten(first)) != len(flatten(second)):
        raise ValueError(f"The two structures don't have the same number of elements: "
                         f"{first!r} and {second!r}.")
