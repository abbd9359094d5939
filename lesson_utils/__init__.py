"""LLMs from the inside: the code behind the notebooks.

Import this package before torch: it sets how PyTorch's CPU threads wait for work.
Threads that spin while waiting make PyTorch many times slower when another program
shares the CPU (a second notebook, a test run); waiting passively costs next to
nothing when the cores are free. OpenMP reads the setting once, when torch loads.
"""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
