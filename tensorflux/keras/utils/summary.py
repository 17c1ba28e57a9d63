"""model.summary() in Keras 3's table layout."""
import numpy as np

from tensorflux.keras.engine.keras_tensor import KerasTensor


def _count(weights):
    return int(sum(np.prod(w.shape.as_list()) for w in weights))


def _bytes(n, itemsize=4):
    size = n * itemsize
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024.0


def _shape_text(layer):
    try:
        output = layer.output
    except AttributeError:
        return "?"
    tensors = output if isinstance(output, (list, tuple)) else [output]
    parts = [str(tuple(t.shape.as_tuple())) if isinstance(t, KerasTensor) else "?"
             for t in tensors]
    return parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"


def print_summary(model, line_length=None, print_fn=None, expand_nested=False,
                  show_trainable=False):
    print_fn = print_fn or print
    functional = model._graph is not None and type(model).__name__ != "Sequential" and \
        len(model._graph.inputs) + len(model._graph.nodes) > 0
    from tensorflux.keras.models.sequential import Sequential
    functional = model._graph is not None and not isinstance(model, Sequential)
    rows = []
    for layer in model.layers:
        params = _count(layer.weights) if layer.built or layer.weights else 0
        row = [f"{layer.name} ({type(layer).__name__})", _shape_text(layer),
               f"{params:,}" if layer.built or layer.weights else "0 (unbuilt)"]
        if functional:
            connected = []
            for node in layer._inbound_nodes[:1]:
                for t in node.input_tensors:
                    src, node_index, index = t._keras_history
                    connected.append(f"{src.name}[{node_index}][{index}]")
            row.append(", ".join(connected) if connected else "-")
        rows.append(row)
    headers = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if functional
                                                            else [])
    widths = [max(len(headers[i]), *(len(r[i]) for r in rows)) + 2 if rows else
              len(headers[i]) + 2 for i in range(len(headers))]
    widths = [max(w, m) for w, m in zip(widths, [31, 22, 13, 20])]

    def line(left, mid, right, fill):
        return left + mid.join(fill * w for w in widths) + right

    def cells(values, aligns):
        out = []
        for value, width, align in zip(values, widths, aligns):
            text = f" {value} "
            out.append(text.rjust(width) if align == "r" else text.ljust(width))
        return out

    aligns = ["l", "l", "r", "l"][:len(headers)]
    print_fn(f'Model: "{model.name}"')
    print_fn(line("\u250f", "\u2533", "\u2513", "\u2501"))
    print_fn("\u2503" + "\u2503".join(cells(headers, aligns)) + "\u2503")
    print_fn(line("\u2521", "\u2547", "\u2529", "\u2501"))
    for i, row in enumerate(rows):
        print_fn("\u2502" + "\u2502".join(cells(row, aligns)) + "\u2502")
        if i < len(rows) - 1:
            print_fn(line("\u251c", "\u253c", "\u2524", "\u2500"))
    print_fn(line("\u2514", "\u2534", "\u2518", "\u2500"))
    trainable = _count(model.trainable_weights)
    total = _count(model.weights)
    optimizer_params = _count(model.optimizer.variables) if getattr(
        model, "optimizer", None) is not None and hasattr(model.optimizer, "variables") and \
        not callable(getattr(model.optimizer, "variables")) else 0
    print_fn(f" Total params: {total + optimizer_params:,} ({_bytes(total + optimizer_params)})")
    print_fn(f" Trainable params: {trainable:,} ({_bytes(trainable)})")
    print_fn(f" Non-trainable params: {total - trainable:,} ({_bytes(total - trainable)})")
    if optimizer_params:
        print_fn(f" Optimizer params: {optimizer_params:,} ({_bytes(optimizer_params)})")
