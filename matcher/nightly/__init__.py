"""Nightly match lists for every active claimant: capacity-aware, resumable, local or on Ray."""
