"""Signals of the workflow for other apps (webhooks): events written in bulk, without ``save()``.

The engine writes one ``PetitionEvent`` at a time (``post_save`` sees it); the set-based deadline
sweep inserts its ``deadline_breached`` events with one statement, so it announces them here:
``events_inserted.send(sender=PetitionEvent, action=…, after_pk=…)`` inside its transaction: the
events of that action with a primary key above ``after_pk``.
"""

from __future__ import annotations

from django.dispatch import Signal

events_inserted = Signal()
