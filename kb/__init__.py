"""Guize: Chinese e-commerce platform rules as Datalog, answered with proofs.

>>> from kb import KnowledgeBase
>>> base = KnowledgeBase.default()  # the shipped rules in facts/
"""

from grammar.errors import KbError, LoadErrors, QueryError
from kb.api import SCHEMA, Answer, KnowledgeBase

__all__ = ["SCHEMA", "Answer", "KbError", "KnowledgeBase", "LoadErrors", "QueryError"]
