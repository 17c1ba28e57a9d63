"""Recurrent layers: cells, the RNN loop, SimpleRNN/LSTM/GRU, Bidirectional, TimeDistributed
and the convolutional LSTMs (found by `keras.layers.<name>` through this module)."""
from tensorflux.keras.layers.recurrent.cells import GRUCell, LSTMCell, SimpleRNNCell
from tensorflux.keras.layers.recurrent.conv_lstm import (ConvLSTM1D, ConvLSTM2D, ConvLSTM3D,
                                                         ConvLSTMCell)
from tensorflux.keras.layers.recurrent.layers import GRU, LSTM, SimpleRNN
from tensorflux.keras.layers.recurrent.rnn import RNN, StackedRNNCells
from tensorflux.keras.layers.recurrent.wrappers import Bidirectional, TimeDistributed

__all__ = ["SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells", "RNN", "SimpleRNN",
           "LSTM", "GRU", "Bidirectional", "TimeDistributed", "ConvLSTMCell", "ConvLSTM1D",
           "ConvLSTM2D", "ConvLSTM3D"]
