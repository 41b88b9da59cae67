"""`epochwise`: whole epochs per player — D trains for `d_epochs` with G frozen, then G for
`g_epochs` with D frozen, repeat (block-coordinate training, as in early alternating schemes)."""

from ganbench.api import Field, Params, Schedule, Step, schedules


@schedules.register("epochwise")
class Epochwise(Schedule):
    """An epoch is the dataset size over the batch size (a nominal size for infinite synthetic data),
    given by the context's ``steps_per_epoch``. Each block has at least one step."""

    reads_accuracy = False  # decides from the tick alone
    reads_counts = False

    class Params(Params):
        d_epochs: float = Field(1.0, gt=0, description="epochs of D training per round")
        g_epochs: float = Field(1.0, gt=0, description="epochs of G training per round")

    def __init__(self, params, context):
        super().__init__(params, context)
        self.d_block = max(1, round(self.params.d_epochs * context.steps_per_epoch))
        self.g_block = max(1, round(self.params.g_epochs * context.steps_per_epoch))

    def next_step(self, state):
        n = self.context.n_seeds
        return Step.all_d(n) if state.tick % (self.d_block + self.g_block) < self.d_block else Step.all_g(n)
