"""Images (issue 18): covers of workspaces and themes, pictures of ideas, kept in the database."""
