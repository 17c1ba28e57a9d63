"""Turns a Graph, or the part of it a Session fetch needs, into a compiled execution plan."""
from tensorflux.compiler.plan import Plan

__all__ = ["Plan"]
