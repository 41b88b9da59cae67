"""Count the ATen operators that make a kernel: on a CPU, a figure that predicts a GPU's launches.

On a GPU a small training tick is launch-bound: its time is the number of kernels it launches times
a few microseconds, whatever each kernel computes. Which operators launch a kernel does not depend
on the device, so :class:`OpCounter` — a ``TorchDispatchMode`` that sees every ATen operator below
autograd — counts them on the CPU, deterministically (a test can pin ceilings on the counts).

Counted: every operator that reaches the dispatcher's backend, forward and backward, in-place or
not (``add_``, ``mm``, ``copy_``, ``_foreach_mul_`` — a foreach operator counts once, as it is one
launch of a multi-tensor kernel on CUDA), including factories that fill memory (``zeros``,
``full``, ``arange``, ``scalar_tensor``) and ``lift_fresh`` (``torch.tensor(...)``: data from Python
values, a host-to-device copy on a GPU). Not counted, because they launch
nothing:

- views and aliases — every operator whose schema says it returns a view of an input
  (``OpOverload.is_view``: ``view``, ``reshape`` when it views, ``expand``, ``slice``,
  ``select``, ``t``, ``transpose``, ``permute``, ``unsqueeze``, ``squeeze``, ``unflatten``, ``alias``,
  ``detach``, ``as_strided``, ``split``/``unbind`` pieces, …), and ``_unsafe_view``, a view whose
  schema carries no alias annotation (what ``reshape`` returns after the copy that a non-viewable
  reshape makes: the copy counts, the view does not);
- allocation and metadata: ``empty``, ``empty_strided``, ``empty_like``, ``new_empty``,
  ``new_empty_strided``, ``set_``, ``resize_``,
  ``is_same_size``, ``sym_size``/``sym_stride``/``sym_numel``/``sym_storage_offset``,
  ``_has_compatible_shallow_copy_type``;
- operators outside the ``aten`` namespace (``profiler._record_function_enter_new``, …);
- ``_local_scalar_dense`` (``.item()``, ``bool(t)``): a read of a value on the host, counted apart
  as ``host_reads`` — a device-to-host copy and a wait on a GPU if the tensor lives there, nothing
  if it is a CPU tensor (torch's Adam keeps its step counts on the CPU; ganbench reads schedules'
  CPU masks), which a CPU-only count cannot tell apart.

A CPU-only count over-counts a GPU's launches where a GPU run keeps a tensor on the CPU (a
schedule's shared mask, a scalar wrapped for ``where``) and under-counts where one CUDA operator
launches several kernels (a reduction in two passes, cuBLAS's split-K); it is a model, exact in its
own terms.

``factories`` counts, among the counted operators, those that build a tensor from host values or
fill a new one with a constant — what a tick should not do, since constants can be made once:
``scalar_tensor`` (a Python number wrapped as a tensor, e.g. by ``torch.where(mask, x, 0.0)``),
``full``, ``zeros``, ``ones``, ``arange``, ``lift_fresh``/``lift_fresh_copy`` (``torch.tensor``), their
``*_like`` and ``new_*`` forms, and ``_to_copy`` of a CPU tensor to another device (a host-to-device
copy; on a CPU-only run ``.to(cpu)`` of a CPU tensor is no operator at all, so only the other
factories show there).
"""

from __future__ import annotations

from collections import Counter

import torch
from torch.utils._python_dispatch import TorchDispatchMode

aten = torch.ops.aten

#: Operators that allocate or describe memory but launch no kernel (see the module docstring).
NO_KERNEL = frozenset(
    {
        aten.empty.memory_format,
        aten.empty_strided.default,
        aten.empty_like.default,
        aten.new_empty.default,
        aten.new_empty_strided.default,
        aten._unsafe_view.default,  # a view by what it does; its schema has no alias annotation
        aten.set_.source_Storage,
        aten.set_.source_Storage_storage_offset,
        aten.set_.source_Tensor,
        aten.resize_.default,
        aten.is_same_size.default,
        aten.sym_size.int,
        aten.sym_stride.int,
        aten.sym_numel.default,
        aten.sym_storage_offset.default,
        aten._has_compatible_shallow_copy_type.default,
    }
)

#: Packets whose every overload builds a tensor from host values or fills one with a constant.
FACTORY_PACKETS = frozenset(
    {
        aten.scalar_tensor,
        aten.full,
        aten.zeros,
        aten.ones,
        aten.arange,
        aten.lift_fresh,
        aten.lift_fresh_copy,
        aten.zeros_like,
        aten.ones_like,
        aten.full_like,
        aten.new_zeros,
        aten.new_ones,
        aten.new_full,
    }
)


def makes_kernel(func: torch._ops.OpOverload) -> bool:
    """Whether ``func`` launches a kernel (see the module docstring for what does not)."""
    if func.namespace != "aten" or func is aten._local_scalar_dense.default:
        return False
    if func is aten.lift_fresh.default:  # an alias by its schema, but of data from Python values
        return True
    return not func.is_view and func not in NO_KERNEL


class OpCounter(TorchDispatchMode):
    """Counts kernel-making ATen operators (by overload packet name) run inside ``with OpCounter()``.

    ``ops`` maps an operator name (``"aten.mm"``) to its calls; ``total`` is their sum;
    ``factories`` counts the tensors built from host values (see the module docstring) by name;
    ``host_reads`` counts ``.item()``-like reads of a tensor's value on the host."""

    def __init__(self) -> None:
        super().__init__()
        self.ops: Counter[str] = Counter()
        self.factories: Counter[str] = Counter()
        self.uncounted: Counter[str] = Counter()
        self.host_reads = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = f"{func.namespace}.{func.overloadpacket.__name__}"
        if func is aten._local_scalar_dense.default:
            self.host_reads += 1
        elif makes_kernel(func):
            self.ops[name] += 1
            if self._is_factory(func, args, kwargs):
                self.factories[name] += 1
        else:
            self.uncounted[name] += 1
        return func(*args, **kwargs)

    @staticmethod
    def _is_factory(func, args: tuple, kwargs: dict) -> bool:
        """Whether this call builds a tensor from host values (a CPU tensor copied to a device too)."""
        if func.overloadpacket is aten._to_copy:
            src = args[0] if args and torch.is_tensor(args[0]) else None
            target = kwargs.get("device")
            return (
                src is not None
                and src.device.type == "cpu"
                and target is not None
                and (torch.device(target).type != "cpu")
            )
        return func.overloadpacket in FACTORY_PACKETS

    @property
    def total(self) -> int:
        """Kernel-making operators counted so far."""
        return sum(self.ops.values())

    def top(self, k: int = 10) -> list[tuple[str, int]]:
        """The ``k`` most frequent operators, most frequent first (ties by name)."""
        return sorted(self.ops.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
