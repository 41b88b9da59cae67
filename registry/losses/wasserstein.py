"""`wasserstein`: WGAN with weight clipping (Arjovsky, Chintala & Bottou 2017, "Wasserstein GAN")."""

import torch

from ganbench.api import Batchable, Loss, batch_mean, losses, per_member


@losses.register("wasserstein")
class Wasserstein(Loss):
    """Critic C estimates the Wasserstein-1 distance; Lipschitz continuity by weight clipping.

    D (critic): E[C(G(z))] − E[C(x)]
    G:          −E[C(G(z))]
    After every critic optimizer step every critic parameter is clipped to [−clip, clip].
    """

    relative_scores = True  # a critic's scores have no fixed zero

    class Params(Loss.Params):
        clip: float = Batchable(0.01, gt=0, description="clip value c: critic weights stay in [−c, c]")

    def d_loss(self, real, fake):
        return batch_mean(fake) - batch_mean(real)

    def g_loss(self, fake, real):
        return -batch_mean(fake)

    @torch.no_grad()
    def constrain(self, discriminator):
        for p in discriminator.parameters():
            c = per_member(self.params.clip, like=p)  # a float, or one clip value per member
            p.clamp_(-c, c)
