"""Display only: figures and HTML (viz.py) and one widget module per notebook (nNN_*.py).

Nothing outside ui/ imports it except session.py, which sets the figure style; tests/test_layout.py
holds that rule. The numbers a widget shows come from the tested functions of the other parts.
"""

from . import viz
from .n00_what_is_an_llm import ChatBox, NextTokenExplorer
from .n01_tokenization import MergeStepper, TokenHighlighter
from .n02_embeddings import WordMapExplorer
from .n03_attention import AttentionViewer
from .n04_next_token import NextTokenStepper
from .n05_sampling import SamplingLab
from .n07_feedback import PreferenceLabeller, RewardExplorer
from .n08_rag import ChunkingViewer, RetrievalExplorer, results_html
from .n09_security import AttackLab

__all__ = ["AttackLab", "AttentionViewer", "ChatBox", "ChunkingViewer", "MergeStepper", "NextTokenExplorer",
           "NextTokenStepper", "PreferenceLabeller", "RetrievalExplorer", "RewardExplorer", "SamplingLab",
           "TokenHighlighter", "WordMapExplorer", "results_html", "viz"]
