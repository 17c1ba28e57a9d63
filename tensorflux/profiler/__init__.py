"""tf.profiler: `tf.profiler.experimental.start(logdir)` / `stop()` record per-op timings and
write them where TensorBoard's Profile tab looks (`<logdir>/plugins/profile/<run>/`), with a
plain-text report next to them. See `tensorflux.profiler.experimental`."""
from tensorflux.profiler import experimental  # noqa: F401

__all__ = ["experimental"]


def __getattr__(name):
    raise AttributeError(f"tf.profiler.{name} is not implemented by tensorflux: the TF1 "
                         "tfprof API (tf.profiler.profile, ProfileOptionBuilder) is not "
                         "supported; use tf.profiler.experimental.start(logdir) / stop().")
