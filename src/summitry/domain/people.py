"""How people are named: forms of address and titles, never garbled."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Styling:
    """The parts of a person's name as protocol writes them."""

    given_name: str
    family_name: str
    honorific: str = ""
    title: str = ""

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.given_name.strip(), self.family_name.strip()) if p)

    @property
    def formal_name(self) -> str:
        """``The Honourable Marc Garneau``."""
        return " ".join(p for p in (self.honorific.strip(), self.name) if p)

    @property
    def full_style(self) -> str:
        """``The Honourable Marc Garneau, Minister of Foreign Affairs of Canada``."""
        title = self.title.strip()
        return f"{self.formal_name}, {title}" if title else self.formal_name


def initials(name: str) -> str:
    """Up to two initials for an avatar when no video is shown (``Marc Garneau`` → ``MG``)."""
    parts = [p for p in name.replace("-", " ").split() if p[:1].isalpha()]
    if not parts:
        return "?"
    if len(parts) == 1:
        return parts[0][0].upper()
    return (parts[0][0] + parts[-1][0]).upper()
