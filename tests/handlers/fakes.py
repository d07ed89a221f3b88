"""Replacements the patching tests give by import path ("fakes:helper")."""


def helper():
    return "fake helper"


def fetch():
    return "fake fetch"


def dumps(value, **kwargs):
    return "patched dumps"
