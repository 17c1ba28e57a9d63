"""`tf.summary.trace_on / trace_export / trace_off`: the graphs of functions traced meanwhile.

Between `trace_on(graph=True)` and `trace_export(name, step)`, every `tf.function` that traces
(its first call for an input signature; a function already traced earlier is not traced again,
which is why TensorFlow's guide says to create a new model "to get a fresh trace") has its
graph recorded. `trace_export` writes them to the default writer as one `RunMetadata` whose
`function_graphs[i].pre_optimization_graph` are the GraphDefs, under plugin
"graph_run_metadata_graph": TensorBoard's Graphs tab lists it under the tag `name`.
With `profiler=True`, trace_on also starts the profiler (tf.profiler.experimental) and
trace_export stops it, writing the profile to `profiler_outdir`.

The recording hooks `Function._trace` (the one place where tensorflux traces a function) only
while tracing is on; the original method is restored by trace_export/trace_off.
"""
import logging
import threading

from tensorflux.framework import context
from tensorflux.summary import _proto
from tensorflux.summary import _writer as writer_state

__all__ = ["trace_on", "trace_export", "trace_off"]

_log = logging.getLogger("tensorflux.summary")
_lock = threading.Lock()


class _TraceState:
    active = False
    graph = False
    profiler = False
    profiler_outdir = None
    graphs = []          # (function name, Graph) in trace order
    original_trace = None


def _install_hook():
    from tensorflux.framework import function as function_module
    if _TraceState.original_trace is not None:
        return
    original = function_module.Function._trace

    def recording_trace(self, args, kwargs, key):
        concrete = original(self, args, kwargs, key)
        if _TraceState.active and _TraceState.graph:
            with _lock:
                _TraceState.graphs.append((self._name, concrete.graph))
        return concrete
    recording_trace.__wrapped__ = original
    _TraceState.original_trace = original
    function_module.Function._trace = recording_trace


def _remove_hook():
    from tensorflux.framework import function as function_module
    if _TraceState.original_trace is not None:
        function_module.Function._trace = _TraceState.original_trace
        _TraceState.original_trace = None


def trace_on(graph=True, profiler=False, profiler_outdir=None):
    """Starts recording the graphs of functions traced from now on (and, with
    `profiler=True`, starts the profiler, whose output goes to `profiler_outdir`)."""
    if not context.executing_eagerly():
        _log.warning("Must enable trace in eager mode.")
        return
    if _TraceState.active:
        _log.warning("Trace already enabled")
        return
    _TraceState.active = True
    _TraceState.graph = bool(graph)
    _TraceState.graphs = []
    _TraceState.profiler_outdir = profiler_outdir
    _install_hook()
    _TraceState.profiler = False
    if profiler:
        from tensorflux.profiler import experimental as profiler_api
        if not profiler_api.is_running():
            profiler_api.start(profiler_outdir or "")
            _TraceState.profiler = True


def _run_metadata(graphs):
    from tensorflux.summary import _graph_def
    config_pb2 = _proto.proto("config_pb2")
    metadata = config_pb2.RunMetadata()
    for _, graph in graphs:
        function_graph = metadata.function_graphs.add()
        function_graph.pre_optimization_graph.CopyFrom(_graph_def.graph_def(graph))
    return metadata


def trace_export(name, step=None, profiler_outdir=None):
    """Writes the recorded graphs under tag `name` at `step` to the default writer, stops
    the profiler if trace_on started it, and ends the trace."""
    if not _TraceState.active:
        _log.warning("Can't export trace because it was not enabled; call "
                     "tf.summary.trace_on() first.")
        return
    writer = writer_state.current_writer()
    try:
        if writer is None:
            _log.warning("Can't export trace without a default writer; export it inside "
                         "`with writer.as_default():`.")
            return
        step = writer_state.step_value(writer_state.resolve_step(step))
        if _TraceState.graph:
            import numpy as np
            if not _TraceState.graphs:
                _log.warning("trace_export(%r): no tf.function was traced since trace_on(), so "
                             "the exported graph is empty. A function traces on its first "
                             "call for an input signature; call a new one (e.g. of a new "
                             "model) after trace_on().", name)
            from tensorflux.summary import _v2
            metadata = _proto.plugin_metadata("graph_run_metadata_graph", content=b"1")
            payload = _run_metadata(list(_TraceState.graphs)).SerializeToString()
            _v2.write(str(name), np.asarray(payload, dtype=object), step=step,
                      metadata=metadata)
        if _TraceState.profiler:
            from tensorflux.profiler import experimental as profiler_api
            outdir = profiler_outdir or _TraceState.profiler_outdir
            profiler_api._stop(save=True, logdir=outdir)
    finally:
        trace_off()


def trace_off():
    """Ends the trace without writing it (stops the profiler if trace_on started it)."""
    if _TraceState.profiler:
        from tensorflux.profiler import experimental as profiler_api
        if profiler_api.is_running():
            profiler_api.stop(save=False)
    _TraceState.active = False
    _TraceState.profiler = False
    _TraceState.graphs = []
    _remove_hook()
