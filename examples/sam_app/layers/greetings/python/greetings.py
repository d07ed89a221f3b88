"""Shared by the application's functions through the GreetingsLayer."""


def greeting(name):
    return f"hello {name}"
