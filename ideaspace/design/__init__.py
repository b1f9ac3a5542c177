"""The visual design's run-time part: the organisation's brand colour (checked for contrast) and
logo, served as a small stylesheet after the design tokens (docs/design.md)."""
