"""`passgenau serve`, `users` and `audit`: the commands of the case-manager service."""

from __future__ import annotations
