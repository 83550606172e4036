"""The hall's web pages. Each page module provides a Flask blueprint named `blueprint`;
list it here and the app registers it."""

BLUEPRINT_MODULES: tuple[str, ...] = (
    "server.pages.phone",
)
