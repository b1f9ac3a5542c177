"""A person's own data as JSON, and erasing a person while their contributions and counts stay."""
