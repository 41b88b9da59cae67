"""`alternating`: k_D discriminator steps, then k_G generator steps, repeated (Goodfellow et al. 2014,
Algorithm 1; `d_steps=5` is WGAN's n_critic = 5)."""

from ganbench.api import Field, Params, Schedule, Step, schedules


@schedules.register("alternating")
class Alternating(Schedule):
    """Tick t is a D step when t mod (d_steps + g_steps) < d_steps, else a G step.

    alternating 5:1 over 12 ticks: DDDDDG DDDDDG.
    """

    reads_accuracy = False  # decides from the tick alone
    reads_counts = False

    class Params(Params):
        d_steps: int = Field(1, ge=1, description="k_D: discriminator steps per round")
        g_steps: int = Field(1, ge=1, description="k_G: generator steps per round")

    def next_step(self, state):
        p, n = self.params, self.context.n_seeds
        return Step.all_d(n) if state.tick % (p.d_steps + p.g_steps) < p.d_steps else Step.all_g(n)
