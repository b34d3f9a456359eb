"""The one registry type: duplicates refused, unknown names answered with the known ones."""

from __future__ import annotations

import pytest

from newsie.registry import Registry, UnknownNameError


def test_register_and_look_up_in_registration_order():
    things: Registry[int] = Registry("thing")
    things.add("b", 2)

    @things.register("a", "alias")
    def make_a() -> int:
        return 1

    assert list(things) == ["b", "a", "alias"]
    assert things["alias"] is make_a and things["b"] == 2
    assert "a" in things and "c" not in things and len(things) == 3


def test_duplicate_name_is_refused_and_the_first_kept():
    things: Registry[int] = Registry("thing")
    things.add("a", 1)
    with pytest.raises(ValueError, match="thing named 'a' is already registered"):
        things.add("a", 2)
    assert things["a"] == 1


def test_unknown_name_lists_the_known_ones():
    things: Registry[int] = Registry("corpus format")
    things.add("re3d", 1)
    things.add("brat", 2)
    with pytest.raises(UnknownNameError) as info:
        things["gmu"]
    assert str(info.value) == "unknown corpus format 'gmu'; known: brat, re3d"
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)


def test_names_must_be_non_empty_strings():
    things: Registry[int] = Registry("thing")
    with pytest.raises(TypeError):
        things.add("", 1)
    with pytest.raises(TypeError):
        things.register()
