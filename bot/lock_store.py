"""Rasa's Redis lock store, with every change to a lock made atomically.

Several Rasa instances serve one conversation's messages one at a time by taking tickets from
a lock kept in Redis. Rasa 3.6's RedisLockStore changes a lock by reading it, changing it and
writing it back, so two instances issuing tickets at the same moment can overwrite each other:
a ticket vanishes, and its message fails with "Could not acquire lock" (seen with 24 messages
sent at once to two instances). Here each change runs in a Redis transaction (WATCH / MULTI):
if another instance changed the lock in between, the change is made again on the new value.

endpoints.yml:  lock_store: {type: bot.lock_store.AtomicRedisLockStore, url: host, port, db}
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Any = None, **settings: Any) -> None:
        # Rasa builds a custom lock store from its endpoint config alone.
        if endpoint_config is not None:
            settings = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs}
        super().__init__(**settings)

    def _change(
        self, conversation_id: str, change: Callable[[TicketLock | None], tuple[Any, Any]]
    ) -> Any:
        """Apply change(lock) -> (lock to keep or None to delete, result) atomically."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    kept, result = change(lock)
                    pipe.multi()
                    if kept is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, kept.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        def finish(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._change(conversation_id, finish)
