"""`least_squares`: LSGAN (Mao et al. 2017, "Least Squares Generative Adversarial Networks")."""

from ganbench.api import Field, Loss, Params, batch_mean, losses


@losses.register("least_squares")
class LeastSquares(Loss):
    """With targets a (fake), b (real) for D and c for G (defaults 0, 1, 1):

    D: ½ E[(s_real − b)²] + ½ E[(s_fake − a)²]
    G: ½ E[(s_fake − c)²]
    D calls a sample real when its score is nearer b than a.
    """

    class Params(Params):
        a: float = Field(0.0, description="target score of fake samples for D")
        b: float = Field(1.0, description="target score of real samples for D")
        c: float = Field(1.0, description="target score of fake samples for G")

    def d_loss(self, real, fake):
        p = self.params
        return 0.5 * batch_mean((real - p.b) ** 2) + 0.5 * batch_mean((fake - p.a) ** 2)

    def g_loss(self, fake, real):
        return 0.5 * batch_mean((fake - self.params.c) ** 2)

    def predicts_real(self, scores):
        p = self.params
        return (scores - p.b).abs() < (scores - p.a).abs()
