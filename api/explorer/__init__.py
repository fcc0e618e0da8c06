"""The explorer: HTML pages of clusters and projects with their SVG drawings (scheme, roster)."""
