"""tf.random: sampling with TensorFlow's global/op seed rules, stateless ops and Generators."""
import types as _types

from tensorflux.ops.random_ops import (normal, uniform, truncated_normal, shuffle,  # noqa: F401
                                       set_seed, categorical, get_seed,
                                       stateless_normal, stateless_uniform,
                                       stateless_truncated_normal, stateless_categorical,
                                       stateless_binomial, stateless_gamma, stateless_poisson,
                                       stateless_split, stateless_fold_in, stateless_shuffle,
                                       Algorithm, Generator, create_rng_state,
                                       get_global_generator, set_global_generator)

split = stateless_split
fold_in = stateless_fold_in

experimental = _types.SimpleNamespace(
    Algorithm=Algorithm, Generator=Generator, create_rng_state=create_rng_state,
    get_global_generator=get_global_generator, set_global_generator=set_global_generator,
    stateless_split=stateless_split, stateless_fold_in=stateless_fold_in,
    stateless_shuffle=stateless_shuffle)


def __getattr__(name):
    raise AttributeError(f"tf.random.{name} is not implemented by tensorflux.")
