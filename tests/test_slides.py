"""lesson_utils.slides: the extension that lets widgets draw in jupyterlab-rise slides.

Whether widgets really draw in the slides is checked in Chromium (tests/browser/
test_presenting_in_chromium.py); here: its installation, the doctor's check, and what its
script does to the shared-module table, run under Node.js where it is installed.
"""

import json
import shutil
import subprocess
import sys

import pytest

import tasks
from lesson_utils import cli, doctor, slides


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


def test_cli_installs_into_the_running_environment(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    assert cli.main(["install-slides-extension"]) == 0
    assert slides.is_installed(tmp_path)
    assert "restart JupyterLab" in capsys.readouterr().out


def test_set_up_reinstalls_when_the_extension_changes():
    # tasks.py hashes these files into its stamp, so an edited extension is copied again.
    assert {f"labextensions/{slides.NAME}/{name}" for name in slides.FILES} == set(tasks.SLIDES_EXTENSION)


NODE_CHECK = r"""
const fs = require("fs");
global.window = {};
eval(fs.readFileSync(process.argv[2], "utf8"));
const ext = window._JUPYTERLAB["lesson-rise-widgets"];
class Token { constructor(name) { this.name = name; } }
const coreutils = {get: async () => () => ({Token})};
const out = {};
(async () => {
  // The slides' table: no console package. The stand-in appears and exports a Token.
  const slides = {"@lumino/coreutils": {"2.9.0": {get: async () => { throw new Error("not this one"); }},
                                        "2.10.2": coreutils}};
  ext.init(slides);
  out.added = Object.keys(slides["@jupyterlab/console"] || {});
  const module = (await slides["@jupyterlab/console"][out.added[0]].get())();
  out.exports = Object.keys(module);
  out.isToken = module.IConsoleTracker instanceof Token;
  out.tokenName = module.IConsoleTracker.name;
  // JupyterLab's table already has the real package: it is left alone.
  const real = {"4.6.6": {from: "core"}};
  const lab = {"@jupyterlab/console": real, "@lumino/coreutils": {"2.10.2": coreutils}};
  ext.init(lab);
  out.labUntouched = lab["@jupyterlab/console"] === real && Object.keys(real).length === 1;
  out.getRejects = await ext.get("./extension").then(() => false, () => true);
  console.log(JSON.stringify(out));
})();
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_script_adds_the_console_package_only_where_it_is_missing(tmp_path):
    check = tmp_path / "check.js"
    check.write_text(NODE_CHECK)
    script = slides.SOURCE / "static" / "remoteEntry.js"
    result = subprocess.run(["node", str(check), str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out == {"added": ["4.6.6"], "exports": ["IConsoleTracker"], "isToken": True,
                   "tokenName": "@jupyterlab/console:IConsoleTracker", "labUntouched": True,
                   "getRejects": True}
