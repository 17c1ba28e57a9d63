"""The seed programs: unmodified TensorFlow programs that must pass on tensorflux.

Each runs in a fresh process and a fresh empty working directory through
``python -m tensorflux run``; it passes when it exits 0 and its last non-empty stdout
line is ``OK <program name> ...``.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED_DIR = Path(os.environ.get("TENSORFLUX_SEED_DIR")
                or Path(__file__).resolve().parents[2] / "shared" / "seed_programs")
FAST_TIMEOUT_S = 300
SLOW_TIMEOUT_S = 840  # below pytest's default timeout in pyproject.toml

slow = pytest.mark.slow
PROGRAMS = [
    # core engine: tensors and TF1 graph mode
    "001a", "001b", "001c", "002a",
    pytest.param("002b", marks=slow),
    pytest.param("002c", marks=slow),
    "002h", "003a", "003b",
    pytest.param("003c", marks=slow),
    pytest.param("003d", marks=slow),   # TF1 CNN, 300 steps
    # Keras: models, training, losses, metrics, optimizers, callbacks, saving
    pytest.param("000a", marks=slow),   # full 60k, 5 epochs
    "000b", "000c", "000d", "001d", "001e",
    pytest.param("001f", marks=slow),   # Dense(1000) x 2
    "001h",
    pytest.param("002d", marks=slow),   # full 60k, 5 epochs
    "004b", "004d", "004f", "004g", "004h", "004i", "004k",
    # layers for images and sequences, applications, plot_model
    pytest.param("001i", marks=slow),   # MLP and CNN, 2 epochs on 6k
    "002e",
    pytest.param("002f", marks=slow),   # CNN, full 60k
    "002g", "004c", "004e", "004m",
    pytest.param("004n", marks=slow),
    "004o",
    pytest.param("004p", marks=slow),   # LSTM, full 60k, 2 epochs
    # tf.data, Estimator
    pytest.param("003e", marks=slow),   # Estimator on a generated JPEG folder
    "004j",
    # TensorBoard, callbacks, profiler
    "001g", "004a", "004l",
]


def _tail(output, lines=40):
    """The last lines of a process's output (str, bytes or None)."""
    if isinstance(output, bytes):
        output = output.decode(errors="replace")
    return "\n".join((output or "").splitlines()[-lines:])


def find_program(prefix):
    """The seed program file whose name starts with ``prefix_`` (skips if absent)."""
    if not SEED_DIR.is_dir():
        pytest.skip("seed program folder %s not found (set TENSORFLUX_SEED_DIR)" % SEED_DIR)
    matches = sorted(SEED_DIR.glob(prefix + "_*.py"))
    if not matches:
        pytest.skip("no seed program %s_*.py in %s" % (prefix, SEED_DIR))
    return matches[0]


def run_seed_program(path, workdir, timeout):
    """Run one program through the drop-in runner; fail with its output tail if it fails."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO_ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["PYTHONUNBUFFERED"] = "1"
    # Fixed seeds make every run reproducible. Some deck programs are fragile by design
    # (002c: deck learning rate on saturated sigmoids); with identical initial weights their
    # losses equal real TensorFlow's (checked with tools/compare_with_tensorflow.py).
    env.setdefault("TENSORFLUX_SEED", "20261122")
    command = [sys.executable, "-m", "tensorflux", "run", str(path)]
    try:
        result = subprocess.run(command, cwd=workdir, env=env, stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, errors="replace",
                                timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        pytest.fail("%s did not finish in %d s\n--- stdout tail\n%s\n--- stderr tail\n%s"
                    % (path.name, timeout, _tail(exc.stdout), _tail(exc.stderr)),
                    pytrace=False)
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    if result.returncode != 0 or not last.startswith("OK " + path.stem):
        pytest.fail("%s: exit status %d, last stdout line %r (expected 'OK %s ...')\n"
                    "--- stdout tail\n%s\n--- stderr tail\n%s"
                    % (path.name, result.returncode, last, path.stem,
                       _tail(result.stdout), _tail(result.stderr)), pytrace=False)
    return last


@pytest.mark.parametrize("prefix", PROGRAMS)
def test_seed_program(prefix, tmp_path, request):
    path = find_program(prefix)
    is_slow = request.node.get_closest_marker("slow") is not None
    run_seed_program(path, tmp_path, SLOW_TIMEOUT_S if is_slow else FAST_TIMEOUT_S)
