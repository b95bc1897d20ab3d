"""Training utilities shared by every trained network: resumable state, divergence checks."""
