"""The plan's rewrites (constant folding, common subexpressions): fewer kernel calls, same
answers, and never a frozen random number, a skipped side effect or a stale variable read."""
import numpy as np
import pytest

import tensorflux as tf
from tensorflux.compiler.plan import Plan

tf1 = tf.compat.v1


def _plan_of(function, *args):
    return function.get_concrete_function(*args)._plan


def _kernel_types(plan):
    return [op.type for op in plan._steps]


def test_static_shape_arithmetic_is_folded():
    @tf.function
    def mean_by_hand(x):
        n = tf.cast(tf.size(x), tf.float32)
        rows = tf.cast(tf.shape(x)[0], tf.float32)
        return tf.reduce_sum(x) / n + rows + tf.reduce_sum(tf.ones_like(x))

    x = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
    plan = _plan_of(mean_by_hand, x)
    assert _kernel_types(plan).count("Sum") == 1                # only the data-dependent one
    for folded in ("Size", "Shape", "Cast", "StridedSlice", "OnesLike"):
        assert folded not in _kernel_types(plan)
    assert float(mean_by_hand(x)) == pytest.approx(15 / 6 + 2 + 6)


def test_unknown_batch_dimension_is_not_folded():
    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def rows(x):
        return tf.shape(x)[0]

    assert "Shape" in _kernel_types(rows.get_concrete_function()._plan)
    assert int(rows(tf.zeros([2, 3]))) == 2
    assert int(rows(tf.zeros([5, 3]))) == 5


def test_random_ops_with_constant_inputs_are_not_folded():
    @tf.function
    def draw():
        return tf.random.uniform([4]), tf.keras.layers.Dropout(0.5)(tf.ones([64]), training=True)

    (a, mask_a), (b, mask_b) = draw(), draw()
    assert not np.array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(mask_a.numpy(), mask_b.numpy())


def test_side_effects_on_constants_still_run_every_call(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))

    @tf.function
    def log(step):
        with writer.as_default():
            tf.summary.scalar("constant", tf.constant(2.0) * 3.0, step=step)
        return tf.constant(1)

    for step in range(3):
        log(tf.constant(step, tf.int64))
    writer.flush()
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    accumulator = EventAccumulator(str(tmp_path))
    accumulator.Reload()
    tags = accumulator.Tags()
    values = accumulator.Tensors("constant") if "constant" in tags.get("tensors", []) else \
        accumulator.Scalars("constant")
    assert [event.step for event in values] == [0, 1, 2]


def test_common_subexpressions_are_computed_once():
    @tf.function
    def twice(x):
        return tf.square(x) + tf.square(x)

    x = tf.constant([1.0, 2.0])
    assert _kernel_types(_plan_of(twice, x)).count("Square") == 1
    np.testing.assert_array_equal(twice(x).numpy(), [2.0, 8.0])


def test_reads_around_an_assignment_are_not_merged():
    v = tf.Variable([1.0, 2.0])

    @tf.function
    def before_and_after():
        before = v * 2.0
        with tf.control_dependencies([before]):
            update = v.assign_add([10.0, 10.0])
        with tf.control_dependencies([update]):
            after = v * 2.0
        return before, after

    before, after = before_and_after()
    np.testing.assert_array_equal(before.numpy(), [2.0, 4.0])
    np.testing.assert_array_equal(after.numpy(), [22.0, 24.0])


def test_session_fetch_of_a_folded_constant_is_a_fresh_array():
    graph = tf.Graph()
    with graph.as_default():
        doubled = tf.constant([1.0, 2.0]) * 2.0
        with tf1.Session() as sess:
            first = sess.run(doubled)
            first[0] = 100.0
            np.testing.assert_array_equal(sess.run(doubled), [2.0, 4.0])


def test_feeds_override_folded_values():
    graph = tf.Graph()
    with graph.as_default():
        a = tf.constant(2.0)
        b = a * 3.0
        c = b + 1.0
        with tf1.Session() as sess:
            assert sess.run(c) == 7.0
            assert sess.run(c, {a: 5.0}) == 16.0
            assert sess.run(c, {b: 10.0}) == 11.0


def test_folded_values_are_read_only():
    graph = tf.Graph()
    with graph.as_default():
        folded = tf.constant([1.0, 2.0]) + 1.0
        placeholder = tf1.placeholder(tf.float32, [2])
        total = tf.reduce_sum(folded * placeholder)
    plan = Plan([total], feeds=[placeholder])
    assert "AddV2" not in _kernel_types(plan) and "Add" not in _kernel_types(plan)
    value = plan._constants[id(folded)]
    np.testing.assert_array_equal(value, [2.0, 3.0])
    assert not value.flags.writeable       # shared by every run: a kernel cannot write it
    assert plan(np.array([1.0, 1.0], np.float32))[0] == 5.0


def test_kernel_errors_in_folded_ops_surface_when_run():
    graph = tf.Graph()
    with graph.as_default():
        bad = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant([0, 7]),
                                                             logits=tf.zeros([2, 3]))
        with tf1.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError, match="label value of 7"):
                sess.run(bad)


def test_tf1_reads_of_one_variable_tensor_around_an_assignment_are_not_merged():
    # The plan runs ops in program order: the second `v * 2.0` sees the assignment.
    graph = tf.Graph()
    with graph.as_default():
        v = tf1.Variable([1.0, 2.0])
        two = tf.constant(2.0)
        before = v * two
        update = tf1.assign_add(v, [10.0, 10.0])
        after = v * two         # same op type, inputs and attrs as `before`
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            got_before, _, got_after = sess.run([before, update, after])
    np.testing.assert_array_equal(got_before, [2.0, 4.0])
    np.testing.assert_array_equal(got_after, [22.0, 24.0])


def _in_place_names(plan):
    return [op.type for op in plan.in_place]


def test_elementwise_ops_write_into_new_arrays_nothing_else_sees():
    rng = np.random.default_rng(0)
    x = tf.constant(rng.standard_normal((2, 6, 6, 3)).astype(np.float32))
    w = tf.constant(rng.standard_normal((3, 3, 3, 4)).astype(np.float32))
    b = tf.constant(rng.standard_normal(4).astype(np.float32))

    def chain(x):
        return tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, w, 1, "VALID"), b)) * 2.0

    compiled = tf.function(chain)
    assert _kernel_types(_plan_of(compiled, x)).count("Relu") == 1
    assert _in_place_names(_plan_of(compiled, x)) == ["BiasAdd", "Relu", "Mul"]
    np.testing.assert_array_equal(compiled(x).numpy(), chain(x).numpy())


def test_no_in_place_write_into_an_array_seen_elsewhere():
    w = tf.constant([[1.0, -2.0], [3.0, 4.0]])

    @tf.function
    def shared(x):
        product = tf.matmul(x, w)
        # `product` has two consumers and is also returned: nothing may write into it
        return tf.nn.relu(product), product * 3.0, product, tf.nn.relu(x)

    x = tf.constant([[1.0, 1.0]])
    plan = _plan_of(shared, x)
    assert plan.in_place == []       # the fed x is never written either
    relu, tripled, product, relu_x = shared(x)
    np.testing.assert_array_equal(product.numpy(), [[4.0, 2.0]])
    np.testing.assert_array_equal(relu.numpy(), [[4.0, 2.0]])
    np.testing.assert_array_equal(tripled.numpy(), [[12.0, 6.0]])
    np.testing.assert_array_equal(x.numpy(), [[1.0, 1.0]])
    np.testing.assert_array_equal(relu_x.numpy(), [[1.0, 1.0]])


def test_no_in_place_write_when_broadcasting_changes_the_shape():
    @tf.function
    def grow(x):
        column = tf.matmul(x, tf.ones([2, 1]))          # [1, 1]
        return column + tf.constant([[1.0, 2.0, 3.0]])  # [1, 3]

    x = tf.constant([[1.0, 2.0]])
    assert _plan_of(grow, x).in_place == []
    np.testing.assert_array_equal(grow(x).numpy(), [[4.0, 5.0, 6.0]])


def test_large_results_are_not_folded():
    @tf.function
    def big():
        return tf.reduce_sum(tf.ones([300, 300]) * 2.0)

    plan = big.get_concrete_function()._plan
    assert "Mul" in _kernel_types(plan)          # 90,000 elements: computed at run time
    assert float(big()) == 180000.0
