"""A module the uses_helper handler imports a name from."""


def fetch():
    return "real fetch"
