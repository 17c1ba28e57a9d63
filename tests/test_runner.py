"""The drop-in runner: `python -m tensorflux run SCRIPT` with tensorflow/keras aliased."""
import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

from tensorflux.compat import runner

REPO_ROOT = Path(__file__).resolve().parents[1]


def run_cli(tmp_path, *args, source=None):
    """Run `python -m tensorflux ARGS` in tmp_path, with `source` written to script.py."""
    if source is not None:
        (tmp_path / "script.py").write_text(textwrap.dedent(source))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO_ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return subprocess.run([sys.executable, "-m", "tensorflux", *args], cwd=tmp_path,
                          env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=120)


def test_imports_resolve_to_the_same_tensorflux_modules(tmp_path):
    result = run_cli(tmp_path, "run", "script.py", source="""
        import tensorflow as tf
        import keras
        from tensorflow import keras as k2
        print(tf.__name__, keras.__name__, k2 is keras)

        import sys
        import tensorflux
        import tensorflow.keras.datasets
        from keras.datasets import fashion_mnist
        from tensorflow.keras.datasets import mnist
        import keras.datasets as kd
        assert tensorflow.keras is tensorflux.keras is keras
        assert kd is tensorflux.keras.datasets is sys.modules["keras.datasets"]
        assert fashion_mnist is tensorflux.keras.datasets.fashion_mnist
        assert mnist is tensorflux.keras.datasets.mnist
        # the tensorflux modules keep their own identity
        assert tensorflux.keras.__spec__.name == "tensorflux.keras"
        assert tensorflux.keras.datasets.__spec__.name == "tensorflux.keras.datasets"
        print("aliases ok")
        """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["tensorflux tensorflux.keras True", "aliases ok"]


def test_missing_tensorflow_submodule_is_an_import_error(tmp_path):
    result = run_cli(tmp_path, "run", "script.py", source="""
        try:
            import tensorflow.no_such_module
        except ModuleNotFoundError as exc:
            print("missing", exc.name)
        """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "missing tensorflux.no_such_module"


def test_script_sees_its_argv_folder_and_main_name(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "helper.py").write_text("VALUE = 42\n")
    (tmp_path / "sub" / "prog.py").write_text(textwrap.dedent("""
        import os, sys
        import helper  # found because the script's folder is sys.path[0]
        print(__name__, sys.argv[1:], helper.VALUE, os.path.basename(sys.path[0]))
        print(os.path.basename(sys.argv[0]))
        """))
    result = run_cli(tmp_path, "run", "sub/prog.py", "--flag", "x y")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["__main__ ['--flag', 'x y'] 42 sub", "prog.py"]


@pytest.mark.parametrize("source, status", [
    ("print('fine')", 0),
    ("import sys; sys.exit()", 0),
    ("import sys; sys.exit(0)", 0),
    ("import sys; sys.exit(3)", 3),
    ("raise SystemExit(7)", 7),
])
def test_exit_status_is_the_scripts(tmp_path, source, status):
    assert run_cli(tmp_path, "run", "script.py", source=source).returncode == status


def test_exception_prints_traceback_and_exits_1(tmp_path):
    result = run_cli(tmp_path, "run", "script.py", source="""
        def fail():
            raise ValueError("boom")
        fail()
        """)
    assert result.returncode == 1
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert "script.py\", line 4" in result.stderr and "in fail" in result.stderr
    assert result.stderr.rstrip().endswith("ValueError: boom")
    assert "runpy" not in result.stderr  # the runner's own frames are left out


def test_exit_with_message(tmp_path):
    result = run_cli(tmp_path, "run", "script.py", source="import sys; sys.exit('bad input')")
    assert result.returncode == 1 and result.stderr.strip() == "bad input"


def test_command_line_errors_and_help(tmp_path):
    for args in (["--help"], ["-h"], ["run", "--help"]):
        result = run_cli(tmp_path, *args)
        assert result.returncode == 0 and "usage: tensorflux run" in result.stdout
    assert run_cli(tmp_path).returncode == 2
    assert run_cli(tmp_path, "run").returncode == 2
    assert run_cli(tmp_path, "frobnicate").returncode == 2
    assert run_cli(tmp_path, "run", "--bogus", "x.py").returncode == 2
    missing = run_cli(tmp_path, "run", "nope.py")
    assert missing.returncode == 2 and "cannot read nope.py" in missing.stderr


@pytest.mark.parametrize("code", [
    "x = tf.placeholder(tf.float32)",
    "x = tf.placeholder (tf.float32, [None, 784])",
    "sess = tf.Session()",
    "with tf.InteractiveSession(): pass",
    "init = tf.global_variables_initializer()",
    "step = tf.train.GradientDescentOptimizer(0.5).minimize(loss)",
    "saver = tf.train.Saver()",
    "loss = -tf.reduce_sum(y * tf.log(p))",
    "w = tf.Variable(tf.truncated_normal([3, 3]))",
    "ds = tf.contrib.data.shuffle_and_repeat(10)",
    "tf.logging.set_verbosity(tf.logging.INFO)",
    "with tf.variable_scope('layer_1'): pass",
    "v = tf.get_variable('v', [3])",
    "w = tf.summary.FileWriter('logs', sess.graph)",
    "merged = tf.summary.merge_all()",
    "acc, op = tf.metrics.accuracy(labels, predictions)",
    "spec = tf.estimator.EstimatorSpec(mode)",
    "words = tf.string_split(lines)",
    "data = tf.read_file(path)",
    "img = tf.image.resize_images(img, [64, 64])",
    "tf.reset_default_graph()",
    "g = tf.get_default_graph()",
    "x = tensorflow.placeholder(tensorflow.float32)",
])
def test_tf1_names_are_detected(code):
    assert runner.uses_tf1_api("import tensorflow as tf\n" + code + "\n")


@pytest.mark.parametrize("code", [
    "x = tf.constant([1, 2, 3])",
    "# sess = tf.Session() in TF1",
    "print('tf.placeholder is gone in TF 2')",
    '"""Exercises: tf.placeholder, tf.Session, tf.train.AdamOptimizer."""',
    "x = tf.compat.v1.placeholder(tf.float32)",
    "ckpt = tf.train.Checkpoint(model=model)",
    "path = tf.train.latest_checkpoint('ckpt')",
    "ex = tf.train.Example(features=tf.train.Features(feature={}))",
    "m = tf.metrics.Precision()",
    "m = tf.keras.metrics.accuracy(y, p)",
    "y = tf.math.log(x)",
    "y = tf.logical_and(a, b)",
    "y = my_tf.log(x)",
    "w = tf.summary.create_file_writer('logs')",
    "img = tf.image.resize(img, [64, 64])",
    "s = tf.strings.split(lines)",
])
def test_tf2_code_is_not_detected(code):
    assert not runner.uses_tf1_api("import tensorflow as tf\n" + code + "\n")


def test_seed_program_tf1_detection_matches_their_names():
    seed_dir = Path(os.environ.get("TENSORFLUX_SEED_DIR")
                    or REPO_ROOT.parent / "shared" / "seed_programs")
    programs = sorted(seed_dir.glob("[0-9][0-9][0-9]?_*.py"))
    if not programs:
        pytest.skip("seed programs not found in %s" % seed_dir)
    for path in programs:
        source = path.read_text(encoding="utf-8")
        assert runner.uses_tf1_api(source) == ("tf1" in path.stem), path.name


@pytest.fixture
def fake_v1(monkeypatch):
    """A stand-in for tensorflux.compat.v1 that records disable_eager_execution()."""
    import tensorflux.compat

    fake = types.ModuleType("tensorflux.compat.v1")
    fake.calls = []
    fake.disable_eager_execution = lambda: fake.calls.append("disable_eager_execution")
    monkeypatch.setitem(sys.modules, "tensorflux.compat.v1", fake)
    monkeypatch.setattr(tensorflux.compat, "v1", fake, raising=False)
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    return fake


@pytest.mark.parametrize("source, mode, graph_mode", [
    ("if False:\n    tf.placeholder(tf.float32)\n", "auto", True),
    ("if False:\n    tf.placeholder(tf.float32)\n", "tf2", False),
    ("x = 1  # tf.Session()\n", "auto", False),
    ("x = 1\n", "tf1", True),
])
def test_graph_mode_is_enabled_before_tf1_scripts(tmp_path, fake_v1, source, mode, graph_mode):
    script = tmp_path / "script.py"
    script.write_text("import sys\nsys.modules['tensorflux.compat.v1'].calls.append('ran')\n"
                      + source)
    assert runner.run_script(str(script), [], mode) == 0
    expected = ["disable_eager_execution", "ran"] if graph_mode else ["ran"]
    assert fake_v1.calls == expected


def test_tensorflux_seed_makes_an_unseeded_keras_script_reproducible(tmp_path):
    # The seed programs rely on it: Keras initializers draw their seeds from Python's
    # `random`, so the runner seeds it too (not only NumPy and tf.random).
    script = tmp_path / "init.py"
    script.write_text(
        "import numpy as np\n"
        "from tensorflow import keras\n"
        "model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3),\n"
        "                          keras.layers.Dropout(0.5)])\n"
        "print(repr(float(np.abs(model.get_weights()[0]).sum())),\n"
        "      repr(float(model(np.ones((2, 5)), training=True).numpy().sum())))\n")
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), TENSORFLUX_SEED="7")
    outputs = [subprocess.run([sys.executable, "-m", "tensorflux", "run", str(script)],
                              env=env, capture_output=True, text=True, check=True).stdout
               for _ in range(2)]
    assert outputs[0] == outputs[1] and outputs[0].strip()
