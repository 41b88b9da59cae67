"""The Schedule contract: which player updates at each tick of training, per seed."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import torch
from torch import Tensor

from ganbench.contracts.params import Params, select_members


@dataclass(frozen=True)
class ScheduleContext:
    """What a schedule may know when it is built."""

    n_seeds: int
    steps_per_epoch: int  # dataset size // batch size, or a nominal size for infinite data


@dataclass(frozen=True)
class ScheduleState:
    """What a schedule may look at before each tick. All tensors have shape (S,) and live on the
    training device: a schedule computes on them there and must not read them on the host (no
    ``.item()``, ``.tolist()`` or Python ``if`` on them — on a GPU each read waits for the device)."""

    tick: int  # how many ticks have run before this one
    g_updates: Tensor  # generator updates done so far, per seed
    d_updates: Tensor  # discriminator updates done so far, per seed
    d_accuracy: Tensor  # latest measured discriminator accuracy (mean of real and fake), NaN if none
    # (NaN throughout for a schedule whose ``reads_accuracy`` is False)


@functools.cache
def _everyone(n_seeds: int) -> Tensor:
    """An all-True CPU mask, made once per size (a shared constant: never modify a Step's masks)."""
    return torch.ones(n_seeds, dtype=torch.bool)


@functools.cache
def _nobody(n_seeds: int) -> Tensor:
    """An all-False CPU mask, made once per size (a shared constant)."""
    return torch.zeros(n_seeds, dtype=torch.bool)


@dataclass(frozen=True)
class Step:
    """One tick: which seeds update D, which update G (boolean (S,) tensors).

    A decision shared by all seeds (from ``tick`` alone) is made on the CPU — ``all_d``/``all_g`` —
    and the trainer reads it there for free and skips the player nobody moves. A per-seed decision
    computed from the state stays on the training device, where the trainer runs both updates under
    the masks without reading them.

    With ``joint=True`` both players update from the same forward pass (simultaneous GD); otherwise
    the D update (for the seeds in ``d``) runs before the G update (for the seeds in ``g``).
    """

    d: Tensor
    g: Tensor
    joint: bool = False

    @staticmethod
    def all_d(n_seeds: int) -> Step:
        return Step(_everyone(n_seeds), _nobody(n_seeds))

    @staticmethod
    def all_g(n_seeds: int) -> Step:
        return Step(_nobody(n_seeds), _everyone(n_seeds))

    def letters(self, seed: int = 0) -> str:
        """'D', 'G', 'DG' (joint) or '' for one seed: used to pin update sequences in tests."""
        d, g = bool(self.d[seed]), bool(self.g[seed])
        return ("D" if d else "") + ("G" if g else "")


class Schedule:
    """Decides the order and number of discriminator and generator updates.

    ``next_step(state)`` is called once per tick and returns a :class:`Step`. Training budget is
    counted in generator updates (per seed), so a schedule that gives D more steps spends more
    gradient evaluations for the same budget; the trainer records both counts.

    Parameters declared ``Batchable(…)`` arrive as (S,) tensors inside the trainer (one value per
    member of a population, see :class:`Params`); a schedule using one decides per seed.

    Set ``per_seed = True`` if decisions can differ between seeds (e.g. they depend on each seed's
    discriminator accuracy). Such schedules step seeds at different ticks; the trainer freezes the
    seeds that sit a tick out (parameters and optimizer state restored, Adam's step count included:
    each member's bias correction counts its own steps).
    """

    per_seed = False
    #: Whether ``next_step`` reads ``state.d_accuracy``. A schedule that never does sets False, and the
    #: trainer then keeps no running accuracy for it (a few kernels a tick saved; the accuracies on
    #: real and fake samples are still logged from each D step). True by default, so a plugin that
    #: reads it needs nothing.
    reads_accuracy = True
    #: Whether ``next_step`` reads ``state.g_updates`` or ``state.d_updates``. A schedule that never
    #: does sets False, and the trainer then adds up the counts only where it reads them itself (a
    #: few kernels a tick saved; the state's counts are then not current). True by default, so a
    #: plugin that reads them needs nothing.
    reads_counts = True

    class Params(Params):
        pass

    def __init__(self, params: Params | None, context: ScheduleContext) -> None:
        self.params = params if params is not None else self.Params()
        self.context = context

    def next_step(self, state: ScheduleState) -> Step:
        raise NotImplementedError

    def select(self, rows: Tensor) -> None:
        """Keep only the members ``rows`` (a population dropping pruned members): cuts every
        per-member (S,…) tensor attribute and Batchable parameter down to them. Override it if the
        schedule keeps per-member state in another form."""
        n = self.context.n_seeds
        for name, value in list(vars(self).items()):
            if torch.is_tensor(value) and value.dim() > 0 and value.shape[0] == n:
                setattr(self, name, value[rows.to(value.device)])
        self.params = select_members(self.params, rows, n)
        self.context = replace(self.context, n_seeds=len(rows))
