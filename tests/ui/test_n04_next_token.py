"""lesson_utils.ui.n04_next_token: the widgets of notebook 04,
driven as a user would: change a control, click a button."""

from lesson_utils.ui import NextTokenStepper


def test_next_token_stepper_appends_and_undoes(lm):
    stepper = NextTokenStepper(lm, prompt="The capital of France is", k=5)
    assert stepper.rows[0]["text"] == " Paris" and stepper.undo.disabled
    stepper.buttons.children[0].click()                              # the user clicks " Paris"
    assert stepper.prompt.value == "The capital of France is Paris"
    assert stepper.history == ["The capital of France is"] and not stepper.undo.disabled
    assert stepper.rows[0]["text"] != " Paris"                      # a new distribution
    stepper.buttons.children[1].click()
    assert len(stepper.history) == 2
    stepper.undo.click()
    stepper.undo.click()
    assert stepper.prompt.value == "The capital of France is" and stepper.undo.disabled
    assert stepper.rows[0]["text"] == " Paris" and stepper.seconds > 0
    stepper.prompt.value = ""
    assert stepper.rows == [] and stepper.buttons.children == () and "empty" in stepper.message.value
