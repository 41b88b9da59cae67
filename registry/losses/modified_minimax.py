"""`modified_minimax`: the non-saturating GAN loss (Goodfellow et al. 2014, section 3)."""

import torch.nn.functional as F

from ganbench.api import Loss, batch_mean, losses


@losses.register("modified_minimax")
class ModifiedMinimax(Loss):
    """Non-saturating GAN loss, D(x) = sigmoid(score).

    D: −E[log D(x)] − E[log(1 − D(G(z)))] = E[softplus(−s_real)] + E[softplus(s_fake)]
    G: −E[log D(G(z))]                    = E[softplus(−s_fake)]
    """

    def d_loss(self, real, fake):
        return batch_mean(F.softplus(-real)) + batch_mean(F.softplus(fake))

    def g_loss(self, fake, real):
        return batch_mean(F.softplus(-fake))
