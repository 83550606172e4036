"""The hall's web pages. Each page module provides a Flask blueprint named `blueprint`;
list it here and the app registers it."""

BLUEPRINT_MODULES: tuple[str, ...] = (
    "server.pages.clerk",
    "server.pages.clerk_api",
    "server.pages.window_screen",
    "server.pages.board",
    "server.pages.supervision_api",
    "server.pages.supervision",
    "server.pages.phone",
    "server.pages.admin",
    "server.pages.admin_api",
    "server.pages.appointments_api",
    "server.pages.remote_api",
    "server.pages.book",
    "server.pages.protocol_script",
    "server.pages.city",
)
