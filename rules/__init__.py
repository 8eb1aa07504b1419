"""modelint's rules: one module per rule, found by walking this package."""
