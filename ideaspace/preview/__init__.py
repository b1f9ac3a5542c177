"""The Markdown preview of the toolbar (issue 18): what a text will look like, rendered on the server."""
