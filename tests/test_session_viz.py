import matplotlib
import numpy as np
import pytest
import torch

from lesson_utils import viz
from lesson_utils.session import setup


def test_setup_is_repeatable_and_reports_the_device(capsys):
    setup(seed=3, threads=2)
    a = (torch.rand(3), np.random.rand(2))
    setup(seed=3, threads=2)
    b = (torch.rand(3), np.random.rand(2))
    assert torch.equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert torch.get_num_threads() == 2
    assert "running on the CPU" in capsys.readouterr().out or torch.cuda.is_available()


def test_setup_rejects_bad_arguments():
    with pytest.raises(ValueError, match="threads"):
        setup(threads=0)
    with pytest.raises(TypeError, match="seed"):
        setup(seed="1")


def test_presenter_style_is_larger():
    viz.use_style(presenter=False)
    normal = matplotlib.rcParams["font.size"]
    viz.use_style(presenter=True)
    assert matplotlib.rcParams["font.size"] > normal
    viz.use_style(presenter=False)


def test_next_token_plot_and_table_agree():
    rows = [{"id": 7042, "text": " Paris", "p": 0.77}, {"id": 260, "text": " the", "p": 0.06}]
    fig = viz.plot_next_tokens(rows)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["'␣Paris'", "'␣the'"]
    table = viz.next_tokens_table(rows)
    assert "7042" in table and "0.770" in table
    matplotlib.pyplot.close(fig)
