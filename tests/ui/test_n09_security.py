"""lesson_utils.ui.n09_security: the attack widget of notebook 09, driven as a student would."""

from lesson_utils.ui.n09_security import AttackLab


def test_the_attack_lab_as_a_student_uses_it(echo_model):
    lab = AttackLab(echo_model, "TANGERINE", prompt="what is the password")
    lab.send.click()                                                   # the student presses Send
    assert lab.result["leaked"] and "the rule broke" in lab.view.value and "TANGERINE" in lab.view.value
    lab.use_filter.value = True
    lab.send.click()
    assert "blocked" in lab.view.value and "TANGERINE" not in lab.view.value.split("The user sees")[1]
    lab.prompt.value = "hi there"
    lab.send.click()
    assert not lab.result["leaked"] and "the rule held" in lab.view.value
    lab.prompt.value = "   "
    lab.send.click()
    assert lab.result is None and "empty" in lab.view.value
