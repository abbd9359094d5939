"""After pre-training (notebook 07): answer pairs and labels, a reward model, DPO, and reward hacking."""

from ..lazy import exports  # each module loads when one of its names is first used

__getattr__, __dir__, __all__ = exports(__name__, {
    "dpo":            "dpo_loss policy_logprobs trainable_copy",
    "preferences":    "agreement load_pairs with_student_labels",
    "reward_hacking": "happy_word_reward leashed_score optimise_against_reward",
    "reward_model":   "RewardHead pair_accuracy score_answers",
    "sequences":      "chat_sequence frozen_pass",
})
