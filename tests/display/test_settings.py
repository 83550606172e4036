"""The [display] table: defaults, overrides, and mistakes named by their key."""

from __future__ import annotations

import pytest

from display.settings import DisplaySettings, parse_display_table
from hall.config import ConfigError


def test_defaults_and_a_full_table():
    assert parse_display_table({}) == DisplaySettings()
    settings = parse_display_table({"server": "http://10.0.0.5:8080", "token": "t", "zone": "2F",
                                    "orientation": "portrait", "fullscreen": True, "screen": 1,
                                    "mute": True, "speech": "clips", "clips_dir": "/srv/clips",
                                    "blink_seconds": 5, "recent_calls": 6})
    assert settings.portrait and settings.zone == "2F" and settings.recent_calls == 6


@pytest.mark.parametrize("table, key", [
    ({"server": "10.0.0.5"}, "display.server"),
    ({"orientation": "sideways"}, "display.orientation"),
    ({"speech": "festival"}, "display.speech"),
    ({"speech": "clips"}, "display.clips_dir"),
    ({"blink_seconds": -1}, "display.blink_seconds"),
    ({"recent_calls": 99}, "display.recent_calls"),
    ({"screen": "left"}, "display.screen"),
    ({"mute": "yes"}, "display.mute"),
    ({"zone": 2}, "display.zone"),
    ({"colour": "red"}, "display.colour"),
])
def test_mistakes_name_the_key(table, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        parse_display_table(table)


def test_command_line_overrides_are_validated_too():
    settings = DisplaySettings().with_overrides(zone="1F", mute=None)
    assert settings.zone == "1F" and settings.mute is False
    with pytest.raises(ConfigError, match="display.orientation"):
        DisplaySettings().with_overrides(orientation="upside-down")
