"""A module no handler imports at Init; a patch of it imports it."""


def value():
    return "real value"
