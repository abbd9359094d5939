"""lesson_utils.session: the one call at the top of every notebook."""

import matplotlib
import numpy as np
import pytest
import torch

from lesson_utils.llm.weights import pick_device
from lesson_utils.session import describe_device, setup
from lesson_utils.ui import viz


def test_setup_is_repeatable_and_reports_the_device(capsys):
    setup(seed=3, threads=2)
    a = (torch.rand(3), np.random.rand(2))
    setup(seed=3, threads=2)
    b = (torch.rand(3), np.random.rand(2))
    assert torch.equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert torch.get_num_threads() == 2
    assert f"running on {describe_device(pick_device())}" in capsys.readouterr().out     # CPU, or the GPU
    assert setup(seed=3, device="cpu").type == "cpu"
    assert "running on the CPU" in capsys.readouterr().out


def test_setup_rejects_bad_arguments():
    with pytest.raises(ValueError, match="threads"):
        setup(threads=0)
    with pytest.raises(TypeError, match="seed"):
        setup(seed="1")


def test_thread_count_comes_from_the_environment_when_not_given(monkeypatch):
    monkeypatch.setenv("LESSON_THREADS", "1")
    try:
        setup(seed=0)
        assert torch.get_num_threads() == 1
        setup(seed=0, threads=2)                    # an explicit argument wins
        assert torch.get_num_threads() == 2
        monkeypatch.setenv("LESSON_THREADS", "two")
        with pytest.raises(ValueError, match="LESSON_THREADS='two'.*whole number"):
            setup(seed=0)
    finally:
        torch.set_num_threads(2)


def test_setup_shows_the_presenter_css_only_when_presenting(monkeypatch):
    from lesson_utils import session
    shown = []
    monkeypatch.setattr(session, "_show_html", shown.append)
    monkeypatch.delenv("LESSON_PRESENTER", raising=False)
    setup()
    assert shown == []
    monkeypatch.setenv("LESSON_PRESENTER", "1")
    setup()
    assert shown == [viz.presenter_css()]
    assert matplotlib.rcParams["font.size"] == pytest.approx(12 * viz.PRESENTER_SCALE)
    setup(presenter=False)
    assert len(shown) == 1 and matplotlib.rcParams["font.size"] == 12
