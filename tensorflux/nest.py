"""tf.nest: nested structures."""
from tensorflux.framework.nest import (flatten, pack_sequence_as, map_structure,  # noqa: F401
                                       is_nested, assert_same_structure)
