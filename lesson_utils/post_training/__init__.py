"""After pre-training (notebook 07): answer pairs and labels, a reward model, DPO, and reward hacking."""

from .dpo import dpo_loss, policy_logprobs, trainable_copy
from .preferences import agreement, load_pairs, with_student_labels
from .reward_hacking import happy_word_reward, leashed_score, optimise_against_reward
from .reward_model import RewardHead, pair_accuracy, score_answers
from .sequences import chat_sequence, frozen_pass

__all__ = ["RewardHead", "agreement", "chat_sequence", "dpo_loss", "frozen_pass", "happy_word_reward",
           "leashed_score", "load_pairs", "optimise_against_reward", "pair_accuracy", "policy_logprobs",
           "score_answers", "trainable_copy", "with_student_labels"]
