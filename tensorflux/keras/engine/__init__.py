"""The Keras engine: symbolic KerasTensors, layer call context, training loop, data."""
