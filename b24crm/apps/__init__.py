"""Applications: local apps, their install lifecycle, OAuth 2.0 and their placements."""
