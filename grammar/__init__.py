"""Syntax: the term model, the rule-file grammar and the question grammar."""
