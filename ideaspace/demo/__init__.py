"""The Kokkola demo: data files and their loader."""
