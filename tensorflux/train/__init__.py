"""tf.train (TF1): optimizers with minimize/compute_gradients/apply_gradients, global step,
learning-rate decays, Saver and checkpoints."""
from tensorflux.train.optimizer import (Optimizer, GradientDescentOptimizer, MomentumOptimizer,
                                        AdamOptimizer, RMSPropOptimizer, AdagradOptimizer)
from tensorflux.train.global_step import (get_global_step, get_or_create_global_step,
                                          create_global_step, global_step)
from tensorflux.train.saver import Saver, latest_checkpoint, checkpoint_exists

__all__ = ["Optimizer", "GradientDescentOptimizer", "MomentumOptimizer", "AdamOptimizer",
           "RMSPropOptimizer", "AdagradOptimizer", "get_global_step",
           "get_or_create_global_step", "create_global_step", "global_step", "Saver",
           "latest_checkpoint", "checkpoint_exists"]
