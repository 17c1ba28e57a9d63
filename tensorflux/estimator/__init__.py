"""tf.estimator: Estimator, EstimatorSpec, ModeKeys, RunConfig, hooks, train_and_evaluate.

TensorFlow removed tf.estimator in 2.16; tensorflux keeps it for TF1-era programs. Every
Estimator call builds and runs a TF1 graph, whatever the program's execution mode.
"""
from tensorflux.estimator import inputs  # noqa: F401
from tensorflux.estimator.estimator import Estimator, VocabInfo, WarmStartSettings
from tensorflux.estimator.hooks import (CheckpointSaverHook, CheckpointSaverListener,
                                        FeedFnHook, FinalOpsHook, LoggingTensorHook,
                                        NanLossDuringTrainingError, NanTensorHook,
                                        SessionRunArgs, SessionRunContext, SessionRunHook,
                                        SessionRunValues, StepCounterHook, StopAtStepHook,
                                        SummarySaverHook)
from tensorflux.estimator.model_fn import EstimatorSpec, ModeKeys
from tensorflux.estimator.run_config import RunConfig
from tensorflux.estimator.training import EvalSpec, TrainSpec, train_and_evaluate

__all__ = ["Estimator", "EstimatorSpec", "ModeKeys", "RunConfig", "TrainSpec", "EvalSpec",
           "train_and_evaluate", "WarmStartSettings", "VocabInfo", "inputs",
           "SessionRunHook", "SessionRunArgs", "SessionRunContext", "SessionRunValues",
           "LoggingTensorHook", "StopAtStepHook", "NanTensorHook",
           "NanLossDuringTrainingError", "StepCounterHook", "CheckpointSaverHook",
           "CheckpointSaverListener", "SummarySaverHook", "FinalOpsHook", "FeedFnHook"]


def __getattr__(name):
    raise AttributeError(f"tf.estimator.{name} is not implemented by tensorflux (canned "
                         "estimators such as DNNClassifier are not provided: write a "
                         "model_fn for tf.estimator.Estimator).")
