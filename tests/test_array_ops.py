"""Array and clip ops: forward results against NumPy (eager, graph, graph with unknown
dimensions), finite-difference gradients, static shapes and error messages."""
import numpy as np
import pytest

import tensorflux as tf
from tensorflux.ops._helpers import apply as apply_op
from tensorflux.testing import check_gradients

import helpers

MODES = helpers.MODES
rng = np.random.default_rng(0)


def _static_rank_matches(tensor, result):
    if tensor.shape.rank is not None:
        assert tensor.shape.rank == np.ndim(result)


def evaluate(f, *inputs, mode="eager"):
    """f(*inputs) as NumPy (helpers.evaluate); in a graph with static input shapes, a known
    static rank must be the result's."""
    return helpers.evaluate(f, *inputs, mode=mode, check_static_shape=_static_rank_matches)


def assert_same(got, expected, dtype=None):
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
    assert np.shape(got) == np.shape(expected)
    if dtype is not None:
        assert np.asarray(got).dtype == dtype


X = np.arange(24.0).reshape(2, 3, 4)
A = rng.normal(size=(3, 4))


# ---- split, tile, pad ---------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_split_equal_parts_and_sizes(mode):
    parts = evaluate(lambda x: tf.split(x, 2, axis=2), X, mode=mode)
    for got, expected in zip(parts, np.split(X, 2, axis=2)):
        assert_same(got, expected)
    parts = evaluate(lambda x: tf.split(x, [1, -1, 1], axis=-1), X, mode=mode)
    assert [p.shape for p in parts] == [(2, 3, 1), (2, 3, 2), (2, 3, 1)]
    assert_same(parts[1], X[:, :, 1:3])
    empty = evaluate(lambda x: tf.split(x, 2, axis=1), np.zeros((0, 4)), mode=mode)
    assert [p.shape for p in empty] == [(0, 2), (0, 2)]


def test_split_static_shapes_and_errors():
    parts = tf.split(tf.constant(X), [1, 3], axis=2)
    assert len(parts) == 2 and parts[1].shape.as_list() == [2, 3, 3]
    with pytest.raises(tf.errors.InvalidArgumentError, match="evenly divide"):
        tf.split(tf.constant(X), 3, axis=2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="add up"):
        tf.split(tf.constant(X), [1, 2], axis=2)


@pytest.mark.parametrize("mode", MODES)
def test_tile(mode):
    assert_same(evaluate(lambda x: tf.tile(x, [2, 1, 3]), X, mode=mode), np.tile(X, (2, 1, 3)))
    assert_same(evaluate(lambda x: tf.tile(x, [0, 2]), A, mode=mode), np.tile(A, (0, 2)))


def test_tile_rejects_wrong_number_of_multiples():
    with pytest.raises(tf.errors.InvalidArgumentError, match="vector of length 3"):
        tf.tile(tf.constant(X), [2, 2])


@pytest.mark.parametrize("mode", ["eager", "graph"])
@pytest.mark.parametrize("tf_mode", ["CONSTANT", "REFLECT", "SYMMETRIC", "reflect"])
def test_pad_modes(mode, tf_mode):
    paddings = [[1, 2], [2, 0]]
    got = evaluate(lambda x: tf.pad(x, paddings, mode=tf_mode), A, mode=mode)
    np_mode = tf_mode.lower()
    assert_same(got, np.pad(A, paddings, mode=np_mode))


@pytest.mark.parametrize("mode", MODES)
def test_pad_constant_values(mode):
    got = evaluate(lambda x: tf.pad(x, [[0, 1], [1, 1]], constant_values=-1.5), A, mode=mode)
    assert_same(got, np.pad(A, [[0, 1], [1, 1]], constant_values=-1.5))


def test_pad_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="no greater than the dimension"):
        tf.pad(tf.constant(A), [[3, 0], [0, 0]], mode="REFLECT")
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"shape \[2, 2\]"):
        tf.pad(tf.constant(A), [[1, 1]])
    with pytest.raises(ValueError, match="mode"):
        tf.pad(tf.constant(A), [[1, 1], [1, 1]], mode="WRAP")


# ---- gather_nd, scatter -------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_gather_nd(mode):
    indices = np.array([[1, 2], [0, 0], [1, 0]])
    assert_same(evaluate(lambda x, i: tf.gather_nd(x, i), X, indices, mode=mode),
                X[indices[:, 0], indices[:, 1]])
    full = np.array([[[1, 2, 3]], [[0, 1, 0]]])
    assert_same(evaluate(lambda x, i: tf.gather_nd(x, i), X, full, mode=mode),
                X[full[..., 0], full[..., 1], full[..., 2]])
    batched = np.array([[[2], [0]], [[1], [1]]])
    expected = np.stack([X[b][batched[b, :, 0]] for b in range(2)])
    assert_same(evaluate(lambda x, i: tf.gather_nd(x, i, batch_dims=1), X, batched, mode=mode),
                expected)
    empty = evaluate(lambda x, i: tf.gather_nd(x, i), X, np.zeros((0, 2), np.int32), mode=mode)
    assert empty.shape == (0, 4)


def test_gather_nd_out_of_range_index_names_it():
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"indices\[1\] = \[2, 0\] does not index into param shape "
                             r"\[2, 3, 4\]"):
        tf.gather_nd(tf.constant(X), [[0, 0], [2, 0]])


@pytest.mark.parametrize("mode", MODES)
def test_scatter_nd_sums_duplicates(mode):
    indices = np.array([[0, 1], [2, 3], [0, 1]])
    updates = np.array([1.0, 2.0, 5.0])
    expected = np.zeros((3, 4))
    np.add.at(expected, (indices[:, 0], indices[:, 1]), updates)
    assert_same(evaluate(lambda i, u: tf.scatter_nd(i, u, [3, 4]), indices, updates,
                         mode=mode), expected)
    rows = evaluate(lambda i, u: tf.scatter_nd(i, u, [3, 2]), np.array([[2]]),
                    np.array([[7.0, 8.0]]), mode=mode)
    assert_same(rows, [[0, 0], [0, 0], [7, 8]])


@pytest.mark.parametrize("mode", MODES)
def test_tensor_scatter_nd_update_add_sub(mode):
    indices = np.array([[1, 0], [2, 3]])
    updates = np.array([10.0, 20.0])
    for function, combine in ((tf.tensor_scatter_nd_update, lambda old, new: new),
                              (tf.tensor_scatter_nd_add, lambda old, new: old + new),
                              (tf.tensor_scatter_nd_sub, lambda old, new: old - new)):
        expected = A.copy()
        expected[indices[:, 0], indices[:, 1]] = combine(A[indices[:, 0], indices[:, 1]],
                                                         updates)
        assert_same(evaluate(function, A, indices, updates, mode=mode), expected)


def test_scatter_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="updates must have shape"):
        tf.scatter_nd([[0], [1]], [1.0, 2.0, 3.0], [4])
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not index"):
        tf.tensor_scatter_nd_update(tf.constant(A), [[5, 0]], [1.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Cast updates"):
        tf.tensor_scatter_nd_add(tf.constant(A), [[0, 0]], tf.constant([1.0], tf.float32))


# ---- slicing ------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_slice(mode):
    assert_same(evaluate(lambda x: tf.slice(x, [1, 0, 1], [-1, 2, 3]), X, mode=mode),
                X[1:, 0:2, 1:4])
    assert evaluate(lambda x: tf.slice(x, [0, 3], [2, 0]), A, mode=mode).shape == (2, 0)


def test_slice_static_shape_and_errors():
    assert tf.slice(tf.constant(X), [1, 0, 1], [-1, 2, 3]).shape.as_list() == [1, 2, 3]
    with pytest.raises(tf.errors.InvalidArgumentError, match="size"):
        tf.slice(tf.constant(A), [2, 0], [2, -1])


@pytest.mark.parametrize("mode", MODES)
def test_strided_slice_masks(mode):
    cases = [
        (dict(begin=[0, 1, 0], end=[2, 3, 4], strides=[1, 1, 2]), X[0:2, 1:3, 0:4:2]),
        (dict(begin=[1, 0, 3], end=[0, 0, 0], strides=[-1, 1, -1], end_mask=0b101,
              begin_mask=0b010), X[1::-1, :0, 3::-1]),
        (dict(begin=[0, 1], end=[0, 2], strides=[1, 1], ellipsis_mask=0b01),
         X[..., 1:2]),
        (dict(begin=[1, 0, 0], end=[2, 0, 0], strides=[1, 1, 1], shrink_axis_mask=0b001,
              new_axis_mask=0b010, end_mask=0b100), X[1, None, 0:]),
    ]
    for kwargs, expected in cases:
        got = evaluate(lambda x: tf.strided_slice(x, **kwargs), X, mode=mode)
        assert_same(got, expected)


@pytest.mark.parametrize("mode", MODES)
def test_reverse(mode):
    assert_same(evaluate(lambda x: tf.reverse(x, [0, -1]), X, mode=mode), X[::-1, :, ::-1])
    assert_same(evaluate(lambda x: tf.reverse(x, []), X, mode=mode), X)


# ---- sorting ------------------------------------------------------------------------------

TIES = np.array([[3.0, 1.0, 3.0, 2.0, 1.0], [0.5, -1.0, 2.0, 0.5, 7.0]])


@pytest.mark.parametrize("mode", MODES)
def test_sort_and_argsort_are_stable(mode):
    assert_same(evaluate(lambda x: tf.sort(x), TIES, mode=mode), np.sort(TIES, axis=-1))
    assert_same(evaluate(lambda x: tf.sort(x, axis=0, direction="DESCENDING"), TIES,
                         mode=mode), -np.sort(-TIES, axis=0))
    ascending = evaluate(lambda x: tf.argsort(x), TIES, mode=mode)
    assert_same(ascending, np.argsort(TIES, axis=-1, kind="stable"), np.int32)
    descending = evaluate(lambda x: tf.argsort(x, direction="DESCENDING"), TIES, mode=mode)
    assert_same(descending, [[0, 2, 3, 1, 4], [4, 2, 0, 3, 1]])


@pytest.mark.parametrize("mode", MODES)
def test_top_k(mode):
    values, indices = evaluate(lambda x: tf.math.top_k(x, k=3), TIES, mode=mode)
    assert_same(values, [[3, 3, 2], [7, 2, 0.5]])
    assert_same(indices, [[0, 2, 3], [4, 2, 0]], np.int32)
    result = tf.nn.top_k(tf.constant(TIES), 2)
    assert result.values.shape.as_list() == [2, 2] and result.indices.dtype == tf.int32


def test_sort_unsigned_and_errors():
    data = np.array([3, 0, 255, 7], np.uint8)
    assert_same(tf.sort(data, direction="DESCENDING").numpy(), [255, 7, 3, 0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least k=6 columns"):
        tf.math.top_k(tf.constant(TIES), k=6)
    with pytest.raises(ValueError, match="unknown direction"):
        tf.sort(tf.constant(TIES), direction="UP")


# ---- masks and constructors ---------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_boolean_mask(mode):
    mask1 = np.array([True, False])
    assert_same(evaluate(tf.boolean_mask, X, mask1, mode=mode), X[mask1])
    mask2 = np.array([[True, False, True], [False, False, True]])
    assert_same(evaluate(tf.boolean_mask, X, mask2, mode=mode), X[mask2])
    mask_axis = np.array([False, True, True, False])
    assert_same(evaluate(lambda x, m: tf.boolean_mask(x, m, axis=2), X, mask_axis, mode=mode),
                X[:, :, mask_axis])
    none = evaluate(tf.boolean_mask, X, np.zeros(2, bool), mode=mode)
    assert none.shape == (0, 3, 4)


def test_boolean_mask_shape_errors():
    with pytest.raises(ValueError, match="incompatible"):
        tf.boolean_mask(tf.constant(X), [True, False, True])
    with pytest.raises(ValueError, match="scalar"):
        tf.boolean_mask(tf.constant(X), True)


@pytest.mark.parametrize("mode", MODES)
def test_sequence_mask(mode):
    lengths = np.array([[1, 3], [0, 2]], np.int32)
    expected = np.arange(3) < lengths[..., None]
    assert_same(evaluate(tf.sequence_mask, lengths, mode=mode), expected)
    got = evaluate(lambda n: tf.sequence_mask(n, maxlen=4, dtype=tf.float32), lengths,
                   mode=mode)
    assert_same(got, (np.arange(4) < lengths[..., None]).astype(np.float32), np.float32)


def test_eye():
    assert_same(tf.eye(3).numpy(), np.eye(3), np.float32)
    assert_same(tf.eye(2, 3, batch_shape=[2], dtype=tf.int32).numpy(),
                np.broadcast_to(np.eye(2, 3), (2, 2, 3)), np.int32)
    assert tf.eye(0).shape.as_list() == [0, 0]
    graph = tf.Graph()
    with graph.as_default():
        n = tf.compat.v1.placeholder(tf.int32, [])
        identity = tf.eye(n, batch_shape=[2])
        with tf.compat.v1.Session(graph=graph) as sess:
            assert_same(sess.run(identity, {n: 2}), np.broadcast_to(np.eye(2), (2, 2, 2)))


@pytest.mark.parametrize("mode", MODES)
def test_linspace(mode):
    got = evaluate(lambda a, b: tf.linspace(a, b, 5), np.float64(-1.0), np.float64(2.0),
                   mode=mode)
    assert_same(got, np.linspace(-1.0, 2.0, 5))
    starts, stops = np.array([0.0, 1.0]), np.array([1.0, 3.0])
    got = evaluate(lambda a, b: tf.linspace(a, b, 3, axis=-1), starts, stops, mode=mode)
    assert_same(got, np.linspace(starts, stops, 3, axis=-1))
    assert tf.linspace(0.0, 1.0, 1).numpy().tolist() == [0.0]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("indexing", ["xy", "ij"])
def test_meshgrid(mode, indexing):
    x, y, z = np.arange(3.0), np.arange(2.0) + 10, np.arange(4.0) - 5
    got = evaluate(lambda a, b, c: tf.meshgrid(a, b, c, indexing=indexing), x, y, z, mode=mode)
    for g, e in zip(got, np.meshgrid(x, y, z, indexing=indexing)):
        assert_same(g, e)


# ---- unique, roll, repeat -----------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_unique_keeps_first_occurrence_order(mode):
    data = np.array([4, 1, 4, 7, 1, 1], np.int32)
    y, idx = evaluate(lambda x: tf.unique(x), data, mode=mode)
    assert_same(y, [4, 1, 7])
    assert_same(idx, [0, 1, 0, 2, 1, 1], np.int32)
    y, idx, count = evaluate(lambda x: tf.unique_with_counts(x, out_idx=tf.int64), data,
                             mode=mode)
    assert_same(count, [2, 3, 1], np.int64)
    empty = evaluate(lambda x: tf.unique(x)[0], np.zeros(0), mode=mode)
    assert empty.shape == (0,)
    with pytest.raises(tf.errors.InvalidArgumentError, match="1-D"):
        tf.unique(tf.constant(A))


@pytest.mark.parametrize("mode", MODES)
def test_roll(mode):
    assert_same(evaluate(lambda x: tf.roll(x, [1, -2], [0, 2]), X, mode=mode),
                np.roll(X, (1, -2), (0, 2)))
    assert_same(evaluate(lambda x: tf.roll(x, 5, 1), X, mode=mode), np.roll(X, 5, 1))


@pytest.mark.parametrize("mode", ["eager", "graph"])
def test_repeat(mode):
    assert_same(evaluate(lambda x: tf.repeat(x, 2), A, mode=mode), np.repeat(A, 2))
    assert_same(evaluate(lambda x: tf.repeat(x, [1, 0, 2], axis=0), A, mode=mode),
                np.repeat(A, [1, 0, 2], axis=0))


def test_repeat_with_run_time_counts():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float64, [None, 4])
        counts = tf.compat.v1.placeholder(tf.int32, [None])
        y = tf.repeat(x, counts, axis=0)
        with tf.compat.v1.Session(graph=graph) as sess:
            got = sess.run(y, {x: A, counts: [2, 0, 1]})
    assert_same(got, np.repeat(A, [2, 0, 1], axis=0))


# ---- einsum, tensordot, norm --------------------------------------------------------------

EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("i,j->ij", [(3,), (2,)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("...ij,...jk->...ik", [(2, 2, 3), (3, 2)]),
    ("...ij,...jk->...ik", [(1, 2, 3), (2, 3, 2)]),
    ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
    ("ijk,ik->j", [(2, 3, 2), (2, 2)]),
    ("iij,j->ij", [(2, 2, 3), (3,)]),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("equation,shapes", EINSUM_CASES)
def test_einsum_forward(mode, equation, shapes):
    operands = [rng.normal(size=s) for s in shapes]
    got = evaluate(lambda *xs: tf.einsum(equation, *xs), *operands, mode=mode)
    assert_same(got, np.einsum(equation, *operands))


@pytest.mark.parametrize("equation,shapes", EINSUM_CASES)
def test_einsum_gradient(equation, shapes):
    operands = [rng.normal(size=s) for s in shapes]
    check_gradients(lambda *xs: tf.einsum(equation, *xs), operands)


def test_einsum_errors():
    with pytest.raises(ValueError, match="names 2 operand"):
        tf.einsum("ij,jk->ik", tf.constant(A))
    with pytest.raises(tf.errors.InvalidArgumentError, match="same dtype"):
        tf.einsum("ij,jk->ik", tf.constant(A), tf.constant(A.T, tf.float32))
    graph = tf.Graph()
    with graph.as_default():
        with pytest.raises(ValueError, match="incompatible sizes"):
            tf.einsum("ij,jk->ik", tf.compat.v1.placeholder(tf.float32, [2, 3]),
                      tf.compat.v1.placeholder(tf.float32, [4, 2]))


@pytest.mark.parametrize("mode", MODES)
def test_tensordot(mode):
    a, b = rng.normal(size=(2, 3, 4)), rng.normal(size=(4, 3, 5))
    for axes in (1, [[1, 2], [1, 0]], [2, 0], 0):
        got = evaluate(lambda x, y: tf.tensordot(x, y, axes), a, b, mode=mode)
        assert_same(got, np.tensordot(a, b, axes))


def test_tensordot_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3, 4\).*\(4, 3, 5\)"):
        tf.tensordot(tf.constant(np.ones((2, 3, 4))), tf.constant(np.ones((4, 3, 5))),
                     [[1], [0]])


@pytest.mark.parametrize("mode", MODES)
def test_norm(mode):
    cases = [
        (dict(), np.linalg.norm(A)),
        (dict(ord=1, axis=1), np.linalg.norm(A, 1, axis=1)),
        (dict(ord=np.inf, axis=0, keepdims=True), np.linalg.norm(A, np.inf, 0, keepdims=True)),
        (dict(ord=3, axis=-1), np.linalg.norm(A, 3, axis=-1)),
        (dict(ord="fro", axis=[0, 1]), np.linalg.norm(A, "fro")),
        (dict(ord=1, axis=[0, 1]), np.linalg.norm(A, 1)),
        (dict(ord=np.inf, axis=[0, 1]), np.linalg.norm(A, np.inf)),
        (dict(ord=2, axis=1), np.linalg.norm(A, 2, axis=1)),
    ]
    for kwargs, expected in cases:
        assert_same(evaluate(lambda x: tf.norm(x, **kwargs), A, mode=mode), expected)


def test_norm_errors():
    with pytest.raises(ValueError, match="supported vector norm"):
        tf.norm(tf.constant(A), ord=-1)
    with pytest.raises(tf.errors.UnimplementedError, match="spectral"):
        tf.norm(tf.constant(A), ord=2, axis=[0, 1])


# ---- linear algebra -----------------------------------------------------------------------

SPD = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
BATCH = np.stack([SPD, SPD[::-1] + np.eye(3) * 3])


@pytest.mark.parametrize("mode", MODES)
def test_matrix_ops(mode):
    assert_same(evaluate(tf.linalg.matrix_transpose, X, mode=mode), X.transpose(0, 2, 1))
    assert_same(evaluate(tf.linalg.trace, X, mode=mode), np.trace(X, axis1=1, axis2=2))
    assert_same(evaluate(tf.linalg.diag, A, mode=mode), np.stack([np.diag(r) for r in A]))
    assert_same(evaluate(tf.linalg.diag_part, X, mode=mode),
                np.diagonal(X, axis1=1, axis2=2))
    with_diagonal = A.copy()
    with_diagonal[range(3), range(3)] = [7.0, 8.0, 9.0]
    assert_same(evaluate(tf.linalg.set_diag, A, np.array([7.0, 8.0, 9.0]), mode=mode),
                with_diagonal)
    assert_same(evaluate(tf.linalg.inv, BATCH, mode=mode), np.linalg.inv(BATCH))
    assert_same(evaluate(tf.linalg.det, BATCH, mode=mode), np.linalg.det(BATCH))
    assert_same(evaluate(lambda m: tf.linalg.inv(m, adjoint=True), SPD + np.triu(SPD),
                         mode=mode), np.linalg.inv((SPD + np.triu(SPD)).T))


def test_matrix_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="not invertible"):
        tf.linalg.inv(tf.constant(np.ones((2, 2))))
    with pytest.raises(tf.errors.InvalidArgumentError, match="square"):
        tf.linalg.det(tf.constant(A))
    with pytest.raises(tf.errors.InvalidArgumentError, match="floating"):
        tf.linalg.inv(tf.constant([[1, 0], [0, 1]]))


# ---- segments and counting ----------------------------------------------------------------

DATA = np.array([[1.0, -2.0], [3.0, 5.0], [0.5, 4.0], [7.0, -1.0], [2.0, 2.5]])
SORTED_IDS = np.array([0, 0, 1, 3, 3], np.int32)
IDS = np.array([2, 0, 2, -1, 0], np.int32)
FULL_IDS = np.array([2, 0, 1, -1, 0], np.int32)


def _segment_reference(data, ids, num, reduce, empty):
    out = np.full((num,) + data.shape[1:], empty, dtype=data.dtype)
    for s in range(num):
        rows = data[ids == s]
        if len(rows):
            out[s] = reduce(rows)
    return out


@pytest.mark.parametrize("mode", MODES)
def test_sorted_segment_reductions(mode):
    for function, reduce, empty in ((tf.math.segment_sum, lambda r: r.sum(0), 0),
                                    (tf.math.segment_mean, lambda r: r.mean(0), 0),
                                    (tf.math.segment_max, lambda r: r.max(0), -np.inf),
                                    (tf.math.segment_min, lambda r: r.min(0), np.inf)):
        got = evaluate(function, DATA, SORTED_IDS, mode=mode)
        assert_same(got, _segment_reference(DATA, SORTED_IDS, 4, reduce, empty))


@pytest.mark.parametrize("mode", MODES)
def test_unsorted_segment_reductions_drop_negative_ids(mode):
    for function, reduce, empty in (
            (tf.math.unsorted_segment_sum, lambda r: r.sum(0), 0),
            (tf.math.unsorted_segment_mean, lambda r: r.mean(0), 0),
            (tf.math.unsorted_segment_max, lambda r: r.max(0), -np.inf),
            (tf.math.unsorted_segment_min, lambda r: r.min(0), np.inf),
            (tf.math.unsorted_segment_sqrt_n, lambda r: r.sum(0) / np.sqrt(len(r)), 0)):
        got = evaluate(lambda d, i: function(d, i, 4), DATA, IDS, mode=mode)
        assert_same(got, _segment_reference(DATA, IDS, 4, reduce, empty))


def test_segment_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="sorted"):
        tf.math.segment_sum(tf.constant(DATA), [1, 0, 0, 0, 0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="num_segments=2"):
        tf.math.unsorted_segment_max(tf.constant(DATA), [0, 1, 2, 0, 0], 2)


@pytest.mark.parametrize("mode", MODES)
def test_bincount(mode):
    values = np.array([1, 1, 4, 0, 1], np.int32)
    assert_same(evaluate(tf.math.bincount, values, mode=mode), np.bincount(values), np.int32)
    weights = np.array([0.5, 1.0, 2.0, 3.0, 0.25], np.float32)
    got = evaluate(lambda v, w: tf.math.bincount(v, weights=w, minlength=7), values, weights,
                   mode=mode)
    assert_same(got, np.bincount(values, weights, minlength=7), np.float32)
    assert_same(evaluate(lambda v: tf.math.bincount(v, maxlength=2), values, mode=mode),
                [1, 3])
    assert_same(evaluate(lambda v: tf.math.bincount(v, binary_output=True), values,
                         mode=mode), [1, 1, 0, 0, 1])
    assert evaluate(tf.math.bincount, np.zeros(0, np.int32), mode=mode).shape == (0,)
    with pytest.raises(tf.errors.InvalidArgumentError, match="non-negative"):
        tf.math.bincount([1, -1])


# ---- clipping -----------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_clip_by_norm(mode):
    norm = np.linalg.norm(A)
    assert_same(evaluate(lambda t: tf.clip_by_norm(t, 1.5), A, mode=mode), A * 1.5 / norm)
    assert_same(evaluate(lambda t: tf.clip_by_norm(t, 100.0), A, mode=mode), A)
    rows = np.linalg.norm(A, axis=1, keepdims=True)
    assert_same(evaluate(lambda t: tf.clip_by_norm(t, 1.0, axes=[1]), A, mode=mode),
                A / np.maximum(rows, 1.0))
    assert_same(evaluate(lambda t: tf.clip_by_norm(t, 1.0), np.zeros((2, 2)), mode=mode),
                np.zeros((2, 2)))


@pytest.mark.parametrize("mode", MODES)
def test_clip_by_global_norm(mode):
    b = np.array([3.0, -4.0])
    total = np.sqrt(np.sum(A ** 2) + 25.0)
    clipped_a, clipped_b, norm = evaluate(
        lambda x, y: [*tf.clip_by_global_norm([x, y], 2.0)[0],
                      tf.clip_by_global_norm([x, y], 2.0)[1]], A, b, mode=mode)
    assert_same(norm, total)
    assert_same(clipped_a, A * 2.0 / total)
    assert_same(clipped_b, b * 2.0 / total)
    assert_same(evaluate(lambda x, y: tf.linalg.global_norm([x, None, y]), A, b, mode=mode),
                total)
    assert_same(evaluate(lambda t: tf.clip_by_average_norm(t, 0.1), A, mode=mode),
                A * 0.1 / max(np.linalg.norm(A) / A.size, 0.1))


def test_clip_by_global_norm_passes_none_and_flags_infinite_norms():
    clipped, norm = tf.clip_by_global_norm([tf.constant([3.0, 4.0]), None], 10.0)
    assert clipped[1] is None
    assert_same(clipped[0].numpy(), [3.0, 4.0])
    assert float(norm) == 5.0
    clipped, norm = tf.clip_by_global_norm([tf.constant([np.inf, 1.0])], 1.0)
    assert np.isnan(clipped[0].numpy()).all()
    clipped, _ = tf.clip_by_global_norm([tf.constant([3.0, 4.0])], 1.0, use_norm=10.0)
    assert_same(clipped[0].numpy(), [0.3, 0.4])
    with pytest.raises(TypeError, match="sequence"):
        tf.clip_by_global_norm(tf.constant([1.0]), 1.0)


# ---- gradients ----------------------------------------------------------------------------

# (name, function, inputs): every differentiable op of this module is checked against
# central finite differences in float64, eagerly and in a graph.
GRADIENT_CASES = [
    ("split", lambda x: tf.split(x, [1, 2, 1], axis=2), [X / 10]),
    ("split_equal", lambda x: tf.split(x, 2, axis=0), [X / 10]),
    ("tile", lambda x: tf.tile(x, [2, 1, 3]), [rng.normal(size=(2, 2, 2))]),
    ("pad_constant", lambda x, c: tf.pad(x, [[1, 0], [2, 1]], constant_values=c),
     [A, np.float64(0.3)]),
    ("pad_reflect", lambda x: tf.pad(x, [[2, 1], [1, 3]], mode="REFLECT"), [A]),
    ("pad_symmetric", lambda x: tf.pad(x, [[3, 1], [0, 4]], mode="SYMMETRIC"), [A]),
    ("gather_nd", lambda x: tf.gather_nd(x, [[1, 2], [0, 0], [1, 2]]), [X / 10]),
    ("gather_nd_batch", lambda x: tf.gather_nd(x, [[[2], [0]], [[1], [1]]], batch_dims=1),
     [X / 10]),
    ("scatter_nd", lambda u: tf.scatter_nd([[0, 1], [2, 3], [0, 1]], u, [3, 4]),
     [np.array([1.0, 2.0, 5.0])]),
    ("tensor_scatter_update", lambda t, u: tf.tensor_scatter_nd_update(t, [[1, 0], [2, 3]], u),
     [A, np.array([0.5, -0.5])]),
    ("tensor_scatter_add", lambda t, u: tf.tensor_scatter_nd_add(t, [[1], [1]], u),
     [A, rng.normal(size=(2, 4))]),
    ("slice", lambda x: tf.slice(x, [1, 0, 1], [-1, 2, 3]), [X / 10]),
    ("strided_slice", lambda x: tf.strided_slice(x, [1, 0, 3], [0, 3, 0], [-1, 2, -2],
                                                 begin_mask=1, end_mask=1), [X / 10]),
    ("reverse", lambda x: tf.reverse(x, [0, 2]), [X / 10]),
    ("sort", lambda x: tf.sort(x, axis=0, direction="DESCENDING"), [A]),
    ("top_k", lambda x: tf.math.top_k(x, 2).values, [A]),
    ("boolean_mask", lambda x: tf.boolean_mask(x, [[True, False, True], [False, True, True]]),
     [X / 10]),
    ("linspace", lambda a, b: tf.linspace(a, b, 4, axis=0), [np.array([0.0, 1.0]),
                                                              np.array([2.0, -1.0])]),
    ("meshgrid", lambda a, b: tf.meshgrid(a, b), [np.arange(3.0), np.arange(2.0)]),
    ("roll", lambda x: tf.roll(x, [1, -1], [0, 1]), [A]),
    ("repeat", lambda x: tf.repeat(x, [2, 0, 1], axis=0), [A]),
    ("tensordot", lambda a, b: tf.tensordot(a, b, [[1, 2], [1, 0]]),
     [rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 3, 2))]),
    ("norm_euclidean", lambda x: tf.norm(x, axis=1), [A]),
    ("norm_1", lambda x: tf.norm(x, ord=1, axis=0), [A]),
    ("norm_inf", lambda x: tf.norm(x, ord=np.inf, axis=1), [A]),
    ("norm_3", lambda x: tf.norm(x, ord=3), [A]),
    ("norm_matrix_1", lambda x: tf.norm(x, ord=1, axis=[0, 1]), [A]),
    ("matrix_transpose", tf.linalg.matrix_transpose, [X / 10]),
    ("trace", tf.linalg.trace, [X / 10]),
    ("diag", tf.linalg.diag, [A]),
    ("diag_part", tf.linalg.diag_part, [A]),
    ("set_diag", tf.linalg.set_diag, [A, np.array([1.0, 2.0, 3.0])]),
    ("inv", tf.linalg.inv, [BATCH]),
    ("det", tf.linalg.det, [BATCH]),
    ("segment_sum", lambda d: tf.math.segment_sum(d, SORTED_IDS), [DATA]),
    # (max/min: no empty segments, whose -inf/inf values would break finite differences)
    ("segment_max", lambda d: tf.math.segment_max(d, [0, 0, 1, 2, 2]), [DATA]),
    ("unsorted_segment_sum", lambda d: tf.math.unsorted_segment_sum(d, IDS, 4), [DATA]),
    ("unsorted_segment_mean", lambda d: tf.math.unsorted_segment_mean(d, IDS, 4), [DATA]),
    ("unsorted_segment_sqrt_n", lambda d: tf.math.unsorted_segment_sqrt_n(d, IDS, 4), [DATA]),
    ("unsorted_segment_max", lambda d: tf.math.unsorted_segment_max(d, FULL_IDS, 3), [DATA]),
    ("unsorted_segment_min", lambda d: tf.math.unsorted_segment_min(d, FULL_IDS, 3), [DATA]),
    ("clip_by_norm", lambda t: tf.clip_by_norm(t, 1.0, axes=[1]), [A]),
    ("clip_by_global_norm", lambda a, b: tf.clip_by_global_norm([a, None, b], 2.0)[0][::2],
     [A, np.array([3.0, -4.0])]),
    ("global_norm", lambda a, b: tf.linalg.global_norm([a, b]), [A, np.array([3.0, -4.0])]),
    ("clip_by_average_norm", lambda t: tf.clip_by_average_norm(t, 0.1), [A]),
]


@pytest.mark.parametrize("name,function,inputs", GRADIENT_CASES,
                         ids=[case[0] for case in GRADIENT_CASES])
def test_gradient(name, function, inputs):
    check_gradients(function, inputs)


def test_clip_by_norm_of_zeros_has_a_finite_gradient():
    x = tf.constant(np.zeros(3))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.clip_by_norm(x, 1.0))
    assert np.isfinite(tape.gradient(y, x).numpy()).all()


def _second_order(function):
    """x -> d/dx sum(function(x) * w): checking its gradient checks second derivatives."""
    weights = {}

    def gradient(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = function(x)
            w = weights.setdefault("w", rng.uniform(0.5, 1.5, size=np.shape(y)))
            total = tf.reduce_sum(y * w)
        return tape.gradient(total, x)
    return gradient


@pytest.mark.parametrize("name,function,inputs", [
    ("tile", lambda x: tf.tile(x, [2, 3]) ** 2, [A]),
    ("pad", lambda x: tf.pad(x, [[1, 1], [0, 2]]) ** 2, [A]),
    ("gather_nd", lambda x: tf.gather_nd(x, [[1, 2], [0, 0]]) ** 2, [A]),
    ("slice", lambda x: tf.slice(x, [1, 1], [2, -1]) ** 2, [A]),
    ("top_k", lambda x: tf.math.top_k(x, 3).values ** 2, [A]),
    ("einsum", lambda x: tf.einsum("ij,jk->ik", x, tf.transpose(x)), [A]),
    ("einsum_diag", lambda x: tf.einsum("ii->i", x) ** 3, [SPD]),
    ("inv", tf.linalg.inv, [SPD]),
    ("det", tf.linalg.det, [SPD]),
    ("roll", lambda x: tf.roll(x, 1, 1) ** 2, [A]),
    ("unsorted_segment_max", lambda d: tf.math.unsorted_segment_max(d, FULL_IDS, 3) ** 2,
     [DATA]),
], ids=lambda case: case if isinstance(case, str) else "")
def test_second_order_gradient(name, function, inputs):
    check_gradients(_second_order(function), inputs, modes=("eager",), rtol=1e-4, atol=1e-6)


def test_einsum_gradient_with_unknown_rank_ellipsis_is_unimplemented():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float64, None)
        y = tf.einsum("...i->...", x)
        with pytest.raises(tf.errors.UnimplementedError, match="known rank"):
            tf.gradients(y, x)


def test_split_gradient_with_unused_pieces():
    x = tf.constant(A)
    with tf.GradientTape() as tape:
        tape.watch(x)
        first, _ = tf.split(x, 2, axis=1)
        y = tf.reduce_sum(first * 2.0)
    expected = np.concatenate([np.full((3, 2), 2.0), np.zeros((3, 2))], axis=1)
    assert_same(tape.gradient(y, x).numpy(), expected)


def test_dynamic_split_static_shapes():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 6])
        a, b = tf.split(x, 2, axis=1)
        c, d = tf.split(x, [2, -1], axis=0)
        assert a.shape.as_list() == [None, 3] and c.shape.as_list() == [2, 6]
        assert d.shape.as_list() == [None, 6]
        with tf.compat.v1.Session(graph=graph) as sess:
            values = sess.run([a, d], {x: np.ones((5, 6))})
        assert values[0].shape == (5, 3) and values[1].shape == (3, 6)


# ---- the core array ops of array_ops.py -----------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_core_array_ops_forward(mode):
    assert_same(evaluate(lambda x, y: tf.concat([x, y], axis=-1), A, A * 2, mode=mode),
                np.concatenate([A, A * 2], -1))
    assert_same(evaluate(lambda x, y: tf.stack([x, y], axis=1), A, A * 2, mode=mode),
                np.stack([A, A * 2], 1))
    assert_same(evaluate(lambda x: tf.unstack(x, num=3), A, mode=mode), list(A))
    assert_same(evaluate(lambda x: tf.squeeze(tf.expand_dims(x, 1), [1]), A, mode=mode), A)
    assert_same(evaluate(lambda x: tf.broadcast_to(x, [2, 3, 4]), A, mode=mode),
                np.broadcast_to(A, (2, 3, 4)))
    assert_same(evaluate(lambda x: tf.gather(x, [2, 0, 2], axis=1), A, mode=mode),
                A[:, [2, 0, 2]])
    assert_same(evaluate(lambda x: x[1:, ::-2], A, mode=mode), A[1:, ::-2])
    assert_same(evaluate(lambda x: tf.transpose(x, [2, 0, 1]), X, mode=mode),
                X.transpose(2, 0, 1))
    assert_same(evaluate(lambda x: tf.reshape(x, [4, -1]), X, mode=mode), X.reshape(4, -1))
    assert_same(evaluate(lambda i: tf.one_hot(i, 3), np.array([0, 2, 1]), mode=mode),
                np.eye(3)[[0, 2, 1]], np.float32)
    assert_same(evaluate(lambda v: tf.fill([2, 2], v), np.float64(1.5), mode=mode),
                np.full((2, 2), 1.5))


@pytest.mark.parametrize("name,function,inputs", [
    ("concat", lambda x, y: tf.concat([x, y], axis=0), [A, A[:1] * 2]),
    ("stack", lambda x, y: tf.stack([x, y], axis=2), [A, A * 2]),
    ("unstack", lambda x: tf.unstack(x, axis=1)[::2], [A]),
    ("expand_squeeze", lambda x: tf.squeeze(tf.expand_dims(x, 0) * 2.0), [A]),
    ("transpose", lambda x: tf.transpose(x, [1, 2, 0]), [X / 10]),
    ("reshape", lambda x: tf.reshape(x, [6, 4]), [X / 10]),
    ("broadcast_to", lambda x: tf.broadcast_to(x, [2, 3, 4]), [A]),
    ("gather", lambda x: tf.gather(x, [[2, 0], [2, 2]], axis=1), [A]),
    ("getitem", lambda x: x[1:, ::-2], [A]),
    ("getitem_index_array", lambda x: x[np.array([0, 2, 0])], [A]),
    ("fill", lambda v: tf.fill([2, 3], v), [np.float64(0.7)]),
    ("identity", tf.identity, [A]),
    ("placeholder_with_default", lambda x: tf.compat.v1.placeholder_with_default(x, [3, 4]),
     [A]),
    ("take_along_axis", lambda x: apply_op(
        "TakeAlongAxis", [x, tf.constant([[1, 1], [0, 3], [2, 0]])]), [A]),
], ids=lambda case: case if isinstance(case, str) else "")
def test_core_array_gradients(name, function, inputs):
    check_gradients(function, inputs)


@pytest.mark.parametrize("name,function", [
    ("gather", lambda x: tf.gather(x, [2, 0, 2]) ** 2),
    ("getitem", lambda x: x[::-1, 1:3] ** 2),
    ("stack", lambda x: tf.stack([x, x ** 2])),
    ("take_along_axis", lambda x: apply_op(
        "TakeAlongAxis", [x, tf.constant([[1, 1], [0, 3], [2, 0]])]) ** 2),
], ids=lambda case: case if isinstance(case, str) else "")
def test_core_second_order_gradients(name, function):
    check_gradients(_second_order(function), [A], modes=("eager",), rtol=1e-4, atol=1e-6)


def test_concat_gradient_with_unknown_sizes():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float64, [None, 4])
        y = tf.compat.v1.placeholder(tf.float64, [None, 4])
        joined = tf.concat([x, y * 2.0], axis=0)
        gx, gy = tf.gradients(tf.reduce_sum(joined * joined), [x, y])
        assert gx.shape.as_list() == [None, 4]
        with tf.compat.v1.Session(graph=graph) as sess:
            values = sess.run([gx, gy], {x: A, y: A[:2]})
    assert_same(values[0], 2 * A)
    assert_same(values[1], 8 * A[:2])


def test_top_k_with_run_time_k():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float64, [2, 5])
        k = tf.compat.v1.placeholder(tf.int32, [])
        values, indices = tf.math.top_k(x, k)
        assert values.shape.as_list() == [2, None]
        (gradient,) = tf.gradients(tf.reduce_sum(values), [x])
        with tf.compat.v1.Session(graph=graph) as sess:
            got, got_gradient = sess.run([values, gradient], {x: TIES, k: 2})
    assert_same(got, [[3, 3], [7, 2]])
    assert_same(got_gradient, [[1, 0, 1, 0, 0], [0, 0, 1, 0, 1]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least k=9 columns"):
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(values, {x: TIES, k: 9})
