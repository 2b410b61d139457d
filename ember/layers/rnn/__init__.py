"""Recurrent layers: `RNN` and its cells, `LSTM`, `GRU`, `SimpleRNN`,
`Bidirectional` and the convolutional LSTMs."""

from ember.layers.rnn.bidirectional import Bidirectional
from ember.layers.rnn.conv_lstm1d import ConvLSTM1D
from ember.layers.rnn.conv_lstm2d import ConvLSTM2D
from ember.layers.rnn.conv_lstm3d import ConvLSTM3D
from ember.layers.rnn.gru import GRU, GRUCell
from ember.layers.rnn.lstm import LSTM, LSTMCell
from ember.layers.rnn.rnn import RNN
from ember.layers.rnn.simple_rnn import SimpleRNN, SimpleRNNCell
from ember.layers.rnn.stacked_rnn_cells import StackedRNNCells

__all__ = [
    "GRU",
    "LSTM",
    "RNN",
    "Bidirectional",
    "ConvLSTM1D",
    "ConvLSTM2D",
    "ConvLSTM3D",
    "GRUCell",
    "LSTMCell",
    "SimpleRNN",
    "SimpleRNNCell",
    "StackedRNNCells",
]
