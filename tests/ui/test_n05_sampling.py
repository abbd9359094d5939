"""lesson_utils.ui.n05_sampling: the widgets of notebook 05,
driven as a user would: change a control, click a button."""

import pytest

from lesson_utils.ui import SamplingLab


def test_sampling_lab_sliders_reshape_and_sample(lm):
    lab = SamplingLab(lm, prompt="Once upon a time, there was a", temperature=1.0)
    assert lab.view["n_kept"] == 49152 and "bits" in lab.readout.value
    lab.top_k.value = 5                                   # the user drags the top-k slider
    assert lab.view["n_kept"] == 5 and "(filtered)" in lab.bars.value
    lab.temperature.value = 0.0
    assert lab.view["n_kept"] == 1 and lab.view["entropy_reshaped"] == pytest.approx(0.0, abs=1e-6)
    lab.sample_button.click()
    assert len(lab.drawn) == 20 and len(set(lab.drawn)) == 1           # T = 0: always the top token
    lab.temperature.value, lab.top_k.value, lab.top_p.value = 1.0, 0, 0.5
    assert 1 <= lab.view["n_kept"] < 100
    lab.prompt.value = ""
    assert lab.view == {} and "empty" in lab.readout.value
