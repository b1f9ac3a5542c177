"""The ballot box: anonymous contributions are sealed when given and published in batches of k."""
