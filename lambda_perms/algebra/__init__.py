"""Operations over the IAM model: merge, diff and covers, minimize (with the action cover),
size and split, and validation against the universe.

Imports the IAM model and the universe; nothing above it.
"""
