"""Printable German documents for and about a claimant (Auskunft, the claimant notice): plain HTML
pages with print CSS, every value escaped, no script and nothing loaded from elsewhere."""
