"""More array ops: split, tile, pad, gather_nd, sorting, masks, einsum, ..."""
__all__ = []
