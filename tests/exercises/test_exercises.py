import math

from lesson_utils import exercises
from lesson_utils.llm.chat import render_chat
from lesson_utils.llm.model import ModelConfig


def test_block_parameter_count_matches_the_file():
    # 30 blocks + token table + final norm must give the count stored in the GGUF file.
    cfg = ModelConfig()
    total = cfg.n_layers * exercises.block_parameter_count(cfg) + cfg.vocab_size * cfg.dim + cfg.dim
    assert total == 134_515_008


def test_block_parameters_right_and_wrong(capsys):
    assert exercises.check_block_parameters(3_540_096) is True
    assert "✅" in capsys.readouterr().out
    assert exercises.check_block_parameters(3_540_096 - 1152) is False
    assert "RMSNorm" in capsys.readouterr().out
    # keys and values given the full 576 rows: the hint must name the 192 rows
    assert exercises.check_block_parameters(4 * 576 * 576 + 3 * 576 * 1536 + 1152) is False
    assert "192" in capsys.readouterr().out
    assert exercises.check_block_parameters("3540096") is False
    assert "number" in capsys.readouterr().out


def test_unanswered_exercise_asks_for_an_answer(capsys):
    assert exercises.check_block_parameters(...) is False
    assert "Write your answer" in capsys.readouterr().out


def test_softmax_checker(capsys):
    def good(z):
        m = max(z)
        e = [math.exp(x - m) for x in z]
        return [x / sum(e) for x in e]

    def naive(z):  # overflows on large logits
        e = [math.exp(x) for x in z]
        return [x / sum(e) for x in e]

    def unnormalised(z):
        return [math.exp(x - max(z)) for x in z]

    def stub(z):
        ...

    assert exercises.check_softmax(good) is True
    assert exercises.check_softmax(naive) is False
    assert "Subtract" in capsys.readouterr().out.split("\n")[-2]
    assert exercises.check_softmax(unnormalised) is False
    assert "sums to" in capsys.readouterr().out
    assert exercises.check_softmax(stub) is False
    assert "Write your answer" in capsys.readouterr().out


def test_chat_text_checker_points_at_the_difference(capsys):
    conversation = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi!"}]
    assert exercises.check_chat_text(render_chat(conversation), conversation) is True
    wrong = render_chat(conversation).replace("<|im_end|>\n<|im_start|>user", "<|im_end|><|im_start|>user")
    assert exercises.check_chat_text(wrong, conversation) is False
    out = capsys.readouterr().out
    assert "agree for 38 characters" in out.split("\n")[-2]


def test_check_merge_accepts_a_correct_merge_and_explains_common_bugs(capsys):
    from lesson_utils.scratch.bpe import merge
    assert exercises.check_merge(merge) is True
    assert "overlapping" in capsys.readouterr().out

    def overlapping(ids, pair, new_id):           # replaces the pair at every position, even overlapping
        out = list(ids)
        for i in range(len(ids) - 1):
            if (ids[i], ids[i + 1]) == pair:
                out[i] = new_id
        return [t for i, t in enumerate(out) if not (i > 0 and out[i - 1] == new_id and ids[i] == pair[1])]

    assert exercises.check_merge(overlapping) is False
    assert "Not yet" in capsys.readouterr().out

    def no_return(ids, pair, new_id):
        merge(ids, pair, new_id)

    assert exercises.check_merge(no_return) is False
    assert "returned None" in capsys.readouterr().out

    def crashes(ids, pair, new_id):
        return ids[0]

    assert exercises.check_merge(crashes) is False
    assert "returned 1, which is not a list" in capsys.readouterr().out

    def index_error(ids, pair, new_id):
        return [ids[i] for i in range(len(ids) + 1)]

    assert exercises.check_merge(index_error) is False
    assert "raised IndexError" in capsys.readouterr().out
    assert exercises.check_merge(...) is False
    assert "Write your answer" in capsys.readouterr().out


def test_check_chat_token_count(tokenizer, capsys):
    messages = [{"role": "user", "content": "How many tokens is this?"}]
    right = len(tokenizer.encode(render_chat(messages)))
    assert exercises.check_chat_token_count(right, messages, tokenizer) is True
    assert "✅" in capsys.readouterr().out
    content_only = len(tokenizer.encode(messages[0]["content"]))
    assert exercises.check_chat_token_count(content_only, messages, tokenizer) is False
    assert "render_chat" in capsys.readouterr().out
    no_prompt = len(tokenizer.encode(render_chat(messages, add_generation_prompt=False)))
    assert exercises.check_chat_token_count(no_prompt, messages, tokenizer) is False
    assert "assistant" in capsys.readouterr().out
    assert exercises.check_chat_token_count("12", messages, tokenizer) is False
    assert "whole number" in capsys.readouterr().out


def test_check_costlier(tokenizer, capsys):
    digits, sentence = "12345678901234567890", "The quick brown fox jumps over the dog."
    assert exercises.check_costlier("a", digits, sentence, tokenizer) is True
    assert "20 tokens" in capsys.readouterr().out
    assert exercises.check_costlier("B", digits, sentence, tokenizer) is False
    assert exercises.check_costlier("same", "cat", "dog", tokenizer) is True
    assert exercises.check_costlier("C", "cat", "dog", tokenizer) is False
    assert '"A", "B" or "same"' in capsys.readouterr().out


def test_check_cosine(capsys):
    def right(a, b):
        dot = sum(x * y for x, y in zip(a, b, strict=True))
        return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))

    assert exercises.check_cosine(right) is True
    capsys.readouterr()
    assert exercises.check_cosine(lambda a, b: sum(x * y for x, y in zip(a, b, strict=True))) is False
    assert "dot product" in capsys.readouterr().out
    assert exercises.check_cosine(lambda a, b: None) is False
    assert "None" in capsys.readouterr().out
    assert exercises.check_cosine(lambda a, b: 1 / 0) is False
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_check_nearest(model, tokenizer, capsys):
    matrix = model.embed.weight.detach().float().cpu()

    def right(m, v, k):
        return ((m / m.norm(dim=1, keepdim=True)) @ (v / v.norm())).topk(k).indices.tolist()

    assert exercises.check_nearest(right, matrix, tokenizer) is True
    capsys.readouterr()
    assert exercises.check_nearest(lambda m, v, k: (m @ v).topk(k).indices, matrix, tokenizer) is False
    assert "dot product" in capsys.readouterr().out
    assert exercises.check_nearest(lambda m, v, k: right(m, v, k)[::-1], matrix, tokenizer) is False
    assert "wrong order" in capsys.readouterr().out


def test_check_bank_layer(capsys):
    sep = [0.0, 0.3, 0.9, 0.5, 0.7]
    assert exercises.check_bank_layer(2, sep) is True
    assert exercises.check_bank_layer(4, sep) is False
    assert "not the last one" in capsys.readouterr().out
    assert exercises.check_bank_layer(9, sep) is False
    assert exercises.check_bank_layer(2.0, sep) is False


def test_check_bank_layer_accepts_int_like_answers():
    import numpy as np
    import torch
    sep = [0.0, 0.3, 0.9, 0.5]
    assert exercises.check_bank_layer(np.int64(2), sep) is True
    assert exercises.check_bank_layer(torch.tensor(sep).argmax(), sep) is True
    assert exercises.check_bank_layer(True, sep) is False


def test_attention_exercise_checks(capsys):
    import torch
    assert exercises.check_causal_mask(lambda T: torch.ones(T, T).tril()) is True
    assert exercises.check_causal_mask(lambda T: torch.ones(T, T).triu()) is False
    assert "turned over" in capsys.readouterr().out
    assert exercises.check_causal_mask(lambda T: torch.ones(T, T).tril(-1)) is False
    assert "diagonal" in capsys.readouterr().out

    def masked(scores):
        T = len(scores)
        return torch.softmax(scores.masked_fill(torch.ones(T, T).triu(1).bool(), float("-inf")), -1)

    assert exercises.check_masked_softmax(masked) is True
    assert exercises.check_masked_softmax(lambda s: torch.softmax(s, -1)) is False
    assert "not masked" in capsys.readouterr().out
    assert exercises.check_masked_softmax(lambda s: masked(s.T).T) is False

    q = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    v = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    right = torch.softmax(q[2] @ q.T / 2 ** 0.5, 0) @ v
    assert exercises.check_attention_output(right.tolist(), q, q, v) is True
    assert exercises.check_attention_output(torch.softmax(q[2] @ q.T, 0) @ v, q, q, v) is False
    assert "sqrt(2)" in capsys.readouterr().out
    assert exercises.check_attention_output([5.0, 6.0], q, q, v) is False
    assert "own value" in capsys.readouterr().out


def test_next_token_exercise_checks(capsys):
    from lesson_utils.llm.likelihood import SentenceScore
    exps = [math.exp(2.0), math.exp(1.0), math.exp(0.1)]
    assert exercises.check_softmax_values([e / sum(exps) for e in exps], [2.0, 1.0, 0.1]) is True
    assert exercises.check_softmax_values(exps, [2.0, 1.0, 0.1]) is False
    assert "exponentials" in capsys.readouterr().out
    assert exercises.check_softmax_values([2 / 3.1, 1 / 3.1, 0.1 / 3.1], [2.0, 1.0, 0.1]) is False
    assert "not softmax" in capsys.readouterr().out

    score = SentenceScore(["a", "b", "c"], [math.log(0.5), math.log(0.1)])
    assert exercises.check_sentence_logprob(math.log(0.05), score) is True
    assert exercises.check_sentence_logprob(0.05, score) is False
    assert "probability itself" in capsys.readouterr().out
    assert exercises.check_sentence_logprob(0.6, score) is False
    assert "added the probabilities" in capsys.readouterr().out
    assert exercises.check_sentence_logprob(-math.log(0.05), score) is False
    assert "sign" in capsys.readouterr().out

    ranks = [900, 500, 20, 3, 1, 1]
    assert exercises.check_first_top_layer(4, ranks) is True
    assert exercises.check_first_top_layer(3, ranks) is False
    assert "off by one" in capsys.readouterr().out
    assert exercises.check_first_top_layer(5.0, ranks) is False


def test_sampling_exercise_checks(capsys):
    import torch
    assert exercises.check_temperature(lambda z, t: torch.softmax(z / t, -1)) is True
    assert exercises.check_temperature(lambda z, t: torch.softmax(z * t, -1)) is False
    assert "multiplied" in capsys.readouterr().out

    def top_k(p, k):
        kept = torch.zeros_like(p)
        top = p.topk(k)
        kept[top.indices] = top.values
        return kept / kept.sum()

    assert exercises.check_top_k(top_k) is True
    assert exercises.check_top_k(lambda p, k: top_k(p, k) * top_k(p, k).gt(0).float() * 0 + (
        p * top_k(p, k).gt(0).float())) is False
    assert "renormalise" in capsys.readouterr().out

    def top_p(p, cut):
        kept, total = torch.zeros_like(p), 0.0
        for i in p.argsort(descending=True).tolist():
            kept[i], total = p[i], total + float(p[i])
            if total >= cut:
                break
        return kept / kept.sum()

    assert exercises.check_top_p(top_p) is True
    assert exercises.check_top_p(top_k) is False
    assert exercises.check_top_p(lambda p, c: None) is False
    assert "None" in capsys.readouterr().out


def test_training_exercise_checks(capsys):
    assert exercises.check_initial_loss(math.log(512), 512) is True
    assert exercises.check_initial_loss(1 / 512, 512) is False
    assert "probability each token gets" in capsys.readouterr().out
    assert exercises.check_initial_loss(9.0, 512) is False
    assert "log base 2" in capsys.readouterr().out
    assert exercises.check_finite_difference(0.0101, 0.01) is True
    assert exercises.check_finite_difference(-0.01, 0.01) is False
    assert "wrong sign" in capsys.readouterr().out
    assert exercises.check_finite_difference(0.02, 0.01) is False
    assert "2h" in capsys.readouterr().out

    def step(model, optimizer, x, y):
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    def no_zero(model, optimizer, x, y):
        _, loss = model(x, y)
        loss.backward()
        optimizer.step()
        return loss.item()

    def no_step(model, optimizer, x, y):
        _, loss = model(x, y)
        loss.backward()
        return loss.item()

    assert exercises.check_train_step(step) is True
    assert exercises.check_train_step(no_zero) is False
    assert "pile up" in capsys.readouterr().out
    assert exercises.check_train_step(no_step) is False
    assert "did not change" in capsys.readouterr().out

    import torch
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    exercises.check_train_step(step)
    assert torch.equal(torch.rand(3), expected), "a check must leave the student's random numbers alone"


def test_post_training_exercise_checks(capsys):
    import torch
    import torch.nn.functional as F

    assert exercises.check_preference_probability(lambda a, b: 1 / (1 + math.exp(-(a - b)))) is True
    assert exercises.check_preference_probability(lambda a, b: 1 / (1 + math.exp(-(b - a)))) is False
    assert "r_a - r_b" in capsys.readouterr().out
    assert exercises.check_preference_probability(lambda a, b: a - b) is False
    assert "sigmoid" in capsys.readouterr().out

    def dpo(pc, pr, rc, rr, beta):
        return -F.logsigmoid(beta * ((pc - rc) - (pr - rr))).mean()

    assert exercises.check_dpo_loss(dpo) is True
    def no_reference(pc, pr, rc, rr, beta):
        return -F.logsigmoid(beta * (pc - pr)).mean()

    assert exercises.check_dpo_loss(no_reference) is False
    assert "reference" in capsys.readouterr().out
    assert exercises.check_dpo_loss(lambda pc, pr, rc, rr, beta: dpo(pr, pc, rr, rc, beta)) is False
    assert "flipped" in capsys.readouterr().out
    assert exercises.check_dpo_loss(lambda *args: 1 / 0) is False
    assert "ZeroDivisionError" in capsys.readouterr().out

    answers, useful = ["good answer", "Yes.", "I like turtles."], [True, False, False]
    rewards = torch.tensor([2.0, 2.5, 1.0])
    assert exercises.check_hacked_reward(1, answers, rewards, useful) is True
    assert exercises.check_hacked_reward(0, answers, rewards, useful) is False
    assert "does answer" in capsys.readouterr().out
    assert exercises.check_hacked_reward(2, answers, rewards, useful) is False
    assert "not fooled" in capsys.readouterr().out
    assert exercises.check_hacked_reward(7, answers, rewards, useful) is False
    assert exercises.check_hacked_reward(..., answers, rewards, useful) is False


def test_rag_exercise_checks(capsys):
    def chunks(words, size, overlap):
        out, start = [], 0
        while True:
            out.append(words[start:start + size])
            if start + size >= len(words):
                return out
            start += size - overlap

    def one_too_many(words, size, overlap):
        return [words[i:i + size] for i in range(0, len(words), size - overlap)]

    assert exercises.check_chunking(chunks) is True
    assert exercises.check_chunking(one_too_many) is False
    assert "one chunk too many" in capsys.readouterr().out

    assert exercises.check_idf(lambda n, k: math.log(1 + (n - k + 0.5) / (k + 0.5))) is True
    assert exercises.check_idf(lambda n, k: math.log((n - k + 0.5) / (k + 0.5))) is False
    assert "adds 1 inside the log" in capsys.readouterr().out

    assert exercises.check_mrr(lambda ranks: sum(1 / r for r in ranks if r) / len(ranks)) is True
    def skips_misses(ranks):
        found = [r for r in ranks if r]
        return sum(1 / r for r in found) / max(1, len(found))

    assert exercises.check_mrr(skips_misses) is False
    assert "including the ones" in capsys.readouterr().out
    assert exercises.check_mrr(...) is False
    assert exercises.check_mrr(lambda ranks: None) is False
    assert "returned None" in capsys.readouterr().out
    assert exercises.check_idf(lambda n, k: None) is False
    assert "returned None" in capsys.readouterr().out
    assert exercises.check_chunking(lambda w, s, o: None) is False
    assert "returned None" in capsys.readouterr().out


def test_security_exercise_checks(capsys):
    import ast

    def whitelist(expression):
        try:
            tree = ast.parse(expression, mode="eval")
        except SyntaxError:
            return False
        allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Add, ast.Sub, ast.Mult, ast.Div,
                   ast.USub, ast.UAdd)
        return all(isinstance(n, allowed)
                   and (not isinstance(n, ast.Constant) or type(n.value) in (int, float))
                   for n in ast.walk(tree))

    assert exercises.check_is_arithmetic(whitelist) is True
    assert exercises.check_is_arithmetic(lambda e: "__" not in e) is False        # a blacklist lets names in
    assert "x is a name" in capsys.readouterr().out
    assert exercises.check_is_arithmetic(lambda e: None) is False
    assert "returned None" in capsys.readouterr().out
    assert exercises.check_is_arithmetic(...) is False

    def letters_both_ways(reply):
        letters = "".join(c for c in reply.lower() if c.isalpha())
        return "tangerine" in letters or "tangerine"[::-1] in letters

    assert exercises.check_reveals(letters_both_ways) is True
    assert exercises.check_reveals(lambda r: "tangerine" in r.lower()) is False   # misses spaced letters
    assert "c.isalpha()" in capsys.readouterr().out

    def fence(t):
        return "<<<SOURCE\n" + t.replace("<<<", "").replace(">>>", "") + "\nSOURCE>>>"

    assert exercises.check_wrap(fence) is True
    assert exercises.check_wrap(lambda t: f"<<<SOURCE\n{t}\nSOURCE>>>") is False
    assert "remove every <<< and >>>" in capsys.readouterr().out
    assert exercises.check_wrap(lambda t: fence(t).upper()) is False
    assert "went missing" in capsys.readouterr().out
    assert exercises.check_wrap(lambda t: None) is False
