"""``python -m tensorflux run SCRIPT [ARGS...]``: run a TensorFlow script on tensorflux."""
import sys

from tensorflux.compat.runner import main

if __name__ == "__main__":
    sys.exit(main())
