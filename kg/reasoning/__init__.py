"""Reasoning: OWL 2 RL materialisation into the inferred graph, and clash explanations.

>>> from kg.reasoning import materialise, find_clashes
"""

from __future__ import annotations

from kg.reasoning.rl import Clash, MaterialisationResult, find_clashes, materialise

__all__ = ["Clash", "MaterialisationResult", "find_clashes", "materialise"]
