"""The CLI's command groups, one module each; `perfkit.cli` assembles them."""
