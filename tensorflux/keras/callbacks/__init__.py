"""keras.callbacks: hooks into fit/evaluate/predict."""
from tensorflux.keras.callbacks.base import Callback, CallbackList, History, ProgbarLogger

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger"]
