"""modelint: a static analyzer for neural-network model definitions.

Importing this package must stay cheap: `modelint --version` imports nothing else.
"""

__version__ = "0.1.0"
