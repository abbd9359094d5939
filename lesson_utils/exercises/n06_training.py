"""Exercises of notebook 06: the loss before training, a gradient by finite differences, one training step."""

from __future__ import annotations

import copy
import math

import torch

from .checks import student_call, unanswered, verdict


def check_initial_loss(answer, vocab_size: int) -> bool:
    """Exercise: the loss of a model that gives all vocab_size tokens the same probability."""
    if unanswered(answer):
        return False
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        return verdict(False, "give one number")
    want = math.log(vocab_size)
    if abs(answer - want) < 1e-3:
        return verdict(True, f"-log(1/{vocab_size}) = log({vocab_size}) = {want:.3f}: every token gets "
                              f"probability 1/{vocab_size}, and the loss is minus its logarithm.")
    if abs(answer - 1 / vocab_size) < 1e-6:
        return verdict(False, "that is the probability each token gets; the loss is minus its (natural) "
                               "logarithm.")
    if abs(answer - math.log2(vocab_size)) < 1e-3:
        return verdict(False, "that is log base 2; PyTorch's cross-entropy uses the natural log (math.log).")
    return verdict(False, f"{answer} is not it: if each of the {vocab_size} tokens has probability "
                           f"1/{vocab_size}, the loss is -log(1/{vocab_size}).")


def check_finite_difference(answer, autograd_value: float) -> bool:
    """Exercise: (loss(w + h) - loss(w - h)) / (2h) for one weight, compared with autograd's gradient."""
    if unanswered(answer):
        return False
    try:
        got = float(answer)
    except (TypeError, ValueError):
        return verdict(False, "give one number: the slope you measured")
    scale = max(abs(autograd_value), 1e-6)
    if abs(got - autograd_value) <= 0.02 * scale + 1e-5:
        # A bound, not the digits: the last digits of a finite difference in 32-bit arithmetic differ from
        # one machine to another.
        off = abs(got - autograd_value)
        bound = "1%" if off <= 0.01 * scale else "2%" if off <= 0.02 * scale else "0.00001"
        return verdict(True, f"your slope is within {bound} of autograd's {autograd_value:.3g}: nudging "
                              "the weight and watching the loss gives the same slope that backpropagation "
                              "computed.")
    if abs(got + autograd_value) <= 0.02 * scale + 1e-5:
        return verdict(False, "right size, wrong sign: subtract loss(w - h) from loss(w + h), not the "
                               "other way round.")
    if abs(got / 2 - autograd_value) <= 0.02 * scale + 1e-5:
        return verdict(False, "twice too large: the two nudges are 2h apart, so divide by 2h.")
    return verdict(False, f"{got:.6f} is far from autograd's {autograd_value:.6f}. Put the weight "
                           "back after each nudge, and divide the difference of the two losses by 2h.")


def check_train_step(train_step) -> bool:
    """Exercise: train_step(model, optimizer, x, y) -> loss as a float: forward, loss, backward, step."""
    if unanswered(train_step):
        return False
    if not callable(train_step):
        return verdict(False, "pass your function itself, e.g. check_train_step(my_train_step)")
    from ..scratch.tiny_gpt import TinyConfig, TinyGPT
    with torch.random.fork_rng():                  # the same test model every time, and the student's
        torch.manual_seed(0)                       # own random numbers left as they were
        model = TinyGPT(TinyConfig(vocab_size=20, context=8, dim=16, n_layers=1, n_heads=2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    x = torch.randint(0, 20, (4, 8), generator=torch.Generator().manual_seed(1))
    y = torch.roll(x, -1, dims=1)
    losses = []
    for _ in range(5):
        before = [p.detach().clone() for p in model.parameters()]
        reference = copy.deepcopy(model)                  # the gradient this step should use
        reference.zero_grad()
        reference(x, y)[1].backward()
        loss, problem = student_call("your function", train_step, model, optimizer, x, y)
        if problem:
            return verdict(False, problem)
        if loss is None:
            return verdict(False, "return the loss (as a number, e.g. loss.item())")
        if all(torch.equal(b, p) for b, p in zip(before, model.parameters(), strict=True)):
            return verdict(False, "the weights did not change: call loss.backward() and then "
                                   "optimizer.step().")
        stale = [p.grad is not None and not torch.allclose(p.grad, r.grad, atol=1e-6)
                 for p, r in zip(model.parameters(), reference.parameters(), strict=True)]
        if any(stale):
            return verdict(False, "the gradients pile up from step to step: call optimizer.zero_grad() "
                                   "before loss.backward() in every step.")
        losses.append(float(loss))
    if not losses[-1] < losses[0]:
        return verdict(False, f"the loss went {losses[0]:.3f} -> {losses[-1]:.3f} over 5 steps instead of "
                               "falling: compute the loss, then backward(), then step().")
    # One decimal: after optimizer steps the last digits differ from one machine to another.
    return verdict(True, f"the loss fell from {losses[0]:.1f} to {losses[-1]:.1f} in 5 steps on one "
                          "batch of a toy 20-token model (so it starts near log 20 = 3.0): forward, loss, "
                          "zero the old gradients, backward, step.")
