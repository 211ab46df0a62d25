"""Stand-in for the ccx_messaging package in the container tests' image."""
