"""The site directory in the intake form: type-ahead, exact-name matching, filling kind, address and division.

Why a module of its own: choosing a site is its own small workflow (never overwrite what was typed, drop the site
when the call-taker types over it, say which dismissal times "after school" will mean) on top of the layout.
"""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, QTimer

from dispatch_console.domain.sites import WEEKDAYS, Site
from dispatch_console.services import sites as site_service
from dispatch_console.ui.intake.layout import IntakeLayout
from dispatch_console.ui.theme import set_role

NOT_IN_DIRECTORY = "Not in the site directory: the name and address are kept as typed."


class IntakeSites(IntakeLayout):
    """The form's site directory behaviour (see the module docstring)."""

    # --- sites ---------------------------------------------------------------------------------------------------
    def _load_sites(self) -> list[Site]:
        with self.ctx.db.read() as session:
            return site_service.all_sites(session)

    def set_sites(self, sites: list[Site]) -> None:
        """Fill the type-ahead: each entry shows name, address and aliases so any of them finds the site."""
        self.sites = list(sites)
        self._by_completion = {}
        for site in self.sites:
            text = f"{site.name} — {site.address}"
            if site.aliases:
                text += f" ({'; '.join(site.aliases)})"
            self._by_completion[text] = site
        model = self.completer.model()
        assert isinstance(model, QStringListModel)
        model.setStringList(list(self._by_completion))
        self.sites_loaded.emit()

    def _completion_chosen(self, text: str) -> None:
        site = self._by_completion.get(text)
        if site is not None:
            QTimer.singleShot(0, lambda: self.choose_site(site))  # after the completer has written its text

    def _match_typed_site(self) -> None:
        """A typed name or alias that is exactly a directory entry selects it (no popup needed)."""
        if self.site is not None or self._restoring:
            return
        typed = self.target.text().strip().casefold()
        if not typed:
            return
        found = [s for s in self.sites if typed in (s.name.casefold(), *(a.casefold() for a in s.aliases))]
        if len(found) == 1:
            self.choose_site(found[0])

    def choose_site(self, site: Site) -> None:
        """Take the site from the directory: kind, name, address, division and the dismissal times."""
        self.site = site
        if self.target.text() != site.name:
            self.target.setText(site.name)
        if self.kind.currentIndex() <= 0 or self._filled.get("kind") == self.kind.currentData():
            self.kind.setCurrentIndex(max(self.kind.findData(site.kind.value), 0))
            self._filled["kind"] = site.kind.value
        for key, edit, value in (("address", self.address, site.address), ("division", self.division, site.division)):
            if not edit.text().strip() or edit.text() == self._filled.get(key):  # never overwrite what was typed
                edit.setText(value)
                self._filled[key] = value
        self._update_site_note()
        self._changed()

    def _update_site_note(self) -> None:
        typed = self.target.text().strip()
        if self.site is not None and typed != self.site.name:
            self.site = None  # the call-taker typed over the chosen site: it is a free target now
        if self.site is None and typed and not self._restoring:
            exact = [s for s in self.sites if s.name.casefold() == typed.casefold()]
            if len(exact) == 1 and exact[0].name == typed:
                self.choose_site(exact[0])  # the full name typed out is the directory's site
                return
        if self.site is not None:
            self.site_note.setText(f"From the directory: {self.site.division} division. {_schedule(self.site)}")
            set_role(self.site_note, "ok")
        elif self.target.text().strip():
            self.site_note.setText(NOT_IN_DIRECTORY)
            set_role(self.site_note, "hint")
        else:
            self.site_note.setText("")


def _schedule(site: Site) -> str:
    """``"Dismissal Mon–Thu 15:10, Fri 13:30; lunch 11:45"``: what "after school" and "lunch" will mean."""
    if not site.dismissal:
        return "No dismissal times on file."
    runs: list[tuple[int, int, str]] = []
    for day in sorted(site.dismissal):
        text = site.dismissal[day].strftime("%H:%M")
        if runs and runs[-1][1] == day - 1 and runs[-1][2] == text:
            runs[-1] = (runs[-1][0], day, text)
        else:
            runs.append((day, day, text))
    names = [d.capitalize() for d in WEEKDAYS]
    parts = [f"{names[a]}–{names[b]} {t}" if a != b else f"{names[a]} {t}" for a, b, t in runs]
    lunch = f"; lunch {site.lunch:%H:%M}" if site.lunch else ""
    return f"Dismissal {', '.join(parts)}{lunch}."
