"""Run an unmodified TensorFlow / Keras script on tensorflux.

    tensorflux run SCRIPT [ARGS...]
    python -m tensorflux run SCRIPT [ARGS...]

The script's ``import tensorflow`` / ``import keras`` statements (and their submodules)
resolve to tensorflux: ``tensorflow`` -> ``tensorflux``, ``tensorflow.X`` ->
``tensorflux.X``, ``keras`` -> ``tensorflux.keras``, ``keras.X`` -> ``tensorflux.keras.X``.
The aliases are the very same module objects, so ``tensorflow.keras is tensorflux.keras``.

A script that uses top-level TensorFlow 1.x names (``tf.placeholder``, ``tf.Session``,
``tf.train.GradientDescentOptimizer``, ...) runs in graph mode, as TensorFlow 2 runs such
code under ``tf.compat.v1`` with v2 behaviour disabled.
"""
import importlib
import importlib.abc
import importlib.util
import io
import os
import re
import runpy
import sys
import tokenize
import traceback
import types

USAGE = """\
usage: tensorflux run [--tf1 | --tf2] SCRIPT [ARGS...]
       python -m tensorflux run [--tf1 | --tf2] SCRIPT [ARGS...]

Run a TensorFlow/Keras Python script unchanged on tensorflux: its `import tensorflow`
and `import keras` statements (with their submodules) get tensorflux modules.

The script runs as __main__ with sys.argv = [SCRIPT, ARGS...] and its own folder
first on sys.path. The exit status is the script's; an uncaught exception prints its
traceback and exits with status 1.

options:
  -h, --help  show this help and exit
  --tf1       run in TF1 graph mode (placeholders, Session) whatever the script uses
  --tf2       run eagerly even if the script uses TensorFlow 1.x names
              (default: graph mode exactly when the script uses top-level TF 1.x
              names such as tf.placeholder, tf.Session or tf.train.*Optimizer)
"""

# Module name prefixes a script may import, and what they stand for.
ALIASES = {"tensorflow": "tensorflux", "keras": "tensorflux.keras"}

# Names under tf.train that TensorFlow 2 still has at top level: a script using only
# these is not a TF1 script.
_TF2_TRAIN_NAMES = (
    "Checkpoint", "CheckpointManager", "CheckpointOptions", "ClusterSpec", "Coordinator",
    "Example", "SequenceExample", "Feature", "Features", "FeatureList", "FeatureLists",
    "FloatList", "Int64List", "BytesList", "ServerDef", "ExponentialMovingAverage",
    "latest_checkpoint", "list_variables", "load_checkpoint", "load_variable",
    "checkpoints_iterator", "get_checkpoint_state", "experimental",
)

# Top-level TensorFlow 1.x names, matched on the script's code with comments and string
# literals removed. `tf.metrics.` counts only for the lowercase TF1 functions
# (tf.metrics.accuracy), not for the TF2 metric classes (tf.metrics.Precision).
TF1_PATTERN = re.compile(
    r"(?<![\w.])(?:tf|tensorflow)\s*\.\s*(?:"
    r"(?:placeholder|Session|InteractiveSession|global_variables_initializer"
    r"|truncated_normal|variable_scope|get_variable|string_split|read_file"
    r"|reset_default_graph|get_default_graph)\b"
    r"|log\s*\("
    r"|(?:contrib|logging|estimator)\s*\."
    r"|train\s*\.\s*(?!(?:" + "|".join(_TF2_TRAIN_NAMES) + r")\b)\w"
    r"|summary\s*\.\s*(?:FileWriter|merge_all)\b"
    r"|metrics\s*\.\s*[a-z_]"
    r"|image\s*\.\s*resize_images\b"
    r")"
)


def _code_only(source):
    """``source`` with its comments and string literals replaced by spaces.

    The source is returned unchanged if it does not tokenize (the script will then fail
    with its own SyntaxError anyway).
    """
    lines = io.StringIO(source).readlines()
    line_starts = [0]
    for line in lines:
        line_starts.append(line_starts[-1] + len(line))
    skipped = {tokenize.COMMENT, tokenize.STRING}
    if hasattr(tokenize, "FSTRING_MIDDLE"):  # Python 3.12+: literal text of f-strings
        skipped.add(tokenize.FSTRING_MIDDLE)
    chars = list(source)
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in skipped:
                begin = line_starts[token.start[0] - 1] + token.start[1]
                finish = line_starts[token.end[0] - 1] + token.end[1]
                chars[begin:finish] = " " * (finish - begin)
    except (tokenize.TokenError, SyntaxError):
        return source
    return "".join(chars)


def uses_tf1_api(source):
    """True if the code of ``source`` uses top-level TensorFlow 1.x names."""
    return TF1_PATTERN.search(_code_only(source)) is not None


def _target_name(fullname):
    """The tensorflux module that ``fullname`` stands for, or None."""
    for alias, target in ALIASES.items():
        if fullname == alias or fullname.startswith(alias + "."):
            return target + fullname[len(alias):]
    return None


def _import_target(target):
    """Import ``target``; fall back to a module-valued attribute of its parent."""
    try:
        return importlib.import_module(target)
    except ModuleNotFoundError as exc:
        if exc.name != target:
            raise
        parent_name, _, attribute = target.rpartition(".")
        parent = importlib.import_module(parent_name) if parent_name else None
        value = getattr(parent, attribute, None)
        if isinstance(value, types.ModuleType):
            return value
        raise


class AliasLoader(importlib.abc.Loader):
    """Returns the already importable tensorflux module instead of creating a new one."""

    def __init__(self, target):
        self.target = target
        self._original_spec = None

    def create_module(self, spec):
        module = _import_target(self.target)
        self._original_spec = getattr(module, "__spec__", None)
        return module

    def exec_module(self, module):
        # The import system stamps the alias spec on the module; the tensorflux module
        # keeps its own so that reloading or relative imports inside it are unaffected.
        if self._original_spec is not None:
            module.__spec__ = self._original_spec


class AliasFinder(importlib.abc.MetaPathFinder):
    """Resolves ``tensorflow[.X]`` and ``keras[.X]`` to the matching tensorflux modules."""

    def find_spec(self, fullname, path=None, target=None):
        target_name = _target_name(fullname)
        if target_name is None:
            return None
        return importlib.util.spec_from_loader(fullname, AliasLoader(target_name))


def install_aliases():
    """Put the alias finder first on ``sys.meta_path`` (once)."""
    if not any(isinstance(finder, AliasFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, AliasFinder())


def _enable_tf1_mode():
    # Imported only now: eager scripts never need the TF1 compatibility module.
    from tensorflux.compat import v1

    disable = getattr(v1, "disable_eager_execution", None)
    if disable is None:
        raise RuntimeError("tensorflux.compat.v1.disable_eager_execution() is missing: "
                           "the script uses TensorFlow 1.x names and needs graph mode")
    disable()


def _print_script_traceback(exc, script_path):
    """Print the traceback from the script's first frame on (the runner's are noise)."""
    tb = exc.__traceback__
    script_file = os.path.abspath(script_path)
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != script_file:
        tb = tb.tb_next
    traceback.print_exception(type(exc), exc, tb or exc.__traceback__)


def _apply_seed_from_environment():
    """TENSORFLUX_SEED=<int> seeds tf.random's global seed, NumPy's and Python's `random`
    (where Keras initializers draw their seeds, as keras.utils.set_random_seed does) before the
    script runs, so an unseeded script gives the same numbers every run (used by the tests)."""
    value = os.environ.get("TENSORFLUX_SEED")
    if not value:
        return
    import random

    import numpy
    import tensorflux
    random.seed(int(value))
    tensorflux.random.set_seed(int(value))
    numpy.random.seed(int(value))


def run_script(script, args=(), mode="auto"):
    """Run ``script`` as ``__main__`` with the aliases installed; return its exit status.

    Args:
        script: path of the Python file.
        args: its command-line arguments (``sys.argv[1:]``).
        mode: "auto" (graph mode iff the script uses TF1 names), "tf1" or "tf2".
    """
    try:
        with open(script, "rb") as handle:
            source = importlib.util.decode_source(handle.read())
    except OSError as exc:
        print("tensorflux run: cannot read %s: %s" % (script, exc.strerror or exc),
              file=sys.stderr)
        return 2
    install_aliases()
    sys.argv = [script] + list(args)
    script_dir = os.path.dirname(os.path.abspath(script))
    if sys.path:
        sys.path[0] = script_dir
    else:
        sys.path.insert(0, script_dir)
    try:
        if mode == "tf1" or (mode == "auto" and uses_tf1_api(source)):
            _enable_tf1_mode()
        _apply_seed_from_environment()
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exc:
        code = exc.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        print(code, file=sys.stderr)  # sys.exit("message") prints it and exits 1
        return 1
    except KeyboardInterrupt as exc:
        _print_script_traceback(exc, script)
        return 130
    except BaseException as exc:  # noqa: BLE001 - any failure of the script is reported
        _print_script_traceback(exc, script)
        return 1
    return 0


def main(argv=None):
    """Command-line entry point of ``tensorflux`` and ``python -m tensorflux``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        print(USAGE, end="", file=sys.stderr)
        return 2
    if argv[0] in ("-h", "--help", "help"):
        print(USAGE, end="")
        return 0
    if argv[0] != "run":
        print("tensorflux: unknown command %r\n\n%s" % (argv[0], USAGE), end="",
              file=sys.stderr)
        return 2
    argv = argv[1:]
    mode = "auto"
    while argv and argv[0].startswith("-"):
        option = argv.pop(0)
        if option in ("-h", "--help"):
            print(USAGE, end="")
            return 0
        if option in ("--tf1", "--tf2"):
            mode = option[2:]
        elif option == "--":
            break
        else:
            print("tensorflux run: unknown option %r\n\n%s" % (option, USAGE), end="",
                  file=sys.stderr)
            return 2
    if not argv:
        print("tensorflux run: missing SCRIPT\n\n%s" % USAGE, end="", file=sys.stderr)
        return 2
    return run_script(argv[0], argv[1:], mode)


if __name__ == "__main__":
    sys.exit(main())
