"""A module that raises while it is imported (Init fails with the exception's type)."""


class ConfigurationMissing(Exception):
    pass


def _load_configuration():
    raise ConfigurationMissing("TABLE_NAME is not set")


CONFIGURATION = _load_configuration()


def handler(event, context):
    return "never reached"
