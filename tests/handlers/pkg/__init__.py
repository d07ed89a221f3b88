"""A package holding a handler module (`pkg.mod.handler`)."""
