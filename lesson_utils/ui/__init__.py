"""Display only: figures and HTML (viz.py) and one widget module per notebook (nNN_*.py).

Nothing outside ui/ imports it except session.py, which sets the figure style; tests/test_layout.py
holds that rule. The numbers a widget shows come from the tested functions of the other parts.
"""

from ..lazy import exports  # each module loads when one of its names is first used

__getattr__, __dir__, __all__ = exports(__name__, {
    "n00_what_is_an_llm": "ChatBox NextTokenExplorer",
    "n01_tokenization":   "MergeStepper TokenHighlighter",
    "n02_embeddings":     "WordMapExplorer",
    "n03_attention":      "AttentionViewer",
    "n04_next_token":     "NextTokenStepper",
    "n05_sampling":       "SamplingLab",
    "n07_feedback":       "PreferenceLabeller RewardExplorer",
    "n08_rag":            "ChunkingViewer RetrievalExplorer results_html",
    "n09_security":       "AttackLab",
})
