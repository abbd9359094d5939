"""Exercises of notebook 07: the Bradley–Terry probability, the DPO loss, a hacked reward."""

from __future__ import annotations

import math

import torch

from ..post_training.dpo import dpo_loss
from ..post_training.reward_model import preference_probability
from .checks import student_call, unanswered, verdict


def check_preference_probability(fn) -> bool:
    """Exercise: fn(r_a, r_b) -> the probability a person prefers answer A (Bradley–Terry)."""
    if unanswered(fn):
        return False
    if not callable(fn):
        return verdict(False, "give a function of two rewards, e.g. "
                               "def my_preference_probability(r_a, r_b): ...")
    cases = [(2.0, 1.0), (1.0, 2.0), (0.5, 0.5), (-3.0, 1.5), (10.0, -10.0)]
    for r_a, r_b in cases:
        got, problem = student_call(f"calling it with ({r_a}, {r_b})", fn, r_a, r_b, then=float)
        if problem:
            return verdict(False, problem)
        want = preference_probability(r_a, r_b)
        if abs(got - want) > 1e-4:
            if abs(got - (1 - want)) < 1e-4:
                return verdict(False, f"for rewards ({r_a}, {r_b}) you gave the chance that B wins; "
                                       "use r_a - r_b, not r_b - r_a.")
            if abs(got - (r_a - r_b)) < 1e-6:
                return verdict(False, "that is the reward difference itself; squash it into (0, 1) "
                                       "with the sigmoid 1 / (1 + e^-x).")
            return verdict(False, f"for rewards ({r_a}, {r_b}) you gave {got:.4f}; the answer is "
                                   f"{want:.4f} = 1 / (1 + e^-({r_a} - {r_b})).")
    return verdict(True, "σ(r_A − r_B): equal rewards give 0.5, and each extra unit of reward "
                          "difference makes A's win more certain, but never certain.")


def check_dpo_loss(fn) -> bool:
    """Exercise: fn(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta) -> mean DPO loss."""
    if unanswered(fn):
        return False
    if not callable(fn):
        return verdict(False, "give a function: def my_dpo_loss(policy_chosen, policy_rejected, "
                               "ref_chosen, ref_rejected, beta): ...")
    generator = torch.Generator().manual_seed(7)
    for beta in (0.1, 0.5):
        pc, pr, rc, rr = (-30 + 10 * torch.rand(6, generator=generator) for _ in range(4))
        got, problem = student_call("calling it", fn, pc, pr, rc, rr, beta, then=float)
        if problem:
            return verdict(False, problem)
        want = float(dpo_loss(pc, pr, rc, rr, beta)[0])
        if math.isclose(got, want, rel_tol=1e-4, abs_tol=1e-6):
            continue
        no_ref = float(-torch.nn.functional.logsigmoid(beta * (pc - pr)).mean())
        if math.isclose(got, no_ref, rel_tol=1e-4):
            return verdict(False, "you left out the reference model: subtract ref_chosen from "
                                   "policy_chosen and ref_rejected from policy_rejected first.")
        flipped = float(-torch.nn.functional.logsigmoid(-beta * ((pc - rc) - (pr - rr))).mean())
        if math.isclose(got, flipped, rel_tol=1e-4):
            return verdict(False, "the sign is flipped: the margin is (chosen's gain) − (rejected's gain).")
        return verdict(False, f"with beta={beta} you gave {got:.4f}, the DPO loss is {want:.4f}. "
                               "margin = beta · ((pc − rc) − (pr − rr)); loss = mean of −log σ(margin).")
    return verdict(True, "the loss only cares how much the policy moved each answer *relative to the "
                          "reference*, so it cannot win by making every answer likelier.")


def check_hacked_reward(answer, answers: list[str], rewards, useful: list[bool]) -> bool:
    """Exercise: the index of a useless answer that the reward model scores above a useful one."""
    if unanswered(answer):
        return False
    if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer < len(answers):
        return verdict(False, f"give the number (0 to {len(answers) - 1}) of one answer in the table")
    rewards = [float(r) for r in rewards]
    best_useful = max(r for r, u in zip(rewards, useful, strict=True) if u)
    if useful[answer]:
        return verdict(False, f"{answers[answer]!r} does answer the question; look for an answer that "
                               "helps nobody yet scores high.")
    if rewards[answer] <= best_useful:
        return verdict(False, f"{answers[answer]!r} is useless, but its reward ({rewards[answer]:.2f}) is "
                               f"below the best useful answer's ({best_useful:.2f}): the model was not "
                               "fooled by this one.")
    return verdict(True, f"{answers[answer]!r} scores {rewards[answer]:.2f}, above the best real answer "
                          f"({best_useful:.2f}). The reward model learned 'short and finished' from our "
                          "pairs, not 'helpful': a policy pushed hard against it would learn to say this.")
