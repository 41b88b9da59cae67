"""`adaptive`: train D while its accuracy is below a threshold, G otherwise, decided per seed
(a common heuristic for balancing the players, e.g. in the GAN hacks folklore of "train D when
it is losing")."""

import torch

from ganbench.api import Batchable, Field, Params, Schedule, Step, schedules


@schedules.register("adaptive")
class Adaptive(Schedule):
    """Per seed: a D step while the discriminator's latest measured accuracy (mean of its accuracy
    on real and on fake samples) is below ``threshold`` or unknown, else a G step. After
    ``max_d_run`` consecutive D steps a G step is forced, so a generator that has won (D stuck near
    50 %) still spends its budget instead of looping forever."""

    per_seed = True
    reads_counts = False  # decides from the accuracy and its own run length

    class Params(Params):
        threshold: float = Batchable(0.7, gt=0.5, lt=1.0, description="D trains while its accuracy is below")
        max_d_run: int = Field(10, ge=1, description="consecutive D steps before a G step is forced")

    def __init__(self, params, context):
        super().__init__(params, context)
        self.d_run = torch.zeros(context.n_seeds, dtype=torch.long)

    def next_step(self, state):
        acc = state.d_accuracy  # on the training device: decided there, never read on the host
        self.d_run = self.d_run.to(acc.device)
        d = (torch.isnan(acc) | (acc < self.params.threshold)) & (self.d_run < self.params.max_d_run)
        self.d_run = torch.where(d, self.d_run + 1, torch.zeros_like(self.d_run))
        return Step(d, ~d)
