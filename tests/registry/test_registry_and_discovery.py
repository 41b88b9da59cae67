"""Registry behaviour and plugin discovery (folders, environment, entry points)."""

import textwrap
from types import SimpleNamespace

import pytest

from ganbench import discovery
from ganbench.errors import ContractError, RegistryError
from ganbench.registry import Registry, datasets, losses
from ganbench.train.config import TrainConfig
from ganbench.validation import describe_fields

LOSS_FILE = """
from ganbench.api import Loss, batch_mean, losses

@losses.register("{name}")
class Plugged(Loss):
    '''A test loss.'''
    def d_loss(self, real, fake):
        return batch_mean(fake) - batch_mean(real)
    def g_loss(self, fake, real):
        return -batch_mean(fake)
"""


def write(folder, filename, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / filename).write_text(textwrap.dedent(text))
    return folder / filename


def test_unknown_name_lists_what_is_available():
    with pytest.raises(RegistryError) as err:
        losses.get("wasserstien")
    message = str(err.value)
    assert "'wasserstien' is not registered (did you mean 'wasserstein'?)" in message
    for name in ("hinge", "minimax", "modified_minimax", "wasserstein", "wgan_gp"):
        assert name in message


def test_duplicate_name_names_both_files(tmp_path, scratch_registry):
    first = write(tmp_path / "a", "one.py", LOSS_FILE.format(name="dup_test"))
    second = write(tmp_path / "b", "two.py", LOSS_FILE.format(name="dup_test"))
    discovery.load_directory(tmp_path / "a")
    with pytest.raises(RegistryError) as err:
        discovery.load_directory(tmp_path / "b")
    assert str(first) in str(err.value) and str(second) in str(err.value)


def test_duplicate_of_a_builtin_is_an_error(tmp_path, scratch_registry):
    write(tmp_path, "clash.py", LOSS_FILE.format(name="hinge"))
    with pytest.raises(RegistryError, match=r"hinge.*registered twice.*hinge\.py"):
        discovery.load_directory(tmp_path)


def test_broken_plugin_is_reported_and_the_rest_still_load(tmp_path, scratch_registry):
    broken = write(tmp_path, "broken.py", "import not_a_real_module_xyz\n")
    write(tmp_path, "good.py", LOSS_FILE.format(name="good_test"))
    discovery.load_directory(tmp_path)
    assert "good_test" in losses
    failure = next(f for f in discovery.failures if f.where == str(broken))
    assert "ModuleNotFoundError" in failure.error and "not_a_real_module_xyz" in failure.error


def test_entries_record_where_they_came_from(tmp_path, scratch_registry):
    path = write(tmp_path, "mine.py", LOSS_FILE.format(name="mine_test"))
    discovery.load_directory(tmp_path)
    assert losses.entry("mine_test").source == str(path)
    assert losses.entry("hinge").source.endswith("losses/hinge.py")


def test_entry_point_plugins_load_and_name_their_distribution(tmp_path, monkeypatch, scratch_registry):
    write(tmp_path, "ep_plugin_mod.py", LOSS_FILE.format(name="ep_test"))
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    good = SimpleNamespace(
        name="mine",
        value="ep_plugin_mod",
        dist=SimpleNamespace(name="fake-dist"),
        load=lambda: importlib.import_module("ep_plugin_mod"),
    )

    def broken_load():
        raise RuntimeError("boom")

    bad = SimpleNamespace(
        name="bad", value="nowhere", dist=SimpleNamespace(name="bad-dist"), load=broken_load
    )
    monkeypatch.setattr(
        discovery, "entry_points", lambda group: [good, bad] if group == "ganbench.plugins" else []
    )
    discovery.load_entry_points()
    entry = losses.entry("ep_test")
    assert entry.distribution == "fake-dist" and "fake-dist" in entry.origin
    assert any("bad-dist" in f.where and "boom" in f.error for f in discovery.failures)


def test_register_rejects_odd_names():
    with pytest.raises(RegistryError):
        Registry("loss").register("has space")


def test_cli_finds_plugins_from_option_and_environment(tmp_path, cli):
    write(tmp_path / "opt", "opt_loss.py", LOSS_FILE.format(name="from_option"))
    write(tmp_path / "env", "env_loss.py", LOSS_FILE.format(name="from_env"))
    write(tmp_path / "env", "broken.py", "raise ValueError('bad plugin')\n")
    proc = cli("--registry", str(tmp_path / "opt"), "list", env={"GANBENCH_REGISTRY": str(tmp_path / "env")})
    assert proc.returncode == 0, proc.stderr
    assert "from_option" in proc.stdout and "from_env" in proc.stdout
    assert "broken.py" in proc.stdout and "bad plugin" in proc.stdout


NO_G_LOSS = """
from ganbench.api import Loss, batch_mean, losses

@losses.register("half_loss")
class Half(Loss):
    '''A loss that forgot its generator side.'''
    def d_loss(self, real, fake):
        return batch_mean(fake) - batch_mean(real)
"""


def test_a_loss_without_g_loss_is_refused_naming_its_file(tmp_path, scratch_registry):
    path = write(tmp_path, "half.py", NO_G_LOSS)
    write(tmp_path, "good.py", LOSS_FILE.format(name="still_good"))
    discovery.load_directory(tmp_path)
    assert "still_good" in losses and "half_loss" not in losses.names()
    failure = next(f for f in discovery.failures if f.where == str(path))
    assert f"loss 'half_loss' in {path} is refused: it does not define g_loss()" in failure.error
    with pytest.raises(RegistryError) as err:  # asked for by name: the same paragraph, not "unknown"
        losses.get("half_loss")
    message = str(err.value)
    assert "is not available" in message and "g_loss()" in message and str(path) in message


def test_a_non_class_is_refused():
    reg = Registry("loss", base=losses.base, required=losses.required)
    with pytest.raises(ContractError, match="must be a class deriving from Loss"):
        reg.register("a_function")(lambda real, fake: real)


def test_an_import_error_is_shown_where_the_plugin_is_asked_for(tmp_path, scratch_registry):
    broken = LOSS_FILE.format(name="typo_loss").replace("def g_loss(self", "def g_loss((self")
    path = write(tmp_path, "typo.py", broken)
    discovery.load_directory(tmp_path)
    with pytest.raises(RegistryError) as err:
        losses.get("typo_loss")
    message = str(err.value)
    assert f"its plugin file {path} failed to load — SyntaxError" in message and "line 9)" in message


def test_unknown_names_and_defaults_are_shown_without_python_reprs():
    with pytest.raises(RegistryError, match=r"did you mean 'ring'\?"):
        datasets.get("rign")
    described = describe_fields(TrainConfig)
    assert "ComponentRef" not in described and "dataset (default ring)" in described
