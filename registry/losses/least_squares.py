"""`least_squares`: LSGAN (Mao et al. 2017, "Least Squares Generative Adversarial Networks")."""

from ganbench.api import Batchable, Loss, batch_mean, losses, per_member


@losses.register("least_squares")
class LeastSquares(Loss):
    """With targets a (fake), b (real) for D and c for G (defaults 0, 1, 1):

    D: ½ E[(s_real − b)²] + ½ E[(s_fake − a)²]
    G: ½ E[(s_fake − c)²]
    D calls a sample real when its score is nearer b than a.
    """

    class Params(Loss.Params):
        a: float = Batchable(0.0, description="target score of fake samples for D")
        b: float = Batchable(1.0, description="target score of real samples for D")
        c: float = Batchable(1.0, description="target score of fake samples for G")

    def _targets(self, scores):
        p = self.params  # floats, or one value per member (S,) shaped to broadcast over the batch
        return (per_member(t, like=scores) for t in (p.a, p.b, p.c))

    def d_loss(self, real, fake):
        a, b, _ = self._targets(real)
        return 0.5 * batch_mean((real - b) ** 2) + 0.5 * batch_mean((fake - a) ** 2)

    def g_loss(self, fake, real):
        _, _, c = self._targets(fake)
        return 0.5 * batch_mean((fake - c) ** 2)

    def predicts_real(self, scores):
        a, b, _ = self._targets(scores)
        return (scores - b).abs() < (scores - a).abs()
