"""The programme draft: what goes in, the preview, published versions and their comparison."""
