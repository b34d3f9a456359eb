"""`Registry`: the one kind of name -> thing table newsie keeps (encoders, converters, systems,
quantizers, boundary rules, baseline rules, commands).

    CONVERTERS: Registry[Converter] = Registry("corpus format")

    @CONVERTERS.register("re3d")
    def read_re3d(...): ...

    CONVERTERS["re3d"]      # the function
    CONVERTERS["nope"]      # UnknownNameError: unknown corpus format 'nope'; known: brat, re3d, ...

A name can be registered once: a second registration raises instead of silently replacing the
first. Iteration follows registration order, which is the order rules run in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class UnknownNameError(KeyError, ValueError):
    """A name no one registered. A KeyError for mapping-style callers, a ValueError for callers
    that validate user input; its message lists the known names."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


class Registry(Generic[T]):
    """Names to things of one `kind` (used in error messages: "unknown corpus format ...")."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, *names: str) -> Callable[[T], T]:
        """A decorator that registers its target under each of `names`."""
        if not names:
            raise TypeError("register() needs at least one name")

        def decorator(item: T) -> T:
            for name in names:
                self.add(name, item)
            return item

        return decorator

    def add(self, name: str, item: T) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"a {self.kind} name must be a non-empty str, got {name!r}")
        if name in self._items:
            raise ValueError(f"a {self.kind} named {name!r} is already registered")
        self._items[name] = item

    def __getitem__(self, name: str) -> T:
        try:
            return self._items[name]
        except (KeyError, TypeError):
            raise UnknownNameError(
                f"unknown {self.kind} {name!r}; known: {', '.join(self.names()) or 'none'}"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def names(self) -> list[str]:
        """The registered names, sorted (for messages and `--help`)."""
        return sorted(self._items)

    def items(self):
        return self._items.items()

    def values(self):
        return self._items.values()

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {self.names()})"
