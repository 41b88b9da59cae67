"""`wgan_gp`: WGAN with gradient penalty (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs")."""

import torch

from ganbench.api import Batchable, Loss, batch_mean, losses


@losses.register("wgan_gp")
class WganGp(Loss):
    """D (critic): E[C(G(z))] − E[C(x)] + λ E[(‖∇C(x̂)‖₂ − 1)²], x̂ = εx + (1−ε)G(z), ε ~ U[0, 1]
    G:          −E[C(G(z))]
    """

    relative_scores = True  # a critic's scores have no fixed zero

    class Params(Loss.Params):
        gp_weight: float = Batchable(10.0, ge=0, description="λ, weight of the gradient penalty")

    def d_loss(self, real, fake):
        return batch_mean(fake) - batch_mean(real)

    def g_loss(self, fake, real):
        return -batch_mean(fake)

    def penalty(self, discriminator, real_x, fake_x, rand):
        s, b = real_x.shape[:2]
        eps = rand.uniform(b, *([1] * (real_x.dim() - 2)))
        x_hat = (eps * real_x + (1 - eps) * fake_x.detach()).requires_grad_(True)
        scores = discriminator(x_hat)
        (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
        norms = grad.reshape(s, scores.shape[1], -1).norm(dim=2)  # one norm per critic input (packs)
        gp = self.params.gp_weight * batch_mean((norms - 1) ** 2)
        others = super().penalty(discriminator, real_x, fake_x, rand)  # R1/R2, where set
        return gp if others is None else gp + others
