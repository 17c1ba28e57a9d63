"""Name <-> object lookup shared by activations, initializers, regularizers, constraints."""


def snake_case(name):
    """Keras' class name -> snake case: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d."""
    import re
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def lookup(kind, identifier, table, instantiate=True):
    """Resolves a string, dict {"class_name", "config"}, class or object to an object."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        config = identifier.get("config", {}) or {}
        cls = table.get(name) or table.get(snake_case(name or ""))
        if cls is None:
            raise ValueError(f"Could not interpret {kind} identifier: {identifier!r}. Known: "
                             f"{sorted(k for k in table if k[0].isupper())}")
        return cls.from_config(config) if hasattr(cls, "from_config") else cls(**config)
    if isinstance(identifier, str):
        found = table.get(identifier) or table.get(snake_case(identifier))
        if found is None:
            raise ValueError(f"Could not interpret {kind} identifier: {identifier!r}. Known "
                             f"names: {', '.join(sorted(table))}")
        if isinstance(found, type) and instantiate:
            return found()
        return found
    if isinstance(identifier, type):
        return identifier() if instantiate else identifier
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret {kind} identifier: {identifier!r}")
