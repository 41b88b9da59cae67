"""`hinge`: hinge GAN loss (Lim & Ye 2017, "Geometric GAN"; Miyato et al. 2018, SN-GAN)."""

import torch.nn.functional as F

from ganbench.api import Loss, batch_mean, losses


@losses.register("hinge")
class Hinge(Loss):
    """D: E[max(0, 1 − s_real)] + E[max(0, 1 + s_fake)]
    G: −E[s_fake]
    """

    def d_loss(self, real, fake):
        return batch_mean(F.relu(1 - real)) + batch_mean(F.relu(1 + fake))

    def g_loss(self, fake, real):
        return -batch_mean(fake)
