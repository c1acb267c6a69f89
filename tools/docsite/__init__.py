"""The documentation site's generators: pages written from the code at build time."""
