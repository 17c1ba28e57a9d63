"""NumPy kernels, grouped by family. Every kernel takes the array namespace `xp` first, then
its input arrays (positional), then its attributes (keywords), and returns arrays."""
