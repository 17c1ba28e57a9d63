"""tf.gfile (TF1): file helpers, the same as tf.io.gfile."""
from tensorflux.io.gfile import *  # noqa: F401,F403
from tensorflux.io import gfile as _gfile

Open = getattr(_gfile, "GFile", None)
FastGFile = getattr(_gfile, "GFile", None)
Exists = getattr(_gfile, "exists", None)
Glob = getattr(_gfile, "glob", None)
MakeDirs = getattr(_gfile, "makedirs", None)
MkDir = getattr(_gfile, "mkdir", None)
Remove = getattr(_gfile, "remove", None)
IsDirectory = getattr(_gfile, "isdir", None)
ListDirectory = getattr(_gfile, "listdir", None)
DeleteRecursively = getattr(_gfile, "rmtree", None)
Copy = getattr(_gfile, "copy", None)
Rename = getattr(_gfile, "rename", None)
Walk = getattr(_gfile, "walk", None)
