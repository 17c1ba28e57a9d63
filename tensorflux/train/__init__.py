"""tf.train (TF1): optimizers with minimize/compute_gradients/apply_gradients, global step,
learning-rate decays, Saver and checkpoints."""
from tensorflux.train.optimizer import (Optimizer, GradientDescentOptimizer, MomentumOptimizer,
                                        AdamOptimizer, RMSPropOptimizer, AdagradOptimizer,
                                        AdadeltaOptimizer)
from tensorflux.train.global_step import (get_global_step, get_or_create_global_step,
                                          create_global_step, global_step)
from tensorflux.train.learning_rate_decay import (exponential_decay, natural_exp_decay,
                                                  inverse_time_decay, polynomial_decay,
                                                  piecewise_constant, cosine_decay)
from tensorflux.train.saver import (Saver, latest_checkpoint, checkpoint_exists,
                                    get_checkpoint_state, CheckpointState)



def __getattr__(name):
    # tf.train.Example and friends live with the parsing code in tensorflux.io
    if name in ("Example", "Features", "Feature", "BytesList", "FloatList", "Int64List",
                "FeatureList", "FeatureLists", "SequenceExample"):
        from tensorflux.io import _example
        if hasattr(_example, name):
            return getattr(_example, name)
    if name == "write_graph":  # TF1 spelling of tf.io.write_graph
        from tensorflux.io import write_graph
        return write_graph
    raise AttributeError(f"tf.train.{name} is not implemented by tensorflux.")


__all__ = ["Optimizer", "GradientDescentOptimizer", "MomentumOptimizer", "AdamOptimizer",
           "RMSPropOptimizer", "AdagradOptimizer", "AdadeltaOptimizer", "get_global_step",
           "get_or_create_global_step", "create_global_step", "global_step",
           "exponential_decay", "natural_exp_decay", "inverse_time_decay", "polynomial_decay",
           "piecewise_constant", "cosine_decay", "Saver", "latest_checkpoint",
           "checkpoint_exists", "get_checkpoint_state", "CheckpointState"]
