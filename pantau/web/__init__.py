"""The analysts' dashboard: HTML pages (templates/), vendored assets and the offline world map (static/)."""
