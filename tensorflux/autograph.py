"""tf.autograph: tensorflux traces Python control flow as written (no source conversion)."""


class experimental:
    @staticmethod
    def do_not_convert(func=None):
        return func if func is not None else (lambda f: f)

    class Feature:
        ALL = "ALL"


def set_verbosity(level, alsologtostdout=False):
    return None


def to_graph(entity, recursive=True, experimental_optional_features=None):
    return entity
