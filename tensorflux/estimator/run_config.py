"""RunConfig: where an Estimator writes, how often it checkpoints, logs and summarizes."""
__all__ = ["RunConfig"]

_DEFAULT = object()   # "not given": save_checkpoints_secs defaults to 600 only if both unset

_REPLACEABLE = ("model_dir", "tf_random_seed", "save_summary_steps", "save_checkpoints_steps",
                "save_checkpoints_secs", "session_config", "keep_checkpoint_max",
                "keep_checkpoint_every_n_hours", "log_step_count_steps", "train_distribute",
                "device_fn", "eval_distribute", "experimental_max_worker_delay_secs",
                "session_creation_timeout_secs", "checkpoint_save_graph_def")


class RunConfig:
    """The run settings of an Estimator (read-only; `replace()` makes a modified copy).

    Args:
        model_dir: where checkpoints and event files go (or pass it to the Estimator).
        tf_random_seed: graph-level random seed of every graph the Estimator builds.
        save_summary_steps: write the summaries every this many steps (None or 0: never).
        save_checkpoints_steps / save_checkpoints_secs: checkpoint every this many steps or
            seconds (at most one of them; with neither, every 600 seconds). A checkpoint is
            also written when training starts and when it ends.
        keep_checkpoint_max: how many recent checkpoints to keep (None or 0: all).
        log_step_count_steps: log the loss and the speed every this many steps.
        session_config: a `tf.compat.v1.ConfigProto` for the Sessions (accepted, no effect
            on one CPU).
        train_distribute, eval_distribute, device_fn, protocol, ...: accepted; tensorflux
            runs the Estimator in this process only.

    Raises:
        ValueError: both save_checkpoints_steps and save_checkpoints_secs are given, or a
            count is negative.
    """

    def __init__(self, model_dir=None, tf_random_seed=None, save_summary_steps=100,
                 save_checkpoints_steps=_DEFAULT, save_checkpoints_secs=_DEFAULT,
                 session_config=None, keep_checkpoint_max=5,
                 keep_checkpoint_every_n_hours=10000, log_step_count_steps=100,
                 train_distribute=None, device_fn=None, protocol=None, eval_distribute=None,
                 experimental_distribute=None, experimental_max_worker_delay_secs=None,
                 session_creation_timeout_secs=7200, checkpoint_save_graph_def=True):
        steps_given = save_checkpoints_steps not in (_DEFAULT, None)
        secs_given = save_checkpoints_secs not in (_DEFAULT, None)
        if steps_given and secs_given:
            raise ValueError("Can not provide both save_checkpoints_steps and "
                             "save_checkpoints_secs.")
        if save_checkpoints_steps is _DEFAULT and save_checkpoints_secs is _DEFAULT:
            save_checkpoints_secs = 600
        if save_checkpoints_steps is _DEFAULT:
            save_checkpoints_steps = None
        if save_checkpoints_secs is _DEFAULT:
            save_checkpoints_secs = None
        for name, value in (("save_summary_steps", save_summary_steps),
                            ("save_checkpoints_steps", save_checkpoints_steps),
                            ("save_checkpoints_secs", save_checkpoints_secs),
                            ("keep_checkpoint_max", keep_checkpoint_max),
                            ("log_step_count_steps", log_step_count_steps)):
            if value is not None and value < 0:
                raise ValueError(f"{name} should be >= 0, given: {value}")
        if tf_random_seed is not None and not isinstance(tf_random_seed, int):
            raise ValueError(f"tf_random_seed must be an integer, given: {tf_random_seed!r}")
        self._model_dir = model_dir
        self._tf_random_seed = tf_random_seed
        self._save_summary_steps = save_summary_steps
        self._save_checkpoints_steps = save_checkpoints_steps
        self._save_checkpoints_secs = save_checkpoints_secs
        self._session_config = session_config
        self._keep_checkpoint_max = keep_checkpoint_max
        self._keep_checkpoint_every_n_hours = keep_checkpoint_every_n_hours
        self._log_step_count_steps = log_step_count_steps
        self._train_distribute = train_distribute
        self._device_fn = device_fn
        self._protocol = protocol
        self._eval_distribute = eval_distribute
        self._experimental_max_worker_delay_secs = experimental_max_worker_delay_secs
        self._session_creation_timeout_secs = session_creation_timeout_secs
        self._checkpoint_save_graph_def = checkpoint_save_graph_def

    def replace(self, **kwargs):
        """A copy with the given settings changed (only the constructor's settings)."""
        unknown = sorted(set(kwargs) - set(_REPLACEABLE))
        if unknown:
            raise ValueError(f"Replacing {unknown} is not supported. Allowed properties are "
                             f"{sorted(_REPLACEABLE)}.")
        values = {name: getattr(self, "_" + name) for name in _REPLACEABLE}
        values.update(kwargs)
        if "save_checkpoints_steps" in kwargs and kwargs["save_checkpoints_steps"] \
                and "save_checkpoints_secs" not in kwargs:
            values["save_checkpoints_secs"] = None
        if "save_checkpoints_secs" in kwargs and kwargs["save_checkpoints_secs"] \
                and "save_checkpoints_steps" not in kwargs:
            values["save_checkpoints_steps"] = None
        return RunConfig(protocol=self._protocol, **values)

    model_dir = property(lambda self: self._model_dir)
    tf_random_seed = property(lambda self: self._tf_random_seed)
    save_summary_steps = property(lambda self: self._save_summary_steps)
    save_checkpoints_steps = property(lambda self: self._save_checkpoints_steps)
    save_checkpoints_secs = property(lambda self: self._save_checkpoints_secs)
    session_config = property(lambda self: self._session_config)
    keep_checkpoint_max = property(lambda self: self._keep_checkpoint_max)
    keep_checkpoint_every_n_hours = property(lambda self: self._keep_checkpoint_every_n_hours)
    log_step_count_steps = property(lambda self: self._log_step_count_steps)
    train_distribute = property(lambda self: self._train_distribute)
    eval_distribute = property(lambda self: self._eval_distribute)
    device_fn = property(lambda self: self._device_fn)
    protocol = property(lambda self: self._protocol)
    experimental_max_worker_delay_secs = property(
        lambda self: self._experimental_max_worker_delay_secs)
    session_creation_timeout_secs = property(lambda self: self._session_creation_timeout_secs)
    checkpoint_save_graph_def = property(lambda self: self._checkpoint_save_graph_def)

    # One process, one machine: the cluster properties of a single chief worker.
    cluster_spec = property(lambda self: None)
    evaluation_master = property(lambda self: "")
    master = property(lambda self: "")
    is_chief = property(lambda self: True)
    num_ps_replicas = property(lambda self: 0)
    num_worker_replicas = property(lambda self: 1)
    task_id = property(lambda self: 0)
    task_type = property(lambda self: "worker")
    global_id_in_cluster = property(lambda self: 0)
    service = property(lambda self: None)

    def __repr__(self):
        settings = ", ".join(f"'_{name}': {getattr(self, '_' + name)!r}"
                             for name in _REPLACEABLE)
        return "{" + settings + "}"
