"""The domain layer: the contract declared once, its rules with codes, problems worded by the catalogue.

* :mod:`.contract` — every table, column, kind, default, reference, key and vocabulary;
* :mod:`.rules` — the value rules (one function per kind, used by both backends) and the context rules' per-entry
  backend; each finding a code worded by :mod:`alliance_lens.messages` as ``problem.<code>``;
* :mod:`.problems` — :class:`~.problems.Problem`, :class:`~.problems.UserError`, :class:`~.problems.ValidationError`;
* :mod:`.entities` — the typed entries and :class:`~.entities.AllianceData` (frames shaped by the contract).

Nothing here imports the store, pandas aside; :mod:`alliance_lens.model` re-exports it all under the old names.
"""
