"""Frontends turn a file into ModelGraphs; they translate, they never count."""
