"""The faces: what managers and analysts see. The calculator (the query layer over published
scores), the Voila page, the weekly report, the segment explorer, plots, exports and working
lists. The command line is ``kapot.cli``."""

__all__: list[str] = []
