"""keras.callbacks: hooks into fit/evaluate/predict."""
from tensorflux.keras.callbacks.base import Callback, CallbackList, History, ProgbarLogger
from tensorflux.keras.callbacks.backup_and_restore import BackupAndRestore
from tensorflux.keras.callbacks.csv_logger import CSVLogger
from tensorflux.keras.callbacks.early_stopping import EarlyStopping
from tensorflux.keras.callbacks.lambda_callback import (LambdaCallback, RemoteMonitor,
                                                        TerminateOnNaN)
from tensorflux.keras.callbacks.learning_rate import LearningRateScheduler, ReduceLROnPlateau
from tensorflux.keras.callbacks.model_checkpoint import ModelCheckpoint
from tensorflux.keras.callbacks.monitor import MonitorCallback
from tensorflux.keras.callbacks.tensorboard import TensorBoard

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger", "BackupAndRestore",
           "CSVLogger", "EarlyStopping", "LambdaCallback", "RemoteMonitor", "TerminateOnNaN",
           "LearningRateScheduler", "ReduceLROnPlateau", "ModelCheckpoint", "MonitorCallback",
           "TensorBoard"]
