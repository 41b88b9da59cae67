"""`simultaneous`: both players update at every tick from the same forward pass (simultaneous
gradient descent, as analysed by Mescheder et al. 2017, "The Numerics of GANs")."""

import torch

from ganbench.api import Schedule, Step, schedules


@schedules.register("simultaneous")
class Simultaneous(Schedule):
    """Each tick: one forward pass, D and G gradients both taken at the current parameters, both
    optimizers step."""

    reads_accuracy = False  # decides from the tick alone
    reads_counts = False

    def next_step(self, state):
        every = torch.ones(self.context.n_seeds, dtype=torch.bool)
        return Step(every, every.clone(), joint=True)
