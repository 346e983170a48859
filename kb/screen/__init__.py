"""Bulk screening: the clauses compiled to SQL and run on an embedded engine (DuckDB) or Spark.

``kb.screen.compile`` turns the term model into a plan of SQL views (one per clause and one per
derived predicate, three-valued: 2 yes, 1 unknown, 0 no); ``kb.screen.tables`` reads the input
tables with the engine's own readers and checks them; ``kb.screen.run`` executes a plan and
writes one row per subject with its failing conditions.
"""

from kb.screen.compile import CompileError, Plan, compile_goal, screenable_goals

__all__ = ["CompileError", "Plan", "compile_goal", "screenable_goals"]
