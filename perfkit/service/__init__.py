"""The reference service: an EchoTune-style music API that wires perfkit's runtime half
together (rate limiter, cache, measurement) and is the analysis half's default target."""
