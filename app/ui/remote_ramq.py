"""RamqDesk (app.ui.services) over the signed-in RemoteSession: app.ramq.service.RamqService with
the session's client (None when signed in offline: the cache answers) and the store reached
through its one executor thread."""

from __future__ import annotations

from typing import Any


class _OnStoreThread:
    """The store methods RamqService calls, each run on the store's executor."""

    def __init__(self, executor: Any):
        self._executor = executor

    def __getattr__(self, name: str):
        def call(*args: Any, **kwargs: Any) -> Any:
            return self._executor.call(lambda store: getattr(store, name)(*args, **kwargs))
        return call


class SessionRamq:
    def __init__(self, session: Any):
        self.session = session  # app.ui.remote.RemoteSession

    def _service(self):
        from app.ramq.service import RamqService

        s = self.session
        return RamqService(s.client, _OnStoreThread(s.executor), s.profile)

    def family_physician(self, nam: str):
        return self._service().family_physician(nam)

    def eligibility(self, nam: str):
        return self._service().eligibility(nam)

    def import_config(self):
        return self._service().import_config()

    def save_import_config(self, config, first_time: bool = False):
        return self._service().save_import_config(config, first_time)

    def run_import(self):
        return self._service().run_import()

    def submit_account_request(self, request):
        return self._service().submit_account_request(request)

    def account_requests(self) -> list:
        return self._service().account_requests()
