"""Remedies against mode collapse as network and loss options: spectral normalisation, discriminator
packing (PacGAN), R1/R2 gradient penalties — each checked against an answer known independently."""

from __future__ import annotations

import pytest
import torch
from mlp_nets import Discriminator, NetConfig
from torch import nn

from ganbench import registry
from ganbench.contracts.penalties import zero_centred_penalty
from ganbench.contracts.streams import make_streams
from ganbench.errors import GanbenchError
from ganbench.layers.linear import SeedLinear
from ganbench.layers.spectral import spectral_norm_estimate
from ganbench.testing.population_contract import check_member_equals_alone
from ganbench.testing.setups import tiny_setup
from ganbench.train.config import OptimizerConfig
from ganbench.train.lookahead import unrolled
from ganbench.train.member_optim import make_member_optimizer
from ganbench.train.trainer import train
from ganbench.train.updates import g_update


def _inits(n: int) -> list[torch.Generator]:
    return [torch.Generator().manual_seed(100 + i) for i in range(n)]


def test_spectral_norm_follows_torch_per_member_in_training_and_in_eval_mode():
    layer = SeedLinear(_inits(3), 5, 7, spectral_norm=True)
    x = torch.randn(3, 4, 5)
    for m in range(3):
        lin = nn.Linear(5, 7)
        with torch.no_grad():
            lin.weight.copy_(layer.weight[m].T)
            lin.bias.copy_(layer.bias[m, 0])
        theirs = nn.utils.parametrizations.spectral_norm(lin)
        vectors = theirs.parametrizations.weight[0]
        vectors._u.copy_(layer.sn_u[m])  # torch's u (out features) is our u (fan_out)
        vectors._v.copy_(layer.sn_v[m])
        for mode in ("train", "train", "eval"):
            layer.train(mode == "train")
            theirs.train(mode == "train")
            u_before = layer.sn_u[m].clone()
            ours = layer(x)[m]
            torch.testing.assert_close(ours, theirs(x[m]), rtol=1e-5, atol=1e-6)
            # eval mode uses the vectors as they are; training refines them
            assert torch.equal(layer.sn_u[m], u_before) == (mode == "eval")
    layer.train()


def test_spectral_norm_converges_to_unit_largest_singular_value():
    layer = SeedLinear(_inits(2), 6, 9, spectral_norm=True)
    layer.weight.data *= 7.0
    for _ in range(200):
        layer(torch.zeros(2, 1, 6))

    normalised = layer.weight / spectral_norm_estimate(layer.weight, layer.sn_u, layer.sn_v)
    sigma = torch.linalg.matrix_norm(normalised.detach(), ord=2)
    torch.testing.assert_close(sigma, torch.ones(2), rtol=1e-4, atol=1e-4)


def test_a_packed_discriminator_judges_consecutive_groups_and_keeps_members_apart():
    d = Discriminator(_inits(2), 2, NetConfig(width=16, depth=2, pack=3))
    x = torch.randn(2, 12, 2)
    scores = d(x)
    assert scores.shape == (2, 4)
    y = x.clone()
    y[0, 4] += 1.0  # sample 4 of member 0 sits in its second pack
    changed = (d(y) != scores).nonzero().tolist()
    assert changed == [[0, 1]]
    # the packed input is the m samples side by side, in order
    torch.testing.assert_close(d.packed(x)[1, 2], x[1, 6:9].reshape(-1))


class _Linear(nn.Module):
    """score = w · (packed input) + b per member: ∇ₓ score = w, known exactly."""

    def __init__(self, w: torch.Tensor, pack: int) -> None:
        super().__init__()
        self.w, self.pack = w, pack  # (S, pack·dim)

    def forward(self, x):
        s, b = x.shape[:2]
        return (x.reshape(s, b // self.pack, -1) * self.w.unsqueeze(1)).sum(-1) + 0.5


@pytest.mark.parametrize("pack", [1, 2])
def test_r1_is_half_gamma_times_the_squared_input_gradient(pack):
    w = torch.tensor([[3.0, 4.0] * pack, [1.0, 0.0] * pack])
    x = torch.randn(2, 8, 2)
    value = zero_centred_penalty(_Linear(w, pack), x, gamma=2.0)
    torch.testing.assert_close(value, (w**2).sum(1))  # γ/2 · ‖w‖² with γ = 2


@pytest.mark.parametrize("name", registry.losses.names())
def test_every_loss_takes_r1_and_r2_and_adds_exactly_them(name):
    """A loss's penalty with r1 = 2, r2 = 4 is its penalty without them plus R1 + R2 (known-answer
    linear discriminator); wgan_gp keeps its own gradient penalty beside them."""
    cls = registry.losses.get(name)
    w = torch.tensor([[3.0, 4.0], [1.0, 2.0]])
    d = _Linear(w, 1)
    real, fake = torch.randn(2, 8, 2), torch.randn(2, 8, 2)
    streams = make_streams("generator", [0, 1], "test", torch.device("cpu"))
    plain = cls(cls.Params()).penalty(d, real, fake, streams)
    streams = make_streams("generator", [0, 1], "test", torch.device("cpu"))
    with_both = cls(cls.Params(r1=2.0, r2=4.0)).penalty(d, real, fake, streams)
    expected = (w**2).sum(1) * (1.0 + 2.0)  # γ/2‖w‖²: 1·‖w‖² (R1) + 2·‖w‖² (R2)
    base = torch.zeros(2) if plain is None else plain
    torch.testing.assert_close(with_both.detach(), (base + expected).detach())


@pytest.mark.parametrize(
    "shared",
    [
        ("discriminator.spectral_norm=true",),
        ("discriminator.pack=4",),
        ("loss.r1=1.0", "loss.r2=0.5"),
    ],
    ids=["spectral_norm", "pack", "r1_r2"],
)
@pytest.mark.parametrize("leave", [False, True])
def test_remedies_keep_members_apart_in_a_population(shared, leave):
    check_member_equals_alone("schedule", "alternating", leave=leave, shared=shared)


@pytest.mark.parametrize(
    "sets, words",
    [
        (["discriminator.pack=3"], "not a multiple of discriminator.pack"),
        (["generator.pack=2"], "packing is a discriminator option"),
        (["loss.r1=-1"], "r1"),
    ],
)
def test_bad_remedy_settings_are_refused_clearly(sets, words):
    with pytest.raises(GanbenchError, match=words):
        tiny_setup(sets=sets)  # network options fail validation, loss options resolution


# --- the unrolled discriminator (Metz et al. 2017) ------------------------------------------------


def _double_discriminator(optimizer: str, n: int = 2):
    d = Discriminator(_inits(n), 2, NetConfig(width=8, depth=2, activation="tanh")).double()
    cfg = OptimizerConfig(name=optimizer, lr=0.05, momentum=0.5 if optimizer != "adam" else 0.0)
    opt = make_member_optimizer(d.parameters(), [cfg] * n, torch.device("cpu"))
    group = opt.param_groups[0]  # float64 settings too, so the real step runs in float64
    group.update({k: v.double() for k, v in group.items() if torch.is_tensor(v)})
    state = opt.state["flat"]
    state.update({k: v.double() for k, v in state.items()})
    return d, opt


def _real_step(d, opt, loss, real, fake) -> None:
    objective = loss.d_loss(d(real), d(fake))
    grads = torch.autograd.grad(objective.sum(), opt.params)
    opt.update(torch.cat([g.reshape(g.shape[0], -1) for g in grads], dim=1))


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "sgd"])
def test_a_look_ahead_step_is_the_optimizer_s_own_step(optimizer):
    """One look-ahead step from the optimizer's current state scores as D does after that step."""
    loss = registry.losses.get("modified_minimax")()
    d, opt = _double_discriminator(optimizer)
    real, fake = torch.randn(2, 16, 2, dtype=torch.float64), torch.randn(2, 16, 2, dtype=torch.float64)
    for _ in range(3):  # a state that is not the initial one
        _real_step(d, opt, loss, real + 0.1, fake)
    probe = torch.randn(2, 5, 2, dtype=torch.float64)
    before = d(probe).detach()
    judge = unrolled(d, opt, loss, real, fake, steps=1)
    ahead = judge(probe).detach()
    assert torch.equal(d(probe).detach(), before)  # D itself untouched by the look-ahead
    _real_step(d, opt, loss, real, fake)
    torch.testing.assert_close(ahead, d(probe).detach(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_the_generator_s_gradient_flows_through_the_unrolled_steps(optimizer):
    """d/d(fake) of g_loss(D_k(fake)), where D_k itself depends on fake, against central finite
    differences in float64; the gradient that ignores D_k's dependence (first order) misses it."""
    loss = registry.losses.get("modified_minimax")()
    d, opt = _double_discriminator(optimizer)
    real = torch.randn(2, 16, 2, dtype=torch.float64)
    fake = torch.randn(2, 16, 2, dtype=torch.float64)
    _real_step(d, opt, loss, real, fake + 0.3)
    direction = torch.randn_like(fake)

    def objective(x, through=True):
        judge = unrolled(d, opt, loss, real, x if through else x.detach(), steps=3)
        return loss.g_loss(judge(x), None).sum()

    x = fake.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(objective(x), x)
    eps = 1e-6
    numeric = (objective(fake + eps * direction) - objective(fake - eps * direction)) / (2 * eps)
    analytic = (grad * direction).sum()
    torch.testing.assert_close(analytic, numeric.detach(), rtol=1e-6, atol=1e-9)
    x1 = fake.clone().requires_grad_(True)
    (first_order,) = torch.autograd.grad(objective(x1, through=False), x1)
    assert abs(float((first_order * direction).sum() - numeric.detach())) > 1e-4


def test_a_generator_update_against_an_unrolled_discriminator_leaves_it_untouched():
    setup = tiny_setup(
        sets=[
            "discriminator.unroll=2",
            "discriminator.spectral_norm=true",
            "discriminator.norm=batch_running",
        ]
    )
    train(setup)  # some state first
    before = {k: v.clone() for k, v in setup.discriminator.state_dict().items()}
    state = {k: v.clone() for k, v in setup.d_optimizer.state["flat"].items()}
    g_update(setup, torch.ones(setup.n_seeds, dtype=torch.bool))
    for k, v in setup.discriminator.state_dict().items():
        assert torch.equal(v, before[k]), k
    for k, v in setup.d_optimizer.state["flat"].items():
        assert torch.equal(v, state[k]), k


def test_unrolled_look_ahead_steps_count_as_discriminator_gradient_evaluations():
    result = train(tiny_setup(sets=["discriminator.unroll=3", "g_steps=6"]))
    # alternating 1:1: one D step per G step, plus 3 look-ahead steps inside each G step
    assert result.d_grad_evals.tolist() == [6 * 4, 6 * 4]


@pytest.mark.parametrize("leave", [False, True])
def test_an_unrolled_discriminator_keeps_members_apart_in_a_population(leave):
    check_member_equals_alone("schedule", "alternating", leave=leave, shared=("discriminator.unroll=2",))


def test_ganbench_list_shows_every_remedy(cli):
    proc = cli("list")
    assert proc.returncode == 0
    listed = proc.stdout.split("remedies (network options)")[1]
    for key in (
        "discriminator.spectral_norm",
        "discriminator.pack",
        "discriminator.unroll",
        "loss.r1, loss.r2",
    ):
        assert key in listed
    losses_table = proc.stdout.split("remedies (network options)")[0]
    assert losses_table.count("r1 (default 0.0)") >= len(registry.losses.names())
