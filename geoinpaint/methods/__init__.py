"""The method layer: the two method interfaces (`base`), their options (`options`), the method
registry (`registry`), the GAN routine base (`gan`), the numpy/tensor adapter (`adapter`), the
cost counters (`describe`) and the one training path (`train`)."""
