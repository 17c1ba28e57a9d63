"""Plan: the ops a set of fetches needs, compiled into one straight-line Python function.

Building a plan (once per distinct fetch/feed set):
  1. prune: walk back from the fetches and target ops through data and control inputs, stopping
     at fed tensors;
  2. order: the kept ops in creation order (a topological order that also keeps stateful ops in
     program order);
  3. rewrite (compiler/passes.py): pure ops whose inputs are all constants (or that only read a
     static shape) are run once now and become constants; a pure op repeating an earlier one's
     type, inputs and attrs is dropped and its outputs renamed to the earlier op's;
  4. constants: Const nodes and folded results become names bound to their arrays (no call at
     run time); an elementwise op whose first input is a new array nothing else sees writes its
     result into that array (`passes.writes_in_place`);
  5. codegen: one Python statement per op, `v7 = k3(_np, v2, v5, axis=a3_0)`, where `k3` is the
     op's kernel and `a3_0` its attr value; a value is deleted after its last use so memory is
     freed as early as in an interpreter.
Running a plan is then one call of the generated function: no dictionaries, no per-op dispatch.
`plan.source` shows the generated code.
"""
import numpy as np

from tensorflux.compiler.passes import INPLACE_KERNELS, fold_constants, may_alias_variable, \
    merge_common_subexpressions, writes_in_place
from tensorflux.framework import errors

__all__ = ["Plan"]


class Plan:
    """A compiled program computing `fetches` (tensors) and running `targets` (ops).

    Call it with the arrays for `feeds` (in order); it returns the fetched arrays (a list).
    """

    def __init__(self, fetches, targets=(), feeds=()):
        self.fetches = list(fetches)
        self.targets = list(targets)
        self.feeds = list(feeds)
        self._fed_ids = {id(t) for t in self.feeds}
        self.ops = self._prune()
        self._constants, folded = fold_constants(self.ops, self._fed_ids)
        self._aliases, merged = merge_common_subexpressions(self.ops, folded)
        self._skipped = folded | merged
        self.in_place = []      # ops whose result is written into their first input's array
        self.source, self._function, self._steps = self._generate()
        # A fetched value that may share memory with a variable is copied, so that later
        # in-place updates of the variable do not change what the caller holds; so is a
        # constant, which every run would otherwise hand out again.
        self._copied = [i for i, t in enumerate(map(self._resolve, self.fetches))
                        if may_alias_variable(t) or id(t) in self._constants]

    def _resolve(self, tensor):
        return self._aliases.get(id(tensor), tensor)

    def _prune(self):
        fed = self._fed_ids
        needed = {}
        stack = [t.op for t in self.fetches if id(t) not in fed] + list(self.targets)
        while stack:
            op = stack.pop()
            if id(op) in needed:
                continue
            needed[id(op)] = op
            for t in op.inputs:
                if id(t) not in fed:
                    stack.append(t.op)
            stack.extend(op.control_inputs)
        return sorted(needed.values(), key=lambda op: (id(op.graph), op.index))

    def _generate(self):
        names = {}           # id(tensor) -> local name in the generated function
        namespace = {"_np": np}
        lines = []
        steps = []
        for i, t in enumerate(self.feeds):
            names[id(t)] = f"f{i}"
        resolve = self._resolve
        run = [op for op in self.ops if id(op) not in self._skipped and op.type != "NoOp"]
        # last use of each tensor, to free it early
        last_use = {}
        uses = {}
        for position, op in enumerate(run):
            for t in op.inputs:
                last_use[id(resolve(t))] = position
                uses[id(resolve(t))] = uses.get(id(resolve(t)), 0) + 1
        fetch_ids = {id(resolve(t)) for t in self.fetches}
        counter = 0

        def name_of(tensor):
            tensor = resolve(tensor)
            name = names.get(id(tensor))
            if name is None:        # a Const or a folded value: bound once in the namespace
                nonlocal counter
                name = names[id(tensor)] = f"c{counter}"
                counter += 1
                namespace[name] = self._constants[id(tensor)]
            return name

        for position, op in enumerate(run):
            if op.type == "Const" and not op.control_inputs:
                continue
            kernel_name = f"k{len(steps)}"
            namespace[kernel_name] = op.op_def.kernel
            # (a kernel the profiler wraps keeps its wrapper)
            if op.inputs and not hasattr(op.op_def.kernel, "_tensorflux_profiled") and \
                    writes_in_place(op, resolve(op.inputs[0]), uses,
                                    fetch_ids | self._fed_ids, self._constants):
                namespace[kernel_name] = INPLACE_KERNELS[op.type]
                self.in_place.append(op)
            # attrs are passed as literal keywords (`k3(_np, v1, v2, transpose_b=a3_1)`):
            # CPython passes those without building a dict, where a functools.partial
            # holding them merges two dicts on every call (~0.7 us per op here).
            args = ["_np"] + [name_of(t) for t in op.inputs]
            for j, (key, value) in enumerate(op.attrs.items()):
                namespace[f"a{len(steps)}_{j}"] = value
                args.append(f"{key}=a{len(steps)}_{j}")
            args = ", ".join(args)
            outs = []
            for out in op.outputs:
                if id(out) in last_use or id(out) in fetch_ids:
                    name = f"v{counter}"
                    counter += 1
                    names[id(out)] = name
                    outs.append(name)
                else:
                    outs.append("_")
            lines.append(f"    _step = {len(steps)}")
            if len(op.outputs) == 1:
                lines.append(f"    {outs[0]} = {kernel_name}({args})")
            elif not op.outputs:
                lines.append(f"    {kernel_name}({args})")
            else:
                lines.append(f"    {', '.join(outs)}, = {kernel_name}({args})")
            steps.append(op)
            dead = [names[id(resolve(t))] for t in op.inputs
                    if last_use.get(id(resolve(t))) == position
                    and id(resolve(t)) not in fetch_ids
                    and names[id(resolve(t))].startswith("v")]
            if dead:
                lines.append(f"    del {', '.join(sorted(set(dead)))}")
        feed_args = ", ".join(f"f{i}" for i in range(len(self.feeds)))
        results = ", ".join(name_of(t) for t in self.fetches)
        body = "\n".join(lines) if lines else "    pass"
        source = (f"def run({feed_args}):\n"
                  f"    _step = -1\n"
                  f"    try:\n"
                  + "\n".join("    " + line for line in body.split("\n")) + "\n"
                  f"    except BaseException as error:\n"
                  f"        _fail(_step, error)\n"
                  f"    return [{results}]\n")
        namespace["_fail"] = self._fail
        code = compile(source, "<tensorflux plan>", "exec")
        exec(code, namespace)  # noqa: S102 - our own generated code, never user input
        return source, namespace["run"], steps

    def _fail(self, step, error):
        if step < 0 or isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise error
        op = self._steps[step]
        if isinstance(error, errors.OpError):
            if error.op is None:
                # name the graph node, as TensorFlow's "[[node ...]]" suffix does
                error.op = op
                error.message = f"{error.message}\n\t [[node {op.name} ({op.type})]]"
                error.args = (error.message,)
            raise error
        raise errors.InvalidArgumentError(
            None, op, f"{type(error).__name__} in op '{op.name}' ({op.type}) with inputs "
                      f"{[str(t.shape) for t in op.inputs]}: {error}") from error

    def __call__(self, *feed_arrays):
        results = self._function(*feed_arrays)
        for i in self._copied:
            results[i] = np.array(results[i], copy=True)
        return results
