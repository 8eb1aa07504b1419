"""Make TensorFlow-style Keras imports resolve to standalone Keras 3.

Since TF 2.16, ``tf.keras`` *is* Keras 3, so mapping ``tensorflow.keras.*`` onto
``keras.*`` is faithful for everything the fixtures use.  TensorFlow itself is
not installed (and must not be): a tiny fake ``tensorflow`` module is put in
``sys.modules`` whose only real content is the ``keras`` attribute.

Supported forms:
    import tensorflow as tf                      -> tf.keras.layers.Dense
    from tensorflow import keras
    from tensorflow.keras import layers, models, losses, ...
    from tensorflow.keras.layers import Dense, Conv2D
    import tensorflow.keras.backend as K         (any tensorflow.keras.X.Y)
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import sys
import types

_PREFIX = "tensorflow.keras"


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str):
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module):  # already executed by the real import
        pass


class _TFKerasFinder(importlib.abc.MetaPathFinder):
    """Resolve ``tensorflow.keras[.X...]`` to ``keras[.X...]``."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != _PREFIX and not fullname.startswith(_PREFIX + "."):
            return None
        real = "keras" + fullname[len(_PREFIX):]
        try:
            mod = importlib.import_module(real)
        except ImportError:
            return None
        spec = importlib.machinery.ModuleSpec(fullname, _AliasLoader(real),
                                              is_package=hasattr(mod, "__path__"))
        return spec


def install() -> types.ModuleType:
    """Install the fake ``tensorflow`` package; return it. Idempotent."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    if "tensorflow" in sys.modules and getattr(sys.modules["tensorflow"], "_MODELINT_SHIM", False):
        return sys.modules["tensorflow"]
    import keras

    tf = types.ModuleType("tensorflow")
    tf.__path__ = []  # make it a package so submodule imports are attempted
    tf.__version__ = "2.16.0+modelint-shim"
    tf._MODELINT_SHIM = True
    tf.keras = keras
    # Keras probes for a real TensorFlow ("tensorflow" in sys.modules / its lazy
    # `tf.available`) to handle tf.TensorShape etc.  Tell it the truth: there is
    # no TensorFlow runtime, only the name.
    tf.executing_eagerly = lambda: True
    sys.modules["tensorflow"] = tf
    try:
        from keras.src.utils import module_utils
        module_utils.tensorflow._available = False
    except Exception:  # layout of keras internals changed; best effort
        pass
    # Pre-register the common submodules (the finder handles anything else).
    sys.modules[_PREFIX] = keras
    for sub in ("layers", "models", "losses", "optimizers", "activations", "metrics",
                "callbacks", "initializers", "regularizers", "constraints", "backend",
                "utils", "applications", "ops", "mixed_precision", "saving", "random"):
        mod = getattr(keras, sub, None)
        if isinstance(mod, types.ModuleType):
            sys.modules[f"{_PREFIX}.{sub}"] = mod
    if not any(isinstance(f, _TFKerasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _TFKerasFinder())
    return tf
