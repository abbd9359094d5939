"""lesson_utils.admin.slides: the extension that lets widgets draw in jupyterlab-rise slides.

Whether widgets really draw in the slides is checked in Chromium (tests/browser/
test_presenting_in_chromium.py); here: its installation, the doctor's check, and what its
script does to the shared-module table, run under Node.js where it is installed.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

import tasks
from lesson_utils.admin import cli, doctor, slides


def test_install_copies_every_file_where_jupyterlab_looks(tmp_path):
    assert not slides.is_installed(tmp_path)
    folder = slides.install(tmp_path)
    assert folder == tmp_path / "share" / "jupyter" / "labextensions" / "lesson-rise-widgets"
    for name in slides.FILES:
        assert (folder / name).read_bytes() == (slides.SOURCE / name).read_bytes()
    assert slides.is_installed(tmp_path)
    # JupyterLab loads the file that package.json names, under the extension's own name.
    package = json.loads((folder / "package.json").read_text())
    assert package["name"] == slides.NAME
    assert (folder / package["jupyterlab"]["_build"]["load"]).is_file()


def test_an_outdated_copy_is_not_installed(tmp_path):
    folder = slides.install(tmp_path)
    (folder / "static" / "remoteEntry.js").write_text("// an older version\n")
    assert not slides.is_installed(tmp_path)
    slides.install(tmp_path)
    assert slides.is_installed(tmp_path)


def test_doctor_names_the_command_that_installs_it(tmp_path):
    [missing] = doctor.check_slides_extension(tmp_path)
    assert not missing.ok and "install-slides-extension" in missing.fix
    slides.install(tmp_path)
    [present] = doctor.check_slides_extension(tmp_path)
    assert present.ok and str(tmp_path) in present.detail


def test_cli_installs_into_the_running_environment_once(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    assert cli.main(["install-slides-extension"]) == 0
    assert slides.is_installed(tmp_path)
    assert "restart JupyterLab" in capsys.readouterr().out
    assert cli.main(["install-slides-extension"]) == 0          # a second run has nothing to copy
    assert "up to date" in capsys.readouterr().out


def test_set_up_copies_the_extension_even_when_the_packages_are_installed(monkeypatch, tmp_path):
    # An edited extension must reach .venv without reinstalling packages (which may need the network).
    commands = []
    monkeypatch.setattr(tasks, "check_interpreter", lambda: None)
    monkeypatch.setattr(tasks, "ensure_venv", lambda: tmp_path / "python")
    installed = {"base": tasks.file_hash("requirements.txt", "pyproject.toml")}
    monkeypatch.setattr(tasks, "read_stamp", lambda: installed)
    monkeypatch.setattr(tasks, "install_packages", lambda *a: commands.append("pip install"))
    monkeypatch.setattr(tasks, "run", lambda args, **kw: commands.append(" ".join(map(str, args[1:]))))
    tasks.setup()
    assert commands == ["-m lesson_utils install-slides-extension"]


def test_without_the_repository_the_doctor_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setattr(slides, "SOURCE", tmp_path / "nowhere")
    assert not slides.is_installed(tmp_path)                 # no crash on a missing source
    [check] = doctor.check_slides_extension(tmp_path)
    assert not check.ok and "-e" in check.fix
    with pytest.raises(FileNotFoundError, match="pip install --no-deps -e"):
        slides.install(tmp_path)


NODE_CHECK = r"""
const fs = require("fs");
global.window = {};
eval(fs.readFileSync(process.argv[2], "utf8"));
const ext = window._JUPYTERLAB["lesson-rise-widgets"];
class Token { constructor(name) { this.name = name; } }
const good = {get: async () => () => ({Token})};
const wrong = {get: async () => { throw new Error("not this copy"); }};
async function consoleModule(shared) {
  ext.init(shared);
  const versions = Object.keys(shared["@jupyterlab/console"] || {});
  return {versions, module: (await shared["@jupyterlab/console"][versions[0]].get())()};
}
(async () => {
  const out = {};
  // The slides' table: no console package. The stand-in appears and exports a Token, made with
  // the newest @lumino/coreutils by number (2.10.2, not 2.9.0)...
  const newest = await consoleModule({"@lumino/coreutils": {"2.9.0": wrong, "2.10.2": good}});
  out.added = newest.versions;
  out.exports = Object.keys(newest.module);
  out.isToken = newest.module.IConsoleTracker instanceof Token;
  out.tokenName = newest.module.IConsoleTracker.name;
  // ...or with the copy the page has already loaded, whatever its version.
  const loaded = await consoleModule({"@lumino/coreutils": {"2.9.0": {...good, loaded: 1}, "2.10.2": wrong}});
  out.usesLoaded = loaded.module.IConsoleTracker instanceof Token;
  // JupyterLab's table already has the real package: it is left alone.
  const real = {"4.6.6": {from: "core"}};
  const lab = {"@jupyterlab/console": real, "@lumino/coreutils": {"2.10.2": good}};
  ext.init(lab);
  out.labUntouched = lab["@jupyterlab/console"] === real && Object.keys(real).length === 1;
  out.getRejects = await ext.get("./extension").then(() => false, () => true);
  console.log(JSON.stringify(out));
})();
"""


def test_script_adds_the_console_package_only_where_it_is_missing(tmp_path):
    if shutil.which("node") is None:
        if os.environ.get("CI"):
            pytest.fail("Node.js is missing (CI must run this test; .ci/run installs it)")
        pytest.skip("Node.js is not installed")
    check = tmp_path / "check.js"
    check.write_text(NODE_CHECK)
    script = slides.SOURCE / "static" / "remoteEntry.js"
    result = subprocess.run(["node", str(check), str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out == {"added": ["4.6.6"], "exports": ["IConsoleTracker"], "isToken": True,
                   "tokenName": "@jupyterlab/console:IConsoleTracker", "usesLoaded": True,
                   "labUntouched": True, "getRejects": True}
