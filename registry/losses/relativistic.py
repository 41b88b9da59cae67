"""`relativistic`: relativistic average GAN, RaSGAN (Jolicoeur-Martineau 2019, "The relativistic
discriminator: a key element missing from standard GAN")."""

import torch.nn.functional as F

from ganbench.api import Loss, batch_mean, losses


@losses.register("relativistic")
class RelativisticAverage(Loss):
    """D estimates how much more realistic real data is than the average fake (and vice versa):

    D: −E_x[log σ(s_real − E s_fake)] − E_z[log(1 − σ(s_fake − E s_real))]
    G: −E_z[log σ(s_fake − E s_real)] − E_x[log(1 − σ(s_real − E s_fake))]
    (log σ(t) = −softplus(−t), log(1 − σ(t)) = −softplus(t)).
    """

    uses_real_in_g = True
    relative_scores = True  # every term compares a score with the other side's mean

    def d_loss(self, real, fake):
        real_rel = real - fake.mean(dim=1, keepdim=True)
        fake_rel = fake - real.mean(dim=1, keepdim=True)
        return batch_mean(F.softplus(-real_rel)) + batch_mean(F.softplus(fake_rel))

    def g_loss(self, fake, real):
        real_rel = real - fake.mean(dim=1, keepdim=True)
        fake_rel = fake - real.mean(dim=1, keepdim=True)
        return batch_mean(F.softplus(-fake_rel)) + batch_mean(F.softplus(real_rel))
