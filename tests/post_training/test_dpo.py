import math

import pytest
import torch

from lesson_utils.post_training.dpo import dpo_loss, policy_logprobs, trainable_copy
from lesson_utils.post_training.sequences import chat_sequence, frozen_pass


def test_dpo_loss_worked_example_and_edge_cases():
    loss, margin = dpo_loss(torch.tensor([-10.0]), torch.tensor([-12.0]), torch.tensor([-11.0]),
                            torch.tensor([-11.0]), beta=0.1)
    assert float(margin[0]) == pytest.approx(0.2) and float(loss) == pytest.approx(0.598, abs=1e-3)
    same = torch.tensor([-5.0, -7.0])
    assert float(dpo_loss(same, same - 1, same, same - 1)[0]) == pytest.approx(math.log(2))
    # raising both answers by the same amount changes nothing: only the relative move counts
    ref_c, ref_r = torch.tensor([-10.0]), torch.tensor([-8.0])
    base = dpo_loss(torch.tensor([-9.0]), torch.tensor([-9.0]), ref_c, ref_r)
    shifted = dpo_loss(torch.tensor([-4.0]), torch.tensor([-4.0]), ref_c, ref_r)
    assert float(base[0]) == pytest.approx(float(shifted[0]))


def test_dpo_loss_refuses_bad_arguments():
    x = torch.zeros(2)
    with pytest.raises(ValueError, match="beta"):
        dpo_loss(x, x, x, x, beta=0)
    with pytest.raises(ValueError, match="one shape"):
        dpo_loss(x, x, x, torch.zeros(3))


def test_trainable_copy_trains_only_the_top_and_leaves_the_original(model):
    policy = trainable_copy(model, 2)
    trainable = {n for n, p in policy.named_parameters() if p.requires_grad}
    assert trainable and all(n.startswith(("blocks.28.", "blocks.29.")) for n in trainable)
    assert not any(p.requires_grad for p in model.parameters())            # the reference is frozen
    assert policy.blocks[29].ffn is not model.blocks[29].ffn               # the top is a copy...
    assert policy.blocks[27] is model.blocks[27] and policy.embed is model.embed   # ...the rest is shared
    assert len(model.blocks) == len(policy.blocks) == 30
    with pytest.raises(ValueError, match="n_layers"):
        trainable_copy(model, 0)
    assert policy(torch.tensor([[1, 2, 3]])).logits.shape == (1, 3, model.config.vocab_size)   # it runs


def test_trainable_copy_changes_nothing_of_the_model_it_is_given():
    from lesson_utils.llm.model import ModelConfig, Transformer
    tiny = Transformer(ModelConfig(vocab_size=50, dim=16, n_layers=3, n_heads=2, n_kv_heads=1, hidden_dim=32,
                                   context_length=16)).requires_grad_(False)
    modules_before = dict(tiny._modules)
    policy = trainable_copy(tiny, 1)
    assert dict(tiny._modules) == modules_before and not any(p.requires_grad for p in tiny.parameters())
    # The same numbers; only the rounding may differ, since the copy's trainable top takes F.linear and
    # the frozen model oneDNN's route (lesson_utils/llm/cpu_linear.py).
    torch.testing.assert_close(policy(torch.tensor([[1, 2]])).logits, tiny(torch.tensor([[1, 2]])).logits,
                               rtol=1e-5, atol=1e-5)
    tiny.requires_grad_(True)
    with pytest.raises(ValueError, match="freeze them first"):
        trainable_copy(tiny, 1)


def test_one_dpo_step_widens_the_margin(model, lm):
    sequences = [chat_sequence(lm, "Why is the sky blue?", "Air scatters blue light most."),
                 chat_sequence(lm, "Why is the sky blue?", "Bananas are yellow and tasty.")]
    frozen = frozen_pass(model, sequences, start_layer=28)
    policy = trainable_copy(model, 2)
    start = policy_logprobs(policy, frozen, [0, 1], sequences)
    assert torch.allclose(start.detach(), frozen.ref_logprob, atol=1e-3)   # it starts as the reference
    optimizer = torch.optim.SGD([p for p in policy.parameters() if p.requires_grad], lr=1e-4)
    margins = []
    for _ in range(2):
        lp = policy_logprobs(policy, frozen, [0, 1], sequences)
        loss, margin = dpo_loss(lp[:1], lp[1:], frozen.ref_logprob[:1], frozen.ref_logprob[1:])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        margins.append(float(margin[0].detach()))
    after = policy_logprobs(policy, frozen, [0, 1], sequences).detach()
    new_margin = 0.1 * ((after[0] - frozen.ref_logprob[0]) - (after[1] - frozen.ref_logprob[1]))
    assert float(new_margin) > margins[0] + 1e-3
    assert all(p.grad is None for p in model.parameters())                # the reference never learns
