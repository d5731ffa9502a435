"""Operations over the IAM model: merge, diff and covers (exactly, with witnesses, in
:mod:`~lambda_perms.algebra.exact`), minimize (with the action cover), size and split, validation
against the universe, and whole-request authorization (:mod:`~lambda_perms.algebra.authorize`).

Imports the IAM model and the universe; nothing above it.
"""
