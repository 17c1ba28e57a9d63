"""Writes tests/fixtures/keras_recurrent.{json,npz} (+ keras_recurrent.weights.h5) from real
TensorFlow + Keras 3.

Run with the reference interpreter (TensorFlow is not a test dependency):

    /tmp/reftf/bin/python tools/make_fixtures_recurrent.py

Each case builds a layer from (class, kwargs) (wrapper arguments are nested specs), calls it
once to build it, gives it random weights (in `layer.weights` order; LSTM/GRU biases are
random too, so the gate order is pinned), and records the outputs of a call on a small random
input with optional call arguments (an explicit mask, initial states). The JSON also holds each
layer's Keras `serialize_keras_object` config, so loading Keras configs is tested as well.
A small Sequential model (LSTM, GRU, Bidirectional, Dense) is saved as Keras 3 `.weights.h5`
with its predictions, to check that Keras weight files load.
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, os.pardir, "tests", "fixtures", "keras_recurrent")

MASK = [[1, 1, 1, 0, 0], [0, 1, 1, 1, 1]]          # (batch 2, time 5)
MASK_LEADING = [[0, 0, 1, 1, 1], [1, 0, 1, 0, 1]]  # masked first steps: outputs != states


def lstm(**kwargs):
    return {"class": "LSTM", "kwargs": dict({"units": 4}, **kwargs)}


def gru(**kwargs):
    return {"class": "GRU", "kwargs": dict({"units": 4}, **kwargs)}


def simple(**kwargs):
    return {"class": "SimpleRNN", "kwargs": dict({"units": 4}, **kwargs)}


# (case id, layer spec, input shape, call options)
#   call options: "mask" (list), "initial_state" (number of state tensors to draw)
CASES = [
    ("simple_rnn", simple(return_sequences=True, return_state=True), (2, 5, 3), {}),
    ("simple_rnn_relu_backwards", simple(activation="relu", go_backwards=True,
                                         return_sequences=True), (2, 5, 3), {}),
    ("simple_rnn_no_bias_selu", simple(use_bias=False, activation="selu"), (2, 5, 3), {}),
    ("lstm", lstm(return_sequences=True, return_state=True), (2, 5, 3), {}),
    ("lstm_last", lstm(), (3, 6, 2), {}),
    ("lstm_backwards", lstm(go_backwards=True, return_sequences=True, return_state=True),
     (2, 5, 3), {}),
    ("lstm_hard_sigmoid_relu", lstm(activation="relu", recurrent_activation="hard_sigmoid",
                                    return_sequences=True), (2, 5, 3), {}),
    ("lstm_elu_composite", lstm(activation="elu", return_sequences=True, return_state=True),
     (2, 5, 3), {}),
    ("lstm_no_bias", lstm(use_bias=False, unit_forget_bias=False), (2, 5, 3), {}),
    ("lstm_initial_state", lstm(return_sequences=True, return_state=True), (2, 5, 3),
     {"initial_state": 2}),
    ("gru", gru(return_sequences=True, return_state=True), (2, 5, 3), {}),
    ("gru_reset_before", gru(reset_after=False, return_sequences=True, return_state=True),
     (2, 5, 3), {}),
    ("gru_backwards", gru(go_backwards=True, return_sequences=True), (2, 5, 3), {}),
    ("gru_no_bias", gru(use_bias=False), (2, 5, 3), {}),
    ("gru_reset_before_no_bias", gru(use_bias=False, reset_after=False), (2, 5, 3), {}),
    ("gru_softsign_composite", gru(activation="softsign", return_sequences=True), (2, 5, 3),
     {}),
    # ---- masking (an explicit (batch, time) mask, as Embedding(mask_zero=True) produces)
    ("simple_rnn_masked", simple(return_sequences=True, return_state=True), (2, 5, 3),
     {"mask": MASK}),
    ("lstm_masked", lstm(return_sequences=True, return_state=True), (2, 5, 3),
     {"mask": MASK}),
    ("lstm_masked_leading_initial_state", lstm(return_sequences=True, return_state=True),
     (2, 5, 3), {"mask": MASK_LEADING, "initial_state": 2}),
    ("lstm_masked_backwards", lstm(go_backwards=True, return_sequences=True,
                                   return_state=True), (2, 5, 3), {"mask": MASK}),
    ("lstm_masked_composite", lstm(activation="elu", return_sequences=True), (2, 5, 3),
     {"mask": MASK_LEADING}),
    ("gru_masked", gru(return_sequences=True, return_state=True), (2, 5, 3), {"mask": MASK}),
    ("gru_reset_before_masked", gru(reset_after=False, return_sequences=True), (2, 5, 3),
     {"mask": MASK_LEADING, "initial_state": 1}),
    # ---- Bidirectional
    ("bidirectional_concat", {"class": "Bidirectional",
                              "kwargs": {"layer": lstm(units=3, return_sequences=True)}},
     (2, 5, 3), {}),
    ("bidirectional_sum", {"class": "Bidirectional",
                           "kwargs": {"layer": gru(units=3), "merge_mode": "sum"}},
     (2, 5, 3), {}),
    ("bidirectional_mul", {"class": "Bidirectional",
                           "kwargs": {"layer": simple(units=3, return_sequences=True),
                                      "merge_mode": "mul"}}, (2, 5, 3), {}),
    ("bidirectional_ave", {"class": "Bidirectional",
                           "kwargs": {"layer": lstm(units=3), "merge_mode": "ave"}},
     (2, 5, 3), {}),
    ("bidirectional_none_state", {"class": "Bidirectional",
                                  "kwargs": {"layer": lstm(units=3, return_sequences=True,
                                                           return_state=True),
                                             "merge_mode": None}}, (2, 5, 3), {}),
    ("bidirectional_gru_state", {"class": "Bidirectional",
                                 "kwargs": {"layer": gru(units=3, return_state=True)}},
     (2, 5, 3), {}),
    ("bidirectional_masked", {"class": "Bidirectional",
                              "kwargs": {"layer": lstm(units=3, return_sequences=True)}},
     (2, 5, 3), {"mask": MASK}),
    ("bidirectional_masked_last", {"class": "Bidirectional",
                                   "kwargs": {"layer": gru(units=3)}}, (2, 5, 3),
     {"mask": MASK}),
    # ---- TimeDistributed, stacked cells, ConvLSTM
    ("time_distributed_dense", {"class": "TimeDistributed",
                                "kwargs": {"layer": {"class": "Dense",
                                                     "kwargs": {"units": 2,
                                                                "activation": "tanh"}}}},
     (2, 4, 3), {}),
    ("time_distributed_conv2d", {"class": "TimeDistributed",
                                 "kwargs": {"layer": {"class": "Conv2D",
                                                      "kwargs": {"filters": 2,
                                                                 "kernel_size": 2}}}},
     (2, 3, 4, 4, 1), {}),
    ("rnn_stacked_cells", {"class": "RNN",
                           "kwargs": {"cell": [{"class": "LSTMCell", "kwargs": {"units": 3}},
                                               {"class": "GRUCell", "kwargs": {"units": 2}}],
                                      "return_sequences": True, "return_state": True}},
     (2, 5, 3), {}),
    ("rnn_simple_cell", {"class": "RNN",
                         "kwargs": {"cell": {"class": "SimpleRNNCell", "kwargs": {"units": 3}},
                                    "go_backwards": True}}, (2, 5, 3), {}),
    ("conv_lstm2d_same", {"class": "ConvLSTM2D",
                          "kwargs": {"filters": 3, "kernel_size": 3, "padding": "same",
                                     "return_sequences": True, "return_state": True}},
     (1, 3, 5, 5, 2), {}),
    ("conv_lstm2d_valid_strided", {"class": "ConvLSTM2D",
                                   "kwargs": {"filters": 2, "kernel_size": 3, "strides": 2}},
     (2, 3, 7, 6, 2), {}),
    ("conv_lstm1d", {"class": "ConvLSTM1D",
                     "kwargs": {"filters": 2, "kernel_size": 2, "return_sequences": True}},
     (2, 3, 6, 2), {}),
    ("conv_lstm3d", {"class": "ConvLSTM3D",
                     "kwargs": {"filters": 2, "kernel_size": 2, "padding": "same"}},
     (1, 2, 3, 3, 3, 1), {}),
    ("conv_lstm2d_masked", {"class": "ConvLSTM2D",
                            "kwargs": {"filters": 2, "kernel_size": 3, "padding": "same",
                                       "return_sequences": True}},
     (2, 5, 4, 4, 1), {"mask": MASK}),
]


def make_layer(spec):
    kwargs = {}
    for key, value in spec["kwargs"].items():
        if isinstance(value, dict) and "class" in value:
            value = make_layer(value)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            value = [make_layer(item) for item in value]
        kwargs[key] = value
    return getattr(keras.layers, spec["class"])(**kwargs)


def flat_outputs(result):
    if isinstance(result, (list, tuple)):
        out = []
        for item in result:
            out.extend(flat_outputs(item))
        return out
    return [np.asarray(result)]


def run_case(rng, case_id, spec, shape, options, arrays):
    layer = make_layer(spec)
    x = rng.uniform(-1.5, 1.5, size=shape).astype("float32")
    kwargs = {}
    if "mask" in options:
        kwargs["mask"] = np.asarray(options["mask"], dtype=bool)
    if "initial_state" in options:
        units = spec["kwargs"]["units"]
        states = [rng.uniform(-1, 1, size=(shape[0], units)).astype("float32")
                  for _ in range(options["initial_state"])]
        for index, state in enumerate(states):
            arrays[f"{case_id}/state{index}"] = state
        kwargs["initial_state"] = states
    layer(x, **kwargs)
    weights = [rng.uniform(-0.8, 0.8, size=w.shape).astype("float32")
               for w in layer.get_weights()]
    layer.set_weights(weights)
    outputs = flat_outputs(layer(x, **kwargs))
    arrays[f"{case_id}/input"] = x
    for index, w in enumerate(weights):
        arrays[f"{case_id}/weight{index}"] = w
    for index, out in enumerate(outputs):
        arrays[f"{case_id}/output{index}"] = out
    return {"id": case_id, "spec": spec, "options": options, "weights": len(weights),
            "weight_shapes": [list(w.shape) for w in weights], "outputs": len(outputs),
            "keras_config": keras.saving.serialize_keras_object(layer)}


def stateful_case(rng, arrays):
    """Two calls of a stateful LSTM, then reset_states and a third call (= the first)."""
    layer = keras.layers.LSTM(3, stateful=True, return_sequences=True)
    x1 = rng.uniform(-1, 1, size=(2, 4, 3)).astype("float32")
    x2 = rng.uniform(-1, 1, size=(2, 4, 3)).astype("float32")
    layer(x1)
    weights = [rng.uniform(-0.8, 0.8, size=w.shape).astype("float32")
               for w in layer.get_weights()]
    layer.set_weights(weights)
    layer.reset_states()
    arrays["stateful/x1"], arrays["stateful/x2"] = x1, x2
    arrays["stateful/out1"] = np.asarray(layer(x1))
    arrays["stateful/out2"] = np.asarray(layer(x2))
    layer.reset_states()
    arrays["stateful/out3"] = np.asarray(layer(x2))
    for index, w in enumerate(weights):
        arrays[f"stateful/weight{index}"] = w
    return {"weights": len(weights)}


def weights_file_case(rng, arrays):
    model = keras.Sequential([
        keras.Input(shape=(6, 3)),
        keras.layers.LSTM(4, return_sequences=True),
        keras.layers.GRU(3, return_sequences=True),
        keras.layers.Bidirectional(keras.layers.SimpleRNN(2)),
        keras.layers.Dense(2),
    ])
    for layer in model.layers:
        layer.set_weights([rng.uniform(-0.8, 0.8, size=w.shape).astype("float32")
                           for w in layer.get_weights()])
    x = rng.uniform(-1, 1, size=(2, 6, 3)).astype("float32")
    arrays["weights_file/input"] = x
    arrays["weights_file/output"] = np.asarray(model(x))
    model.save_weights(OUT + ".weights.h5")


def main():
    rng = np.random.RandomState(1234)
    arrays = {}
    cases = [run_case(rng, *case, arrays) for case in CASES]
    stateful = stateful_case(rng, arrays)
    weights_file_case(rng, arrays)
    with open(OUT + ".json", "w") as f:
        json.dump({"keras_version": keras.__version__, "cases": cases, "stateful": stateful},
                  f, indent=1, sort_keys=True)
    np.savez_compressed(OUT + ".npz", **arrays)
    print(f"wrote {len(cases)} cases, {len(arrays)} arrays to {OUT}.{{json,npz}}")


if __name__ == "__main__":
    main()
