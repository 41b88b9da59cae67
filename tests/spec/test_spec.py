"""Experiment specs: validation errors name the file and key path; lists expand into a grid."""

import textwrap
from pathlib import Path

import pytest

from ganbench.errors import GanbenchError
from ganbench.experiment import spec

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path, text, name="x.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


BASE = """
name: t
datasets: [ring, {name: grid, sigma: 0.1}]
losses: [minimax, {name: wasserstein, clip: 0.02}, hinge]
schedules: [{name: alternating, d_steps: 5}, simultaneous]
seeds: 3
train: {g_steps: 10, batch_size: 32}
per_dataset:
  grid: {g_steps: 20}
grid:
  g_optimizer.lr: [0.0001, 0.0002]
"""


def test_lists_expand_into_the_cartesian_product(tmp_path):
    exp = spec.load(write(tmp_path, BASE))
    assert len(exp.cells) == 2 * 3 * 2 * 2 and exp.n_runs == 24 * 3
    assert len({c.key for c in exp.cells}) == len(exp.cells)
    grid_cells = [c for c in exp.cells if c.config.dataset.name == "grid"]
    assert all(c.config.g_steps == 20 and c.config.dataset.params == {"sigma": 0.1} for c in grid_cells)
    assert all(c.config.g_steps == 10 for c in exp.cells if c.config.dataset.name == "ring")
    assert {c.config.g_optimizer.lr for c in exp.cells} == {0.0001, 0.0002}
    wasserstein = [c for c in exp.cells if c.config.loss.name == "wasserstein"]
    assert all(c.config.loss.params == {"clip": 0.02} for c in wasserstein)
    assert all(c.config.seeds == [0, 1, 2] for c in exp.cells)


def test_keys_are_deterministic_and_ignore_seed_count(tmp_path):
    a = spec.load(write(tmp_path, BASE))
    b = spec.load(write(tmp_path, BASE), seeds=5)
    assert [c.key for c in a.cells] == [c.key for c in b.cells]
    assert a.cells[0].run_key(1) != a.cells[0].run_key(2)


def test_only_filters_cells(tmp_path):
    exp = spec.load(write(tmp_path, BASE), only=["loss=hinge", "dataset=ring"])
    assert len(exp.cells) == 4 and all(c.config.loss.name == "hinge" for c in exp.cells)
    with pytest.raises(GanbenchError, match="no cell matches"):
        spec.load(write(tmp_path, BASE), only=["loss=relativistic"])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("hinge]", "wasserstien]"),
            "x.yaml: losses[2].name 'wasserstien' is not registered (did you mean 'wasserstein'?); "
            "available: hinge,",
        ),
        (("clip: 0.02", "clip: -1"), "x.yaml: losses[1] (wasserstein).clip: Input should be greater than 0"),
        (("clip: 0.02", "clap: 1"), "losses[1] (wasserstein).clap: is not a known key"),
        (("seeds: 3", "seeds: 3\nsedes: 4"), "x.yaml: sedes: is not a known key"),
        (("g_steps: 10,", "g_steps: -1,"), "g_steps: Input should be greater than or equal to 1"),
        (("grid: {g_steps: 20}", "blob: {g_steps: 20}"), "per_dataset: ['blob'] are not among"),
        (("g_optimizer.lr", "g_optimiser.lr"), "g_optimiser: is not a known key"),
        (("name: t", "name: 'bad name!'"), "x.yaml: name: String should match pattern"),
    ],
)
def test_errors_name_file_key_and_what_is_allowed(tmp_path, change, expected):
    with pytest.raises(GanbenchError) as err:
        spec.load(write(tmp_path, BASE.replace(*change)))
    assert expected in str(err.value)


def test_malformed_yaml_names_file_and_line(tmp_path):
    with pytest.raises(GanbenchError, match=r"x.yaml: malformed YAML at line 3"):
        spec.load(write(tmp_path, "name: t\ndatasets: [ring\nlosses: [a, b]\n"))


@pytest.mark.parametrize("path", sorted((ROOT / "experiments").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_specs_validate(path):
    if path.stem.startswith("tune_"):  # tuning specs: an experiment spec plus the search
        from ganbench.tuning import spec as tuning_spec

        tuning = tuning_spec.load(path)
        assert tuning.arms and tuning.spec.name == path.stem and tuning.spec.search
        return
    exp = spec.load(path)
    assert exp.cells and exp.spec.name == path.stem


def test_default_spec_is_the_promised_grid():
    exp = spec.load(ROOT / "experiments" / "default.yaml")
    combos = {(c.config.loss.name, c.label.split(" + ")[1], c.config.dataset.name) for c in exp.cells}
    losses = {"minimax", "modified_minimax", "wasserstein"}
    schedules = {
        "alternating(d_steps=1)",
        "alternating(d_steps=5)",
        "epochwise(d_epochs=1, g_epochs=1)",
        "simultaneous",
    }
    assert combos == {(loss, s, d) for loss in losses for s in schedules for d in ("ring", "grid", "digits")}
    assert all(len(c.config.seeds) == 5 for c in exp.cells)


def test_full_spec_covers_every_registered_loss_and_schedule():
    from ganbench.registry import datasets, losses, schedules

    exp = spec.load(ROOT / "experiments" / "full.yaml")
    assert {c.config.loss.name for c in exp.cells} == set(losses.names())
    assert {c.config.schedule.name for c in exp.cells} == set(schedules.names())
    your_files = {"npz", "idx", "cifar10", "image_folder"}  # they need a path
    assert {c.config.dataset.name for c in exp.cells} == set(datasets.names()) - your_files


VARIANTS = """
name: v
datasets: [ring]
losses: [modified_minimax]
schedules: [alternating]
seeds: 2
train: {g_steps: 10, batch_size: 32}
grid:
  g_optimizer.lr: [0.0001, 0.0002]
variants:
  gan: {}
  pacgan2: {discriminator.pack: 2, batch_size: 64}
  r1: {loss.r1: 0.5}
"""


def test_variants_are_named_settings_crossed_with_the_grid(tmp_path):
    exp = spec.load(write(tmp_path, VARIANTS))
    assert len(exp.cells) == 2 * 3 and len({c.key for c in exp.cells}) == 6
    by_variant = {}
    for c in exp.cells:
        by_variant.setdefault(c.variant, []).append(c)
        assert c.label.endswith(f" + {c.variant}")
    assert all(c.config.discriminator.pack == 2 and c.config.batch_size == 64 for c in by_variant["pacgan2"])
    assert all(c.config.loss.params == {"r1": 0.5} for c in by_variant["r1"])
    plain = by_variant["gan"]
    assert all(c.config.discriminator.pack == 1 and c.config.loss.params == {} for c in plain)
    assert [c.variant for c in spec.select(exp.cells, ["variant=r1"], "t")] == ["r1", "r1"]


def test_a_bad_variant_setting_names_the_variant(tmp_path):
    bad = VARIANTS.replace("batch_size: 64", "batch_size: 63")
    with pytest.raises(GanbenchError, match="pacgan2"):
        spec.load(write(tmp_path, bad))


def test_the_remedies_spec_expands_to_each_remedy_beside_the_gan():
    exp = spec.load(ROOT / "experiments" / "remedies.yaml")
    variants = {c.variant for c in exp.cells}
    assert variants == {"gan", "pacgan2", "spectral_norm", "r1", "r1_r2", "unrolled5"}
    assert {c.config.dataset.name for c in exp.cells} == {"ring", "grid", "stacked_digits"}


def test_grid_values_reach_the_configuration_typed(tmp_path):
    """A grid value is set as it was read (no ``key=json`` text parsed back as YAML, which turned
    ``1.0e-5`` into the string ``"1e-05"`` inside a component's parameters)."""
    text = BASE.replace(
        "g_optimizer.lr: [0.0001, 0.0002]", "loss.clip: [1.0e-5, 0.5]\n  g_optimizer.betas: [[0.0, 0.9]]"
    )
    text = text.replace("losses: [minimax, {name: wasserstein, clip: 0.02}, hinge]", "losses: [wasserstein]")
    exp = spec.load(write(tmp_path, text))
    clips = sorted({c.config.loss.params["clip"] for c in exp.cells})
    assert clips == [1e-5, 0.5] and all(isinstance(v, float) for v in clips)
    assert {tuple(c.config.g_optimizer.betas) for c in exp.cells} == {(0.0, 0.9)}
    assert {c.label.split(" + ")[2] for c in exp.cells} == {"loss.clip=1e-05", "loss.clip=0.5"}


def test_one_setter_for_grid_search_and_set_names_its_source(tmp_path):
    from ganbench.validation import apply_overrides, set_key

    raw = {"loss": {"name": "hinge"}, "batch_size": 32}
    set_key(raw, "loss.margin", 2, "x.yaml", "grid")
    set_key(raw, "generator.width", 64, "x.yaml", "search")  # a missing section is created
    assert raw == {"loss": {"name": "hinge", "margin": 2}, "batch_size": 32, "generator": {"width": 64}}
    with pytest.raises(GanbenchError, match=r"x\.yaml: grid: batch_size\.x: 'batch_size' is a value"):
        set_key(raw, "batch_size.x", 1, "x.yaml", "grid")
    assert apply_overrides(raw, ["loss.margin=1.0e-5"])["loss"]["margin"] == 1e-5
    with pytest.raises(GanbenchError, match="command line: --set: batch_size.x"):
        apply_overrides(raw, ["batch_size.x=1"])
